"""``previzkit composite``: real image files in, real files out, read back by Pillow."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from previzkit.cli import main


@pytest.fixture
def plate(tmp_path):
    img = np.zeros((60, 80, 3), np.uint8)
    img[...] = (10, 175, 60)
    img[20:40, 30:50] = (200, 120, 100)
    p = tmp_path / "plate.png"
    Image.fromarray(img).save(p)
    return p


def test_key_writes_straight_rgba_and_matte(tmp_path, plate):
    out, matte = tmp_path / "keyed.png", tmp_path / "matte.png"
    assert (
        main(
            [
                "composite",
                "key",
                str(plate),
                "-o",
                str(out),
                "--matte",
                str(matte),
                "--key-color",
                "auto",
            ]
        )
        == 0
    )
    rgba = np.asarray(Image.open(out))
    assert rgba.shape == (60, 80, 4)
    assert rgba[0, 0, 3] == 0 and rgba[30, 40, 3] == 255
    np.testing.assert_array_equal(rgba[30, 40, :3], (200, 120, 100))
    m = np.asarray(Image.open(matte))
    assert m.shape == (60, 80) and m[30, 40] == 255 and m[5, 5] == 0


def test_key_over_background_with_garbage(tmp_path, plate):
    bg = tmp_path / "bg.png"
    Image.fromarray(np.full((60, 80, 3), (0, 0, 200), np.uint8)).save(bg)
    garbage = tmp_path / "garbage.png"
    g = np.full((60, 80), 255, np.uint8)
    g[:, 40:] = 0
    Image.fromarray(g).save(garbage)
    out = tmp_path / "comp.jpg"
    assert (
        main(
            [
                "composite",
                "key",
                str(plate),
                "--bg",
                str(bg),
                "--garbage",
                str(garbage),
                "-o",
                str(out),
                "--screen",
                "green",
                "--choke",
                "1",
            ]
        )
        == 0
    )
    comp = np.asarray(Image.open(out)).astype(int)
    assert abs(comp[30, 35] - (200, 120, 100)).max() < 12  # actor kept (JPEG tolerance)
    assert abs(comp[30, 45] - (0, 0, 200)).max() < 12  # garbage-matted out
    assert abs(comp[5, 5] - (0, 0, 200)).max() < 12  # screen replaced


def test_over_grade_letterbox(tmp_path):
    fg = np.zeros((20, 30, 4), np.uint8)
    fg[5:15, 5:25] = (255, 0, 0, 128)
    Image.fromarray(fg).save(tmp_path / "fg.png")
    Image.fromarray(np.full((20, 30, 3), 100, np.uint8)).save(tmp_path / "bg.png")
    assert (
        main(
            [
                "composite",
                "over",
                str(tmp_path / "fg.png"),
                str(tmp_path / "bg.png"),
                "-o",
                str(tmp_path / "o.png"),
            ]
        )
        == 0
    )
    o = np.asarray(Image.open(tmp_path / "o.png"))
    np.testing.assert_array_equal(o[10, 10], (128 + 50, 50, 50))
    np.testing.assert_array_equal(o[0, 0], (100, 100, 100))

    cube = tmp_path / "inv.cube"
    cube.write_text(
        'TITLE "invert"\nLUT_3D_SIZE 2\n'
        + "\n".join(f"{1 - r} {1 - g} {1 - b}" for b in (0, 1) for g in (0, 1) for r in (0, 1))
        + "\n"
    )
    assert (
        main(
            [
                "composite",
                "grade",
                str(tmp_path / "o.png"),
                "-o",
                str(tmp_path / "g.png"),
                "--lut",
                str(cube),
                "--slope",
                "1",
            ]
        )
        == 0
    )
    np.testing.assert_array_equal(np.asarray(Image.open(tmp_path / "g.png"))[0, 0], (155, 155, 155))

    assert (
        main(
            [
                "composite",
                "letterbox",
                str(tmp_path / "o.png"),
                "-o",
                str(tmp_path / "l.png"),
                "--size",
                "60x60",
                "--color",
                "0,0,255",
            ]
        )
        == 0
    )
    lb = np.asarray(Image.open(tmp_path / "l.png"))
    assert lb.shape == (60, 60, 3)
    np.testing.assert_array_equal(lb[0, 0], (0, 0, 255))
    np.testing.assert_array_equal(lb[11, 1], (100, 100, 100))  # plate rows 10..49
    np.testing.assert_array_equal(lb[5, 30], (0, 0, 255))


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["key", "missing.png", "-o", "x.png"], "missing.png: image file not found"),
        (["grade", "{img}", "-o", "x.png"], "grade: give --lut"),
        (
            ["grade", "{img}", "-o", "x.png", "--slope", "1,2"],
            "--slope: expected one or three numbers",
        ),
        (["letterbox", "{img}", "-o", "x.png", "--size", "big"], "--size must look like 1920x1080"),
        (["key", "{img}", "-o", "x.jpg"], "has no alpha"),
        (["key", "{img}", "-o", "x.png", "--softness", "-1"], "softness: must be >= 0"),
        (
            ["over", "{img}", "{img}", "-o", "x.png", "--backend", "cupy"],
            "backend 'cupy' is not available",
        ),
    ],
)
def test_user_errors_are_one_line(tmp_path, capsys, args, words):
    img = tmp_path / "img.png"
    Image.fromarray(np.full((8, 8, 3), (20, 170, 60), np.uint8)).save(img)  # a screen
    args = [a.replace("{img}", str(img)) for a in args]
    args = [str(tmp_path / a) if a.startswith("x.") else a for a in args]
    code = main(["composite", *args])
    err = capsys.readouterr().err.strip()
    if "cupy" in args and "not available" not in err:
        pytest.skip("a CUDA device is present")
    assert code == 2
    assert len(err.splitlines()) == 1 and words in err, err

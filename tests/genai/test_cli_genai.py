"""`previzkit genai train / sample / eval / strip` hand off to the library; errors are one line."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")

from previzkit.cli import main


def test_sample_writes_a_panorama_and_cube_faces(tiny_model, tmp_path, capsys):
    from PIL import Image

    out = tmp_path / "pano.png"
    rc = main(
        [
            "genai",
            "sample",
            str(tiny_model),
            "--size",
            "256x128",
            "--seed",
            "7",
            "-o",
            str(out),
            "--cubemap",
            str(tmp_path / "cube"),
            "--face-size",
            "32",
        ]
    )
    assert rc == 0
    with Image.open(out) as im:
        assert im.size == (256, 128)
        first = np.asarray(im)
    assert len(list((tmp_path / "cube").glob("*.png"))) == 6
    assert (
        main(
            [
                "genai",
                "sample",
                str(tiny_model),
                "--size",
                "256x128",
                "--seed",
                "7",
                "-o",
                str(tmp_path / "b.png"),
            ]
        )
        == 0
    )
    with Image.open(tmp_path / "b.png") as im:
        assert np.array_equal(np.asarray(im), first)
    assert "wrote" in capsys.readouterr().out


def test_sample_tile_and_horizon(tiny_model, tmp_path):
    assert (
        main(
            [
                "genai",
                "sample",
                str(tiny_model),
                "--size",
                "128x128",
                "--tile",
                "-o",
                str(tmp_path / "t.png"),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "genai",
                "sample",
                str(tiny_model),
                "--size",
                "256x128",
                "--ground",
                str(tiny_model),
                "-o",
                str(tmp_path / "h.png"),
            ]
        )
        == 0
    )


def test_eval_prints_the_table_and_json(tiny_model, capsys):
    args = [
        "genai",
        "eval",
        str(tiny_model),
        "skimage:gravel",
        "--tiles",
        "8",
        "--tile-size",
        "64",
        "--seam-seeds",
        "2",
    ]
    assert main(args) == 0
    out = capsys.readouterr().out
    for label in ["real vs real (floor)", "model", "untrained generator", "noise", "seam (wrap)"]:
        assert label in out
    assert main([*args, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["swd"]) == {"real vs real (floor)", "model", "untrained generator", "noise"}


def test_train_and_strip(tmp_path, capsys):
    from previzkit.genai.checkpoint import load_checkpoint

    img = tmp_path / "tex.png"
    from PIL import Image

    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (96, 128, 3), dtype=np.uint8)).save(img)
    out = tmp_path / "m.pt"
    args = [
        "genai",
        "train",
        str(img),
        "-o",
        str(out),
        "--steps",
        "2",
        "--batch",
        "2",
        "--crop",
        "64",
        "--channels",
        "8,8,4,4",
        "--holdout",
        "0.2",
        "--threads",
        "1",
    ]
    assert main(args) == 0
    assert load_checkpoint(out).meta["steps"] == 2
    assert main([*args[:6], "3", *args[7:]]) == 0  # resumes to 3 steps
    assert load_checkpoint(out).meta["steps"] == 3
    assert main(["genai", "strip", str(out), "-o", str(tmp_path / "s.pt")]) == 0
    assert load_checkpoint(tmp_path / "s.pt").train is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["sample", "{missing}", "-o", "{tmp}/x.png"], "does not exist"),
        (
            ["sample", "{model}", "--size", "12by3", "-o", "{tmp}/x.png"],
            "--size must look like 4096x2048, got '12by3'",
        ),
        (["sample", "{bad}", "-o", "{tmp}/x.png"], "corrupt or not a torch checkpoint"),
        (["eval", "{model}", "skimage:nothing"], "unknown bundled image"),
        (["eval", "{model}", "{bad}"], "not a readable image"),
        (["train", "{tmp}/none.png", "-o", "{tmp}/m.pt"], "does not exist"),
        (["train", "skimage:gravel", "-o", "{tmp}/m.pt", "--crop", "100"], "crop: 100"),
        (["train", "skimage:gravel", "-o", "{tmp}/m.pt", "--channels", "8,x"], "--channels"),
    ],
)
def test_user_errors_are_one_line(tiny_model, tmp_path, capsys, args, message):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"garbage")
    subs = {
        "missing": str(tmp_path / "missing.pt"),
        "tmp": str(tmp_path),
        "model": str(tiny_model),
        "bad": str(bad),
    }
    argv = ["genai", *(a.format(**subs) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1

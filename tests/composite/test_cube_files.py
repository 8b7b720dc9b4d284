""".cube files as grading tools write them parse; malformed ones name the line."""

from __future__ import annotations

import numpy as np
import pytest

import previzkit.composite as C
from previzkit.core.errors import LutError, MissingFileError


def _resolve_style(n=5, fn=lambda r, g, b: (r, g, b)):
    """Text laid out as DaVinci Resolve / Adobe write it: title, comments, size, domain."""
    lines = [
        "# Created by: DaVinci Resolve",
        'TITLE "Film Look 01"',
        "",
        "# LUT size",
        f"LUT_3D_SIZE {n}",
        "DOMAIN_MIN 0.0 0.0 0.0",
        "DOMAIN_MAX 1.0 1.0 1.0",
        "",
        "# data",
    ]
    g = np.linspace(0, 1, n)
    for b in g:  # blue slowest
        for gg in g:
            for r in g:  # red fastest
                lines.append("{:.6f} {:.6f} {:.6f}".format(*fn(r, gg, b)))
    return "\r\n".join(lines) + "\r\n"


def test_resolve_layout_parses_and_indexes_red_fastest(tmp_path):
    swap = lambda r, g, b: (b, g, r)  # noqa: E731 - a channel swap reveals the order
    p = tmp_path / "look.cube"
    p.write_text(_resolve_style(5, swap), newline="")
    lut = C.load_cube(p)
    assert lut.title == "Film Look 01"
    assert lut.cube.shape == (5, 5, 5, 3)
    img = np.array([[[255, 0, 0], [0, 0, 255], [10, 128, 250]]], np.uint8)
    out = C.apply_lut(img, lut)
    np.testing.assert_array_equal(out[0, :, 0], img[0, :, 2])
    np.testing.assert_array_equal(out[0, :, 2], img[0, :, 0])


def test_trilinear_reproduces_linear_transforms_exactly():
    m = np.array([[0.8, 0.1, 0.1], [0.05, 0.9, 0.05], [0.0, 0.2, 0.7]])
    lut = C.parse_cube(_resolve_style(9, lambda r, g, b: tuple(m @ (r, g, b))))
    img = np.random.default_rng(0).random((20, 30, 3), dtype=np.float32)
    want = img @ m.T.astype(np.float32)
    for b in ["numpy", *C.available_backends()]:
        got = C.apply_lut(img, lut, backend=b)
        np.testing.assert_allclose(got, want, atol=2e-5, err_msg=b)


def test_domain_and_shaper_layouts():
    text = """TITLE "log to video"
LUT_1D_SIZE 3
LUT_1D_INPUT_RANGE 0.0 2.0
LUT_3D_SIZE 2
LUT_3D_INPUT_RANGE 0.0 1.0
0 0 0
0.5 0.5 0.5
1 1 1
""" + "\n".join(f"{r} {g} {b}" for b in (0, 1) for g in (0, 1) for r in (0, 1))
    lut = C.parse_cube(text)
    assert lut.shaper.shape == (3, 3) and lut.cube.shape == (2, 2, 2, 3)
    np.testing.assert_allclose(lut.shaper_max, 2.0)
    img = np.array([[[0.0, 1.0, 2.0]]], np.float32)
    np.testing.assert_allclose(
        C.apply_lut(img, lut, backend="numpy"), [[[0.0, 0.5, 1.0]]], atol=1e-6
    )
    lut3 = C.parse_cube(
        "LUT_3D_SIZE 2\nDOMAIN_MIN -0.5 0 0\nDOMAIN_MAX 1.5 1 1\n"
        + "\n".join(f"{r} {g} {b}" for b in (0, 1) for g in (0, 1) for r in (0, 1))
    )
    np.testing.assert_allclose(lut3.domain_min, [-0.5, 0, 0])
    # x = 0.5 sits halfway through the domain -0.5..1.5
    out = C.apply_lut(np.array([[[0.5, 0.25, 0.25]]], np.float32), lut3, backend="numpy")
    np.testing.assert_allclose(out, [[[0.5, 0.25, 0.25]]], atol=1e-6)


def test_round_trip_through_format_cube(tmp_path):
    rng = np.random.default_rng(1)
    lut = C.Lut(
        cube=rng.random((4, 4, 4, 3)).astype(np.float32),
        title="rt",
        domain_min=(0, 0, -0.1),
        domain_max=(1, 1.2, 1),
    )
    p = tmp_path / "rt.cube"
    p.write_text(C.format_cube(lut))
    back = C.load_cube(p)
    np.testing.assert_allclose(back.cube, lut.cube, atol=1e-6)
    np.testing.assert_allclose(back.domain_min, lut.domain_min, atol=1e-6)
    assert back.title == "rt"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("LUT_3D_SIZE 2\n0 0 0\n1 0 0\n0 1 0\n1 1 0\n0 0 1\n1 0 1\n0 1 1\n", 8, "expected 8"),
        ("LUT_3D_SIZE 2\n0 0 0\n1 0\n", 3, "needs 3 numbers"),
        ("TITLE x\nLUT_3D_SIZE two\n", 2, "integer"),
        ("# c\nLUT_3D_SIZE 2\n0 0 0\n1 0 zero\n", 4, "not a number"),
        ("LUT_3D_SIZE 2\nFOO 1\n", 2, "unknown keyword FOO"),
        ("LUT_3D_SIZE 2\n0 0 0\nDOMAIN_MIN 0 0 0\n", 3, "after the table data"),
        ("LUT_3D_SIZE 1\n", 1, "outside"),
        ("LUT_3D_SIZE 2\nDOMAIN_MIN 0 0\n", 2, "needs 3 numbers"),
        ("LUT_3D_SIZE 2\n" + "0 0 0\n" * 8 + "1 1 1\n", 10, "found 9"),
        ("LUT_3D_SIZE 2\n0 0 nan\n", 2, "non-finite"),
    ],
)
def test_malformed_files_name_the_line(tmp_path, text, line, words):
    p = tmp_path / "bad.cube"
    p.write_text(text)
    with pytest.raises(LutError) as exc:
        C.load_cube(p)
    msg = str(exc.value)
    assert f"bad.cube:{line}:" in msg, msg
    assert words in msg, msg


def test_missing_size_and_missing_file(tmp_path):
    with pytest.raises(LutError, match=r"no LUT_3D_SIZE"):
        C.parse_cube("# nothing\n", "empty.cube")
    with pytest.raises(MissingFileError, match=r"nope\.cube"):
        C.load_cube(tmp_path / "nope.cube")
    (tmp_path / "bin.cube").write_bytes(b"\xff\xfe\x00\x80")
    with pytest.raises(LutError, match=r"bin\.cube"):
        C.load_cube(tmp_path / "bin.cube")
    with pytest.raises(LutError, match=r"domain_max must be greater"):
        C.parse_cube(
            "LUT_3D_SIZE 2\nDOMAIN_MIN 1 1 1\nDOMAIN_MAX 0 0 0\n" + "0 0 0\n" * 8, "d.cube"
        )


def test_shaper_only_round_trip():
    x = (np.linspace(0, 1, 6)[:, None] ** np.array([0.5, 1.0, 2.0])).astype(np.float32)
    lut = C.Lut(shaper=x, shaper_min=(0, 0, -0.5), shaper_max=(1, 2, 1))
    back = C.parse_cube(C.format_cube(lut))
    assert back.cube is None
    np.testing.assert_allclose(back.shaper, x, atol=1e-6)
    np.testing.assert_allclose(back.shaper_min, (0, 0, -0.5))
    np.testing.assert_allclose(back.shaper_max, (1, 2, 1))

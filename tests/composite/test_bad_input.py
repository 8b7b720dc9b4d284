"""Bad input raises a clear PrevizError naming the argument and both shapes/dtypes."""

from __future__ import annotations

import numpy as np
import pytest

import previzkit.composite as C
from previzkit.core.errors import InputError, PrevizError, ShapeError

RGB = np.zeros((4, 6, 3), np.uint8)
RGBA = np.zeros((4, 6, 4), np.uint8)


@pytest.mark.parametrize("backend", ["numpy", "auto"])
def test_over_shape_mismatch_names_both(backend):
    with pytest.raises(ShapeError) as exc:
        C.over(np.zeros((5, 6, 4), np.uint8), RGB, backend=backend)
    msg = str(exc.value)
    assert "fg" in msg and "bg" in msg and "(5, 6, 4)" in msg and "(4, 6, 3)" in msg


def test_over_dtype_mismatch_names_both():
    with pytest.raises(
        ShapeError, match=r"fg shape \(4, 6, 4\) float32 does not match bg shape \(4, 6, 3\) uint8"
    ):
        C.over(RGBA.astype(np.float32), RGB)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: C.over(RGB, RGB), "fg: expected (H, W, 4), got shape (4, 6, 3) uint8"),
        (lambda: C.over(RGBA, np.zeros((4, 6), np.uint8)), "bg: expected (H, W, 3) or (H, W, 4)"),
        (
            lambda: C.over(RGBA.astype(np.int16), RGB),
            "fg: expected dtype uint8/float16/float32, got shape (4, 6, 4) int16",
        ),
        (lambda: C.over([[1]], RGB), "fg: expected a numpy array, got list"),
        (lambda: C.over(np.zeros((0, 6, 4), np.uint8), RGB), "fg: image is empty"),
        (
            lambda: C.over(RGBA, RGB, np.zeros((4, 6, 3), np.float32)),
            "out: shape (4, 6, 3) float32 does not match the result of over (shape (4, 6, 3) uint8)",
        ),
        (lambda: C.key_matte(RGB.astype(np.float32)), "plate: expected dtype uint8"),
        (
            lambda: C.key_matte(RGB, garbage=np.zeros((4, 5), np.uint8)),
            "garbage: expected uint8 shape (4, 6) to match plate (4, 6, 3), got shape (4, 5) uint8",
        ),
        (
            lambda: C.key_despill_over(RGB, np.zeros((4, 7, 3), np.uint8)),
            "bg shape (4, 7, 3) uint8 does not match plate shape (4, 6, 3) uint8",
        ),
        (
            lambda: C.key(RGB, matte=np.zeros((4, 6), np.float32)),
            "matte: expected uint8 shape (4, 6)",
        ),
        (
            lambda: C.refine_matte(RGB),
            "alpha: expected a uint8 (H, W) matte, got shape (4, 6, 3) uint8",
        ),
        (
            lambda: C.apply_cdl(RGB.astype(np.float64), C.CDL()),
            "img: expected dtype uint8/float32, got shape (4, 6, 3) float64",
        ),
        (lambda: C.apply_lut(RGB, "look.cube"), "lut: expected a Lut"),
        (lambda: C.resize(RGB, 0, 10), "width/height: expected positive integers, got 0x10"),
        (lambda: C.letterbox(RGB, 10, 10, color=300), "color: 300 is outside 0..255"),
        (lambda: C.depth_composite([], RGB), "layers: expected at least one"),
        (lambda: C.depth_composite([RGBA], RGB), "layers[0]: expected a (color, depth) pair"),
        (
            lambda: C.depth_composite([(RGBA, np.zeros((4, 6), np.float64))], RGB),
            "layers[0] depth: expected float32 shape (4, 6) to match bg (4, 6, 3), got shape (4, 6) float64",
        ),
        (
            lambda: C.depth_composite([(RGBA, -1.0)], RGB),
            "layers[0] depth: depth -1.0 m is negative",
        ),
        (lambda: C.depth_composite([(RGBA, float("nan"))], RGB), "layers[0] depth: depth is NaN"),
        (
            lambda: C.depth_composite([(RGBA[:, :5], 1.0)], RGB),
            "layers[0] color shape (4, 5, 4) uint8 does not match bg shape (4, 6, 3) uint8",
        ),
    ],
)
def test_messages_name_the_argument(call, words):
    with pytest.raises(PrevizError) as exc:
        call()
    assert words in str(exc.value), str(exc.value)


@pytest.mark.parametrize("backend", ["numpy", "auto"])
def test_nan_depth_map_is_reported_with_count(backend):
    d = np.ones((4, 6), np.float32)
    d[1, 2] = np.nan
    d[3, 3] = np.nan
    with pytest.raises(ShapeError, match=r"layers\[1\] depth: 2 NaN pixel\(s\) of 4x6"):
        C.depth_composite([(RGBA, 1.0), (RGBA, d)], RGB, backend=backend)
    three = [(RGBA, 1.0), (RGBA, 2.0), (RGBA, d)]
    with pytest.raises(ShapeError, match=r"layers\[2\] depth"):
        C.depth_composite(three, RGB, backend=backend)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"screen": "red"}, "screen: expected one of ['blue', 'green'], got 'red'"),
        ({"key_color": (0, 300, 0)}, "key_color: expected (R, G, B) in 0..255"),
        ({"tolerance": -1}, "tolerance: must be >= 0"),
        ({"softness": float("nan")}, "softness: must be finite"),
        ({"clip_black": 0.8, "clip_white": 0.5}, "clip_black/clip_white"),
        ({"spill": 2}, "spill: must be in 0..1"),
        ({"choke": 1.5}, "choke: expected an integer"),
        ({"blur": -1}, "blur: expected an integer radius"),
    ],
)
def test_key_params_are_checked(kwargs, words):
    with pytest.raises(InputError) as exc:
        C.KeyParams(**kwargs)
    assert words in str(exc.value)


def test_grey_key_colour_is_refused():
    with pytest.raises(InputError, match=r"key_color: \(128, 128, 128\) is too close to grey"):
        C.key_matte(RGB, C.KeyParams(key_color=(128, 128, 128)))


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"slope": (1, 1)}, "slope: expected three numbers"),
        ({"power": (1, 0, 1)}, "power: must be > 0"),
        ({"slope": (-1, 1, 1)}, "slope: must be >= 0"),
        ({"saturation": -0.5}, "saturation: must be >= 0"),
        ({"offset": (0, float("inf"), 0)}, "offset: must be finite"),
    ],
)
def test_cdl_params_are_checked(kwargs, words):
    with pytest.raises(InputError) as exc:
        C.CDL(**kwargs)
    assert words in str(exc.value)


def test_read_only_out_is_refused():
    out = np.zeros_like(RGB)
    out.flags.writeable = False
    with pytest.raises(ShapeError, match="out: array is read-only"):
        C.over(RGBA, RGB, out)

"""Fuzz the .cube reader: mutated LUT files parse to a Lut that applies to an image
(finite output), or raise LutError naming the source and line."""

from __future__ import annotations

import numpy as np
from hypothesis import given

from previzkit.composite.lut import Lut, format_cube, load_cube, parse_cube
from previzkit.core.errors import LutError, MissingFileError
from tests.helpers.fuzzkit import fuzz_settings, mutated_bytes, mutated_text

_rng = np.random.default_rng(3)
_shaped = Lut(
    cube=_rng.random((3, 3, 3, 3), np.float32),
    shaper=np.linspace(0, 1, 4, dtype=np.float32)[:, None].repeat(3, 1),
    shaper_min=(-0.1, -0.1, -0.1),
    shaper_max=(1.5, 1.5, 1.5),
    title="fuzz seed",
)
SEEDS = [format_cube(Lut.identity(3)), format_cube(_shaped)]
IMAGE = (np.arange(4 * 5 * 3) * 17 % 256).astype(np.uint8).reshape(4, 5, 3)


def _check(text: str) -> None:
    try:
        lut = parse_cube(text, "fuzz.cube")
    except LutError as exc:
        assert "fuzz.cube" in str(exc)
        return
    from previzkit.composite.ops import apply_lut

    out = apply_lut(IMAGE, lut, backend="numpy")
    assert out.shape == IMAGE.shape
    if out.dtype != np.uint8:
        assert np.all(np.isfinite(out))


@fuzz_settings()
@given(mutated_text(SEEDS[0], max_ops=6))
def test_fuzz_mutated_identity_cube(text):
    _check(text)


@fuzz_settings()
@given(mutated_text(SEEDS[1], max_ops=6))
def test_fuzz_mutated_shaper_cube(text):
    _check(text)


@fuzz_settings(0.5)
@given(mutated_bytes(SEEDS[0].encode(), max_ops=4))
def test_fuzz_cube_file_bytes(tmp_path_factory, data):
    p = tmp_path_factory.mktemp("cube") / "fuzz.cube"
    p.write_bytes(data)
    try:
        load_cube(p)
    except (LutError, MissingFileError) as exc:
        assert str(p) in str(exc)

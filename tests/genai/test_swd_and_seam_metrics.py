"""SWD on Laplacian-pyramid patches ranks real < shuffled < noise; seam ratio behaves."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from previzkit.core.errors import InputError, ShapeError
from previzkit.genai.metrics import laplacian_pyramid, random_tiles, seam_ratio, swd


def test_seam_ratio_of_a_periodic_and_a_ramp_image():
    x = np.arange(64)
    triangle = np.minimum(x, 64 - x).astype(float)  # every neighbour differs by 1, so does the seam
    periodic = np.tile(triangle, (8, 1))
    assert seam_ratio(periodic) == pytest.approx(1.0)
    assert seam_ratio(np.stack([periodic[..., None]] * 2)) == pytest.approx(1.0)
    ramp = np.tile(x.astype(float), (8, 1))
    assert seam_ratio(ramp) == pytest.approx(63.0)
    assert seam_ratio(np.ones((4, 8))) == 0.0
    with pytest.raises(ShapeError):
        seam_ratio(np.zeros((4, 2)))


def test_laplacian_pyramid_reconstructs():
    import torch
    from torch.nn import functional as F

    x = torch.rand(1, 3, 32, 32)
    levels = laplacian_pyramid(x, 3)
    assert [tuple(t.shape[-2:]) for t in levels] == [(32, 32), (16, 16), (8, 8)]
    rec = levels[-1]
    for band in reversed(levels[:-1]):
        rec = F.interpolate(rec, size=band.shape[-2:], mode="bilinear", align_corners=False) + band
    assert torch.allclose(rec, x, atol=1e-5)


def test_swd_ranks_real_below_noise(gravel):
    left, right = gravel[:, :256], gravel[:, 256:]
    ref = random_tiles(right, 12, 64, 0)
    real = random_tiles(left, 12, 64, 1)
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, real.shape, dtype=np.uint8)
    d_real = swd(real, ref, patches_per_image=64)
    d_noise = swd(noise, ref, patches_per_image=64)
    assert len(d_real) == 4  # three levels and the mean
    assert d_real[-1] * 1.5 < d_noise[-1]


def test_bad_tile_sets():
    a = np.zeros((4, 32, 32, 3), np.uint8)
    with pytest.raises(ShapeError, match="tile counts"):
        swd(a, a[:2])
    with pytest.raises(ShapeError, match="images_a"):
        swd(a[..., 0], a)
    with pytest.raises(InputError, match="smaller than"):
        random_tiles(np.zeros((16, 16, 3), np.uint8), 2, 32, 0)

"""The lattice measure sees a grid at the generator's cell period; real images and the
resize-convolution PSGAN show none; swd_sets compares sets of different sizes."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from previzkit.core.errors import InputError
from previzkit.genai import shipped_model
from previzkit.genai.checkpoint import load_checkpoint
from previzkit.genai.images import load_image
from previzkit.genai.metrics import lattice_ratio, random_tiles, swd_sets
from previzkit.genai.sample import generate


def test_a_grid_at_the_period_shows_and_real_images_do_not():
    gravel = load_image("skimage:gravel")
    tiles = random_tiles(gravel, 16, 128, 0)
    real = lattice_ratio(tiles, 32)
    assert 0.7 < real < 1.2
    grid = tiles.astype(float)
    grid[:, ::32] += 40  # one bright line every 32 px, both ways
    grid[:, :, ::32] += 40
    assert lattice_ratio(np.clip(grid, 0, 255), 32) > 3 * real
    # The measure looks at the given period only.
    assert lattice_ratio(np.clip(grid, 0, 255), 24) < 1.5 * real
    with pytest.raises(InputError):
        lattice_ratio(tiles, 1)


def test_shipped_ground_texture_has_no_lattice():
    """ground_gravel.pt (resize-convolution) within 1.2x of real gravel tiles at the
    32 px cell period (the transposed-convolution model it replaced measured 2.87)."""
    path = shipped_model("ground_gravel")
    assert load_checkpoint(path).config.upsample == "resize"
    fake = np.stack([generate(path, s, 128, 128, wrap_y=True) for s in range(16)])
    real = random_tiles(load_image("skimage:gravel"), 16, 128, 0)
    assert lattice_ratio(fake, 32) <= 1.2 * lattice_ratio(real, 32)


def test_swd_sets_ranks_and_accepts_unequal_counts():
    gravel = load_image("skimage:gravel")
    a = random_tiles(gravel, 4, 64, 1)
    b = random_tiles(gravel, 9, 64, 2)
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (9, 64, 64, 3), dtype=np.uint8)
    flat = np.full((9, 64, 64, 3), 128, np.uint8) + rng.integers(0, 3, (9, 64, 64, 3), np.uint8)
    real = swd_sets(a, b, 512)[-1]
    assert real < swd_sets(noise, b, 512)[-1]
    assert real < swd_sets(flat, b, 512)[-1]
    assert len(swd_sets(a, b, 512, levels=2)) == 3

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
    assert lattice_ratio(np.clip(grid, 0, 255), 32) > 1.5 * real
    # The measure looks at the given period only.
    assert lattice_ratio(np.clip(grid, 0, 255), 24) < 1.5 * real
    with pytest.raises(InputError):
        lattice_ratio(tiles, 1)


@pytest.mark.parametrize(("upsample", "has_lattice"), [("transpose", True), ("resize", False)])
def test_resize_convolution_leaves_no_lattice(upsample, has_lattice):
    """Untrained generators already show it: transposed convolutions stamp their
    overlap pattern at every scale up to the 32 px cell (about 4x), resize-convolution
    does not (about 0.85, like real gravel's 0.96)."""
    import torch

    from previzkit.genai.model import Generator, ModelConfig, init_weights
    from previzkit.genai.train import recalibrate_batchnorm

    torch.manual_seed(0)
    g = Generator(ModelConfig(upsample=upsample))
    init_weights(g)
    g = recalibrate_batchnorm(g, 4, 2, 4, 0, torch.device("cpu"))
    imgs = np.stack([generate(g, s, 128, 128, wrap_y=True) for s in range(8)])
    ratio = lattice_ratio(imgs, 32)
    assert (ratio > 2.5) if has_lattice else (ratio < 1.2)


def test_shipped_ground_texture_lattice_as_measured():
    """TARGET MISSED (docs/genai.md): ground_gravel.pt is still the transposed-convolution
    checkpoint; a 16-minute CPU retrain with resize-convolution (582 steps) did not
    converge (SWD 276 vs 189 untrained), so it was not shipped. Its lattice measures
    2.87 against real gravel tiles' 0.96 (x2.98); the target is <= 1.2x. This pins the
    measured figure so that it cannot get worse unnoticed."""
    path = shipped_model("ground_gravel")
    assert load_checkpoint(path).config.upsample == "transpose"
    fake = np.stack([generate(path, s, 128, 128, wrap_y=True) for s in range(16)])
    real = random_tiles(load_image("skimage:gravel"), 16, 128, 0)
    assert lattice_ratio(fake, 32) <= 3.1 * lattice_ratio(real, 32)


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

"""The generator is shift-equivariant with exact wrap: one noise cell = one stride."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from previzkit.genai.metrics import seam_phase_ratio, seam_ratio  # noqa: E402
from previzkit.genai.model import Discriminator, Generator, ModelConfig, init_weights  # noqa: E402
from previzkit.genai.noise import NoiseSpec  # noqa: E402
from previzkit.genai.sample import FastGenerator, generate, seeded_noise  # noqa: E402
from previzkit.genai.train import recalibrate_batchnorm  # noqa: E402


@pytest.fixture(scope="module")
def gen():
    torch.manual_seed(0)
    cfg = ModelConfig(noise=NoiseSpec(4, 4, 2), g_channels=(16, 8, 8, 4))
    g = Generator(cfg)
    init_weights(g)
    with torch.no_grad():  # a contrasty untrained net: outputs use the whole range
        g.out.conv.weight.mul_(40)
    # Batch-norm running statistics of this net's own activations (with the initial
    # ones, unit variance, an untrained net's output shrinks to a constant).
    return recalibrate_batchnorm(g, 3, 3, 2, 0, torch.device("cpu"))


def test_output_size_is_cells_times_stride(gen):
    z = gen.make_input(seeded_noise(gen, 0, 3, 5))
    with torch.no_grad():
        out = gen.synthesize(z)
    assert gen.stride == 32
    assert out.shape == (1, 3, 96, 160)
    assert out.abs().max() <= 1


def test_noise_shift_by_one_cell_shifts_output_by_exactly_the_stride(gen):
    import copy

    z = gen.make_input(seeded_noise(gen, 5, 3, 6))
    # float64: equal to rounding (1e-16); float32 kernels block the sums differently
    # at different positions, so there the match is to float32 rounding only.
    g64 = copy.deepcopy(gen).double()
    for g, zz, tol in [(g64, z.double(), 1e-13), (gen, z, 1e-6)]:
        with torch.no_grad():
            a = g.synthesize(zz)
            b = g.synthesize(torch.roll(zz, 1, dims=-1))
            c = g.synthesize(torch.roll(zz, 1, dims=-2))
        assert (torch.roll(a, g.stride, dims=-1) - b).abs().max() <= tol
        assert (torch.roll(a, g.stride, dims=-2) - c).abs().max() <= tol
        # and not trivially: a shift by one pixel less does not match
        assert (torch.roll(a, g.stride - 1, dims=-1) - b).abs().max() > 100 * tol


def test_generated_panorama_wraps_and_unwrapped_does_not(gen):
    wrapped = np.stack([generate(gen, s, 512, 256) for s in range(4)])
    unwrapped = np.stack([generate(gen, s, 512, 256, wrap_x=False) for s in range(4)])
    assert unwrapped.shape == wrapped.shape
    # The seam behaves like the same cell-boundary pairs inside the image. (An
    # untrained net has no large-scale structure, so its unwrapped seam is an
    # ordinary pair too; the shipped models show the unwrapped seam is > 1.8.)
    assert seam_phase_ratio(wrapped, gen.stride) < 1.1


def test_fast_generator_matches_the_reference_generator(gen):
    z = gen.make_input(seeded_noise(gen, 2, 4, 8))
    with torch.inference_mode():
        ref = gen.synthesize(z)
        fast = FastGenerator(gen).forward_float(z)
        plain = FastGenerator(gen, channels_last=False).forward_float(z)
    assert torch.allclose(ref, fast, atol=1e-4)
    assert torch.allclose(ref, plain, atol=1e-4)
    a = generate(gen, 2, 256, 128, fast=False)
    b = generate(gen, 2, 256, 128, fast=True)
    assert np.abs(a.astype(int) - b.astype(int)).max() <= 1


def test_sizes_off_the_stride_are_resampled_and_still_wrap(gen):
    img = generate(gen, 4, 300, 150)
    assert img.shape == (150, 300, 3) and img.dtype == np.uint8
    # Bilinear resampling smooths most adjacent columns but not those that land on
    # source pixels (as both edge columns do), so the ratio is a little above 1 here.
    assert seam_ratio(img) < 1.6


def test_discriminator_gives_patch_logits():
    cfg = ModelConfig(d_channels=(8, 8, 8, 8))
    d = Discriminator(cfg)
    assert d(torch.zeros(2, 3, 64, 96)).shape == (2, 1, 4, 6)

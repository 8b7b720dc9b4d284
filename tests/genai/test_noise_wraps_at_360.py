"""Periodic noise: wave numbers rounded to 2*pi/W multiples make the field wrap exactly."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from previzkit.genai.noise import NoiseSpec, periodic_field, round_wave_numbers, sample_noise  # noqa: E402


def test_rounded_wave_numbers_are_multiples_of_two_pi_over_w():
    k = torch.tensor([0.0, 0.3, -1.7, 2.9, 3.14])
    r = round_wave_numbers(k, 64)
    n = r / (2 * math.pi / 64)
    assert torch.allclose(n, n.round(), atol=1e-4)
    assert (r - k).abs().max() <= math.pi / 64 + 1e-6


def test_rounding_passes_gradients_straight_through():
    k = torch.tensor([0.3, 1.1], requires_grad=True)
    round_wave_numbers(k, 16).sum().backward()
    assert torch.equal(k.grad, torch.ones(2))


def test_periodic_field_column_w_equals_column_0():
    g = torch.Generator().manual_seed(0)
    k = torch.rand(2, 5, 2, generator=g) * 3
    phase = torch.rand(2, 5, generator=g) * 6.28
    w = 40
    # Evaluate on w + 1 columns with the wave numbers rounded for w.
    kx = round_wave_numbers(k[..., 0], w)
    k_r = torch.stack([kx, k[..., 1]], dim=-1)
    f = periodic_field(k_r, phase, 8, w + 1, wrap_x=False)
    assert torch.allclose(f[..., 0], f[..., w], atol=1e-4)
    unrounded = periodic_field(k, phase, 8, w + 1, wrap_x=False)
    assert not torch.allclose(unrounded[..., 0], unrounded[..., w], atol=1e-2)


def test_periodic_field_wraps_in_y_when_asked():
    k = torch.tensor([[[0.4, 0.77]]])
    phase = torch.tensor([[0.5]])
    f = periodic_field(k, phase, 10, 12, wrap_x=True, wrap_y=True)
    ky = round_wave_numbers(torch.tensor(0.77), 10)
    row_10 = torch.sin(round_wave_numbers(torch.tensor(0.4), 12) * torch.arange(12) + ky * 10 + 0.5)
    assert torch.allclose(f[0, 0, 0], row_10, atol=1e-4)


def test_sample_noise_shapes_ranges_and_seed():
    spec = NoiseSpec(3, 5, 2)
    a = sample_noise(spec, 2, 4, 6, torch.Generator().manual_seed(1))
    b = sample_noise(spec, 2, 4, 6, torch.Generator().manual_seed(1))
    assert a.local.shape == (2, 3, 4, 6) and a.global_.shape == (2, 5) and a.phase.shape == (2, 2)
    assert a.shape == (4, 6)
    assert a.local.abs().max() <= 1 and a.phase.min() >= 0 and a.phase.max() < 2 * math.pi
    assert torch.equal(a.local, b.local) and torch.equal(a.phase, b.phase)

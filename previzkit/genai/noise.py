"""PSGAN noise: local (i.i.d. per cell), global (one vector per image) and periodic.

The noise lives on a grid of *cells*; the generator turns each cell into
``stride x stride`` pixels. Periodic channels are ``sin(kx * j + ky * i + phase)`` with
``(i, j)`` the cell row and column and ``(kx, ky)`` in radians per cell. To make a
field wrap around a grid ``w`` cells wide (a 360° panorama), ``kx`` is rounded to a
multiple of ``2*pi / w``: then column ``w`` equals column ``0`` exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

TWO_PI = 2.0 * math.pi


@dataclass(frozen=True)
class NoiseSpec:
    """Channel counts of the three noise kinds."""

    local: int = 24
    global_: int = 32
    periodic: int = 8

    @property
    def channels(self) -> int:
        """Channels of the generator's input tensor (local + global + periodic)."""
        return self.local + self.global_ + self.periodic


@dataclass
class Noise:
    """One draw of noise for ``batch`` images on an ``h x w`` cell grid.

    local: (B, local, h, w) in [-1, 1]; global_: (B, global_) in [-1, 1];
    phase: (B, periodic) in [0, 2*pi).
    """

    local: torch.Tensor
    global_: torch.Tensor
    phase: torch.Tensor

    @property
    def shape(self) -> tuple[int, int]:
        """Cell grid (h, w)."""
        return int(self.local.shape[-2]), int(self.local.shape[-1])


def sample_noise(
    spec: NoiseSpec,
    batch: int,
    h: int,
    w: int,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> Noise:
    """Draw noise for ``batch`` images on an ``h x w`` cell grid (seeded by ``generator``).

    Drawn on the CPU in a fixed order (local, global, phase) so that a seed gives the
    same noise on every device.
    """
    g = generator
    local = torch.rand(batch, spec.local, h, w, generator=g) * 2 - 1
    glob = torch.rand(batch, spec.global_, generator=g) * 2 - 1
    phase = torch.rand(batch, spec.periodic, generator=g) * TWO_PI
    return Noise(local.to(device), glob.to(device), phase.to(device))


def round_wave_numbers(k: torch.Tensor, cells: int) -> torch.Tensor:
    """Round wave numbers (radians per cell) to the nearest multiple of ``2*pi / cells``.

    A sinusoid with such a wave number repeats exactly every ``cells`` cells. The
    rounding passes gradients straight through (so it can be used while training).
    """
    step = TWO_PI / cells
    rounded = torch.round(k / step) * step
    return k + (rounded - k).detach()


def periodic_field(
    k: torch.Tensor,
    phase: torch.Tensor,
    h: int,
    w: int,
    wrap_x: bool = True,
    wrap_y: bool = False,
) -> torch.Tensor:
    """Periodic noise channels ``sin(kx*j + ky*i + phase)`` on an ``h x w`` cell grid.

    k: (B, P, 2) wave vectors (kx, ky) in radians per cell; phase: (B, P).
    With ``wrap_x`` (``wrap_y``) kx (ky) is rounded so the field wraps at ``w`` (``h``).
    Returns (B, P, h, w).
    """
    kx, ky = k[..., 0], k[..., 1]
    if wrap_x:
        kx = round_wave_numbers(kx, w)
    if wrap_y:
        ky = round_wave_numbers(ky, h)
    jj = torch.arange(w, dtype=k.dtype, device=k.device).view(1, 1, 1, w)
    ii = torch.arange(h, dtype=k.dtype, device=k.device).view(1, 1, h, 1)
    arg = kx[..., None, None] * jj + ky[..., None, None] * ii + phase[..., None, None]
    return torch.sin(arg)

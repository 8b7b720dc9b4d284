"""PSGAN generator and patch discriminator (Bergmann, Jetchev, Vollgraf 2017).

The generator is fully convolutional: a noise tensor of ``h x w`` cells becomes an
image of ``h*stride x w*stride`` pixels (``stride = 2**len(channels)``). Each block
doubles the size by resize-convolution (``upsample="resize"``: wrap-aware bilinear x2,
then a 3x3 convolution), which leaves no lattice at the cell period; checkpoints made
before that used 4x4 stride-2 transposed convolutions (``upsample="transpose"``,
still loaded) whose overlap pattern showed as a grid at 32 px. Every layer pads
*circularly* in x (and in y), so the output of a noise grid that wraps also wraps: an
equirectangular panorama joins at 360° and a ground texture tiles. Images are RGB in
[-1, 1], (B, 3, H, W), row 0 at the top.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field

import torch
from torch import nn
from torch.nn import functional as F

from previzkit.genai.noise import Noise, NoiseSpec, periodic_field


@dataclass(frozen=True)
class ModelConfig:
    """Shape of a PSGAN: noise channels, generator and discriminator widths."""

    noise: NoiseSpec = field(default_factory=NoiseSpec)
    g_channels: tuple[int, ...] = (128, 64, 32, 16)
    d_channels: tuple[int, ...] = (32, 64, 128, 128)
    wave_hidden: int = 64
    # "resize" (bilinear x2 + conv), "nearest" (nearest x2 + conv) or "transpose"
    # (checkpoints made before resize-convolution)
    upsample: str = "resize"

    @property
    def stride(self) -> int:
        """Output pixels per noise cell, along each axis."""
        return 2 ** (len(self.g_channels) + 1)

    def to_dict(self) -> dict:
        """Plain dict (ints, lists) for a checkpoint."""
        d = asdict(self)
        d["g_channels"] = list(self.g_channels)
        d["d_channels"] = list(self.d_channels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> ModelConfig:
        """Inverse of :meth:`to_dict`; raises KeyError/TypeError on a malformed dict."""
        return cls(
            noise=NoiseSpec(**d["noise"]),
            g_channels=tuple(int(c) for c in d["g_channels"]),
            d_channels=tuple(int(c) for c in d["d_channels"]),
            wave_hidden=int(d["wave_hidden"]),
            upsample=str(d.get("upsample", "transpose")),
        )


def pad_wrap(x: torch.Tensor, wrap_x: bool = True, wrap_y: bool = True, n: int = 1) -> torch.Tensor:
    """Pad ``n`` cells on each side: circular along wrapping axes, zeros otherwise."""
    if wrap_x and wrap_y:
        return F.pad(x, (n, n, n, n), mode="circular")
    x = F.pad(x, (n, n, 0, 0), mode="circular" if wrap_x else "constant")
    return F.pad(x, (0, 0, n, n), mode="circular" if wrap_y else "constant")


def up2(
    x: torch.Tensor, wrap_x: bool = True, wrap_y: bool = True, mode: str = "bilinear"
) -> torch.Tensor:
    """x2 upsampling (bilinear with pixel centres kept, or nearest) that wraps along the
    wrapping axes."""
    if mode == "nearest":
        return F.interpolate(x, scale_factor=2, mode="nearest")
    y = F.interpolate(pad_wrap(x, wrap_x, wrap_y), scale_factor=2, mode="bilinear")
    return y[..., 2:-2, 2:-2]


class UpBlock(nn.Module):
    """Doubles H and W: resize-convolution (bilinear x2 + 3x3 conv) or, in checkpoints
    made before it, a 4x4 stride-2 transposed conv; both on wrap-padded inputs."""

    def __init__(self, cin: int, cout: int, last: bool = False, upsample: str = "resize") -> None:
        super().__init__()
        self.resize = upsample in ("resize", "nearest")
        self.mode = "nearest" if upsample == "nearest" else "bilinear"
        self.conv: nn.Conv2d | nn.ConvTranspose2d
        if self.resize:
            self.conv = nn.Conv2d(cin, cout, 3, 1, padding=0, bias=last)
        else:
            # padding=3 crops the 3 extra output pixels that the 1-cell wrap pad makes.
            self.conv = nn.ConvTranspose2d(cin, cout, 4, 2, padding=3, bias=last)
        self.bn = None if last else nn.BatchNorm2d(cout)
        self.last = last

    def forward(self, x: torch.Tensor, wrap_x: bool = True, wrap_y: bool = True) -> torch.Tensor:
        if self.resize:
            y = self.conv(pad_wrap(up2(x, wrap_x, wrap_y, self.mode), wrap_x, wrap_y))
        else:
            # One padded cell each side feeds output pixels -1..2H; the conv crops to 2H.
            y = self.conv(pad_wrap(x, wrap_x, wrap_y))
        if self.last:
            return torch.tanh(y)
        assert self.bn is not None  # every block but the last has one
        return F.relu(self.bn(y))


class Generator(nn.Module):
    """PSGAN generator: noise grid (h, w) -> image (3, h*stride, w*stride) in [-1, 1]."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        self.config = config
        spec = config.noise
        p = spec.periodic
        # Wave vectors from the global noise (PSGAN's MLP), radians per cell.
        self.wave = nn.Sequential(
            nn.Linear(spec.global_, config.wave_hidden),
            nn.ReLU(),
            nn.Linear(config.wave_hidden, 2 * p),
        )
        chans = [spec.channels, *config.g_channels]
        up = config.upsample
        if up not in ("resize", "nearest", "transpose"):
            raise ValueError(f"upsample: {up!r} is not 'resize', 'nearest' or 'transpose'")
        self.blocks = nn.ModuleList(
            UpBlock(a, b, upsample=up) for a, b in itertools.pairwise(chans)
        )
        self.out = UpBlock(chans[-1], 3, last=True, upsample=up)

    @property
    def stride(self) -> int:
        return self.config.stride

    def wave_vectors(self, global_: torch.Tensor) -> torch.Tensor:
        """(B, periodic, 2) wave vectors (kx, ky), radians per cell."""
        return self.wave(global_).view(global_.shape[0], -1, 2)

    def make_input(self, noise: Noise, wrap_x: bool = True, wrap_y: bool = False) -> torch.Tensor:
        """The (B, C, h, w) input tensor: local, broadcast global, and periodic noise."""
        h, w = noise.shape
        b = noise.local.shape[0]
        glob = noise.global_[..., None, None].expand(b, -1, h, w)
        per = periodic_field(self.wave_vectors(noise.global_), noise.phase, h, w, wrap_x, wrap_y)
        return torch.cat([noise.local, glob, per], dim=1)

    def synthesize(self, z: torch.Tensor, wrap_x: bool = True) -> torch.Tensor:
        """Image from an input tensor made by :meth:`make_input`.

        Layers pad circularly in y always (as in training) and in x when ``wrap_x``
        (zeros otherwise, which leaves a visible seam at 360°).
        """
        x = z
        for block in self.blocks:
            x = block(x, wrap_x, True)
        return self.out(x, wrap_x, True)

    def forward(self, noise: Noise, wrap_x: bool = True, wrap_y: bool = False) -> torch.Tensor:
        """Image (B, 3, h*stride, w*stride) in [-1, 1]; wraps in x (and y) when asked."""
        return self.synthesize(self.make_input(noise, wrap_x, wrap_y), wrap_x)


class Discriminator(nn.Module):
    """Patch discriminator: (B, 3, H, W) in [-1, 1] -> (B, 1, H/16, W/16) logits."""

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 3
        for i, c in enumerate(config.d_channels):
            layers.append(nn.Conv2d(cin, c, 4, 2, 1, bias=i == 0))
            if i > 0:
                layers.append(nn.BatchNorm2d(c))
            layers.append(nn.LeakyReLU(0.2))
            cin = c
        layers.append(nn.Conv2d(cin, 1, 3, 1, 1))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


def init_weights(module: nn.Module) -> None:
    """DCGAN initialisation: conv weights N(0, 0.02), batch-norm gains N(1, 0.02)."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)

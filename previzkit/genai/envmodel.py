"""Conditional 360° environment GAN: generator and discriminator.

Images are equirectangular log-radiance panoramas (B, 3, H, W), row 0 straight up.
``encode``/``decode`` map linear radiance to the network's range and back:
``t = (ln(radiance + EPS) - MU) / SCALE``.

Both networks are latitude-aware (a latitude channel, +1 at the zenith to -1 at the
nadir, is fed to every generator block and to the discriminator's input), conditioned
on one of :data:`~previzkit.model.conditions.CONDITIONS` (an embedding added to the
generator's latent and a projection term in the discriminator), and pad circularly
in x in every layer, so the output wraps exactly at 360°. Upsampling is
resize-convolution (periodic bilinear x2, then 3x3 convolutions): no transposed
convolutions, so no checkerboard lattice.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn
from torch.nn import functional as F

from previzkit.model.conditions import CONDITIONS

EPS = 1e-3
MU = -1.0
SCALE = 4.0


@dataclass(frozen=True)
class EnvConfig:
    """Shape of the environment GAN. Output is ``base * 2**(len(g_channels) - 1)``."""

    latent: int = 64
    base_h: int = 4
    base_w: int = 8
    g_channels: tuple[int, ...] = (128, 96, 64, 32, 16)
    double: int = 3  # the first ``double`` blocks have two convolutions, the rest one
    d_channels: tuple[int, ...] = (32, 64, 128, 192)
    noise_channels: int = 2  # per-block local noise (fine detail)
    conditions: tuple[str, ...] = CONDITIONS

    @property
    def height(self) -> int:
        """Native output height (pixels)."""
        return self.base_h * 2 ** (len(self.g_channels) - 1)

    @property
    def width(self) -> int:
        """Native output width (pixels)."""
        return self.base_w * 2 ** (len(self.g_channels) - 1)

    @property
    def cell(self) -> int:
        """Output pixels per base cell (the period a lattice would have)."""
        return 2 ** (len(self.g_channels) - 1)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["g_channels"] = list(self.g_channels)
        d["d_channels"] = list(self.d_channels)
        d["conditions"] = list(self.conditions)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> EnvConfig:
        """Inverse of :meth:`to_dict`; raises KeyError/TypeError/ValueError if malformed."""
        return cls(
            latent=int(d["latent"]),
            base_h=int(d["base_h"]),
            base_w=int(d["base_w"]),
            g_channels=tuple(int(c) for c in d["g_channels"]),
            d_channels=tuple(int(c) for c in d["d_channels"]),
            double=int(d["double"]),
            noise_channels=int(d["noise_channels"]),
            conditions=tuple(str(c) for c in d["conditions"]),
        )


def encode(radiance: torch.Tensor) -> torch.Tensor:
    """Linear radiance (>= 0) -> network range (log)."""
    return (torch.log(radiance.clamp_min(0) + EPS) - MU) / SCALE


def decode(t: torch.Tensor) -> torch.Tensor:
    """Network range -> linear radiance (>= 0)."""
    return (torch.exp(t * SCALE + MU) - EPS).clamp_min(0)


def latitude(h: int, w: int, device: torch.device | str = "cpu") -> torch.Tensor:
    """(1, 1, h, w) latitude map: sin(latitude) of each row's centre, +1 up, -1 down."""
    lat = math.pi / 2 - (torch.arange(h, dtype=torch.float32, device=device) + 0.5) * math.pi / h
    return torch.sin(lat).view(1, 1, h, 1).expand(1, 1, h, w)


def pad_pano(x: torch.Tensor, n: int = 1) -> torch.Tensor:
    """Pad ``n`` px: circular in x (360° wrap), replicate in y (poles)."""
    x = F.pad(x, (n, n, 0, 0), mode="circular")
    return F.pad(x, (0, 0, n, n), mode="replicate")


def up2(x: torch.Tensor) -> torch.Tensor:
    """Bilinear x2 upsampling that wraps in x (pixel centres kept, no lattice)."""
    xp = F.pad(x, (1, 1, 0, 0), mode="circular")
    y = F.interpolate(xp, scale_factor=2, mode="bilinear", align_corners=False)
    return y[..., 2:-2]


class PanoConv(nn.Module):
    """3x3 convolution on a panorama-padded input."""

    def __init__(self, cin: int, cout: int, sn: bool = False, stride: int = 1) -> None:
        super().__init__()
        k = 3 if stride == 1 else 4
        conv = nn.Conv2d(cin, cout, k, stride, 0)
        self.conv = nn.utils.parametrizations.spectral_norm(conv) if sn else conv

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(pad_pano(x))


class EnvGenerator(nn.Module):
    """(latent z, condition index, per-block noise) -> log-radiance panorama (B, 3, H, W)."""

    def __init__(self, config: EnvConfig) -> None:
        super().__init__()
        self.config = config
        c0 = config.g_channels[0]
        self.embed = nn.Embedding(len(config.conditions), config.latent)
        self.fc = nn.Linear(2 * config.latent, c0 * config.base_h * config.base_w)
        nc = config.noise_channels
        self.blocks = nn.ModuleList()
        chans = config.g_channels
        for i, c in enumerate(chans):
            cin = c if i == 0 else chans[i - 1]
            convs = [PanoConv(cin + 1 + nc, c)]
            if i < config.double:
                convs.append(PanoConv(c + 1, c))
            self.blocks.append(nn.ModuleList(convs))
        self.out = nn.Conv2d(chans[-1], 3, 1)

    def noise_shapes(self) -> list[tuple[int, int, int]]:
        """(channels, h, w) of each block's local noise at the native size."""
        c = self.config
        return [
            (c.noise_channels, c.base_h * 2**i, c.base_w * 2**i) for i in range(len(c.g_channels))
        ]

    def forward(
        self, z: torch.Tensor, cond: torch.Tensor, noises: list[torch.Tensor]
    ) -> torch.Tensor:
        c = self.config
        b = z.shape[0]
        h = torch.cat([z, self.embed(cond)], dim=1)
        x = F.leaky_relu(self.fc(h), 0.2).view(b, -1, c.base_h, c.base_w)
        for i, block in enumerate(self.blocks):
            convs = list(block.children())
            if i > 0:
                x = up2(x)
            lat = latitude(x.shape[2], x.shape[3], x.device).expand(b, -1, -1, -1)
            x = F.leaky_relu(convs[0](torch.cat([x, lat, noises[i]], dim=1)), 0.2)
            if len(convs) > 1:
                x = F.leaky_relu(convs[1](torch.cat([x, lat], dim=1)), 0.2)
        return self.out(x)


class EnvDiscriminator(nn.Module):
    """Latitude-aware, conditional (projection) discriminator, circular in x."""

    def __init__(self, config: EnvConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 4  # RGB + latitude
        for c in config.d_channels:
            layers.append(PanoConv(cin, c, sn=True, stride=2))
            cin = c
        self.convs = nn.ModuleList(layers)
        self.head = PanoConv(cin, cin, sn=True)
        self.patch = nn.utils.parametrizations.spectral_norm(nn.Conv2d(cin, 1, 1))
        self.embed = nn.Embedding(len(config.conditions), cin)

    def forward(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        b, _, h, w = x.shape
        x = torch.cat([x, latitude(h, w, x.device).expand(b, -1, -1, -1)], dim=1)
        for conv in self.convs:
            x = F.leaky_relu(conv(x), 0.2)
        x = F.leaky_relu(self.head(x), 0.2)
        patch = self.patch(x).mean(dim=(1, 2, 3))
        proj = (self.embed(cond) * x.mean(dim=(2, 3))).sum(dim=1)
        return patch + proj

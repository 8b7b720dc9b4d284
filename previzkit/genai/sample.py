"""Generate images from a trained PSGAN: seeded, any size, wrapping in x (and y).

:class:`FastGenerator` is the inference path: batch norm folded into the
convolutions, channels-last memory, ``torch.inference_mode``, in-place ReLU and the
output written straight to uint8 (H, W, 3). It computes the same function as the
training :class:`~previzkit.genai.model.Generator` in eval mode (to float rounding).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from previzkit.core import sizes
from previzkit.core.errors import InputError
from previzkit.genai.checkpoint import Checkpoint, load_checkpoint
from previzkit.genai.model import Generator, pad_wrap, up2
from previzkit.genai.noise import Noise, sample_noise

MAX_PIXELS = 16384 * 8192


def seeded_noise(
    generator: Generator, seed: int, h_cells: int, w_cells: int, batch: int = 1
) -> Noise:
    """The noise a seed stands for: drawn on the CPU from ``torch.Generator(seed)``."""
    g = torch.Generator().manual_seed(int(seed))
    return sample_noise(generator.config.noise, batch, h_cells, w_cells, g)


class FastGenerator(nn.Module):
    """Inference-only copy of a Generator (eval-mode batch norm folded into weights)."""

    def __init__(self, generator: Generator, channels_last: bool = True) -> None:
        super().__init__()
        generator = generator.eval()
        self.source = generator
        self.channels_last = channels_last
        self.convs = nn.ModuleList()
        self.resize = generator.config.upsample in ("resize", "nearest")
        self.mode = "nearest" if generator.config.upsample == "nearest" else "bilinear"
        for block in [*generator.blocks, generator.out]:
            conv = block.conv
            fused: nn.Conv2d | nn.ConvTranspose2d
            if self.resize:
                fused = nn.Conv2d(conv.in_channels, conv.out_channels, 3, 1, padding=0, bias=True)
            else:
                fused = nn.ConvTranspose2d(
                    conv.in_channels, conv.out_channels, 4, 2, padding=3, bias=True
                )
            # (Cout, Cin, 3, 3) or (Cin, Cout, 4, 4): the output channel axis to scale
            axis = 0 if self.resize else 1
            with torch.no_grad():
                w = conv.weight.detach().clone()
                b = (
                    torch.zeros(conv.out_channels)
                    if conv.bias is None
                    else conv.bias.detach().clone()
                )
                if block.bn is not None:
                    bn = block.bn
                    scale = bn.weight / torch.sqrt(bn.running_var + bn.eps)
                    w = w * (scale.view(-1, 1, 1, 1) if axis == 0 else scale.view(1, -1, 1, 1))
                    b = (b - bn.running_mean) * scale + bn.bias
                fused.weight.copy_(w)
                assert fused.bias is not None  # built with bias=True
                fused.bias.copy_(b)
            if channels_last:
                # torch's stub of Module.to lacks the memory_format keyword it accepts
                fused = fused.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
            self.convs.append(fused)
        self.eval()

    @property
    def stride(self) -> int:
        return self.source.stride

    def forward_float(self, z: torch.Tensor, wrap_x: bool = True) -> torch.Tensor:
        """Float image (B, 3, H, W) in [-1, 1] from an input tensor (see Generator.make_input)."""
        x = z
        last = len(self.convs) - 1
        for i, conv in enumerate(self.convs):
            if self.resize:
                x = up2(x, wrap_x, True, self.mode)
            xp = pad_wrap_into(x, wrap_x) if self.channels_last else pad_wrap(x, wrap_x, True)
            x = conv(xp)
            x = torch.relu_(x) if i < last else torch.tanh_(x)
        return x

    def forward(self, z: torch.Tensor, wrap_x: bool = True) -> torch.Tensor:
        """uint8 (B, H, W, 3) image from an input tensor."""
        y = self.forward_float(z, wrap_x)
        return to_uint8(y)


def pad_wrap_into(x: torch.Tensor, wrap_x: bool = True) -> torch.Tensor:
    """One-cell wrap pad (as ``pad_wrap(x, wrap_x, True)``) into a channels-last buffer.

    One strided copy of the interior plus the thin borders, instead of the several
    slice copies and the layout conversion of ``F.pad(mode="circular")``.
    """
    n, c, h, w = x.shape
    out = torch.empty(
        (n, c, h + 2, w + 2), dtype=x.dtype, device=x.device, memory_format=torch.channels_last
    )
    out[:, :, 1:-1, 1:-1] = x
    if wrap_x:
        out[:, :, 1:-1, 0] = x[:, :, :, -1]
        out[:, :, 1:-1, -1] = x[:, :, :, 0]
    else:
        out[:, :, 1:-1, 0] = 0
        out[:, :, 1:-1, -1] = 0
    out[:, :, 0, :] = out[:, :, -2, :]
    out[:, :, -1, :] = out[:, :, 1, :]
    return out


def to_uint8(y: torch.Tensor) -> torch.Tensor:
    """[-1, 1] float (B, 3, H, W) -> uint8 (B, H, W, 3), rounding to nearest (reuses ``y``)."""
    y = y if y.is_inference() or not y.requires_grad else y.detach()
    return y.permute(0, 2, 3, 1).mul_(127.5).add_(127.5).round_().clamp_(0, 255).to(torch.uint8)


def _checkpoint(model: str | Path | Checkpoint) -> Checkpoint:
    return model if isinstance(model, Checkpoint) else load_checkpoint(model)


def check_size(width: int, height: int) -> None:
    """Raise InputError unless the size is positive and not absurdly large."""
    if int(width) < 1 or int(height) < 1:
        raise InputError(f"size: {width}x{height} must be positive")
    if int(width) * int(height) > MAX_PIXELS:
        raise InputError(f"size: {width}x{height} exceeds the {MAX_PIXELS} pixel limit")


def parse_size(text: str) -> tuple[int, int]:
    """'4096x2048' -> (4096, 2048), checked for generation; raises InputError naming the text."""
    w, h = sizes.parse_size(text, "--size", "4096x2048")
    check_size(w, h)
    return w, h


def resample_periodic(img: torch.Tensor, width: int, height: int, wrap_y: bool) -> torch.Tensor:
    """Resize float (B, C, H, W) to (height, width) keeping the x (and y) wrap."""
    _, _, h0, w0 = img.shape
    pad = 2
    padded = F.pad(img, (pad, pad, 0, 0), mode="circular")
    padded = F.pad(padded, (0, 0, pad, pad), mode="circular" if wrap_y else "replicate")
    xs = (torch.arange(width, dtype=img.dtype) + 0.5) * (w0 / width) - 0.5 + pad
    ys = (torch.arange(height, dtype=img.dtype) + 0.5) * (h0 / height) - 0.5 + pad
    gx = xs / (w0 + 2 * pad - 1) * 2 - 1
    gy = ys / (h0 + 2 * pad - 1) * 2 - 1
    grid = torch.stack(torch.meshgrid(gy, gx, indexing="ij")[::-1], dim=-1)[None]
    grid = grid.expand(img.shape[0], -1, -1, -1)
    return F.grid_sample(padded, grid, mode="bilinear", align_corners=True)


def generate(
    model: str | Path | Checkpoint | Generator,
    seed: int,
    width: int,
    height: int,
    *,
    wrap_x: bool = True,
    wrap_y: bool = False,
    device: str | torch.device = "cpu",
    fast: bool = True,
) -> np.ndarray:
    """uint8 (height, width, 3) image for ``seed``; wraps at 360° in x, in y if asked.

    Sizes that are not multiples of the generator stride are generated one cell
    larger and resampled periodically. On the CPU the same seed gives the same bytes.
    The wrapped image is rotated by half a noise cell so that its seams (x, and y for
    tiles) fall mid-cell: a seam is then an ordinary neighbouring pair, not one of the
    cell-boundary pairs where a PSGAN's grid shows most. ``wrap_x=False`` gives a plain
    panorama whose left and right edges do not join (a crop of a wider texture), for
    comparison.
    """
    check_size(width, height)
    gen = model if isinstance(model, Generator) else _checkpoint(model).build_generator()
    gen = gen.to(device).eval()
    s = gen.stride
    hc, wc = math.ceil(height / s), math.ceil(width / s)
    if not wrap_x:
        # A plain (non-wrapping) panorama: one extra cell each side, cropped off
        # below, so that no column sees the zero padding.
        noise = seeded_noise(gen, seed, hc, wc + 2)
        img = _synthesize(gen, noise, (wc + 2) * s, hc * s, False, device, fast, rounded=False)
        img = img[:, s : s + wc * s]
        if img.shape[:2] != (height, width):
            y = torch.from_numpy(img).permute(2, 0, 1)[None].float() / 127.5 - 1
            img = to_uint8(
                F.interpolate(y, size=(height, width), mode="bilinear", align_corners=False)
            )[0].numpy()
        return img
    noise = seeded_noise(gen, seed, hc, wc)
    img = _synthesize(gen, noise, width, height, wrap_y, device, fast, rounded=True)
    shift_y = round(height / (2 * hc)) if wrap_y else 0
    return np.roll(img, (shift_y, round(width / (2 * wc))), axis=(0, 1))


def _synthesize(
    gen: Generator,
    noise: Noise,
    width: int,
    height: int,
    wrap_y: bool,
    device: str | torch.device,
    fast: bool,
    rounded: bool,
) -> np.ndarray:
    """uint8 (height, width, 3) from ``noise``, wrapping in x: the cell grid starts at
    column 0. ``rounded``: periodic wave numbers rounded to wrap over ``noise``'s width."""
    s = gen.stride
    hc, wc = noise.shape
    with torch.inference_mode():
        noise = Noise(noise.local.to(device), noise.global_.to(device), noise.phase.to(device))
        z = gen.make_input(noise, rounded, wrap_y)
        if hc * s == height and wc * s == width:
            if fast:
                out = FastGenerator(gen).to(device)(z, True)
            else:
                out = to_uint8(gen.synthesize(z, True))
        else:
            y = FastGenerator(gen).to(device).forward_float(z, True) if fast else gen.synthesize(z)
            out = to_uint8(resample_periodic(y.float(), width, height, wrap_y).clamp(-1, 1))
    return out[0].cpu().numpy()

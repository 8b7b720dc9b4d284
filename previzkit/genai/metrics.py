"""Quality metrics: sliced Wasserstein distance on Laplacian-pyramid patches, and seam.

SWD follows ProGAN (Karras et al. 2018): 7x7 patches from each level of a Laplacian
pyramid, each level's descriptors normalised per channel, then the sliced
Wasserstein distance (random unit projections, sorted, mean absolute difference).
Reported x1e3 like ProGAN. Lower is better; real-vs-real tiles give the floor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch.nn import functional as F

from previzkit.core.errors import InputError, ShapeError

_BINOMIAL = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def seam_ratio(image: np.ndarray) -> float:
    """mean |column 0 - column W-1| / mean |column j - column j+1|.

    ``image``: (H, W), (H, W, C), or a batch (N, H, W, C) pooled over all images
    (one column pair is a small sample; pool several seeds for a stable figure).
    About 1 or below for images that wrap at their left/right edges (the seam is an
    ordinary neighbouring pair); about 2 for PSGAN output without wrap.
    """
    a = np.asarray(image, dtype=np.float64)
    if a.ndim == 2:
        a = a[..., None]
    if a.ndim == 3:
        a = a[None]
    if a.ndim != 4 or a.shape[2] < 3:
        raise ShapeError(
            f"seam_ratio: expected (H, W), (H, W, C) or (N, H, W, C) with W >= 3, got {np.shape(image)}"
        )
    seam = np.abs(a[:, :, 0] - a[:, :, -1]).mean()
    inner = np.abs(np.diff(a, axis=2)).mean()
    return float(seam / inner) if inner > 0 else (0.0 if seam == 0 else float("inf"))


def seam_phase_ratio(image: np.ndarray, stride: int) -> float:
    """Seam over the interior pairs that sit at the same place in the generator's cells.

    The seam pair (column W-1, column 0) lies on a cell boundary; this compares it with
    the pairs (k*stride - 1, k*stride) inside the image. An exact wrap gives about 1
    however rough the generator's cell boundaries are.
    """
    a = np.asarray(image, dtype=np.float64)
    if a.ndim == 3:
        a = a[None]
    if a.ndim != 4 or a.shape[2] < 2 * stride or a.shape[2] % stride:
        raise ShapeError(
            f"seam_phase_ratio: expected (N, H, W, C) with W a multiple of {stride}, got {a.shape}"
        )
    seam = np.abs(a[:, :, 0] - a[:, :, -1]).mean()
    idx = np.arange(stride, a.shape[2], stride)
    inner = np.abs(a[:, :, idx] - a[:, :, idx - 1]).mean()
    return float(seam / inner) if inner > 0 else float("inf")


def _blur(x: torch.Tensor) -> torch.Tensor:
    c = x.shape[1]
    k = (_BINOMIAL[:, None] * _BINOMIAL[None, :]).to(x)[None, None].expand(c, 1, 5, 5)
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), k, groups=c)


def laplacian_pyramid(x: torch.Tensor, levels: int) -> list[torch.Tensor]:
    """Laplacian pyramid of float (N, C, H, W): ``levels`` band-pass images, finest first.

    The last entry is the low-pass residual (the coarsest Gaussian level).
    """
    out = []
    cur = x
    for _ in range(levels - 1):
        down = _blur(cur)[..., ::2, ::2]
        up = F.interpolate(down, size=cur.shape[-2:], mode="bilinear", align_corners=False)
        out.append(cur - up)
        cur = down
    out.append(cur)
    return out


def patch_descriptors(
    level: torch.Tensor, per_image: int, g: torch.Generator, size: int = 7
) -> torch.Tensor:
    """``per_image`` random ``size x size`` patches from each image: (N*per_image, C, size, size)."""
    n, _, h, w = level.shape
    if h < size or w < size:
        raise ShapeError(f"patch_descriptors: level {h}x{w} is smaller than {size}x{size} patches")
    ys = torch.randint(0, h - size + 1, (n, per_image), generator=g)
    xs = torch.randint(0, w - size + 1, (n, per_image), generator=g)
    patches = level.unfold(2, size, 1).unfold(3, size, 1)  # (N, C, h', w', s, s)
    idx_n = torch.arange(n)[:, None].expand(n, per_image)
    sel = patches[idx_n, :, ys, xs]  # (N, P, C, s, s)
    return sel.reshape(n * per_image, *sel.shape[2:])


def normalize_descriptors(d: torch.Tensor) -> torch.Tensor:
    """Per-channel zero mean, unit std over all descriptors and pixels; flattened."""
    d = d - d.mean(dim=(0, 2, 3), keepdim=True)
    d = d / d.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-8)
    return d.reshape(d.shape[0], -1)


def sliced_wasserstein(
    a: torch.Tensor, b: torch.Tensor, g: torch.Generator, directions: int = 128, repeats: int = 4
) -> float:
    """Sliced Wasserstein distance between two equal-size descriptor sets (N, D)."""
    if a.shape != b.shape:
        raise ShapeError(
            f"sliced_wasserstein: descriptor sets differ, {tuple(a.shape)} vs {tuple(b.shape)}"
        )
    total = 0.0
    for _ in range(repeats):
        dirs = torch.randn(a.shape[1], directions, generator=g, dtype=a.dtype)
        dirs = dirs / dirs.norm(dim=0, keepdim=True)
        pa, _ = torch.sort(a @ dirs, dim=0)
        pb, _ = torch.sort(b @ dirs, dim=0)
        total += float((pa - pb).abs().mean())
    return total / repeats


def _as_float(images: np.ndarray | torch.Tensor, name: str) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(images))
    if t.ndim != 4 or t.shape[-1] != 3:
        raise ShapeError(f"{name}: expected uint8 (N, H, W, 3) tiles, got {tuple(t.shape)}")
    return t.permute(0, 3, 1, 2).float() / 255.0


def swd(
    images_a: np.ndarray,
    images_b: np.ndarray,
    levels: int = 3,
    patches_per_image: int = 128,
    seed: int = 0,
) -> list[float]:
    """SWD x1e3 per pyramid level (finest first) then their mean, between two tile sets.

    images_a, images_b: uint8 (N, H, W, 3), the same N (descriptor sets must match).
    """
    a = _as_float(images_a, "images_a")
    b = _as_float(images_b, "images_b")
    if a.shape[0] != b.shape[0]:
        raise ShapeError(f"swd: tile counts differ, {a.shape[0]} vs {b.shape[0]}")
    g = torch.Generator().manual_seed(seed)
    out = []
    with torch.no_grad():
        for la, lb in zip(laplacian_pyramid(a, levels), laplacian_pyramid(b, levels), strict=True):
            da = normalize_descriptors(patch_descriptors(la, patches_per_image, g))
            db = normalize_descriptors(patch_descriptors(lb, patches_per_image, g))
            out.append(sliced_wasserstein(da, db, g) * 1e3)
    return [*out, float(np.mean(out))]


def random_tiles(image: np.ndarray, n: int, size: int, seed: int) -> np.ndarray:
    """``n`` random ``size x size`` tiles of an (H, W, 3) image: (n, size, size, 3)."""
    h, w = image.shape[:2]
    if h < size or w < size:
        raise InputError(f"image {h}x{w} is smaller than the {size} px evaluation tile")
    rng = np.random.default_rng(seed)
    ys = rng.integers(0, h - size + 1, n)
    xs = rng.integers(0, w - size + 1, n)
    return np.stack([image[y : y + size, x : x + size] for y, x in zip(ys, xs, strict=True)])


@dataclass
class SWDRow:
    """One line of an evaluation: label, SWD per level (finest first), mean."""

    label: str
    per_level: list[float]
    mean: float


@dataclass
class EvalReport:
    """SWD of the model beside the real floor and the noise/untrained ceilings; seams."""

    rows: list[SWDRow]
    seam_wrap: float
    seam_no_wrap: float
    seam_same_phase: float
    tiles: int
    tile_size: int

    def row(self, label: str) -> SWDRow:
        return next(r for r in self.rows if r.label == label)

    def format(self) -> str:
        """A plain-text table."""
        levels = len(self.rows[0].per_level)
        head = (
            f"{'SWD x1e3':<28}"
            + "".join(f"{'L' + str(i):>9}" for i in range(levels))
            + f"{'mean':>9}"
        )
        lines = [head]
        for r in self.rows:
            lines.append(
                f"{r.label:<28}" + "".join(f"{v:9.1f}" for v in r.per_level) + f"{r.mean:9.1f}"
            )
        lines.append(
            f"seam (wrap)    {self.seam_wrap:.3f}   (16 panoramas 1024x512 pooled; <= 1.0 wraps)"
        )
        lines.append(f"seam (no wrap) {self.seam_no_wrap:.3f}")
        lines.append(
            f"seam vs cell-boundary pairs inside  {self.seam_same_phase:.3f}   (~1: exact wrap)"
        )
        lines.append(f"({self.tiles} tiles of {self.tile_size} px against the held-out strip)")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "swd": {r.label: {"per_level": r.per_level, "mean": r.mean} for r in self.rows},
            "seam_wrap": self.seam_wrap,
            "seam_no_wrap": self.seam_no_wrap,
            "seam_same_phase": self.seam_same_phase,
            "tiles": self.tiles,
            "tile_size": self.tile_size,
        }


def _grey_stack(images: np.ndarray) -> np.ndarray:
    a = np.asarray(images, dtype=np.float64)
    if a.ndim == 2:
        a = a[None]
    elif a.ndim == 3 and a.shape[-1] in (1, 3, 4):
        a = a[None].mean(axis=-1) if a.shape[-1] != 1 else a[None, ..., 0]
    elif a.ndim == 4:
        a = a[..., :3].mean(axis=-1)
    if a.ndim != 3:
        raise ShapeError(
            f"lattice_ratio: expected (H, W[, C]) or (N, H, W, C), got {np.shape(images)}"
        )
    return a


def _axis_ratio(a: np.ndarray, period: int) -> float | None:
    """Mean over harmonics of P(k*n/period) / mean P(neighbours) along the last axis."""
    n = a.shape[-1]
    x = a - a.mean(axis=-1, keepdims=True)
    x = x * np.hanning(n)
    power = (np.abs(np.fft.rfft(x, axis=-1)) ** 2).reshape(-1, n // 2 + 1).mean(axis=0)
    ratios = []
    step = n / period
    k = 1
    while round(k * step) + 3 <= n // 2:
        f = round(k * step)
        ref = power[[f - 3, f - 2, f + 2, f + 3]].mean()
        if f - 3 >= 1 and ref > 0:
            ratios.append(power[f] / ref)
        k += 1
    return float(np.mean(ratios)) if ratios else None


def lattice_ratio(images: np.ndarray, period: int) -> float:
    """How much a grid at ``period`` px shows: spectral power at the cell frequency and
    its harmonics over the power at neighbouring frequencies.

    Per row (for x) and per column (for y) of the grey image, Hann-windowed power
    spectra are averaged over rows/columns and images; at each harmonic ``f = k * n /
    period`` (below Nyquist) the power is divided by the mean at ``f +- 2`` and
    ``f +- 3`` (``+-1`` are skipped: the window leaks a peak into them); the ratios are
    averaged over harmonics, then over the x and y axes. About 1 for images without a
    lattice (a little above 1 for natural images: their spectrum is convex); the
    transposed-convolution PSGAN shows several times that.
    ``images``: (H, W), (H, W, C) or (N, H, W, C).
    """
    if period < 2:
        raise InputError(f"lattice_ratio: period must be at least 2 px, got {period}")
    a = _grey_stack(images)
    rx = _axis_ratio(a, period)
    ry = _axis_ratio(np.swapaxes(a, -1, -2), period)
    vals = [r for r in (rx, ry) if r is not None]
    if not vals:
        raise ShapeError(
            f"lattice_ratio: images {a.shape[1]}x{a.shape[2]} are too small for period {period}"
        )
    return float(np.mean(vals))


def swd_sets(
    images_a: list[np.ndarray] | np.ndarray,
    images_b: list[np.ndarray] | np.ndarray,
    patches: int = 2048,
    levels: int = 3,
    seed: int = 0,
    reference_norm: bool = True,
) -> list[float]:
    """SWD x1e3 per level, then the mean, between two *sets* of images of any counts.

    ``patches`` 7x7 patches per level are drawn from each set, spread evenly over its
    images (``patches // len(set)`` each), so a set of 2 held-out panoramas compares with
    16 generated ones. All images (H, W, 3) uint8 of the same size.
    With ``reference_norm`` both sets' descriptors are normalised by the per-channel
    mean and std of ``images_b`` (the reference), so a set that is too flat or too
    contrasty counts; ProGAN's SWD (``False``) normalises each set by its own.
    """
    a = _as_float(np.stack(list(images_a)), "images_a")
    b = _as_float(np.stack(list(images_b)), "images_b")
    if a.shape[1:] != b.shape[1:]:
        raise ShapeError(f"swd_sets: image sizes differ, {tuple(a.shape)} vs {tuple(b.shape)}")
    pa, pb = patches // a.shape[0], patches // b.shape[0]
    if pa < 1 or pb < 1:
        raise InputError(f"swd_sets: {patches} patches are fewer than the images in a set")
    n = min(pa * a.shape[0], pb * b.shape[0])
    g = torch.Generator().manual_seed(seed)
    out = []
    with torch.no_grad():
        for la, lb in zip(laplacian_pyramid(a, levels), laplacian_pyramid(b, levels), strict=True):
            da, db = patch_descriptors(la, pa, g), patch_descriptors(lb, pb, g)
            if reference_norm:
                mean = db.mean(dim=(0, 2, 3), keepdim=True)
                std = db.std(dim=(0, 2, 3), keepdim=True).clamp_min(1e-8)
                da = ((da - mean) / std).reshape(da.shape[0], -1)
                db = ((db - mean) / std).reshape(db.shape[0], -1)
            else:
                da, db = normalize_descriptors(da), normalize_descriptors(db)
            ia = torch.randperm(da.shape[0], generator=g)[:n]
            ib = torch.randperm(db.shape[0], generator=g)[:n]
            out.append(sliced_wasserstein(da[ia], db[ib], g) * 1e3)
    return [*out, float(np.mean(out))]

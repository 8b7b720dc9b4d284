"""Conditional 360° environments: load the model, generate HDR panoramas by condition.

:func:`generate_environment` returns float32 linear radiance (usable for lighting) and
a uint8 sRGB view (exposure, soft shoulder, sRGB curve) for callers that want pixels.
The generator makes panoramas at its native size (:attr:`EnvConfig.width` x
``height``, 128x64 for the shipped model); a larger size is that panorama *upsampled*
(periodic bilinear in log radiance), so a 2048x1024 result holds no more detail than
128x64 does. The same seed and condition give the same bytes on the CPU.

Checkpoint layout (``torch.load(weights_only=True)``, no code)::

    {"format": "previzkit.genai.envgan", "version": 1, "config": EnvConfig.to_dict(),
     "generator": state_dict (EMA weights), "meta": {...}, "train": {...} or absent}
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from previzkit.core.atomic import replacing
from previzkit.core.errors import CheckpointError
from previzkit.genai.checkpoint import safe_load
from previzkit.genai.envmodel import EnvConfig, EnvGenerator, decode
from previzkit.genai.sample import check_size
from previzkit.model.conditions import check_condition

FORMAT = "previzkit.genai.envgan"
VERSION = 1
LOG_LO, LOG_HI = -7.0, 10.5  # ln radiance range of log_view


@dataclass
class EnvCheckpoint:
    """A loaded environment model: config, generator weights, metadata, training state."""

    config: EnvConfig
    generator: dict[str, torch.Tensor]
    meta: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] | None = None
    path: Path | None = None
    sha256: str = ""

    def build_generator(self, device: torch.device | str = "cpu") -> EnvGenerator:
        """An EnvGenerator in eval mode with these weights."""
        g = EnvGenerator(self.config)
        try:
            g.load_state_dict(self.generator)
        except RuntimeError as exc:
            raise CheckpointError(
                f"{self.path or '<checkpoint>'}: generator weights do not match its config ({exc})"
            ) from exc
        return g.to(device).eval()


@dataclass
class Environment:
    """A generated panorama: ``radiance`` float32 (H, W, 3) linear, ``srgb`` uint8 view."""

    radiance: np.ndarray
    srgb: np.ndarray
    condition: str
    seed: int


def save_env_checkpoint(
    ckpt: EnvCheckpoint, path: str | Path, with_train_state: bool = True
) -> Path:
    """Write ``ckpt`` atomically. Without the training state (for shipping) the
    generator's float weights are stored as float16 (half the size; loaded as float32)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    half = not (with_train_state and ckpt.train is not None)
    payload: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "config": ckpt.config.to_dict(),
        "generator": {
            k: (v.half() if half and v.is_floating_point() else v).detach().cpu().contiguous()
            for k, v in ckpt.generator.items()
        },
        "meta": ckpt.meta,
    }
    if with_train_state and ckpt.train is not None:
        payload["train"] = ckpt.train
    with replacing(path) as tmp:
        torch.save(payload, tmp)
    return path


def checkpoint_format(path: str | Path) -> str:
    """The ``format`` string of a checkpoint file (read safely)."""
    obj, _ = safe_load(Path(path))
    return str(obj.get("format")) if isinstance(obj, dict) else type(obj).__name__


def load_env_checkpoint(
    path: str | Path, map_location: str | torch.device = "cpu"
) -> EnvCheckpoint:
    """Read an environment model safely; CheckpointError naming the file if it is not one."""
    path = Path(path)
    obj, data = safe_load(path, map_location)
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        found = obj.get("format") if isinstance(obj, dict) else type(obj).__name__
        raise CheckpointError(
            f"{path}: not a previzkit environment model (expected format {FORMAT!r}, found {found!r})"
        )
    if obj.get("version") != VERSION:
        raise CheckpointError(
            f"{path}: environment model version {obj.get('version')!r} is not supported"
        )
    try:
        config = EnvConfig.from_dict(obj["config"])
        gen = {k: v.float() if v.is_floating_point() else v for k, v in obj["generator"].items()}
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: malformed environment model config ({exc!r})") from exc
    ckpt = EnvCheckpoint(
        config,
        gen,
        dict(obj.get("meta") or {}),
        obj.get("train"),
        path,
        hashlib.sha256(data).hexdigest(),
    )
    ckpt.build_generator()
    return ckpt


def seeded_inputs(
    gen: EnvGenerator, seed: int, condition: str, batch: int = 1
) -> tuple[torch.Tensor, torch.Tensor, list[torch.Tensor]]:
    """(z, condition index, per-block noise) that a seed stands for, drawn on the CPU."""
    cfg = gen.config
    if condition not in cfg.conditions:
        raise CheckpointError(
            f"condition: {condition!r} is not one this model knows ({', '.join(cfg.conditions)})"
        )
    g = torch.Generator().manual_seed(int(seed))
    z = torch.randn(batch, cfg.latent, generator=g)
    noises = [torch.randn(batch, *s, generator=g) for s in gen.noise_shapes()]
    cond = torch.full((batch,), cfg.conditions.index(condition), dtype=torch.long)
    return z, cond, noises


def resize_log(t: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """Bilinear resize of (B, C, H, W) to (height, width), periodic in x."""
    if t.shape[-2:] == (height, width):
        return t
    w0 = t.shape[-1]
    pad = 2
    tp = F.pad(t, (pad, pad, 0, 0), mode="circular")
    sx = width / w0
    up = F.interpolate(
        tp,
        size=(height, round((w0 + 2 * pad) * sx)),
        mode="bilinear",
        align_corners=False,
        antialias=width < w0,
    )
    # Crop the padding; with a non-integer scale the sample grid is re-centred.
    cut = (up.shape[-1] - width) // 2
    return up[..., cut : cut + width].contiguous()


def tone_map_tensor(radiance: torch.Tensor, ev: float = 0.0) -> torch.Tensor:
    """uint8 sRGB view of linear radiance (on its device): ``1 - exp(-x * 2**ev)``
    shoulder, then the sRGB curve."""
    v = 1.0 - torch.exp(-radiance.float() * (2.0**ev))
    v = torch.where(v <= 0.0031308, v * 12.92, 1.055 * v.clamp_min(0.0031308) ** (1 / 2.4) - 0.055)
    return (v * 255 + 0.5).clamp(0, 255).to(torch.uint8)


def tone_map(radiance: np.ndarray | torch.Tensor, ev: float = 0.0) -> np.ndarray:
    """uint8 sRGB view of linear radiance (numpy), see :func:`tone_map_tensor`."""
    return tone_map_tensor(torch.as_tensor(radiance, dtype=torch.float32), ev).cpu().numpy()


_LUT_SIZE = 8192
_LUT_RANGE = (-2.5, 3.5)  # network units: ln radiance from -11 to 13
_luts: dict[tuple[float, str], torch.Tensor] = {}


def srgb_from_log(t: torch.Tensor, ev: float = 0.0) -> torch.Tensor:
    """:func:`tone_map_tensor` of ``decode(t)`` through an 8192-entry table over ``t``
    (steps of 0.3% in radiance, below one uint8 code): an index and a lookup per value
    instead of two exponentials and a power."""
    lo, hi = _LUT_RANGE
    key = (float(ev), str(t.device))
    lut = _luts.get(key)
    if lut is None:
        grid = torch.linspace(lo, hi, _LUT_SIZE, device=t.device)
        lut = _luts.setdefault(key, tone_map_tensor(decode(grid), ev))
    scale = (_LUT_SIZE - 1) / (hi - lo)
    idx = ((t - lo) * scale).round_().clamp_(0, _LUT_SIZE - 1).long()
    return lut[idx]


def log_view(radiance: np.ndarray | torch.Tensor) -> np.ndarray:
    """uint8 image of ln(radiance + 1e-3) mapped linearly from [-7, 10.5]: the HDR
    structure the metrics compare (no exposure clipping)."""
    x = torch.log(torch.as_tensor(radiance, dtype=torch.float32).clamp_min(0) + 1e-3)
    return ((x - LOG_LO) / (LOG_HI - LOG_LO) * 255 + 0.5).clamp(0, 255).to(torch.uint8).numpy()


def _load(model: str | Path | EnvCheckpoint | EnvGenerator) -> EnvGenerator:
    if isinstance(model, EnvGenerator):
        return model.eval()
    ckpt = model if isinstance(model, EnvCheckpoint) else load_env_checkpoint(model)
    return ckpt.build_generator()


def generate_log(
    model: str | Path | EnvCheckpoint | EnvGenerator,
    condition: str,
    seeds: list[int],
    device: str | torch.device = "cpu",
) -> torch.Tensor:
    """Native-size network output (B, 3, H, W) (log radiance, see envmodel.encode)."""
    gen = _load(model).to(device)
    cond_name = check_condition(condition)
    outs = []
    with torch.inference_mode():
        for seed in seeds:
            z, cond, noises = seeded_inputs(gen, seed, cond_name)
            outs.append(gen(z.to(device), cond.to(device), [n.to(device) for n in noises]).cpu())
    return torch.cat(outs)


def generate_environment(
    model: str | Path | EnvCheckpoint | EnvGenerator,
    condition: str,
    seed: int,
    width: int | None = None,
    height: int | None = None,
    *,
    ev: float = 0.0,
    device: str | torch.device = "cpu",
) -> Environment:
    """A 360° panorama for ``condition`` and ``seed``: float32 radiance and uint8 sRGB.

    ``width``/``height`` default to the native size; other sizes are resampled
    (upsampled: no added detail) and still wrap exactly at 360°.
    """
    gen = _load(model).to(device)
    w = int(width or gen.config.width)
    h = int(height or gen.config.height)
    check_size(w, h)
    cond_name = check_condition(condition)
    z, cond, noises = seeded_inputs(gen, seed, cond_name)
    with torch.inference_mode():
        t = gen(z.to(device), cond.to(device), [n.to(device) for n in noises])
        t = resize_log(t, w, h)[0].permute(1, 2, 0).contiguous()
        srgb = srgb_from_log(t, ev).cpu().numpy()
        rad = decode(t).cpu().numpy()
    return Environment(rad, srgb, cond_name, int(seed))

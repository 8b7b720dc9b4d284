"""Panoramas for the environment GAN: the shipped training and held-out sets, and a
user's folder of panoramas with a condition per file.

Files are read by ``previzkit.media.hdr_image.read_radiance`` (PNG/JPEG panoramas
are taken as sRGB and linearised).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from previzkit.core.errors import InputError, MissingFileError
from previzkit.media.hdr_image import check_equirect, read_radiance
from previzkit.model.conditions import CONDITIONS, check_condition

# Grouped by looking at tone-mapped previews (docs/genai.md).
TRAINING: dict[str, str] = {
    "night": "night",
    "dawn": "dusk",
    "sunrise": "dusk",
    "sunset": "dusk",
    "venice": "dusk",
    "city": "day",
    "forest": "day",
    "park": "day",
    "sky": "day",
    "apartment": "interior",
    "bridge": "interior",
    "esplanade": "interior",
    "hall": "interior",
    "lab": "interior",
    "lobby": "interior",
    "studio": "interior",
    "warehouse": "interior",
    "workshop": "interior",
}
# Never trained on: Blender 3.4's studio-light worlds (Poly Haven, CC0), 256x128.
HELDOUT: dict[str, str] = {
    "blender_night": "night",
    "blender_sunrise": "dusk",
    "blender_sunset": "dusk",
    "blender_city": "day",
    "blender_courtyard": "day",
    "blender_forest": "day",
    "blender_interior": "interior",
    "blender_studio": "interior",
}
SUFFIXES = (".exr", ".hdr", ".png", ".jpg", ".jpeg")


@dataclass
class Panorama:
    """One equirect panorama: linear radiance float32 (H, W, 3), its condition, a name."""

    name: str
    condition: str
    radiance: np.ndarray


def read_panorama(path: str | Path) -> np.ndarray:
    """Linear radiance float32 (H, W, 3) >= 0 of a 2:1 equirect panorama file (EXR,
    Radiance HDR, or an sRGB PNG/JPEG, linearised)."""
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"panorama {p} does not exist")
    if p.suffix.lower() not in SUFFIXES:
        raise InputError(f"{p}: not a panorama ({', '.join(SUFFIXES)})")
    arr = read_radiance(p)
    check_equirect(arr, str(p))
    return arr


def resize_radiance(radiance: np.ndarray, width: int, height: int) -> np.ndarray:
    """Area-average (antialiased) resize of linear radiance (H, W, 3), wrapping in x."""
    t = torch.from_numpy(np.ascontiguousarray(radiance)).permute(2, 0, 1)[None]
    h0, w0 = t.shape[-2:]
    if h0 % height == 0 and w0 % width == 0:
        out = F.avg_pool2d(t, (h0 // height, w0 // width))
    else:
        pad = max(1, w0 // width)
        tp = F.pad(t, (pad, pad, 0, 0), mode="circular")
        scale = width / w0
        out = F.interpolate(
            tp, size=(height, round((w0 + 2 * pad) * scale)), mode="bilinear", antialias=True
        )
        cut = round(pad * scale)
        out = out[..., cut : cut + width]
    return out[0].permute(1, 2, 0).numpy().astype(np.float32)


def _shipped(folder: Path, table: dict[str, str], condition: str | None) -> list[Panorama]:
    out = []
    for name, cond in table.items():
        if condition is not None and cond != condition:
            continue
        out.append(Panorama(name, cond, read_panorama(folder / f"{name}.exr")))
    return out


def training_panoramas(condition: str | None = None) -> list[Panorama]:
    """The 18 shipped panoramas (assets/environments) with their conditions."""
    from previzkit.core.resources import assets_dir

    return _shipped(assets_dir() / "environments", TRAINING, condition)


def heldout_panoramas(condition: str | None = None) -> list[Panorama]:
    """The 8 held-out panoramas (assets/models/genai/heldout), never trained on."""
    from previzkit.core.resources import assets_dir

    return _shipped(assets_dir() / "models" / "genai" / "heldout", HELDOUT, condition)


def folder_panoramas(folder: str | Path) -> list[Panorama]:
    """A user's panoramas with a condition each, from ``folder``.

    Either sub-folders named by condition (``night/``, ``dusk/``, ``day/``,
    ``interior/``) holding panoramas, or panoramas at the top with a
    ``conditions.csv`` of ``file,condition`` lines (a header line is optional).
    """
    root = Path(folder)
    if not root.is_dir():
        raise MissingFileError(f"panorama folder {root} does not exist")
    out: list[Panorama] = []
    table = root / "conditions.csv"
    if table.is_file():
        with open(table, newline="") as f:
            for i, row in enumerate(csv.reader(f), 1):
                if not row or row[0].strip().startswith("#"):
                    continue
                if len(row) < 2:
                    raise InputError(f"{table}:{i}: expected 'file,condition', got {row!r}")
                name, cond = row[0].strip(), row[1].strip()
                if i == 1 and cond.lower() == "condition":
                    continue
                try:
                    cond = check_condition(cond)
                except InputError as exc:
                    raise InputError(f"{table}:{i}: {exc}") from None
                out.append(Panorama(Path(name).stem, cond, read_panorama(root / name)))
    for cond in CONDITIONS:
        sub = root / cond
        if sub.is_dir():
            for p in sorted(sub.iterdir()):
                if p.suffix.lower() in SUFFIXES:
                    out.append(Panorama(p.stem, cond, read_panorama(p)))
    if not out:
        raise InputError(
            f"{root}: no panoramas; put them in sub-folders named {', '.join(CONDITIONS)} "
            "or list them in conditions.csv (file,condition)"
        )
    return out

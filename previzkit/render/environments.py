"""Environment panoramas as linear radiance: a shipped preset by name, or any HDRI or
equirect photo by path (.exr, .hdr, .png, .jpg). See :mod:`previzkit.model.environments`
for the presets' names, kinds, times of day and brightness."""

from __future__ import annotations

import dataclasses
from functools import lru_cache
from pathlib import Path

import numpy as np

from previzkit.core.types import ImageF32
from previzkit.media.hdr_image import check_equirect, read_radiance
from previzkit.model.environments import PRESETS, EnvironmentPreset, environment_preset
from previzkit.model.setfile import SetDef

__all__ = [
    "PRESETS",
    "EnvironmentPreset",
    "environment_radiance",
    "luminance",
    "preset_table",
    "with_environment",
]


def environment_radiance(name_or_path: str | Path) -> ImageF32:
    """float32 (H, W, 3) linear radiance of a 2:1 equirect panorama: a preset's name
    (``"night"``) or a file's path. An unknown name lists the presets. The array is
    shared between calls: copy it before writing to it."""
    s = str(name_or_path)
    if isinstance(name_or_path, Path) or "/" in s or "\\" in s or "." in Path(s).name:
        path = Path(name_or_path).expanduser().resolve()
    else:
        path = environment_preset(s).path
    try:
        stamp = path.stat().st_mtime_ns  # a file rewritten in place is read again
    except OSError:
        stamp = -1  # missing: read_radiance says so
    return _file_radiance(path, stamp)


@lru_cache(maxsize=8)
def _file_radiance(path: Path, _stamp: int) -> ImageF32:
    img = read_radiance(path)
    check_equirect(img, str(path))
    img.setflags(write=False)
    return img


def preset_table() -> str:
    """The presets as aligned text lines: name, kind, time, mean/peak luminance, what it shows."""
    lines = [f"{'name':<10} {'kind':<9} {'time':<6} {'mean':>7} {'peak':>8}  shows"]
    for p in PRESETS.values():
        lines.append(
            f"{p.name:<10} {p.kind:<9} {p.time:<6} {p.mean:>7.3g} {p.peak:>8.4g}  {p.description}"
        )
    return "\n".join(lines)


def luminance(radiance: np.ndarray) -> np.ndarray:
    """Rec.709 luminance Y of linear RGB (..., 3)."""
    return np.asarray(radiance, dtype=np.float32) @ np.array(
        [0.2126, 0.7152, 0.0722], dtype=np.float32
    )


def with_environment(set_def: SetDef, name: str, where: str = "--environment") -> SetDef:
    """``set_def`` with the preset ``name`` as its sky and light (its own image or GAN
    model dropped; its ground, yaw and exposure kept). ``where`` names the input in errors."""
    environment_preset(name, where)
    bg = dataclasses.replace(set_def.background, environment=name, image=None, model=None)
    return dataclasses.replace(set_def, background=bg)

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
from previzkit.model.setfile import LightDef, SetDef

__all__ = [
    "PRESETS",
    "EnvironmentPreset",
    "environment_lights",
    "environment_radiance",
    "luminance",
    "preset_table",
    "repair_lost_channels",
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
    img = np.maximum(repair_lost_channels(read_radiance(path, clamp=False)), 0.0)
    check_equirect(img, str(path))
    img.setflags(write=False)
    return img


def repair_lost_channels(radiance: np.ndarray, hot: float = 20.0) -> ImageF32:
    """Mend bright pixels that lost two of their three channels: the shipped ``park`` and
    ``sunrise`` suns are 6x6 blocks of pure blue (R = G = 0, B in the thousands, ringing
    below 0 around them: lossy DWAB gone wrong), which would light a set blue. In the
    box around such pixels (one channel > ``hot``, the other two within 0.01 of 0: give
    the radiance before negatives are clamped), every pixel takes its largest channel
    in all three: a white sun of the surviving channel's power."""
    img = np.array(radiance, dtype=np.float32)
    lost = (img.max(axis=2) > hot) & ((np.abs(img) < 0.01).sum(axis=2) >= 2)
    if not lost.any():
        return img
    ys, xs = np.nonzero(lost)
    box = img[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    box[...] = np.maximum(box.max(axis=2, keepdims=True), 0.0)
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


def with_environment(
    set_def: SetDef, name: str, where: str = "--environment", relight: bool = True
) -> SetDef:
    """``set_def`` with the preset ``name`` as its sky (its own image or GAN model
    dropped; its ground, yaw and exposure kept) and, with ``relight``, its lights
    replaced by :func:`environment_lights` of the preset. ``where`` names the input."""
    environment_preset(name, where)
    bg = dataclasses.replace(set_def.background, environment=name, image=None, model=None)
    out = dataclasses.replace(set_def, background=bg)
    if relight:
        light = environment_lights(environment_radiance(name), bg.yaw_deg, bg.exposure_ev)
        out = dataclasses.replace(out, lights=light)
    return out


def environment_lights(
    radiance: np.ndarray,
    yaw_deg: float = 0.0,
    exposure_ev: float = 0.0,
    key_fraction: float = 0.002,
) -> list[LightDef]:
    """A directional key light and an ambient light standing in for a panorama's light:
    the key casts the sun's shadows; image-based lighting, where on, replaces the ambient.

    The key is the brightest ``key_fraction`` of the sphere (by solid angle): its
    direction is their radiance-weighted mean (a light travels the other way), its
    radiance their irradiance / pi, so a Lambert surface facing it gets what it would
    from the panorama. The ambient is the mean radiance of the rest of the sphere.
    ``yaw_deg`` turns the panorama as the skybox does; everything scales by
    2**``exposure_ev``. Radiance is linear, (H, W, 3) equirect, row 0 straight up.
    """
    img = np.asarray(radiance, dtype=np.float64) * 2.0**exposure_ev
    h, w = img.shape[:2]
    theta = (np.arange(h) + 0.5) / h * np.pi  # from straight up
    phi = ((np.arange(w) + 0.5) / w - 0.5) * 2 * np.pi - np.radians(yaw_deg)
    omega = np.repeat((np.sin(theta) * (np.pi / h) * (2 * np.pi / w))[:, None], w, axis=1)
    lum = luminance(img).astype(np.float64)
    order = np.argsort(lum, axis=None)[::-1]
    covered = np.cumsum(omega.ravel()[order])
    key = np.zeros(h * w, dtype=bool)
    key[order[: max(1, int(np.searchsorted(covered, key_fraction * 4 * np.pi)))]] = True
    key = key.reshape(h, w)
    st, ct = np.sin(theta)[:, None], np.cos(theta)[:, None]
    dirs = np.stack(
        [st * np.sin(phi)[None, :], np.broadcast_to(ct, (h, w)), -st * np.cos(phi)[None, :]],
        axis=-1,
    )
    weight = (lum * omega)[key]
    to_key = (dirs[key] * weight[:, None]).sum(axis=0)
    to_key /= max(float(np.linalg.norm(to_key)), 1e-12)
    key_irradiance = (img[key] * omega[key][:, None]).sum(axis=0)  # (3,), facing the key
    rest = ~key
    ambient = (img[rest] * omega[rest][:, None]).sum(axis=0) / omega[rest].sum()
    key_rgb = key_irradiance / np.pi
    return [
        _light("directional", key_rgb, tuple(float(c) for c in -to_key)),
        _light("ambient", ambient),
    ]


def _light(kind: str, rgb: np.ndarray, direction: tuple[float, ...] | None = None) -> LightDef:
    """A LightDef with colour normalised to its largest channel and that as intensity."""
    peak = float(max(rgb.max(), 1e-12))
    color = tuple(float(c) / peak for c in rgb)
    if direction is None:
        return LightDef(kind, color, peak)  # type: ignore[arg-type]
    return LightDef(kind, color, peak, direction)  # type: ignore[arg-type]

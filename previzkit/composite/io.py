"""Straight and premultiplied alpha for 8-bit RGBA images. Image files are straight
(PNG defines it); they are read and written by :mod:`previzkit.media.image`."""

from __future__ import annotations

import numpy as np


def premultiply(rgba: np.ndarray) -> np.ndarray:
    """Straight uint8 RGBA -> premultiplied (rounded)."""
    out = rgba.copy()
    a = rgba[..., 3:4].astype(np.uint32)
    out[..., :3] = ((rgba[..., :3].astype(np.uint32) * a + 127) // 255).astype(np.uint8)
    return out


def unpremultiply(rgba: np.ndarray) -> np.ndarray:
    """Premultiplied uint8 RGBA -> straight (rounded; colour 0 where alpha is 0)."""
    out = rgba.copy()
    a = rgba[..., 3:4].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        c = np.where(a > 0, rgba[..., :3] * 255.0 / a, 0.0)
    out[..., :3] = np.clip(np.rint(c), 0, 255).astype(np.uint8)
    return out

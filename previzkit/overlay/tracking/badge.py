"""What the operator sees of the tracking state: the virtual layer faded by the pose
filter's visibility, and a small "TRACKING LOST" badge in the top-left corner."""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

LOST_TEXT = "TRACKING LOST"


@functools.lru_cache(maxsize=4)
def lost_badge(width: int) -> npt.NDArray[np.float32]:
    """The badge for a ``width``-pixel-wide frame: (h, w, 4) float32, RGB premultiplied
    by alpha (0..1), a red-edged dark panel with white text."""
    from previzkit.render.text import text_image

    w = max(120, width // 6)
    h = max(20, w // 7)
    rgba = text_image([LOST_TEXT], (w, h)).astype(np.float32) / 255.0
    edge = max(2, h // 10)
    rgba[:, :edge, :] = rgba[:, -edge:, :] = (0.86, 0.1, 0.1, 1.0)
    rgba[:edge, :, :] = rgba[-edge:, :, :] = (0.86, 0.1, 0.1, 1.0)
    rgba[..., :3] *= rgba[..., 3:]
    return rgba


def draw_lost_badge(image: npt.NDArray[np.uint8], margin: int = 12) -> None:
    """Draw the badge into ``image`` (uint8 (H, W, 3), row 0 at the top) in place."""
    height, width = image.shape[:2]
    badge = lost_badge(int(width))
    bh, bw = badge.shape[:2]
    y0, x0 = min(margin, max(0, height - bh)), min(margin, max(0, width - bw))
    region = image[y0 : y0 + bh, x0 : x0 + bw]
    b = badge[: region.shape[0], : region.shape[1]]
    out = b[..., :3] * 255.0 + region * (1.0 - b[..., 3:])
    region[...] = np.clip(out + 0.5, 0, 255).astype(np.uint8)


def fade_layer(
    rgba: npt.NDArray[np.uint8], zbuffer: npt.NDArray[np.float32], visibility: float
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.float32]]:
    """A premultiplied RGBA layer and its z-buffer scaled by ``visibility`` (0..1):
    unchanged at 1, nothing (transparent, z = 1) at 0."""
    if visibility >= 1.0:
        return rgba, zbuffer
    if visibility <= 0.0:
        return np.zeros_like(rgba), np.ones_like(zbuffer)
    scale = np.uint16(round(visibility * 256))  # 8-bit fixed point: 4 ms at 720p, not 20
    scaled = ((rgba.astype(np.uint16) * scale + np.uint16(128)) >> 8).astype(np.uint8)
    return scaled, zbuffer

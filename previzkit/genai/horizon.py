"""Horizon blend: make a texture panorama read as sky above a ground plane.

Pure numpy on equirectangular images (see :mod:`previzkit.genai.cubemap` for the
convention: row 0 is straight up, the middle row the horizon, column W/2 looks
down -z). Below the horizon each pixel shows the ground plane ``camera_height_m``
below the viewer, textured with a tileable ground image repeated every
``tile_m`` metres and fading with distance into the colour of the sky just above the horizon; a soft band blends
sky and ground at the horizon.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from previzkit.core.errors import InputError, ShapeError


@dataclass(frozen=True)
class HorizonBlend:
    """How to put ground under a sky panorama.

    ground_model: a genai checkpoint for the ground texture (None: ``ground_color``).
    horizon: where the horizon sits, as a fraction of the height from the top (0.5 =
    the equator, level with the viewer's eye). softness: blend band, fraction of the
    height. camera_height_m: eye height above the ground (metres). tile_m: size of one
    ground texture tile (metres). haze_m: distance at which the ground is 63% haze
    (the colour of the sky just above the horizon). ground_gain: brightness factor
    of the ground texture (e.g. 0.3 under a night sky).
    """

    ground_model: str | None = None
    ground_seed: int = 0
    ground_size: int = 512
    ground_color: tuple[float, float, float] = (0.35, 0.33, 0.30)
    horizon: float = 0.5
    softness: float = 0.02
    camera_height_m: float = 1.7
    tile_m: float = 4.0
    haze_m: float = 20.0
    ground_gain: float = 1.0

    def validate(self) -> None:
        """Raise InputError naming the bad field."""
        if not 0.0 < self.horizon < 1.0:
            raise InputError(f"horizon.horizon: {self.horizon} must be in (0, 1)")
        if not 0.0 <= self.softness < 0.5:
            raise InputError(f"horizon.softness: {self.softness} must be in [0, 0.5)")
        for name in ("camera_height_m", "tile_m", "haze_m", "ground_gain"):
            if getattr(self, name) <= 0:
                raise InputError(f"horizon.{name}: {getattr(self, name)} must be > 0")
        if len(self.ground_color) != 3 or not all(0 <= c <= 1 for c in self.ground_color):
            raise InputError(
                f"horizon.ground_color: {self.ground_color} must be 3 values in [0, 1]"
            )

    def key(self) -> str:
        """A short stable text for cache keys."""
        return repr(sorted(self.__dict__.items()))


def _sample_tiled(tex: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Bilinear sample of a tileable (S, S, 3) texture at texture coords (wrapping)."""
    s_h, s_w = tex.shape[:2]
    x = u * s_w - 0.5
    y = v * s_h - 0.5
    x0 = np.floor(x).astype(np.int64)
    y0 = np.floor(y).astype(np.int64)
    fx = (x - x0)[..., None]
    fy = (y - y0)[..., None]
    t = tex.astype(np.float32)

    def at(yy: np.ndarray, xx: np.ndarray) -> np.ndarray:
        return t[yy % s_h, xx % s_w]

    top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx
    bot = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx
    return top * (1 - fy) + bot * fy


def apply_horizon(
    sky: np.ndarray, ground_texture: np.ndarray | None, blend: HorizonBlend
) -> np.ndarray:
    """Sky (H, W, 3) uint8 above, projected ground below, blended at the horizon."""
    blend.validate()
    if sky.ndim != 3 or sky.shape[2] != 3 or sky.dtype != np.uint8:
        raise ShapeError(f"apply_horizon: sky must be uint8 (H, W, 3), got {sky.dtype} {sky.shape}")
    h, w = sky.shape[:2]
    rows = (np.arange(h) + 0.5) / h
    # Elevation relative to the horizon row: +pi/2 at the top, -pi/2 at the bottom.
    elev = np.where(
        rows < blend.horizon,
        (blend.horizon - rows) / blend.horizon * (np.pi / 2),
        -(rows - blend.horizon) / (1 - blend.horizon) * (np.pi / 2),
    )
    lon = ((np.arange(w) + 0.5) / w - 0.5) * 2 * np.pi
    out = sky.astype(np.float32)
    gt = None
    if ground_texture is not None:
        gt = np.asarray(ground_texture)
        if gt.ndim != 3 or gt.shape[2] != 3:
            raise ShapeError(f"apply_horizon: ground texture must be (S, S, 3), got {gt.shape}")
    # Distant ground fades into the colour of the sky just above the horizon.
    top = max(0, int((blend.horizon - 0.05) * h))
    bottom = max(top + 1, int(blend.horizon * h))
    haze = out[top:bottom].reshape(-1, 3).mean(0)
    # Ground for the rows below the horizon (and the blend band above it).
    band = blend.softness
    g_rows = np.nonzero(rows >= blend.horizon - band)[0]
    if len(g_rows):
        e = np.minimum(elev[g_rows], -1e-3)[:, None]
        dist = blend.camera_height_m / np.tan(-e)  # metres along the floor
        x = dist * np.sin(lon)[None, :]
        z = -dist * np.cos(lon)[None, :]
        if gt is not None:
            ground = _sample_tiled(gt, x / blend.tile_m, z / blend.tile_m) * blend.ground_gain
        else:
            color = np.asarray(blend.ground_color, np.float32) * 255
            ground = np.broadcast_to(color, (*x.shape, 3)).astype(np.float32)
        fog = (1.0 - np.exp(-dist / blend.haze_m))[..., None]
        ground = ground * (1 - fog) + haze * fog
        # Smoothstep from sky (above the band) to ground (below it).
        t = np.clip((rows[g_rows] - (blend.horizon - band)) / max(2 * band, 1e-6), 0, 1)
        t = (t * t * (3 - 2 * t))[:, None, None]
        out[g_rows] = out[g_rows] * (1 - t) + ground * t
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)

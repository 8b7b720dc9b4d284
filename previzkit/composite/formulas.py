"""The definitions every backend shares: 8-bit YCbCr, the matte as a function of
(Cb, Cr), per-channel colour tables and resampling weights. Pure numpy.

Backends evaluate these tables once per parameter set (cached) and look values up
per pixel, so they agree with the numpy reference by construction.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from previzkit.composite.params import CDL, KeyParams
from previzkit.core.errors import InputError

# Full-range BT.709 RGB -> Cb, Cr in 16-bit fixed point (each row sums to 0, so grey
# maps to 128): Cb = (B - Y) / 1.8556, Cr = (R - Y) / 1.5748.
CB_COEF = (-7509, -25259, 32768)
CR_COEF = (32768, -29763, -3005)
FIX_BIAS = (128 << 16) + 32768
LUMA709 = (0.2126, 0.7152, 0.0722)


def cbcr8(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer Cb, Cr (0..255) of uint8 RGB ``(..., 3)``, exactly as every kernel computes."""
    r = rgb[..., 0].astype(np.int32)
    g = rgb[..., 1].astype(np.int32)
    b = rgb[..., 2].astype(np.int32)
    cb = (CB_COEF[0] * r + CB_COEF[1] * g + CB_COEF[2] * b + FIX_BIAS) >> 16
    cr = (CR_COEF[0] * r + CR_COEF[1] * g + CR_COEF[2] * b + FIX_BIAS) >> 16
    return np.minimum(cb, 255), np.minimum(cr, 255)


def _key_chroma(p: KeyParams) -> tuple[float, float, float]:
    """The key colour's Cb - 128, Cr - 128 and chroma (distance from grey), validated."""
    kcb8, kcr8 = cbcr8(np.array(p.color, dtype=np.uint8))
    kcb, kcr = float(kcb8) - 128.0, float(kcr8) - 128.0
    chroma = float(np.hypot(kcb, kcr))
    if chroma < 8.0:
        raise InputError(
            f"key_color: {p.color} is too close to grey to key (chroma {chroma:.1f} < 8)"
        )
    return kcb, kcr, chroma


def matte_from_cbcr(cb: np.ndarray, cr: np.ndarray, p: KeyParams) -> np.ndarray:
    """Alpha 0..255 (uint8; 255 = foreground) of integer Cb/Cr under key ``p``.

    In key-chroma units, a pixel's chroma is ``along`` the key's hue and ``across`` it;
    the screen is the segment ``screen_min..screen_max`` along; the distance to its
    nearest point ``t`` is divided by ``t`` (a darker screen's noise and hue drift
    shrink with its chroma), then ramped by tolerance/softness and clipped."""
    kcb, kcr, chroma = _key_chroma(p)
    dcb = np.asarray(cb, np.float64) - 128.0
    dcr = np.asarray(cr, np.float64) - 128.0
    c2 = chroma * chroma
    along = (dcb * kcb + dcr * kcr) / c2
    across = (dcb * kcr - dcr * kcb) / c2
    t = np.clip(along, p.screen_min, p.screen_max)
    d = np.hypot(along - t, across) / t
    if p.softness > 0:
        with np.errstate(over="ignore"):
            a = np.clip((d - p.tolerance) / p.softness, 0.0, 1.0)
    else:
        a = (d > p.tolerance).astype(np.float64)
    a = np.clip((a - p.clip_black) / (p.clip_white - p.clip_black), 0.0, 1.0)
    return np.rint(a * 255.0).astype(np.uint8)


@lru_cache(maxsize=32)
def matte_coeffs(p: KeyParams) -> np.ndarray:
    """The matte as arithmetic, for kernels that compute it rather than look it up:
    float32 [ex, ey, tolerance, 1/softness, clip_black, 1/(clip_white - clip_black),
    screen_min, screen_max] where ``along = (Cb-128) ex + (Cr-128) ey`` and
    ``across = (Cb-128) ey - (Cr-128) ex`` (softness 0 gives a step: 1/softness = 1e30)."""
    kcb, kcr, chroma = _key_chroma(p)
    inv_soft = min(1.0 / p.softness, 1e30) if p.softness > 0 else 1e30
    c2 = chroma * chroma
    c = np.array(
        [
            kcb / c2,
            kcr / c2,
            p.tolerance,
            inv_soft,
            p.clip_black,
            1.0 / (p.clip_white - p.clip_black),
            p.screen_min,
            p.screen_max,
        ],
        np.float32,
    )
    c.flags.writeable = False
    return c


@lru_cache(maxsize=32)
def matte_table(p: KeyParams) -> np.ndarray:
    """The matte for every (Cb, Cr): uint8 (256, 256), indexed ``[cb, cr]``. Cached."""
    cb, cr = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    t = np.ascontiguousarray(matte_from_cbcr(cb, cr, p))
    t.flags.writeable = False
    return t


def cdl_curve(x: np.ndarray, cdl: CDL) -> np.ndarray:
    """Slope/offset/power of ``x`` (..., 3) in 0..1 code values, float64, clamped to 0..1."""
    v = np.clip(np.asarray(x, np.float64) * cdl.slope + np.asarray(cdl.offset), 0.0, 1.0)
    return v ** np.asarray(cdl.power)


@lru_cache(maxsize=32)
def cdl_table(cdl: CDL) -> np.ndarray:
    """SOP of every uint8 code value: float32 (256, 3). Cached."""
    x = np.repeat((np.arange(256, dtype=np.float64) / 255.0)[:, None], 3, axis=1)
    t = np.ascontiguousarray(cdl_curve(x, cdl).astype(np.float32))
    t.flags.writeable = False
    return t


def bilinear_axis(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Source taps for bilinear resampling along one axis, pixel centres aligned
    (``src = (dst + 0.5) * n_in / n_out - 0.5``, clamped at the edges, as OpenCV's
    INTER_LINEAR): int32 ``i0``, ``i1`` and float32 weight ``w`` of ``i1``."""
    key = (n_in, n_out)
    hit = _AXIS_CACHE.get(key)
    if hit is not None:
        return hit
    s = (np.arange(n_out, dtype=np.float64) + 0.5) * (n_in / n_out) - 0.5
    s = np.clip(s, 0.0, n_in - 1)
    i0 = np.floor(s).astype(np.int32)
    i1 = np.minimum(i0 + 1, n_in - 1).astype(np.int32)
    w = (s - i0).astype(np.float32)
    out = (i0, i1, w)
    for a in out:
        a.flags.writeable = False
    if len(_AXIS_CACHE) > 64:
        _AXIS_CACHE.clear()
    _AXIS_CACHE[key] = out
    return out


_AXIS_CACHE: dict[tuple[int, int], tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def letterbox_rect(src_w: int, src_h: int, dst_w: int, dst_h: int) -> tuple[int, int, int, int]:
    """Where a ``src_w`` x ``src_h`` plate lands, aspect kept, centred in ``dst_w`` x
    ``dst_h``: ``(x, y, w, h)`` in pixels (bars left/right or top/bottom)."""
    scale = min(dst_w / src_w, dst_h / src_h)
    w = max(1, min(dst_w, round(src_w * scale)))
    h = max(1, min(dst_h, round(src_h * scale)))
    return (dst_w - w) // 2, (dst_h - h) // 2, w, h


def zbuffer_to_depth(z: np.ndarray, proj: np.ndarray) -> np.ndarray:
    """Metres in front of the camera from an OpenGL depth buffer (0..1) rendered with
    the perspective matrix ``proj``; the far plane (z == 1, nothing drawn) gives inf."""
    z = np.asarray(z, np.float64)
    ndc = 2.0 * z - 1.0
    with np.errstate(divide="ignore"):
        d = proj[2, 3] / (ndc + proj[2, 2])
    d = np.where(z >= 1.0, np.inf, d)
    return d.astype(np.float32)


def plane_depth(
    width: int,
    height: int,
    proj: np.ndarray,
    point: tuple[float, float, float],
    normal: tuple[float, float, float],
) -> np.ndarray:
    """Per-pixel depth (metres in front of the camera, float32 (H, W)) of a plane given
    in the camera frame (looking down -z, y up) by a ``point`` on it and its ``normal``,
    for a camera with OpenGL perspective ``proj``. Rays that miss it, or meet it behind
    the camera, give inf. An actor standing at distance d facing the camera is the
    plane ``point=(0, 0, -d), normal=(0, 0, 1)``."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    ndc_x = (xs + 0.5) / width * 2.0 - 1.0
    ndc_y = 1.0 - (ys + 0.5) / height * 2.0
    # Ray through the pixel at z_cam = -1: x_cam = (ndc_x + P02) / P00 for an off-axis frustum.
    rx = (ndc_x + proj[0, 2]) / proj[0, 0]
    ry = (ndc_y + proj[1, 2]) / proj[1, 1]
    n = np.asarray(normal, np.float64)
    p = np.asarray(point, np.float64)
    denom = rx * n[0] + ry * n[1] - n[2]
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (p @ n) / denom  # ray = t * (rx, ry, -1): depth is t
    ok = np.isfinite(t) & (t > 0)
    return np.where(ok, t, np.inf).astype(np.float32)

"""Image-based lighting from an equirect radiance panorama (numpy, no GL).

Panorama convention as :mod:`previzkit.render.skybox`: the centre column looks down
-z, u grows toward +x, row 0 is straight up; ``yaw_deg`` turns the panorama about +y.
World frame: right-handed, y up.

- :func:`sh9_irradiance`: 9 spherical-harmonic coefficients (9, 3) of the
  cosine-convolved irradiance E(n) (Ramamoorthi and Hanrahan 2001); a constant
  radiance L gives E = pi * L for every normal, so E / pi is an ambient radiance.
- :func:`prefilter_specular`: a small chain of equirect images (128x64 down), level k
  blurred for roughness k / (levels - 1), for a dielectric specular term.
- :func:`linear_radiance`: uint8 sRGB panoramas decoded to linear float32.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import ShapeError

F32 = npt.NDArray[np.float32]

# real SH basis constants, bands 0..2
_Y = (0.282095, 0.488603, 1.092548, 0.315392, 0.546274)
# cosine-lobe convolution per band: pi, 2 pi / 3, pi / 4
_A = np.array([math.pi] + [2 * math.pi / 3] * 3 + [math.pi / 4] * 5)


def linear_radiance(image: np.ndarray) -> F32:
    """(H, W, 3) float32 linear radiance of a panorama: uint8 is sRGB-decoded, floats
    are taken as linear already (an alpha channel is dropped)."""
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] not in (3, 4):
        raise ShapeError(f"panorama must be (H, W, 3|4), got {img.shape}")
    img = img[..., :3]
    if img.dtype == np.uint8:
        return srgb_to_linear(img.astype(np.float32) / 255.0)
    if not np.issubdtype(img.dtype, np.floating):
        raise ShapeError(f"panorama must be uint8 sRGB or float linear, got {img.dtype}")
    out = np.nan_to_num(img.astype(np.float32), nan=0.0, posinf=0.0)
    return np.maximum(out, 0.0)


def srgb_to_linear(c: np.ndarray) -> F32:
    """sRGB-encoded values in [0, 1] to linear (IEC 61966-2-1)."""
    c = np.asarray(c, np.float32)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4).astype(np.float32)


def equirect_directions(height: int, width: int, yaw_deg: float = 0.0) -> np.ndarray:
    """(H, W, 3) unit world directions of the panorama's pixel centres."""
    theta = (np.arange(height) + 0.5) / height * math.pi  # from +y
    phi = ((np.arange(width) + 0.5) / width - 0.5) * 2 * math.pi - math.radians(yaw_deg)
    st, ct = np.sin(theta)[:, None], np.cos(theta)[:, None]
    x = st * np.sin(phi)[None, :]
    z = -st * np.cos(phi)[None, :]
    y = np.broadcast_to(ct, x.shape)
    return np.stack([x, y, z], axis=-1)


def _solid_angles(height: int, width: int) -> np.ndarray:
    """(H, 1) steradians of one pixel in each row (they sum to 4 pi over the image)."""
    t0 = np.arange(height) / height * math.pi
    t1 = (np.arange(height) + 1) / height * math.pi
    return ((np.cos(t0) - np.cos(t1)) * 2 * math.pi / width)[:, None]


def sh9_basis(n: np.ndarray) -> np.ndarray:
    """(..., 9) real SH basis of unit directions ``n`` (..., 3)."""
    x, y, z = n[..., 0], n[..., 1], n[..., 2]
    return np.stack(
        [
            np.full_like(x, _Y[0]),
            _Y[1] * y,
            _Y[1] * z,
            _Y[1] * x,
            _Y[2] * x * y,
            _Y[2] * y * z,
            _Y[3] * (3 * z * z - 1),
            _Y[2] * x * z,
            _Y[4] * (x * x - y * y),
        ],
        axis=-1,
    )


def sh9_irradiance(radiance: np.ndarray, yaw_deg: float = 0.0) -> F32:
    """(9, 3) SH coefficients of the irradiance (W/m^2 per unit radiance) a surface
    receives from the panorama, per normal: ``E(n) = sh9_basis(n) @ coeffs``."""
    rad = linear_radiance(radiance).astype(np.float64)
    h, w = rad.shape[:2]
    basis = sh9_basis(equirect_directions(h, w, yaw_deg))  # (H, W, 9)
    weighted = rad * _solid_angles(h, w)[:, :, None]  # (H, W, 3)
    lm = np.einsum("hwk,hwc->kc", basis, weighted)  # projection of the radiance
    return (lm * _A[:, None]).astype(np.float32)


def eval_sh9(coeffs: np.ndarray, normals: np.ndarray) -> np.ndarray:
    """Irradiance (..., 3) for unit ``normals`` (..., 3) from :func:`sh9_irradiance`."""
    return sh9_basis(np.asarray(normals, np.float64)) @ np.asarray(coeffs, np.float64)


def downsample(img: np.ndarray, height: int, width: int) -> np.ndarray:
    """Box-average ``img`` to (height, width) (sizes dividing it), else nearest rows/cols."""
    h, w = img.shape[:2]
    if h % height == 0 and w % width == 0:
        return img.reshape(height, h // height, width, w // width, -1).mean(axis=(1, 3))
    rows = ((np.arange(height) + 0.5) * h / height).astype(int)
    cols = ((np.arange(width) + 0.5) * w / width).astype(int)
    return img[rows][:, cols]


def prefilter_specular(
    radiance: np.ndarray, levels: int = 5, width: int = 128, yaw_deg: float = 0.0
) -> list[F32]:
    """Equirect images (H_k, W_k, 3) float32, W_k = width >> k, H_k = W_k / 2, level k
    convolved with a specular lobe of roughness k / (levels - 1) (a normalised
    Phong lobe of exponent 2 / r^4 - 2 standing in for GGX). Sampled in the same
    frame as the sky (``yaw_deg`` is the shader's, not applied here)."""
    if levels < 1 or width >> (levels - 1) < 2:
        raise ShapeError(f"prefilter_specular: {levels} levels from width {width} is too many")
    rad = linear_radiance(radiance).astype(np.float64)
    out: list[F32] = [downsample(rad, width // 2, width).astype(np.float32)]
    src_w = min(64, width)
    src = downsample(rad, src_w // 2, src_w)
    src_dir = equirect_directions(src_w // 2, src_w).reshape(-1, 3)
    src_w_sa = (src * _solid_angles(src_w // 2, src_w)[:, :, None]).reshape(-1, 3)
    sa = np.broadcast_to(_solid_angles(src_w // 2, src_w), (src_w // 2, src_w)).reshape(-1)
    for k in range(1, levels):
        r = k / (levels - 1)
        power = max(2.0 / r**4 - 2.0, 1.0)
        w_k = width >> k
        dirs = equirect_directions(w_k // 2, w_k).reshape(-1, 3)
        cos = np.clip(dirs @ src_dir.T, 0.0, 1.0)
        lobe = cos**power
        norm = lobe @ sa
        img = (lobe @ src_w_sa) / np.maximum(norm, 1e-12)[:, None]
        out.append(img.reshape(w_k // 2, w_k, 3).astype(np.float32))
    return out


__all__ = [
    "downsample",
    "equirect_directions",
    "eval_sh9",
    "linear_radiance",
    "prefilter_specular",
    "sh9_basis",
    "sh9_irradiance",
    "srgb_to_linear",
]

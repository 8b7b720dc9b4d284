"""High-dynamic-range images in and out: float32 (H, W, 3) linear radiance, row 0 at the top.

:func:`read_radiance` reads OpenEXR (``.exr``: any of RGB, RGBA or separate R, G, B
channels, half or float; OpenEXR module), Radiance RGBE (``.hdr``: OpenCV) and 8/16-bit
LDR pictures (``.png``, ``.jpg``/``.jpeg``, also ``.tif``, ``.bmp``, ``.webp``: sRGB decoded to linear, so 1.0 is the
file's white). :func:`write_radiance` writes ``.exr`` (half float, ZIP), or ``.hdr``.

Values: non-finite pixels (NaN, inf) are an error naming the file; negative ones are
clamped to 0 (lossy EXR compression such as DWAB rings slightly below 0 around the
sun). :func:`check_equirect` says whether an image is a 2:1 equirect panorama.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from previzkit.core.errors import InputError, MissingFileError, VideoOpenError, VideoWriteError
from previzkit.core.optional import require
from previzkit.core.types import ImageF32

HDR_SUFFIXES = (".exr", ".hdr")
LDR_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
RADIANCE_SUFFIXES = HDR_SUFFIXES + LDR_SUFFIXES


def srgb_to_linear(x: np.ndarray) -> ImageF32:
    """sRGB-encoded values in [0, 1] -> linear (IEC 61966-2-1), float32."""
    x = np.asarray(x, dtype=np.float32)
    out: ImageF32 = np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(
        np.float32
    )
    return out


def linear_to_srgb(x: np.ndarray) -> ImageF32:
    """Linear values -> sRGB-encoded, clipped to [0, 1], float32."""
    x = np.clip(np.asarray(x, dtype=np.float32), 0.0, 1.0)
    out: ImageF32 = np.where(x <= 0.0031308, x * 12.92, 1.055 * x ** (1 / 2.4) - 0.055).astype(
        np.float32
    )
    return out


def read_radiance(path: str | Path, clamp: bool = True) -> ImageF32:
    """float32 (H, W, 3) linear radiance from an .exr, .hdr or LDR (.png, .jpg, ...) file;
    negative values clamped to 0 unless ``clamp`` is False."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in RADIANCE_SUFFIXES:
        raise InputError(
            f"{p}: unknown image suffix {p.suffix!r}; use one of {', '.join(RADIANCE_SUFFIXES)}"
        )
    if not p.is_file():
        raise MissingFileError(f"{p}: image file not found")
    reader = {".exr": _read_exr, ".hdr": _read_hdr}.get(suffix, _read_ldr)
    img = reader(p)
    if img.ndim == 2:
        img = np.repeat(img[..., None], 3, axis=2)
    img = np.asarray(img[..., :3], dtype=np.float32)
    if img.shape[0] == 0 or img.shape[1] == 0:
        raise VideoOpenError(f"{p}: image is empty ({img.shape[1]}x{img.shape[0]})")
    bad = ~np.isfinite(img)
    if bad.any():
        raise InputError(f"{p}: {int(bad.any(axis=2).sum())} pixels are NaN or infinite")
    return np.ascontiguousarray(np.maximum(img, 0.0) if clamp else img)


def check_equirect(image: np.ndarray, name: str) -> None:
    """Raise when ``image`` (H, W, C) is not a 2:1 equirect panorama; ``name`` is in the error."""
    h, w = image.shape[:2]
    if w != 2 * h:
        raise InputError(
            f"{name}: an equirect panorama is twice as wide as high (2:1), got {w}x{h}"
        )


def write_radiance(path: str | Path, image: np.ndarray) -> Path:
    """Write float (H, W, 3) linear radiance as .exr (half float, ZIP) or .hdr; returns the path."""
    p = Path(path)
    img = np.asarray(image)
    if img.ndim != 3 or img.shape[2] != 3:
        raise InputError(f"{p}: radiance must be (H, W, 3), got {img.shape}")
    suffix = p.suffix.lower()
    if suffix not in HDR_SUFFIXES:
        raise InputError(f"{p}: unknown HDR image suffix {p.suffix!r}; use .exr or .hdr")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        if suffix == ".exr":
            exr = require("OpenEXR", "render", "writing EXR images")
            header = {"compression": exr.ZIP_COMPRESSION, "type": exr.scanlineimage}
            pixels = np.ascontiguousarray(img.astype(np.float16))
            with exr.File(header, {"RGB": pixels}) as f:
                f.write(str(p))
        else:
            cv2 = require("cv2", "stage", "writing Radiance .hdr images")
            bgr = np.ascontiguousarray(img[..., ::-1].astype(np.float32))
            if not cv2.imwrite(str(p), bgr):
                raise OSError("OpenCV could not write it")
    except (OSError, ValueError, RuntimeError) as exc:
        raise VideoWriteError(f"{p}: cannot write image ({exc})") from None
    return p


def _read_exr(p: Path) -> np.ndarray:
    exr = require("OpenEXR", "render", "reading EXR images")
    try:
        with exr.File(str(p)) as f:
            channels: dict[str, Any] = f.channels()
            parts = {name: np.asarray(c.pixels) for name, c in channels.items()}
    except Exception as exc:  # OpenEXR raises bare Exception/RuntimeError for bad files
        raise VideoOpenError(f"{p}: not a readable EXR image ({exc})") from None
    for name in ("RGB", "RGBA"):
        if name in parts:
            return parts[name]
    if all(c in parts for c in "RGB"):
        return np.stack([parts[c] for c in "RGB"], axis=-1)
    for name in ("Y", "L"):
        if name in parts:
            return parts[name]
    raise VideoOpenError(
        f"{p}: EXR has no RGB channels (it has {', '.join(sorted(parts)) or 'none'})"
    )


def _read_hdr(p: Path) -> np.ndarray:
    cv2 = require("cv2", "stage", "reading Radiance .hdr images")
    bgr = cv2.imread(str(p), cv2.IMREAD_ANYDEPTH | cv2.IMREAD_COLOR)
    if bgr is None:
        raise VideoOpenError(f"{p}: not a readable Radiance .hdr image")
    return np.asarray(bgr[..., ::-1], dtype=np.float32)


def _read_ldr(p: Path) -> np.ndarray:
    """8-bit (Pillow) or 16-bit (PNG, Pillow's I;16 greyscale or OpenCV) sRGB -> linear."""
    Image = require("PIL.Image", "render", "reading images")
    try:
        with Image.open(p) as im:
            if im.mode.startswith("I"):  # 16-bit greyscale
                return srgb_to_linear(np.asarray(im, dtype=np.float32) / 65535.0)
            rgb = np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0
    except (OSError, ValueError) as exc:
        raise VideoOpenError(f"{p}: not a readable image ({exc})") from None
    if _png_bit_depth(p) == 16:  # Pillow keeps only 8 bits of 16-bit colour
        cv2 = require("cv2", "stage", "reading 16-bit colour PNG images")
        bgr = cv2.imread(str(p), cv2.IMREAD_ANYDEPTH | cv2.IMREAD_COLOR)
        if bgr is None:
            raise VideoOpenError(f"{p}: not a readable 16-bit PNG image")
        rgb = np.asarray(bgr[..., ::-1], dtype=np.float32) / 65535.0
    return srgb_to_linear(rgb)


def _png_bit_depth(p: Path) -> int:
    """The bit depth in a PNG's IHDR chunk (byte 24), 8 for anything else."""
    with p.open("rb") as f:
        head = f.read(25)
    if len(head) == 25 and head[:8] == b"\x89PNG\r\n\x1a\n":
        return head[24]
    return 8


__all__ = [
    "HDR_SUFFIXES",
    "LDR_SUFFIXES",
    "RADIANCE_SUFFIXES",
    "check_equirect",
    "linear_to_srgb",
    "read_radiance",
    "srgb_to_linear",
    "write_radiance",
]

"""Image files for the CLI (Pillow): 8-bit RGB/RGBA in, PNG/JPEG/TIFF out. PNG alpha is
straight (not premultiplied), as the format defines."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from previzkit.core.errors import DependencyMissing, InputError, MissingFileError, VideoOpenError


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise DependencyMissing("pillow", "composite", "reading and writing images") from None
    return Image


def read_image(path: str | Path, alpha: bool | str = False) -> np.ndarray:
    """uint8 (H, W, 3), or (H, W, 4) with ``alpha`` (opaque where the file has none);
    ``alpha="auto"``: RGBA only when the file has an alpha channel."""
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"{p}: image file not found")
    Image = _pil()
    try:
        with Image.open(p) as im:
            if alpha == "auto":
                alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
            im = im.convert("RGBA" if alpha else "RGB")
            return np.asarray(im, dtype=np.uint8).copy()
    except (OSError, ValueError) as exc:
        raise VideoOpenError(f"{p}: cannot read image ({exc})") from None


def read_mask(path: str | Path) -> np.ndarray:
    """uint8 (H, W) from a greyscale (or any) image file: 255 keeps, 0 removes."""
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"{p}: mask file not found")
    Image = _pil()
    try:
        with Image.open(p) as im:
            return np.asarray(im.convert("L"), dtype=np.uint8).copy()
    except (OSError, ValueError) as exc:
        raise VideoOpenError(f"{p}: cannot read mask ({exc})") from None


def write_image(path: str | Path, img: np.ndarray) -> Path:
    """Write uint8 (H, W), (H, W, 3) or (H, W, 4) (straight alpha); format from suffix."""
    p = Path(path)
    if p.suffix.lower() not in (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"):
        raise InputError(f"{p}: unknown image suffix {p.suffix!r}; use .png, .jpg or .tif")
    if img.ndim == 3 and img.shape[2] == 4 and p.suffix.lower() in (".jpg", ".jpeg", ".bmp"):
        raise InputError(f"{p}: {p.suffix} has no alpha; write .png or .tif for a keyed image")
    Image = _pil()
    p.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.ascontiguousarray(img)).save(p)
    return p


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

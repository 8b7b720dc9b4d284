"""Image files in and out (Pillow): 8-bit RGB/RGBA arrays, row 0 at the top.

Every image previzkit reads or writes goes through here: :func:`read_image` (a file),
:func:`decode_image` (bytes, e.g. an image embedded in a glTF file), :func:`read_mask`
(greyscale) and :func:`write_image` (PNG, JPEG, TIFF, BMP, WebP by suffix). Alpha is
straight (not premultiplied), as PNG defines it. A missing file raises
:class:`MissingFileError`, an unreadable one :class:`VideoOpenError`, a failed write
:class:`VideoWriteError`; each names the file.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, MissingFileError, VideoOpenError, VideoWriteError
from previzkit.core.optional import require
from previzkit.core.types import ImageU8

IMAGE_WRITE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")
_NO_ALPHA = (".jpg", ".jpeg", ".bmp")

Alpha = bool | Literal["auto"]


def _pil() -> ModuleType:
    return require("PIL.Image", "composite", "reading and writing images")


def _convert(im: Any, alpha: Alpha) -> ImageU8:
    if alpha == "auto":
        alpha = im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info
    rgb: ImageU8 = np.asarray(im.convert("RGBA" if alpha else "RGB"), dtype=np.uint8).copy()
    return rgb


def _existing(path: str | Path, what: str) -> Path:
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"{p}: {what} file not found")
    return p


def _decode(source: Path | io.BytesIO, convert: Callable[[Any], ImageU8], failure: str) -> ImageU8:
    """``convert`` applied to the opened image; a Pillow failure becomes one
    :class:`VideoOpenError` starting with ``failure``."""
    Image = _pil()
    try:
        with Image.open(source) as im:
            return convert(im)
    except (OSError, ValueError) as exc:
        raise VideoOpenError(f"{failure} ({exc})") from None


def read_image(path: str | Path, alpha: Alpha = False) -> ImageU8:
    """uint8 (H, W, 3) RGB, or (H, W, 4) RGBA with ``alpha`` (opaque where the file has
    none); ``alpha="auto"``: RGBA only when the file has an alpha channel. Greyscale and
    palette images are expanded; 16-bit and HDR pixels are clipped to 8 bits by Pillow."""
    p = _existing(path, "image")
    return _decode(p, lambda im: _convert(im, alpha), f"{p}: not a readable image")


def decode_image(data: bytes, name: str, alpha: Alpha = False) -> ImageU8:
    """Like :func:`read_image` for an image file's bytes; ``name`` says where they come
    from in the error (``"scene.glb: images[0]"``)."""
    return _decode(io.BytesIO(data), lambda im: _convert(im, alpha), f"{name}: cannot decode image")


def read_mask(path: str | Path) -> npt.NDArray[np.uint8]:
    """uint8 (H, W) from a greyscale (or any) image file: 255 keeps, 0 removes."""
    p = _existing(path, "mask")
    return _decode(
        p,
        lambda im: np.asarray(im.convert("L"), dtype=np.uint8).copy(),
        f"{p}: not a readable mask",
    )


def write_image(
    path: str | Path,
    img: npt.NDArray[np.uint8],
    *,
    format: str | None = None,
    quality: int | None = None,
    optimize: bool = False,
    compress_level: int | None = None,
) -> Path:
    """Write uint8 (H, W), (H, W, 3) or (H, W, 4) (straight alpha); returns the path.

    The format comes from the suffix (PNG, JPEG, TIFF, BMP, WebP) unless ``format``
    names it (``"PNG"``, for a temporary name). ``quality`` (JPEG, WebP), ``optimize``
    and ``compress_level`` (PNG, 0-9) are Pillow's; left out, Pillow's defaults apply.
    The folder is created when missing.
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if format is None and suffix not in IMAGE_WRITE_SUFFIXES:
        raise InputError(f"{p}: unknown image suffix {p.suffix!r}; use .png, .jpg or .tif")
    if img.ndim == 3 and img.shape[2] == 4 and format is None and suffix in _NO_ALPHA:
        raise InputError(f"{p}: {p.suffix} has no alpha; write .png or .tif for a keyed image")
    Image = _pil()
    options: dict[str, Any] = {}
    if quality is not None:
        options["quality"] = quality
    if optimize:
        options["optimize"] = True
    if compress_level is not None:
        options["compress_level"] = compress_level
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.ascontiguousarray(img)).save(p, format=format, **options)
    except (OSError, ValueError) as exc:
        raise VideoWriteError(f"{p}: cannot write image ({exc})") from None
    return p

"""Training images: a file path or a picture bundled with scikit-image (offline)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from previzkit.core.errors import InputError, MissingFileError
from previzkit.core.optional import require
from previzkit.media.image import read_image

SKIMAGE_PREFIX = "skimage:"
SKIMAGE_IMAGES = ("hubble_deep_field", "grass", "gravel", "brick", "coffee", "astronaut", "rocket")


def load_image(source: str | Path) -> np.ndarray:
    """RGB uint8 (H, W, 3) from a file or ``skimage:<name>`` (e.g. ``skimage:gravel``).

    Greyscale becomes three equal channels; an alpha channel is dropped.
    """
    text = str(source)
    if text.startswith(SKIMAGE_PREFIX):
        name = text[len(SKIMAGE_PREFIX) :]
        if name not in SKIMAGE_IMAGES:
            raise InputError(
                f"{text!r}: unknown bundled image; choose one of "
                + ", ".join(SKIMAGE_PREFIX + n for n in SKIMAGE_IMAGES)
            )
        skimage_data = require("skimage.data", "genai", f"the bundled image {text!r}")
        arr = np.asarray(getattr(skimage_data, name)())
    else:
        path = Path(text)
        if not path.exists():
            raise MissingFileError(f"training image {path} does not exist")
        arr = read_image(path)
    return as_rgb(arr, text)


def as_rgb(arr: np.ndarray, name: str = "image") -> np.ndarray:
    """Coerce (H, W), (H, W, 1|3|4) uint8 to (H, W, 3) uint8; raises InputError otherwise."""
    arr = np.asarray(arr)
    if arr.dtype != np.uint8:
        raise InputError(f"{name}: expected uint8 pixels, got {arr.dtype}")
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (1, 3, 4):
        raise InputError(f"{name}: expected an (H, W) or (H, W, 3) image, got shape {arr.shape}")
    if arr.shape[2] == 1:
        arr = np.repeat(arr, 3, axis=2)
    return np.ascontiguousarray(arr[..., :3])


def image_digest(arr: np.ndarray) -> str:
    """sha256 of an image's pixels and shape (identifies a training image)."""
    h = hashlib.sha256(str(arr.shape).encode())
    h.update(np.ascontiguousarray(arr).tobytes())
    return h.hexdigest()


def split_holdout(arr: np.ndarray, fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """Split columns: (training part on the left, held-out strip on the right)."""
    if not 0.0 <= fraction < 1.0:
        raise InputError(f"holdout fraction must be in [0, 1), got {fraction}")
    w = arr.shape[1]
    cut = w - round(w * fraction)
    return arr[:, :cut], arr[:, cut:]

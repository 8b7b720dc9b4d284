"""The frame source interface."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"})
VIDEO_SUFFIXES = frozenset({".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mxf", ".gif"})


@dataclass
class Frame:
    """One decoded frame: RGB uint8 (H, W, 3), its 0-based index and time (s)."""

    index: int
    time: float
    image: npt.NDArray[np.uint8]
    name: str = ""  # file name for image folders


class Source:
    """A stream of frames. Use as a context manager or call :meth:`close`."""

    width: int = 0
    height: int = 0
    fps: float = 30.0
    count: int | None = None
    name: str = ""

    def frames(self) -> Iterator[Frame]:  # pragma: no cover - interface
        raise NotImplementedError

    def __iter__(self) -> Iterator[Frame]:
        return self.frames()

    def close(self) -> None:
        """Release the device or file."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def as_rgb(image: npt.NDArray, what: str) -> npt.NDArray[np.uint8]:
    """Contiguous RGB uint8 (H, W, 3) from grey, RGB or RGBA; names ``what`` on error."""
    from previzkit.core.errors import ShapeError

    img = np.asarray(image)
    if img.dtype != np.uint8:
        raise ShapeError(f"{what}: image dtype must be uint8, got {img.dtype}")
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    elif img.ndim == 3 and img.shape[2] == 4:
        img = img[:, :, :3]
    elif img.ndim == 3 and img.shape[2] == 1:
        img = np.repeat(img, 3, axis=2)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ShapeError(f"{what}: image must be (H, W), (H, W, 3) or (H, W, 4), got {img.shape}")
    return np.ascontiguousarray(img)

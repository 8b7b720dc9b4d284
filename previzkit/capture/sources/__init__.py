"""Frame sources: a video file (PyAV), a still image, an image folder, a webcam.

Every source yields :class:`Frame` (RGB uint8, (H, W, 3), row 0 at the top) with its
index and time in seconds, and reports ``width``, ``height``, ``fps`` and ``count``
(None when unknown, e.g. a webcam). :func:`open_source` picks one from a path, a
folder or a camera index. Heavy readers (PyAV, OpenCV, Pillow) are imported inside.
"""

from __future__ import annotations

from pathlib import Path

from previzkit.capture.sources.base import IMAGE_SUFFIXES, VIDEO_SUFFIXES, Frame, Source
from previzkit.core.errors import MissingFileError, VideoOpenError

__all__ = ["IMAGE_SUFFIXES", "VIDEO_SUFFIXES", "Frame", "Source", "open_source"]


def open_source(spec: str | Path | int, *, fps: float | None = None) -> Source:
    """A source for ``spec``: an int (or digit string) is a camera index, a folder is an
    image sequence, an image suffix a still, anything else a video file.

    ``fps`` sets the time base of stills and image folders (default 30).
    """
    if isinstance(spec, int) or (isinstance(spec, str) and spec.isdigit()):
        from previzkit.capture.sources.webcam import WebcamSource

        return WebcamSource(int(spec), fps=fps)
    path = Path(spec)
    if not path.exists():
        raise MissingFileError(f"capture input {path} does not exist")
    if path.is_dir():
        from previzkit.capture.sources.image import ImageFolderSource

        return ImageFolderSource(path, fps=fps or 30.0)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        from previzkit.capture.sources.image import ImageSource

        return ImageSource(path, fps=fps or 30.0)
    if path.suffix.lower() in VIDEO_SUFFIXES or path.is_file():
        from previzkit.capture.sources.video import VideoSource

        return VideoSource(path)
    raise VideoOpenError(f"capture input {path} is neither a video, an image nor a folder")

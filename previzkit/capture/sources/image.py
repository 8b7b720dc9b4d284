"""Still images and image folders (:func:`previzkit.media.image.read_image`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from previzkit.capture.sources.base import IMAGE_SUFFIXES, Frame, Source
from previzkit.core.errors import InputError
from previzkit.media.image import read_image


class ImageSource(Source):
    """One still image as a one-frame source."""

    def __init__(self, path: str | Path, fps: float = 30.0) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self._image = read_image(self.path)
        self.height, self.width = self._image.shape[:2]
        self.fps = fps
        self.count = 1

    def frames(self) -> Iterator[Frame]:
        yield Frame(0, 0.0, self._image, self.path.name)


class ImageFolderSource(Source):
    """Images of a folder in name order, one frame each at ``fps``.

    Frames may differ in size; ``width``/``height`` are the first image's.
    """

    def __init__(self, folder: str | Path, fps: float = 30.0) -> None:
        self.path = Path(folder)
        self.name = self.path.name
        self.files = sorted(
            p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
        )
        if not self.files:
            raise InputError(
                f"image folder {self.path} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})"
            )
        first = read_image(self.files[0])
        self.height, self.width = first.shape[:2]
        self.fps = fps
        self.count = len(self.files)

    def frames(self) -> Iterator[Frame]:
        for i, path in enumerate(self.files):
            yield Frame(i, i / self.fps, read_image(path), path.name)

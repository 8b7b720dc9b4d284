"""Video files through :class:`previzkit.media.video.VideoReader`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from previzkit.capture.sources.base import Frame, Source
from previzkit.media.video import VideoReader


class VideoSource(Source):
    """Frames of a video file, decoded to RGB; time from each frame's presentation time."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.name = self.path.name
        self._reader = VideoReader(self.path)
        self.width, self.height = self._reader.width, self._reader.height
        self.fps = float(self._reader.rate) if self._reader.rate else 30.0
        self.count = self._reader.frame_count

    def frames(self) -> Iterator[Frame]:
        for f in self._reader.frames():
            yield Frame(f.index, f.time, f.image)

    def close(self) -> None:
        self._reader.close()

"""Video files through PyAV (FFmpeg in its wheel)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, cast

from previzkit.capture.sources.base import Frame, Source
from previzkit.core.errors import VideoOpenError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


class VideoSource(Source):
    """Frames of a video file, decoded to RGB; time from each frame's presentation time."""

    def __init__(self, path: str | Path) -> None:
        import av

        self.path = Path(path)
        self.name = self.path.name
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, OSError) as exc:
            raise VideoOpenError(f"cannot open video {self.path}: {exc}") from None
        if not self._container.streams.video:
            self._container.close()
            raise VideoOpenError(f"{self.path} has no video stream")
        self._stream = self._container.streams.video[0]
        if self._stream.codec_context is None:  # a codec FFmpeg has no decoder for
            self._container.close()
            raise VideoOpenError(
                f"{self.path}: its video codec cannot be decoded here; convert it to H.264"
            )
        self._stream.thread_type = "AUTO"
        self.width = int(self._stream.codec_context.width)
        self.height = int(self._stream.codec_context.height)
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.fps = float(rate) if rate else 30.0
        self.count = int(self._stream.frames) if self._stream.frames else None

    def frames(self) -> Iterator[Frame]:
        import av

        try:
            for i, frame in enumerate(self._container.decode(self._stream)):
                t = float(frame.time) if frame.time is not None else i / self.fps
                yield Frame(i, t, cast("npt.NDArray[np.uint8]", frame.to_ndarray(format="rgb24")))
        except av.error.FFmpegError as exc:
            raise VideoOpenError(f"cannot decode video {self.path}: {exc}") from None

    def close(self) -> None:
        self._container.close()

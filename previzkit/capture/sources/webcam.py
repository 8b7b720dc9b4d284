"""Webcams through FFmpeg's devices (:class:`previzkit.media.video.VideoReader`): V4L2 on
Linux, AVFoundation on macOS."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator

from previzkit.capture.sources.base import Frame, Source
from previzkit.core.errors import VideoOpenError
from previzkit.media.video import VideoReader


def device_spec(index: int) -> tuple[str, str]:
    """(FFmpeg input, format) of camera ``index`` on this platform."""
    if sys.platform.startswith("linux"):
        return f"/dev/video{index}", "v4l2"
    if sys.platform == "darwin":
        return str(index), "avfoundation"
    raise VideoOpenError(
        f"camera {index}: live cameras are supported on Linux (V4L2) and macOS "
        "(AVFoundation); on this platform capture a video file instead"
    )


class WebcamSource(Source):
    """Live frames from camera ``index``; time is monotonic seconds since opening.

    ``width``/``height``/``fps`` request a mode (the driver may pick the nearest);
    what the camera gives is reported. Iteration ends when the camera stops or on
    :meth:`close`.
    """

    def __init__(
        self,
        index: int = 0,
        *,
        width: int | None = None,
        height: int | None = None,
        fps: float | None = None,
    ) -> None:
        self.index = index
        self.name = f"camera {index}"
        spec, fmt = device_spec(index)
        options = {}
        if width and height:
            options["video_size"] = f"{width}x{height}"
        if fps:
            options["framerate"] = f"{fps:g}"
        try:
            self._reader = VideoReader(spec, what=f"camera {index}", format=fmt, options=options)
        except VideoOpenError as exc:
            raise VideoOpenError(f"{exc} (is it connected and readable?)") from None
        self.width, self.height = self._reader.width, self._reader.height
        rate = self._reader.rate
        self.fps = float(rate) if rate else float(fps or 30.0)
        self.count = None
        self._t0 = time.monotonic()

    def frames(self) -> Iterator[Frame]:
        for f in self._reader.frames():
            yield Frame(f.index, time.monotonic() - self._t0, f.image)

    def close(self) -> None:
        self._reader.close()

"""Webcams through PyAV's FFmpeg devices: V4L2 on Linux, AVFoundation on macOS."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, cast

from previzkit.capture.sources.base import Frame, Source
from previzkit.core.errors import VideoOpenError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


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
        import av

        self.index = index
        self.name = f"camera {index}"
        spec, fmt = device_spec(index)
        options = {}
        if width and height:
            options["video_size"] = f"{width}x{height}"
        if fps:
            options["framerate"] = f"{fps:g}"
        try:
            self._container = av.open(spec, format=fmt, options=options)
        except (av.error.FFmpegError, OSError) as exc:
            raise VideoOpenError(
                f"cannot open camera {index} ({spec}): {exc} (is it connected and readable?)"
            ) from None
        self._stream = self._container.streams.video[0]
        self.width = int(self._stream.codec_context.width)
        self.height = int(self._stream.codec_context.height)
        rate = self._stream.average_rate or self._stream.guessed_rate
        self.fps = float(rate) if rate else float(fps or 30.0)
        self.count = None
        self._t0 = time.monotonic()

    def frames(self) -> Iterator[Frame]:
        import av

        try:
            for i, frame in enumerate(self._container.decode(self._stream)):
                image = cast("npt.NDArray[np.uint8]", frame.to_ndarray(format="rgb24"))
                yield Frame(i, time.monotonic() - self._t0, image)
        except av.error.FFmpegError as exc:
            raise VideoOpenError(f"camera {self.index} stopped: {exc}") from None

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None  # type: ignore[assignment]  # closed

"""Webcams through OpenCV's VideoCapture (V4L2 on Linux)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from previzkit.capture.sources.base import Frame, Source
from previzkit.errors import VideoOpenError


class WebcamSource(Source):
    """Live frames from camera ``index``; time is monotonic seconds since opening.

    ``width``/``height``/``fps`` request a mode; what the camera gives is reported.
    Iteration ends when the camera stops delivering frames or :meth:`close` is called.
    """

    def __init__(
        self,
        index: int = 0,
        *,
        width: int | None = None,
        height: int | None = None,
        fps: float | None = None,
    ) -> None:
        import cv2

        self.index = index
        self.name = f"camera {index}"
        self._cap = cv2.VideoCapture(index)
        if not self._cap.isOpened():
            raise VideoOpenError(
                f"cannot open camera {index} (is it connected, and is /dev/video{index} readable?)"
            )
        if width:
            self._cap.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        if height:
            self._cap.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        if fps:
            self._cap.set(cv2.CAP_PROP_FPS, fps)
        self.width = int(self._cap.get(cv2.CAP_PROP_FRAME_WIDTH))
        self.height = int(self._cap.get(cv2.CAP_PROP_FRAME_HEIGHT))
        self.fps = float(self._cap.get(cv2.CAP_PROP_FPS) or fps or 30.0)
        self.count = None
        self._t0 = time.monotonic()

    def frames(self) -> Iterator[Frame]:
        import cv2

        i = 0
        while self._cap is not None and self._cap.isOpened():
            ok, bgr = self._cap.read()
            if not ok:
                return
            yield Frame(i, time.monotonic() - self._t0, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            i += 1

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None

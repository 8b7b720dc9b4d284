"""The camera plate: a video decoded in a thread of its own
(:class:`previzkit.media.video.VideoReader`), each frame resized
to the loop's output size, handed over in order (loop frame *i* gets plate frame *i*,
starting over at the end when ``loop``) or, in real time, the newest frame."""

from __future__ import annotations

import collections
import threading
import time
from pathlib import Path

import numpy as np

from previzkit.core.errors import VideoOpenError
from previzkit.media.video import VideoReader


class PlateReader:
    """Frames of ``path`` as (H, W, 3) uint8 at ``size`` = (width, height)."""

    def __init__(
        self, path: str | Path, size: tuple[int, int], *, loop: bool = True, realtime: bool = False
    ) -> None:
        self.path = Path(path)
        with VideoReader(self.path, what="plate") as r:
            self.fps = float(r.rate) if r.rate else 30.0
            self.source_size = (r.width, r.height)
        self.size = size
        self.loop = loop
        self.realtime = realtime
        self.frames_read = 0
        self._queue: collections.deque[np.ndarray] = collections.deque()
        self._space = threading.Semaphore(4)
        self._stop = threading.Event()
        self._done = False
        self._error: BaseException | None = None
        self._last: np.ndarray | None = None
        self._thread = threading.Thread(target=self._run, name="plate", daemon=True)
        self._thread.start()

    def _resize(self, img: np.ndarray) -> np.ndarray:
        w, h = self.size
        if img.shape[1] == w and img.shape[0] == h:
            return img
        from previzkit.composite import resize

        return resize(img, w, h)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                got = 0
                with VideoReader(self.path, what="plate") as reader:
                    t0 = time.perf_counter()
                    for frame in reader.frames():
                        img = self._resize(frame.image)
                        got += 1
                        if self.realtime:
                            due = t0 + got / self.fps
                            if self._stop.wait(max(0.0, due - time.perf_counter())):
                                return
                            self._queue.append(img)
                            while len(self._queue) > 2:
                                self._queue.popleft()
                            continue
                        while not self._space.acquire(timeout=0.1):
                            if self._stop.is_set():
                                return
                        self._queue.append(img)
                if not self.loop or got == 0:
                    break
        except VideoOpenError as exc:
            self._error = exc
        except OSError as exc:
            self._error = VideoOpenError(f"plate {self.path}: decode failed: {exc}")
        finally:
            self._done = True

    def next(self) -> np.ndarray | None:
        """The next frame (offline: waits for it; real time: the newest, or the last
        one again). None once a non-looping plate has ended."""
        if self._error is not None:
            raise self._error
        if self.realtime:
            while self._queue:
                self._last = self._queue.popleft()
            if self._last is None:
                while not self._queue and not self._done:
                    time.sleep(0.001)
                if self._queue:
                    self._last = self._queue.popleft()
            return self._last
        while not self._queue and not self._done:
            time.sleep(0.0005)
        if self._error is not None:
            raise self._error
        if not self._queue:
            return None
        self._space.release()
        self.frames_read += 1
        return self._queue.popleft()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5.0)


class PlateFeed:
    """A plate handed to the loop frame by frame by its caller (the overlay's live
    camera or video): :meth:`put` one frame and its time (s), the loop's :meth:`next`
    takes it once. ``time`` is the current plate time, the clock a pose track plays at."""

    def __init__(self) -> None:
        self._frame: np.ndarray | None = None
        self.time = 0.0

    def put(self, image: np.ndarray, time_s: float) -> None:
        self._frame = image
        self.time = float(time_s)

    def next(self) -> np.ndarray | None:
        """The frame put since the last call, or None."""
        frame, self._frame = self._frame, None
        return frame

    def close(self) -> None:
        self._frame = None

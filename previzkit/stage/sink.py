"""Where the loop's frames go: the :class:`TakeSink` interface and its sinks.

- :class:`RecorderSink` records the take through the take recorder
  (:mod:`previzkit.takes.recorder`: crash-safe journal of poses and camera, fragmented
  MP4, timecode, the take store's catalogue): the one way a take is written.
- :class:`VideoSink` writes only the presented frames as a video with the start
  timecode (``previzkit stage -o preview.mp4``).
- :class:`ThreadedSink` runs either on a writer thread of its own.

The loop calls every sink the same way, on the render thread, once per presented frame.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.types import Pose
from previzkit.media.video import VideoWriter
from previzkit.model import timecode as tc
from previzkit.model.camera_track import CameraSample


@runtime_checkable
class TakeSink(Protocol):
    """Receives each presented frame of a take; ``camera`` carries the frame's index
    and time (seconds from the take's start)."""

    def write_frame(
        self,
        poses: list[Pose],
        camera: CameraSample,
        image: np.ndarray,
        plate: np.ndarray | None = None,
    ) -> None: ...

    def close(self) -> dict[str, Any]: ...


class RecorderSink:
    """A take in the take store through :class:`previzkit.takes.recorder.Recorder`
    (started here). ``close()`` stops it and returns the take's record as a dict plus
    its ``folder``. ``plate`` frames are recorded when the recorder has a ``plate_size``."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        if recorder.take is None:
            recorder.start()
        self.frames = 0

    def write_frame(
        self,
        poses: list[Pose],
        camera: CameraSample,
        image: np.ndarray,
        plate: np.ndarray | None = None,
    ) -> None:
        rec = self.recorder
        self.recorder.frame(
            image if rec.size is not None else None,
            poses=[
                Pose(p.timestamp, p.actor_id, p.image, p.world, p.confidence, "", p.flags)
                for p in poses
            ],
            camera=camera,
            plate=plate if rec.plate_size is not None else None,
            time_s=camera.time,
        )
        self.frames += 1

    def close(self) -> dict[str, Any]:
        take = self.recorder.stop()
        out = take.to_dict()
        out["end_tc"] = take.end_tc
        out["frames"] = take.duration_frames
        out["folder"] = str(self.recorder.store.take_dir(take))
        return out


class VideoSink:
    """The presented frames as an H.264 video (fragmented MP4: a killed run leaves a
    playable file) with the start timecode; a preview, not a take. Takes, with their
    poses and camera, are recorded by :class:`RecorderSink`. ``rate`` is a timecode
    rate name ("24", "29.97", ...); ``start_tc`` the first frame's timecode (default:
    the clock)."""

    def __init__(
        self,
        out: str | Path,
        width: int,
        height: int,
        rate: str = "30",
        start_tc: str | None = None,
        *,
        crf: int = 20,
        preset: str = "veryfast",
    ) -> None:
        self.path = Path(out)
        if self.path.suffix.lower() not in (".mp4", ".mov"):
            raise InputError(f"video output {self.path}: expected .mp4 or .mov")
        if not self.path.parent.is_dir():
            raise InputError(f"video output {self.path}: folder {self.path.parent} does not exist")
        if width % 2 or height % 2:
            raise InputError(
                f"video output {self.path}: H.264 needs an even size, got {width}x{height}"
            )
        self.rate = tc.rate(rate)
        self.start_tc = start_tc or tc.timecode_from_clock(self.rate.name)
        self.start_frame = tc.timecode_to_frames(self.start_tc, self.rate.name)
        self.width, self.height = width, height
        self.frames = 0
        self._video = VideoWriter(
            self.path,
            width,
            height,
            self.rate.fps,
            crf=crf,
            preset=preset,
            fragmented=True,
            timecode=self.start_tc,
        )
        self._closed = False
        self.summary: dict[str, Any] = {}

    def write_frame(
        self,
        poses: list[Pose],
        camera: CameraSample,
        image: np.ndarray,
        plate: np.ndarray | None = None,
    ) -> None:
        """Encode ``image`` (poses, camera and plate are the recorder's to keep)."""
        if image.shape != (self.height, self.width, 3) or image.dtype != np.uint8:
            raise InputError(
                f"video output {self.path}: frame {self.frames} is {image.shape} "
                f"{image.dtype}, expected ({self.height}, {self.width}, 3) uint8"
            )
        self._video.write(image)
        self.frames += 1

    def close(self) -> dict[str, Any]:
        """Finish the video; returns its summary (timecodes, rate, frames, size, file)."""
        if self._closed:
            return self.summary
        self._closed = True
        self._video.close()
        self.summary = {
            "start_tc": self.start_tc,
            "end_tc": tc.frames_to_timecode(self.start_frame + self.frames, self.rate.name),
            "rate": self.rate.name,
            "frames": self.frames,
            "width": self.width,
            "height": self.height,
            "files": {"video": self.path.name},
        }
        return self.summary


def rate_for_fps(fps: float) -> str:
    """The timecode rate name nearest ``fps`` (29.97 for 29.97..., 30 for 30)."""
    best = min(tc.RATES, key=lambda n: abs(float(tc.RATES[n]) - fps))
    if abs(float(tc.RATES[best]) - fps) > 0.05:
        raise InputError(f"frame rate {fps:g} is not a timecode rate ({', '.join(tc.RATES)})")
    return best


class ThreadedSink:
    """Runs another sink's :meth:`write_frame` in a thread of its own, so encoding
    (H.264, journal) does not hold up the render thread. Frames queue up to
    ``maxsize`` (then the render thread waits: no frame of a take is dropped). An error
    in the writer thread is raised on the next call or by :meth:`close`."""

    def __init__(self, sink: TakeSink, maxsize: int = 8) -> None:
        import queue
        import threading

        self.sink = sink
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="take-writer", daemon=True)
        self._thread.start()
        self._closed = False

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is not None:
                continue  # drain after a failure; close() reports it
            try:
                poses, camera, image, plate = item
                self.sink.write_frame(poses, camera, image, plate=plate)
            except BaseException as exc:
                self._error = exc

    def write_frame(
        self,
        poses: list[Pose],
        camera: CameraSample,
        image: np.ndarray,
        plate: np.ndarray | None = None,
    ) -> None:
        if self._error is not None:
            err, self._error = self._error, None
            raise err
        self._queue.put((list(poses), camera, image, plate))

    def close(self) -> dict[str, Any]:
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            err, self._error = self._error, None
            self.sink.close()
            raise err
        return self.sink.close()

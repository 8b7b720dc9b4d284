"""Where the loop's frames go when a take is recorded: the :class:`TakeSink` interface,
and :class:`FileTakeSink`, which writes a take as files next to its video.

:class:`RecorderSink` records through the take recorder (:mod:`previzkit.takes.recorder`:
crash-safe journal, fragmented MP4, take store catalogue); the loop calls every sink
the same way, on the render thread, once per presented frame.

FileTakeSink writes, for ``out = take.mp4``:

- ``take.mp4``: the presented frames, H.264 yuv420p (:class:`previzkit.media.video.VideoWriter`),
  with the take's start
  timecode on the video stream and a QuickTime timecode track (``tmcd``);
- ``take.pzt``: every pose the frame used, in the capture area's pose-track format;
- ``take.camera.jsonl``: one line per frame: ``{"frame", "time", "tc",
  "camera_to_world" (4x4 rows), "focal_mm", "sensor_mm", "focus_m"}``;
- ``take.take.json``: ``{"start_tc", "rate", "frames", "width", "height", "files"}``.
"""

from __future__ import annotations

import json
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


class FileTakeSink:
    """A take as files (see module doc). ``rate`` is a timecode rate name ("24",
    "29.97", ...); ``start_tc`` the first frame's timecode (default: the clock)."""

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
        if self.path.suffix.lower() not in (".mp4", ".mov", ".mkv"):
            raise InputError(f"take output {self.path}: expected .mp4, .mov or .mkv")
        if not self.path.parent.is_dir():
            raise InputError(f"take output {self.path}: folder {self.path.parent} does not exist")
        if width % 2 or height % 2:
            raise InputError(
                f"take output {self.path}: H.264 needs an even size, got {width}x{height}"
            )
        self.rate = tc.rate(rate)
        self.start_tc = start_tc or tc.timecode_from_clock(self.rate.name)
        self.start_frame = tc.timecode_to_frames(self.start_tc, self.rate.name)
        self.width, self.height = width, height
        self.frames = 0
        self._video = VideoWriter(
            self.path, width, height, self.rate.fps, crf=crf, preset=preset, timecode=self.start_tc
        )
        from previzkit.model.pose_track import TrackWriter

        self._poses = TrackWriter(
            self.path.with_suffix(".pzt"),
            width=width,
            height=height,
            fps=float(self.rate.fps),
            meta={"source": "previzkit stage"},
        )
        self._camera = self.path.with_suffix(".camera.jsonl").open("w", encoding="utf-8")
        self._closed = False
        self.summary: dict[str, Any] = {}

    def write_frame(
        self,
        poses: list[Pose],
        camera: CameraSample,
        image: np.ndarray,
        plate: np.ndarray | None = None,
    ) -> None:
        """Encode ``image``, append the poses and the camera (``plate`` is not kept)."""
        from previzkit.model.pose_track import PoseFrame

        if image.shape != (self.height, self.width, 3) or image.dtype != np.uint8:
            raise InputError(
                f"take output {self.path}: frame {self.frames} is {image.shape} "
                f"{image.dtype}, expected ({self.height}, {self.width}, 3) uint8"
            )
        label = tc.frames_to_timecode(self.start_frame + self.frames, self.rate.name)
        self._video.write(image)
        stamped = [
            Pose(p.timestamp, p.actor_id, p.image, p.world, p.confidence, label, p.flags)
            for p in poses
        ]
        self._poses.write(PoseFrame(self.frames, camera.time, stamped))
        row = {
            "frame": self.frames,
            "time": round(camera.time, 6),
            "tc": label,
            "camera_to_world": np.round(camera.camera_to_world, 6).tolist(),
            "focal_mm": camera.focal_mm,
            "sensor_mm": [camera.sensor_width_mm, camera.sensor_height_mm],
            "focus_m": camera.focus_m,
        }
        self._camera.write(json.dumps(row) + "\n")
        self._camera.flush()
        self.frames += 1

    def close(self) -> dict[str, Any]:
        """Finish the files; returns the take's summary (also written as ``.take.json``)."""
        if self._closed:
            return self.summary
        self._closed = True
        try:
            self._video.close()
        finally:
            self._poses.close()
            self._camera.close()
        self.summary = {
            "start_tc": self.start_tc,
            "end_tc": tc.frames_to_timecode(self.start_frame + self.frames, self.rate.name),
            "rate": self.rate.name,
            "frames": self.frames,
            "width": self.width,
            "height": self.height,
            "files": {
                "video": self.path.name,
                "pose": self.path.with_suffix(".pzt").name,
                "camera": self.path.with_suffix(".camera.jsonl").name,
            },
        }
        self.path.with_suffix(".take.json").write_text(json.dumps(self.summary, indent=2))
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

"""Where the loop's frames go: the :class:`TakeSink` interface and its sinks.

- :class:`RecorderSink` records the take through the take recorder
  (:mod:`previzkit.takes.recorder`: crash-safe journal of poses, camera and the
  characters' world joints, fragmented
  MP4, timecode, the take store's catalogue): the one way a take is written.
- :class:`VideoSink` writes only the presented frames as a video with the start
  timecode (``previzkit stage -o preview.mp4``).
- :class:`ThreadedSink` runs either on a writer thread of its own.

The loop calls every sink the same way, on the render thread, once per presented frame.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import numpy as np

from previzkit.core.errors import InputError, RecordingError
from previzkit.core.types import Pose
from previzkit.media.video import VideoWriter
from previzkit.model import timecode as tc
from previzkit.model.camera_track import CameraSample
from previzkit.model.frame_joints import FrameJoints

if TYPE_CHECKING:
    from previzkit.model.take import Take
    from previzkit.takes.recorder import Recorder


@runtime_checkable
class TakeSink(Protocol):
    """Receives each presented frame of a take; ``camera`` carries the frame's index
    and time (seconds from the take's start); ``joints`` the characters' world joint
    positions that frame (metres, set frame), for the take's ``joints.npz``."""

    def write_frame(
        self,
        poses: list[Pose],
        camera: CameraSample,
        image: np.ndarray,
        plate: np.ndarray | None = None,
        joints: FrameJoints | None = None,
    ) -> None: ...

    def close(self) -> dict[str, Any]: ...


class RecorderSink:
    """Takes in the take store through :class:`previzkit.takes.recorder.Recorder`.

    ``armed=True`` records from the first frame (one take per run unless
    :meth:`stop` / :meth:`start` are called); ``armed=False`` writes nothing until
    :meth:`start`. Each :meth:`start` opens the next take of ``recorder``'s scene and
    shot (:meth:`Recorder.next_take`), each :meth:`stop` closes it, so one run can
    record takes 1, 2, 3. Frame *n* of the run (every frame the loop hands in, recorded
    or not) has timecode ``recorder``'s start timecode + *n*: a take opened before
    frame *n* starts at that label, its times in seconds from its own first frame.
    ``plate`` frames are recorded when the recorder has a ``plate_size``.

    ``close()`` stops a running take and returns the last take's record as a dict
    (plus ``end_tc``, ``frames``, ``folder``) with ``takes``: every take's record.
    """

    def __init__(self, recorder: Recorder, *, armed: bool = True) -> None:
        self.recorder: Recorder | None = None
        self._template = recorder
        self.rate = recorder.rate
        origin = recorder.start_tc or tc.timecode_from_clock(recorder.rate)
        self._origin = tc.timecode_to_frames(origin, recorder.rate)
        self.armed = armed
        self.frames = 0  # frames handed in (the run's frame count)
        self.takes: list[dict[str, Any]] = []
        self._t0: float | None = None  # loop time (s) of the take's first frame
        self._closed = False
        if recorder.take is not None:  # started by the caller: it is the first take
            self._origin = recorder.take.start_frame
            self.recorder = recorder
        elif armed:
            self.start()

    @property
    def recording(self) -> bool:
        """Whether a take is open (frames written now go into it)."""
        return self.recorder is not None

    def start(self, shot: str | None = None) -> Take:
        """Open the next take (its first frame is the next one written) of ``shot``
        (default: the recorder's); returns it. While a take is open, returns that take."""
        if self.recorder is not None:
            return self.recorder.take  # type: ignore[return-value]  # started
        if self._closed:
            raise RecordingError("recorder sink: closed, cannot start a take")
        label = tc.frames_to_timecode(self._origin + self.frames, self.rate)
        rec = self._template
        if (
            self.takes
            or rec.take is not None
            or rec.start_tc not in (None, label)
            or shot not in (None, rec.shot)
        ):
            rec = rec.next_take(label, shot)
        take = rec.start()
        # a first take on the clock's time sets the run's timecode
        self._origin = take.start_frame - self.frames
        self.recorder, self._t0 = rec, None
        return take

    def stop(self) -> dict[str, Any] | None:
        """Close the open take; returns its record (as :meth:`close`), None when none."""
        rec, self.recorder = self.recorder, None
        if rec is None:
            return None
        take = rec.stop()
        out = take.to_dict()
        out["end_tc"] = take.end_tc
        out["frames"] = take.duration_frames
        out["folder"] = str(rec.store.take_dir(take))
        self.takes.append(out)
        return out

    def write_frame(
        self,
        poses: list[Pose],
        camera: CameraSample,
        image: np.ndarray,
        plate: np.ndarray | None = None,
        joints: FrameJoints | None = None,
    ) -> None:
        rec = self.recorder
        self.frames += 1
        if rec is None:
            return
        if self._t0 is None:
            self._t0 = camera.time
        rec.frame(
            image if rec.size is not None else None,
            poses=[
                Pose(p.timestamp, p.actor_id, p.image, p.world, p.confidence, "", p.flags)
                for p in poses
            ],
            camera=camera,
            plate=plate if rec.plate_size is not None else None,
            time_s=camera.time - self._t0,
            joints=joints,
        )

    def close(self) -> dict[str, Any]:
        """Stop the open take; returns the last take's record with ``takes`` (all)."""
        self.stop()
        self._closed = True
        last: dict[str, Any] = dict(self.takes[-1]) if self.takes else {"frames": 0}
        last["takes"] = list(self.takes)
        return last


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
        joints: FrameJoints | None = None,
    ) -> None:
        """Encode ``image`` (poses, camera, plate and joints are the recorder's to keep)."""
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

        self.sink = sink
        self._queue: queue.Queue = queue.Queue(maxsize=maxsize)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="take-writer", daemon=True)
        self._thread.start()
        self._closed = False
        self._recording = bool(getattr(sink, "recording", False))

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is not None:
                continue  # drain after a failure; close() reports it
            try:
                if isinstance(item, threading.Event):  # drained up to here
                    item.set()
                    continue
                poses, camera, image, plate, joints = item
                self.sink.write_frame(poses, camera, image, plate=plate, joints=joints)
            except BaseException as exc:
                self._error = exc

    @property
    def recording(self) -> bool:
        """Whether the wrapped sink records the next frame put in (False when it has no
        ``recording``)."""
        return self._recording

    def start(self, **kwargs: Any) -> Any:
        """The wrapped sink's ``start(**kwargs)`` (a :class:`RecorderSink` opens a take) before
        the next frame put in, after the writer has written the frames already queued;
        runs on the calling thread (the take store's connection belongs to it)."""
        return self._control("start", True, **kwargs)

    def stop(self) -> Any:
        """The wrapped sink's ``stop()`` after the frames already put in (waits for
        them to be written); returns what it returns."""
        return self._control("stop", False)

    def _control(self, name: str, recording: bool, **kwargs: Any) -> Any:
        if not callable(getattr(self.sink, name, None)):
            raise InputError(f"threaded sink: {type(self.sink).__name__} has no {name}()")
        drained = threading.Event()
        self._queue.put(drained)
        while not drained.wait(0.1):
            if not self._thread.is_alive():
                raise RecordingError("threaded sink: the writer thread has ended")
        self._raise()
        out = getattr(self.sink, name)(**kwargs)
        self._recording = recording
        return out

    def _raise(self) -> None:
        if self._error is not None:
            err, self._error = self._error, None
            raise err

    def write_frame(
        self,
        poses: list[Pose],
        camera: CameraSample,
        image: np.ndarray,
        plate: np.ndarray | None = None,
        joints: FrameJoints | None = None,
    ) -> None:
        self._raise()
        self._queue.put((list(poses), camera, image, plate, joints))

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

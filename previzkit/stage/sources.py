"""Pose sources for the stage loop: a recorded ``.pzt`` pose track (played back in
real time or one track frame per loop frame), the live pose stream (pyzmq, in its own
thread), or local capture (MediaPipe on a camera or video, in its own thread).

A source's :meth:`~PoseSource.poll` never blocks the render thread: it returns the
samples that arrived since the last call; :meth:`~PoseSource.wait` sleeps until a pose
arrives (or ``timeout``), so a real-time loop renders as soon as a pose is there. Instants are wall-clock seconds
(``time.time()``).
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

from previzkit.core.errors import InputError, MissingFileError
from previzkit.core.types import Pose

if TYPE_CHECKING:
    from previzkit.capture.stream import StreamStats

log = logging.getLogger(__name__)


@dataclass
class PoseSample:
    """A pose as the loop receives it: ``captured`` (wall s, when the camera saw it),
    ``received`` (wall s, when this process got it), source ``frame`` index, and the
    camera ``image`` it came from when the source has one (local capture: the plate)."""

    pose: Pose
    captured: float
    received: float
    frame: int = 0
    image: np.ndarray | None = None


@runtime_checkable
class PoseSource(Protocol):
    """Where the loop's poses come from."""

    fps: float

    def start(self) -> None: ...
    def poll(self) -> list[PoseSample]: ...
    def wait(self, timeout: float) -> bool: ...
    @property
    def finished(self) -> bool: ...
    def close(self) -> None: ...


class _ReaderThreadSource:
    """A pose source whose reader thread appends to ``_queue`` and sets ``_arrived``."""

    _queue: collections.deque
    _arrived: threading.Event

    def wait(self, timeout: float) -> bool:
        """Sleep until a new pose is queued or ``timeout`` s pass; True if one is."""
        if self._queue:
            return True
        self._arrived.clear()
        if self._queue:
            return True
        return self._arrived.wait(max(0.0, timeout))


class TrackSource(_ReaderThreadSource):
    """Plays a ``.pzt`` pose track (:mod:`previzkit.model.pose_track`).

    ``realtime=True``: a thread releases each track frame at its time after
    :meth:`start` (a rehearsal played back live). ``realtime=False``: every
    :meth:`poll` returns the next track frame, so loop frame *i* shows track frame *i*
    (offline renders, tests, benchmarks). ``loop=True`` starts over at the end.

    ``clock``: a callable giving the current plate time (s); each :meth:`poll` then
    returns the track frame at that time (the last one at or before it; track and plate
    time both counted from their first frame), once per new track frame: the track
    played at the plate's frame times. At the end it starts over (``loop``) or holds its last frame;
    it never finishes by itself (the plate ends the run).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        realtime: bool = False,
        loop: bool = False,
        clock: Callable[[], float] | None = None,
    ) -> None:
        from previzkit.model.pose_track import read_track

        self.path = Path(path)
        if not self.path.is_file():
            raise MissingFileError(f"pose track {self.path}: no such file")
        track = read_track(self.path)
        if not track.frames:
            raise InputError(f"pose track {self.path}: holds no frames")
        self.track = track
        self.fps = float(track.fps) or 30.0
        self.realtime = realtime and clock is None
        self.loop = loop
        self.clock = clock
        self._times = np.array([f.time for f in track.frames], np.float64) - track.frames[0].time
        self._shown: int | None = None
        self._clock0: float | None = None
        self._next = 0
        self._queue: collections.deque[PoseSample] = collections.deque()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._arrived = threading.Event()
        self._done = False

    def __len__(self) -> int:
        return len(self.track.frames)

    def _samples(self, i: int, now: float) -> list[PoseSample]:
        frame = self.track.frames[i % len(self.track.frames)]
        return [PoseSample(p, now, now, frame.index) for p in frame.people]

    def _run(self) -> None:
        t0 = time.perf_counter()
        first = self.track.frames[0].time
        offset = 0.0
        i = 0
        n = len(self.track.frames)
        while not self._stop.is_set():
            if i >= n and not self.loop:
                break
            frame = self.track.frames[i % n]
            if i and i % n == 0:
                offset += self.track.frames[-1].time - first + 1.0 / self.fps
            due = t0 + offset + frame.time - first
            wait = due - time.perf_counter()
            if wait > 0 and self._stop.wait(wait):
                break
            self._queue.extend(self._samples(i, time.time()))
            self._arrived.set()
            i += 1
        self._done = True

    def start(self) -> None:
        if self.realtime and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="pose-track", daemon=True)
            self._thread.start()

    def wait(self, timeout: float) -> bool:
        """Sleep until a new pose is queued or ``timeout`` s pass; True if one is."""
        if not self.realtime:  # one track frame per loop frame: the next is always there
            time.sleep(max(0.0, timeout))
            return True
        return super().wait(timeout)

    def index_at(self, t: float) -> int:
        """The track frame shown at plate time ``t`` (s): looping or holding at the end."""
        times = self._times
        period = times[-1] + 1.0 / self.fps
        if self.loop and t >= period:
            t = t % period
        return max(0, int(np.searchsorted(times, t + 1e-9, side="right")) - 1)

    def poll(self) -> list[PoseSample]:
        if self.clock is not None:
            now = float(self.clock())
            if self._clock0 is None:
                self._clock0 = now  # the track starts with the first plate frame
            i = self.index_at(now - self._clock0)
            if i == self._shown:
                return []
            self._shown = i
            return self._samples(i, time.time())
        if self.realtime:
            if self._thread is None:
                self.start()
            out = []
            while self._queue:
                out.append(self._queue.popleft())
            return out
        if self._next >= len(self.track.frames) and not self.loop:
            self._done = True
            return []
        out = self._samples(self._next, time.time())
        self._next += 1
        if self._next >= len(self.track.frames) and not self.loop:
            self._done = True
        return out

    @property
    def finished(self) -> bool:
        return self.clock is None and self._done and not self._queue

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)


class NoPoses:
    """A source without poses (the characters keep their rest pose): the loop runs on
    its plate or its frame count alone."""

    def __init__(self, fps: float = 30.0) -> None:
        self.fps = fps

    def start(self) -> None:
        pass

    def poll(self) -> list[PoseSample]:
        return []

    def wait(self, timeout: float) -> bool:
        time.sleep(max(0.0, timeout))
        return False

    @property
    def finished(self) -> bool:
        return False

    def close(self) -> None:
        pass


class StreamSource(_ReaderThreadSource):
    """The live pose stream (:class:`previzkit.capture.stream.PoseSubscriber`) read by
    a thread of its own; ``captured`` is the publisher's send time (``wall``).

    ``address`` is one endpoint or a list; ``actors`` limits the actor ids.
    """

    def __init__(
        self,
        address: str | list[str],
        *,
        actors: list[int] | None = None,
        fps: float = 30.0,
        curve_secret: str | Path | None = None,
        curve_server: str | Path | None = None,
    ) -> None:
        if not address:
            raise InputError("pose stream: no address given (e.g. tcp://stage-pc:5555)")
        for a in [address] if isinstance(address, str) else address:
            if "://" not in a:
                raise InputError(
                    f"pose stream: address {a!r} is not a ZeroMQ endpoint "
                    "(e.g. tcp://127.0.0.1:5555)"
                )
        self.address = address
        self.actors = actors
        self.fps = fps
        self._curve = (curve_secret, curve_server)
        self._queue: collections.deque[PoseSample] = collections.deque(maxlen=4096)
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._arrived = threading.Event()
        self._error: BaseException | None = None
        self.stats: StreamStats | None = None

    def _run(self) -> None:
        from previzkit.capture.stream import PoseSubscriber

        try:
            sub = PoseSubscriber(
                self.address,
                actors=self.actors,
                curve_secret=self._curve[0],
                curve_server=self._curve[1],
            )
        except BaseException as exc:  # reported on the render thread by poll()
            self._error = exc
            self._ready.set()
            return
        self.stats = sub.stats
        self._ready.set()
        try:
            while not self._stop.is_set():
                msg = sub.receive(timeout=0.05)
                if msg is None:
                    continue
                if msg.fps:
                    self.fps = float(msg.fps)
                self._queue.append(PoseSample(msg.pose, msg.wall, time.time(), msg.frame))
                self._arrived.set()
        finally:
            sub.close()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="pose-stream", daemon=True)
            self._thread.start()
            self._ready.wait(5.0)
        if self._error is not None:
            raise self._error

    def poll(self) -> list[PoseSample]:
        if self._thread is None:
            self.start()
        out = []
        while self._queue:
            out.append(self._queue.popleft())
        return out

    @property
    def finished(self) -> bool:
        return False  # a live stream never ends by itself

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)


class CaptureSource(_ReaderThreadSource):
    """Local capture: MediaPipe (:class:`previzkit.capture.multi.MultiPersonPose`) on a
    camera index or a video file, in a thread of its own. Each sample carries its camera
    frame, which the loop can use as the plate. ``realtime=False`` on a video processes
    every frame and hands them over in order (loop frame *i* gets video frame *i*).
    """

    def __init__(
        self,
        spec: str | Path | int,
        *,
        model: str = "lite",
        max_people: int = 2,
        realtime: bool = True,
    ) -> None:
        from previzkit.capture.sources import open_source

        self.spec = spec
        self._source = open_source(spec)
        self.fps = float(self._source.fps or 30.0)
        self.model = model
        self.max_people = max_people
        self.realtime = realtime
        self._queue: collections.deque[list[PoseSample]] = collections.deque(
            maxlen=None if not realtime else 8
        )
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._done = False
        self._error: BaseException | None = None
        self._space = threading.Semaphore(4)  # offline: bounded read-ahead
        self._arrived = threading.Event()

    def _run(self) -> None:
        from previzkit.capture.multi import MultiPersonPose

        try:
            with MultiPersonPose(self.model, max_people=self.max_people) as multi:
                for frame in self._source.frames():
                    if self._stop.is_set():
                        break
                    captured = time.time()
                    poses = multi.process(frame.image, frame.time)
                    now = time.time()
                    samples = [
                        PoseSample(p, captured, now, frame.index, frame.image) for p in poses
                    ]
                    if not samples:  # keep the plate moving with nobody in view
                        empty = Pose(
                            frame.time,
                            -1,
                            np.zeros((33, 3), np.float32),
                            np.zeros((33, 3), np.float32),
                            0.0,
                        )
                        samples = [PoseSample(empty, captured, now, frame.index, frame.image)]
                    if not self.realtime:
                        while not self._space.acquire(timeout=0.1):
                            if self._stop.is_set():
                                return
                    self._queue.append(samples)
                    self._arrived.set()
        except BaseException as exc:
            self._error = exc
        finally:
            self._done = True

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="pose-capture", daemon=True)
            self._thread.start()

    def poll(self) -> list[PoseSample]:
        if self._thread is None:
            self.start()
        if self._error is not None:
            err, self._error = self._error, None
            raise err
        if not self.realtime:
            while not self._queue and not self._done:
                time.sleep(0.001)
            if not self._queue:
                return []
            self._space.release()
            return self._queue.popleft()
        out: list[PoseSample] = []
        while self._queue:
            out.extend(self._queue.popleft())
        return out

    @property
    def finished(self) -> bool:
        return self._done and not self._queue

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
        self._source.close()


def open_pose_source(
    poses: str | Path | None = None,
    subscribe: str | list[str] | None = None,
    capture: str | int | None = None,
    *,
    realtime: bool = False,
    actors: list[int] | None = None,
    curve_secret: str | Path | None = None,
    curve_server: str | Path | None = None,
) -> PoseSource:
    """The one source named: a ``.pzt`` file, a stream address, or a capture device/video.
    ``curve_secret``/``curve_server``: CurveZMQ key files for the stream (see keys.py)."""
    given = [x for x in (poses, subscribe, capture) if x is not None]
    if len(given) != 1:
        raise InputError(
            "stage: give exactly one pose source: --poses FILE.pzt, --subscribe tcp://... "
            f"or --capture CAMERA|VIDEO (got {len(given)})"
        )
    if poses is not None:
        p = Path(poses)
        if p.suffix.lower() != ".pzt":
            raise InputError(
                f"--poses {p}: expected a .pzt pose track (previzkit capture -o x.pzt)"
            )
        return TrackSource(p, realtime=realtime)
    if (curve_secret is not None or curve_server is not None) and subscribe is None:
        raise InputError("stage: --curve-secret/--curve-server apply to --subscribe")
    if subscribe is not None:
        return StreamSource(
            subscribe, actors=actors, curve_secret=curve_secret, curve_server=curve_server
        )
    return CaptureSource(capture, realtime=realtime)  # type: ignore[arg-type]


def plate_pose_source(
    spec: str | Path, clock: Callable[[], float], *, loop: bool = True
) -> PoseSource:
    """Poses for a plate-driven loop (the overlay): a ZeroMQ address (``tcp://host:5555``,
    the live pose stream) or a ``.pzt`` pose track played at the plate's frame times
    (``clock()``: the current plate time, s), looping (``loop``) or holding its last
    frame at the end."""
    text = check_plate_pose(spec)
    if "://" in text:
        return StreamSource(text)
    return TrackSource(Path(text), loop=loop, clock=clock)


def check_plate_pose(spec: str | Path) -> str:
    """``spec`` checked as :func:`plate_pose_source` takes it (an existing ``.pzt`` file
    or an address with ``://``); names the problem."""
    text = str(spec)
    if "://" in text:
        return text
    p = Path(text)
    if p.suffix.lower() != ".pzt":
        raise InputError(
            f"--pose {text}: expected a .pzt pose track or a pose stream address (tcp://host:5555)"
        )
    if not p.is_file():
        raise MissingFileError(f"--pose {text}: no such pose track")
    return text

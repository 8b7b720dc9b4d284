"""The take recorder: poses, the virtual camera, video, plate, audio and timecode.

::

    with TakeStore("day1") as store:
        with Recorder(store, "1", "1-B", rate="24", size=(1280, 720)) as rec:
            for ...:                                   # the stage loop, one call per frame
                rec.frame(image=rgb, poses=poses, camera=cam, plate=plate_rgb)
        rec.take                                       # Take(status="ok", duration_frames=...)

On :meth:`Recorder.start` the take is catalogued with status ``recording`` and its
folder holds ``journal.pzj`` (poses, camera and the characters' world joints per frame,
:mod:`previzkit.takes.journal`),
the video / plate (fragmented H.264, :mod:`previzkit.media.video`) and audio, named
after the take (:func:`~previzkit.takes.store.media_name`: ``1_1-B_T001.mp4``,
``1_1-B_T001_plate.mp4``, ``1_1-B_T001.wav``). The recorder holds an exclusive ``flock`` on ``recording.lock`` until it
stops, which is how :mod:`previzkit.takes.recovery` tells a live take from a dead one.
:meth:`Recorder.stop` replays the journal into ``pose.pzt``, ``camera.npz`` and
``joints.npz`` (the same code recovery runs) and marks the take ``ok``.

A disk error (full, I/O) stops the recording cleanly: writers are closed, what was
flushed is replayed into the take's files, the take is marked ``recovered`` with a
note naming the error, and :class:`RecordingError` is raised to the caller. If even
that fails the take stays ``recording`` and the next start's recovery finishes it.

Frames are stamped with SMPTE timecode at ``rate`` from ``start_tc`` (a label, or the
system clock's time of day when None). The recorder does not depend on the stage loop.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import os
import socket
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import (
    InputError,
    PrevizError,
    RecordingError,
    ShapeError,
    TakeStoreError,
)
from previzkit.core.types import Pose
from previzkit.model import timecode as tc
from previzkit.model.camera_track import CameraSample
from previzkit.model.frame_joints import FrameJoints
from previzkit.model.take import Take
from previzkit.takes.journal import (
    KIND_CAMERA,
    KIND_END,
    KIND_FRAME,
    KIND_JOINTS,
    KIND_MARK,
    KIND_POSE,
    JournalWriter,
    encode_camera,
    encode_joints,
    encode_mark,
    encode_tick,
)
from previzkit.takes.store import TakeStore, media_name

JOURNAL = "journal.pzj"
LOCK = "recording.lock"
VIDEO, PLATE, AUDIO = "video", "plate", "audio"  # media kinds, named by store.media_name


class Recorder:
    """Record one take into ``store`` (see module doc).

    ``size`` (width, height) of the rendered/composited video, None for no video;
    ``plate_size`` likewise for the camera plate; ``audio`` (sample_rate, channels) or
    None; ``flush_interval`` seconds (<= 1) between journal fsyncs; ``take`` the take
    number (default: the next free one); ``on_flush(records)`` is called after each
    durable journal flush (from the flusher thread).
    """

    def __init__(
        self,
        store: TakeStore,
        scene: str,
        shot: str,
        *,
        rate: str | float = "24",
        start_tc: str | None = None,
        size: tuple[int, int] | None = None,
        plate_size: tuple[int, int] | None = None,
        audio: tuple[int, int] | None = None,
        flush_interval: float = 0.5,
        take: int | None = None,
        notes: str = "",
        gop: int | None = None,
        meta: dict[str, Any] | None = None,
        on_flush: Callable[[int], None] | None = None,
        recover: bool = True,
        encode_thread: bool = True,
    ) -> None:
        self.store = store
        self._recover, self._encode_thread = recover, encode_thread
        self.recovered: list[Take] = []
        self.rate = tc.rate(rate)
        self.scene, self.shot = str(scene), str(shot)
        self._start_tc = start_tc
        if start_tc is not None:
            tc.timecode_to_frames(start_tc, self.rate)  # validates it now
        for name, sz in (("size", size), ("plate_size", plate_size)):
            if sz is not None and (len(sz) != 2 or min(sz) <= 0 or sz[0] % 2 or sz[1] % 2):
                raise InputError(f"recorder {name} {sz!r}: width and height must be even > 0")
        self.size, self.plate_size, self.audio_format = size, plate_size, audio
        self.flush_interval = flush_interval
        self._take_number, self._notes, self._gop = take, notes, gop
        self._meta, self._on_flush = dict(meta or {}), on_flush
        self._settings: dict[str, Any] = {
            "rate": self.rate,
            "size": size,
            "plate_size": plate_size,
            "audio": audio,
            "flush_interval": flush_interval,
            "notes": notes,
            "gop": gop,
            "meta": meta,
            "on_flush": on_flush,
            "encode_thread": encode_thread,
        }
        self.take: Take | None = None
        self.frames = 0
        self._t0 = 0.0
        self._journal: JournalWriter | None = None
        self._writers: dict[str, Any] = {}
        self._lock_fd: int | None = None
        self._state = "new"

    # -- life cycle ---------------------------------------------------------------------

    @property
    def start_tc(self) -> str | None:
        """Timecode of the take's first frame: the started take's, else the one asked
        for (None: the clock's at :meth:`start`)."""
        return self.take.start_tc if self.take is not None else self._start_tc

    def next_take(self, start_tc: str | None = None, shot: str | None = None) -> Recorder:
        """A new recorder (not started) with this one's settings for the next take of
        the same scene and shot (or ``shot``; numbered at its start), its first frame
        at ``start_tc`` (None: the clock's time)."""
        return Recorder(
            self.store,
            self.scene,
            shot or self.shot,
            start_tc=start_tc,
            recover=self._recover and self._state == "new",  # else done at this start
            **self._settings,
        )

    @property
    def folder(self) -> Path:
        if self.take is None:
            raise RecordingError("recorder: not started")
        return self.store.take_dir(self.take)

    def start(self) -> Take:
        """Catalogue the take (status ``recording``), open its journal and writers."""
        if self._state != "new":
            raise RecordingError(f"recorder {self.scene}/{self.shot}: already {self._state}")
        if self._recover:  # finish takes whose recorder died, before numbering this one
            from previzkit.takes.recovery import recover

            self.recovered = recover(self.store)
        start_tc = self._start_tc or tc.timecode_from_clock(self.rate)
        number = self._take_number or self.store.next_take_number(self.scene, self.shot)
        for _attempt in range(100):
            take = Take(
                self.scene,
                self.shot,
                number,
                start_tc,
                self.rate.name,
                0,
                notes=self._notes,
                status="recording",
            )
            # a new folder, lock it, catalogue second: recovery never sees an unlocked
            # live take, and no take is written into another take's folder
            folder = self.store.folder_of(take.scene, take.shot, take.take)
            made = False
            try:
                folder.parent.mkdir(parents=True, exist_ok=True)
                folder.mkdir()
                made = True
                self._lock_fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.write(self._lock_fd, f"{os.getpid()}@{socket.gethostname()}\n".encode())
                self.take = self.store.add(take)
                break
            except (OSError, PrevizError) as exc:
                if self._lock_fd is not None:
                    os.close(self._lock_fd)
                    self._lock_fd = None
                if made:  # this attempt's own empty folder: leave no trace of it
                    with contextlib.suppress(OSError):
                        (folder / LOCK).unlink(missing_ok=True)
                        folder.rmdir()
                # another recorder on this project took the number first (made its
                # folder, or catalogued it): an automatic number moves on to the next one
                taken = isinstance(exc, FileExistsError | BlockingIOError) or (
                    isinstance(exc, TakeStoreError) and "already in" in str(exc)
                )
                if taken and self._take_number is None:
                    number = max(number + 1, self.store.next_take_number(self.scene, self.shot))
                    continue
                if isinstance(exc, PrevizError):
                    raise
                if isinstance(exc, FileExistsError):
                    raise RecordingError(
                        f"take {take.label}: its folder {folder} already exists"
                    ) from exc
                if isinstance(exc, BlockingIOError):
                    raise RecordingError(
                        f"take {take.label}: another recorder is recording it"
                    ) from exc
                raise RecordingError(f"take {take.label}: cannot start recording ({exc})") from exc
        self._state = "recording"
        try:
            meta = {
                **self._meta,
                "scene": self.scene,
                "shot": self.shot,
                "take": number,
                "rate": self.rate.name,
                "start_tc": start_tc,
                "drop_frame": self.rate.drop_frame,
                "width": self.size[0] if self.size else 0,
                "height": self.size[1] if self.size else 0,
                "plate": list(self.plate_size) if self.plate_size else None,
                "audio": list(self.audio_format) if self.audio_format else None,
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="milliseconds"),
            }
            self._journal = JournalWriter(
                folder / JOURNAL, meta, self.flush_interval, on_flush=self._flushed
            )
            from previzkit.media.audio import WavWriter
            from previzkit.media.video import ThreadedWriter, VideoWriter

            def video(name: str, size: tuple[int, int]) -> Any:
                # crash-safe: fragmented, a keyframe and fragment each GOP; the start
                # timecode (a tmcd track) and the reel name, for conforming in an NLE
                writer = VideoWriter(
                    folder / name,
                    *size,
                    self.rate.fps,
                    fragmented=True,
                    gop=self._gop,
                    timecode=start_tc,
                    reel=take.reel,
                )
                return ThreadedWriter(writer) if self._encode_thread else writer

            if self.size:
                self._writers["video"] = video(media_name(take, VIDEO), self.size)
            if self.plate_size:
                self._writers["plate"] = video(media_name(take, PLATE), self.plate_size)
            if self.audio_format:
                self._writers["audio"] = WavWriter(
                    folder / media_name(take, AUDIO), *self.audio_format
                )
        except (OSError, PrevizError) as exc:
            self._fail(exc)
        self._t0 = time.monotonic()
        return self.take  # type: ignore[return-value]  # set by the loop above

    def _flushed(self, records: int) -> None:
        # the media files become durable together with the journal records
        for w in list(self._writers.values()):
            # a closed or failing writer reports on its own next call
            with contextlib.suppress(OSError, ValueError):
                w.sync()
        if self._on_flush is not None:
            self._on_flush(records)

    def timecode(self, index: int | None = None) -> str:
        """SMPTE label of frame ``index`` (default: the next frame)."""
        if self.take is None:
            raise RecordingError("recorder: not started")
        n = self.frames if index is None else index
        return tc.frames_to_timecode(self.take.start_frame + n, self.rate)

    def frame(
        self,
        image: npt.NDArray[np.uint8] | None = None,
        *,
        poses: Iterable[Pose] = (),
        camera: CameraSample | tuple[Any, Any, Any] | None = None,
        plate: npt.NDArray[np.uint8] | None = None,
        time_s: float | None = None,
        joints: FrameJoints | None = None,
    ) -> int:
        """Record one frame; returns its index.

        ``image`` the rendered/composited RGB frame (size ``size``), ``poses`` every
        actor's pose this frame, ``camera`` a :class:`~previzkit.model.camera_track.CameraSample` or ``(position,
        orientation xyzw, Lens)``, ``plate`` the camera plate (size ``plate_size``),
        ``time_s`` seconds since the take's start (default: the monotonic clock),
        ``joints`` the characters' world joint positions this frame (``joints.npz``).
        """
        if self._state != "recording" or self._journal is None:
            raise RecordingError(f"recorder {self.scene}/{self.shot}: not recording")
        index = self.frames
        t = time.monotonic() - self._t0 if time_s is None else float(time_s)
        # encode and check everything first: a rejected frame leaves nothing behind
        if image is not None:
            self._check_media("video", image)
        if plate is not None:
            self._check_media("plate", plate)
        pose_payload = self._pose_payload(index, t, list(poses))
        cam_payload = (
            None if camera is None else encode_camera(self._camera_sample(index, t, camera))
        )
        if joints is not None and not isinstance(joints, FrameJoints):
            raise InputError(f"recorder: joints is a {type(joints).__name__}, not FrameJoints")
        joints_payload = None if joints is None else encode_joints(index, joints)
        try:
            if pose_payload is not None:
                self._journal.append(KIND_POSE, pose_payload)
            if cam_payload is not None:
                self._journal.append(KIND_CAMERA, cam_payload)
            if joints_payload is not None:
                self._journal.append(KIND_JOINTS, joints_payload)
            # the tick closes the frame: replay keeps only frames whose tick is on disk
            self._journal.append(KIND_FRAME, encode_tick(index, t))
            if image is not None:
                self._media("video", image)
            if plate is not None:
                self._media("plate", plate)
        except (OSError, PrevizError) as exc:
            self._fail(exc)
        self.frames += 1
        return index

    def _pose_payload(self, index: int, t: float, people: list[Pose]) -> bytes | None:
        """The ``.pzt`` record payload of this frame's poses (checked), or None."""
        if not people:
            return None
        from previzkit.model.pose_track import PoseFrame, encode_frame

        label = self.timecode(index)
        stamped = []
        for i, p in enumerate(people):
            if not isinstance(p, Pose):
                raise InputError(f"recorder: poses[{i}] is a {type(p).__name__}, not a Pose")
            for name in ("image", "world"):
                arr = getattr(p, name)
                if np.shape(arr) != (33, 3):
                    raise ShapeError(
                        f"recorder: poses[{i}] (actor {p.actor_id}) {name} has shape "
                        f"{np.shape(arr)}, expected (33, 3)"
                    )
            if p.flags is not None and np.shape(p.flags) != (33,):
                raise ShapeError(f"recorder: poses[{i}] flags shape {np.shape(p.flags)} != (33,)")
            stamped.append(
                Pose(
                    p.timestamp,
                    p.actor_id,
                    p.image,
                    p.world,
                    p.confidence,
                    p.timecode or label,
                    p.flags,
                )
            )
        rec = encode_frame(PoseFrame(index, t, stamped))
        return rec[10:]  # the .pzt record's payload (its 10-byte header cut)

    def _camera_sample(self, index: int, t: float, camera: Any) -> CameraSample:
        if isinstance(camera, CameraSample):
            return camera if camera.index == index else camera.at(index, t)
        try:
            pos, rot, lens = camera
            return CameraSample.from_lens(index, t, pos, rot, lens)
        except ShapeError as exc:
            raise ShapeError(f"recorder: {exc}") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise InputError(
                f"recorder: camera must be a CameraSample or (position, orientation xyzw, "
                f"Lens), got {type(camera).__name__} ({exc})"
            ) from None

    def _check_media(self, kind: str, frame: npt.NDArray[np.uint8]) -> None:
        label = self.take.label if self.take else ""
        size = self.size if kind == "video" else self.plate_size
        if size is None or kind not in self._writers:
            raise InputError(
                f"recorder {label}: got a {kind} frame but "
                f"no {'size' if kind == 'video' else 'plate_size'} was given"
            )
        want = (size[1], size[0], 3)
        if np.shape(frame) != want or getattr(frame, "dtype", None) != np.uint8:
            raise ShapeError(
                f"recorder {label}: {kind} frame {np.shape(frame)} "
                f"{getattr(frame, 'dtype', type(frame).__name__)}, expected {want} uint8"
            )

    def _media(self, kind: str, frame: npt.NDArray[np.uint8]) -> None:
        self._writers[kind].write(frame)

    def audio(self, samples: npt.NDArray) -> None:
        """Append audio samples ((n,) or (n, channels), int16 or float in [-1, 1])."""
        writer = self._writers.get("audio")
        if writer is None or self._state != "recording":
            raise RecordingError("recorder: no audio track (pass audio=(rate, channels))")
        try:
            writer.write(samples)
        except (OSError, PrevizError) as exc:
            if isinstance(exc, InputError):
                raise
            self._fail(exc)

    def mark(self, **data: Any) -> None:
        """Journal a marker (e.g. ``rec.mark(event="action")``) at the current frame."""
        if self._journal is None:
            raise RecordingError("recorder: not started")
        self._journal.append(KIND_MARK, encode_mark({"frame": self.frames, **data}))

    def stop(self) -> Take:
        """Close everything, replay the journal into the take's files, mark it ``ok``."""
        if self._state == "stopped" and self.take is not None:
            return self.take
        if self._state != "recording" or self._journal is None:
            raise RecordingError(f"recorder {self.scene}/{self.shot}: not recording")
        try:
            self._journal.append(KIND_END, b"")
            self._close_writers(raise_errors=True)
        except (OSError, PrevizError) as exc:
            self._fail(exc)
        return self._finish("ok", "")

    def _close_writers(self, raise_errors: bool) -> None:
        first: BaseException | None = None
        for w in [self._journal, *self._writers.values()]:
            if w is None:
                continue
            try:
                w.close()
            except (OSError, PrevizError) as exc:
                first = first or exc
        if first is not None and raise_errors:
            raise first

    def _finish(self, status: str, note: str) -> Take:
        from previzkit.takes.recovery import finalize

        self._state = "stopped"
        if self.take is None:
            raise RecordingError("recorder: not started")
        try:
            self.take = finalize(self.store, self.take, status=status, note=note)
        finally:
            if self._lock_fd is not None:
                os.close(self._lock_fd)  # releases the flock
                self._lock_fd = None
        return self.take

    def _fail(self, exc: BaseException) -> None:
        """Stop cleanly after an I/O error, keep what was flushed, raise RecordingError."""
        self._state = "failing"
        self._close_writers(raise_errors=False)
        label = self.take.label if self.take else f"{self.scene}/{self.shot}"
        note = f"recording stopped by an error: {exc}"
        try:
            self._finish("recovered", note)
        except (OSError, PrevizError) as exc2:
            raise RecordingError(
                f"take {label}: {note}; finishing it failed too ({exc2}); it stays "
                f"'recording' and the next start recovers it"
            ) from exc
        raise RecordingError(f"take {label}: {note}; what was flushed is kept") from exc

    def __enter__(self) -> Recorder:
        self.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._state == "recording":
            if exc is not None and self._journal is not None:
                with contextlib.suppress(PrevizError):
                    self._journal.append(
                        KIND_MARK, encode_mark({"event": "error", "why": str(exc)})
                    )
            self.stop()

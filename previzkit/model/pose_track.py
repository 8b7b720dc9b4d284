"""The binary pose track (``.pzt``): what takes record, versioned and append-friendly.

Layout (all integers little-endian)::

    file   = header record*
    header = b"PZTRACK\\0" (8 bytes) | version u16 (=1) | reserved u16 (=0)
             | meta_len u32 | meta (msgpack map, meta_len bytes)
    record = b"FR" | payload_len u32 | crc32(payload) u32 | payload (msgpack)

``meta`` keys: ``width``, ``height`` (px), ``fps``, ``landmarks`` (the 33 names),
``model`` (lite/full/heavy or a path), ``source``, ``created`` (ISO 8601 UTC); readers
ignore keys they do not know. A record is one frame::

    {"i": index, "t": time s, "p": [person, ...]}
    person = {"id": actor id, "c": confidence, "tc": SMPTE timecode or "",
              "img": 33*3 float32 (x px, y px, visibility),
              "w": 33*3 float32 (world x, y, z m, MediaPipe frame),
              "f": 33 uint8 flags (1 = held dropout),
              "r": [x, y, z] hip centre in the capture camera's frame (m; optional),
              "ct": [left, right] foot planted, 0/1 (optional)}

``r`` and ``ct`` (:mod:`previzkit.capture.root`) are written only when known; tracks
without them (older ones included) read with ``Pose.root`` and ``Pose.contacts`` None.

Each record is written whole and flushed, so a recording cut short (crash, power) loses
at most the frame being written: the reader stops at a torn or corrupt record, logs it
and returns every frame before it; :class:`TrackWriter` in append mode truncates such a
tail and goes on. Version 1 readers refuse other versions with a clear message.

Two types: :class:`PoseTrack` is the file's content (frames of everyone seen, as
:class:`~previzkit.core.types.Pose`); :class:`ActorTrack` is one actor's poses over a
take as arrays (what the editor scores and trims), read from a ``.pzt`` or from its own
plain ``.npz`` form, which can also carry the actor's root in the set (``.pzt`` holds
MediaPipe's hip-centred landmarks only).

ActorTrack arrays (T frames, 33 MediaPipe landmarks): ``times`` (T,) seconds from the
actor's first pose; ``world`` (T, 33, 3) metres, MediaPipe's hip-centred frame;
``visibility`` (T, 33) in [0, 1]; ``confidence`` (T,) in [0, 1]; ``held`` (T, 33) True
where a landmark was held over a dropout; ``root`` (T, 3) or None: the actor's hips in
the set frame (metres, y up), when known.
"""

from __future__ import annotations

import datetime as _dt
import logging
import math
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, MissingFileError, ShapeError
from previzkit.core.types import Pose
from previzkit.model.binary_header import pack_header, packb, read_header, unpackb
from previzkit.model.landmarks import LANDMARK_NAMES

log = logging.getLogger(__name__)

MAGIC = b"PZTRACK\0"
VERSION = 1
_REC = struct.Struct("<2sII")
_REC_MAGIC = b"FR"


class TrackError(InputError):
    """A pose track file is not one, is of an unknown version, or is corrupt."""


@dataclass
class PoseFrame:
    """The people seen in one frame: 0-based ``index``, ``time`` (s), poses by id."""

    index: int
    time: float
    people: list[Pose] = field(default_factory=list)


@dataclass
class PoseTrack:
    """A clip of poses: frame size (px), rate, frames, and free-form ``meta``."""

    width: int
    height: int
    fps: float
    frames: list[PoseFrame] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    truncated: bool = False  # the file ended in a torn or corrupt record

    def __iter__(self) -> Iterator[Pose]:
        """Every pose in frame order (all actors; ``timestamp`` = frame time)."""
        return (p for f in self.frames for p in f.people)

    def actor_ids(self) -> list[int]:
        return sorted({p.actor_id for f in self.frames for p in f.people})

    def actor(self, actor_id: int) -> list[Pose]:
        """Every pose of one actor, in frame order (frames without them are skipped)."""
        return [p for f in self.frames for p in f.people if p.actor_id == actor_id]


def encode_frame(frame: PoseFrame) -> bytes:
    """One frame record (header + payload)."""
    people = []
    for p in frame.people:
        flags = p.flags if p.flags is not None else np.zeros(33, np.uint8)
        person: dict[str, Any] = {
            "id": int(p.actor_id),
            "c": float(p.confidence),
            "tc": p.timecode or "",
            "img": np.ascontiguousarray(p.image, "<f4").tobytes(),
            "w": np.ascontiguousarray(p.world, "<f4").tobytes(),
            "f": np.ascontiguousarray(flags, np.uint8).tobytes(),
        }
        if p.root is not None:
            person["r"] = [float(c) for c in p.root]
        if p.contacts is not None:
            person["ct"] = [int(bool(c)) for c in p.contacts]
        people.append(person)
    payload = packb({"i": int(frame.index), "t": float(frame.time), "p": people})
    return _REC.pack(_REC_MAGIC, len(payload), zlib.crc32(payload)) + payload


def decode_frame(payload: bytes) -> PoseFrame:
    d = unpackb(payload)
    people = []
    for q in d["p"]:
        img = np.frombuffer(q["img"], "<f4").reshape(33, 3).astype(np.float32)
        world = np.frombuffer(q["w"], "<f4").reshape(33, 3).astype(np.float32)
        flags = np.frombuffer(q["f"], np.uint8).reshape(33).copy()
        pose = Pose(float(d["t"]), int(q["id"]), img, world, float(q["c"]), q["tc"], flags)
        if "r" in q:
            x, y, z = (float(c) for c in q["r"])
            pose.root = (x, y, z)
        if "ct" in q:
            left, right = (bool(c) for c in q["ct"])
            pose.contacts = (left, right)
        people.append(pose)
    return PoseFrame(int(d["i"]), float(d["t"]), people)


def _read_header(f: BinaryIO, path: Path) -> dict[str, Any]:
    """The header's fields, checked: ``width``/``height`` whole numbers >= 0, ``fps`` a
    finite number > 0 (where present)."""
    meta = read_header(f, str(path), MAGIC, VERSION, ("pose track", "pose track"), TrackError)
    for key in ("width", "height"):
        v = meta.get(key, 0)
        if isinstance(v, bool) or not isinstance(v, int) or v < 0:
            raise TrackError(
                f"pose track {path}: header {key} must be a whole number >= 0, got {v!r}"
            )
    fps = meta.get("fps", 30.0)
    if (
        isinstance(fps, bool)
        or not isinstance(fps, int | float)
        or not math.isfinite(fps)
        or fps <= 0
    ):
        raise TrackError(f"pose track {path}: header fps must be a number > 0, got {fps!r}")
    return meta


def _records(f: BinaryIO, path: Path) -> Iterator[tuple[int, PoseFrame | None]]:
    """(offset, frame) per good record; a final (offset, None) marks a torn/corrupt tail."""
    while True:
        offset = f.tell()
        head = f.read(_REC.size)
        if not head:
            return
        if len(head) < _REC.size:
            yield offset, None
            return
        magic, n, crc = _REC.unpack(head)
        payload = f.read(n) if magic == _REC_MAGIC else b""
        if magic != _REC_MAGIC or len(payload) != n or zlib.crc32(payload) != crc:
            yield offset, None
            return
        try:
            yield offset, decode_frame(payload)
        except Exception:
            yield offset, None
            return


def read_track(path: str | Path) -> PoseTrack:
    """Read a ``.pzt`` pose track; a torn tail is logged and skipped (``truncated``)."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"pose track {path} does not exist")
    with path.open("rb") as f:
        meta = _read_header(f, path)
        track = PoseTrack(
            int(meta.get("width", 0)),
            int(meta.get("height", 0)),
            float(meta.get("fps", 0.0)),
            meta=meta,
        )
        for offset, frame in _records(f, path):
            if frame is None:
                log.warning(
                    "%s: torn or corrupt record at byte %d: frames after it dropped", path, offset
                )
                track.truncated = True
                break
            _check_finite(frame, path)
            track.frames.append(frame)
    return track


def _check_finite(frame: PoseFrame, path: Path) -> None:
    """TrackError naming the file and frame when a pose holds NaN or inf."""
    for p in frame.people:
        scalars = [frame.time, p.confidence, *(p.root or ())]
        arrays_ok = bool(np.all(np.isfinite(p.image))) and bool(np.all(np.isfinite(p.world)))
        if not (arrays_ok and all(math.isfinite(x) for x in scalars)):
            raise TrackError(
                f"pose track {path}: frame {frame.index}, actor {p.actor_id}: "
                "landmarks, confidence or root are not finite (NaN or inf)"
            )


class TrackWriter:
    """Append frames to a ``.pzt`` file, each flushed as it is written.

    ``append=True`` continues an existing track (its meta is kept; a torn tail is cut).
    Use ``with`` or call :meth:`close`.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        width: int = 0,
        height: int = 0,
        fps: float = 30.0,
        meta: dict[str, Any] | None = None,
        append: bool = False,
        fsync: bool = False,
    ) -> None:
        self.path = Path(path)
        self.fsync = fsync
        if append and self.path.is_file() and self.path.stat().st_size > 0:
            with self.path.open("rb") as f:
                self.meta = _read_header(f, self.path)
                end = f.tell()
                for offset, frame in _records(f, self.path):
                    if frame is None:
                        log.warning("%s: cutting a torn record at byte %d", self.path, offset)
                        break
                    end = f.tell()
            self._f: BinaryIO = self.path.open("r+b")
            self._f.seek(end)
            self._f.truncate()
            return
        self.meta = {
            "width": int(width),
            "height": int(height),
            "fps": float(fps),
            "landmarks": list(LANDMARK_NAMES),
            "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
            **(meta or {}),
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._f = self.path.open("wb")
        self._f.write(pack_header(MAGIC, VERSION, self.meta))
        self._f.flush()

    def write(self, frame: PoseFrame) -> None:
        self._f.write(encode_frame(frame))
        self._f.flush()
        if self.fsync:
            import os

            os.fsync(self._f.fileno())

    def close(self) -> None:
        if not self._f.closed:
            self._f.close()

    def __enter__(self) -> TrackWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_track(path: str | Path, track: PoseTrack) -> Path:
    """Write a whole :class:`PoseTrack` to ``path``."""
    with TrackWriter(
        path, width=track.width, height=track.height, fps=track.fps, meta=track.meta
    ) as w:
        for frame in track.frames:
            w.write(frame)
    return Path(path)


@dataclass
class ActorTrack:
    """One actor's poses over a take as arrays (see module doc for shapes and units)."""

    times: npt.NDArray[np.float64]
    world: npt.NDArray[np.float32]
    visibility: npt.NDArray[np.float32]
    confidence: npt.NDArray[np.float32]
    held: npt.NDArray[np.bool_]
    root: npt.NDArray[np.float32] | None = None

    def __post_init__(self) -> None:
        t = len(self.times)
        checks: dict[str, tuple[npt.NDArray[Any], tuple[int, ...]]] = {
            "world": (self.world, (t, 33, 3)),
            "visibility": (self.visibility, (t, 33)),
            "confidence": (self.confidence, (t,)),
            "held": (self.held, (t, 33)),
        }
        if self.root is not None:
            checks["root"] = (self.root, (t, 3))
        for name, (arr, shape) in checks.items():
            if np.shape(arr) != shape:
                raise ShapeError(f"actor track {name}: shape {np.shape(arr)}, expected {shape}")

    def __len__(self) -> int:
        return len(self.times)

    @classmethod
    def from_poses(cls, poses: list[Pose]) -> ActorTrack:
        """The arrays of one actor's poses (``times`` from the first pose's timestamp)."""
        flags = [p.flags if p.flags is not None else np.zeros(33, np.uint8) for p in poses]
        t0 = poses[0].timestamp
        return cls(
            np.array([p.timestamp - t0 for p in poses], np.float64),
            np.stack([np.asarray(p.world, np.float32) for p in poses]),
            np.stack([np.asarray(p.image, np.float32)[:, 2] for p in poses]),
            np.array([p.confidence for p in poses], np.float32),
            np.stack(flags).astype(bool),
            None,
        )


def write_actor_npz(track: ActorTrack, path: str | Path) -> Path:
    """Write ``track`` as ``.npz`` (the plain form read by :func:`read_actor_track`)."""
    out = Path(path)
    arrays: dict[str, npt.NDArray[Any]] = {
        "times": track.times,
        "world": track.world,
        "visibility": track.visibility,
        "confidence": track.confidence,
        "held": track.held,
    }
    if track.root is not None:
        arrays["root"] = track.root
    np.savez_compressed(out, **arrays)  # type: ignore[arg-type]
    return out


def write_actor_pzt(track: ActorTrack, path: str | Path, fps: float, actor_id: int = 0) -> Path:
    """Write ``track`` as a ``.pzt`` of one actor.

    Image landmarks are not known from these arrays: x, y are written as 0 with the
    visibility; root positions are not part of that format and are dropped.
    """
    out = Path(path)
    with TrackWriter(out, fps=fps) as w:
        for i in range(len(track)):
            img = np.zeros((33, 3), np.float32)
            img[:, 2] = track.visibility[i]
            pose = Pose(
                float(track.times[i]),
                actor_id,
                img,
                track.world[i],
                float(track.confidence[i]),
                "",
                track.held[i].astype(np.uint8),
            )
            w.write(PoseFrame(i, float(track.times[i]), [pose]))
    return out


def read_actor_track(path: str | Path, actor: int | None = None) -> ActorTrack:
    """One actor (default: the lowest id) of a ``.pzt`` pose track, or an ``.npz``
    actor track."""
    src = Path(path)
    if not src.is_file():
        raise MissingFileError(f"pose track {src}: no such file")
    if src.suffix.lower() == ".npz":
        try:
            with np.load(src) as z:
                root = z["root"].astype(np.float32) if "root" in z else None
                return ActorTrack(
                    z["times"].astype(np.float64),
                    z["world"].astype(np.float32),
                    z["visibility"].astype(np.float32),
                    z["confidence"].astype(np.float32),
                    z["held"].astype(bool),
                    root,
                )
        except (KeyError, ValueError, OSError) as exc:
            raise InputError(f"pose track {src}: not a previzkit pose track ({exc})") from exc
    track = read_track(src)
    ids = track.actor_ids()
    if not ids:
        raise InputError(f"pose track {src}: holds no poses")
    if actor is not None and actor not in ids:
        raise InputError(f"pose track {src}: no actor {actor} (actors: {ids})")
    return ActorTrack.from_poses(track.actor(ids[0] if actor is None else actor))

"""The take journal: an append-only file of length-prefixed, CRC'd records.

While a take records, everything that cannot be regenerated (poses, the virtual
camera's pose, lens and focus per frame) goes to ``journal.pzj`` in the take's folder.
The writer keeps records in memory and writes + ``fsync``s them at least every
``flush_interval`` seconds (0.5 s by default; a background thread flushes even when
the loop stalls), so a killed process loses at most the last interval. The reader
stops at the first torn or corrupt record (a cut write) and returns everything before
it; :func:`truncate_torn_tail` cuts such a tail off the file.

Layout (little-endian)::

    file   = header record*
    header = b"PZJOURN\\0" | version u16 (=1) | reserved u16 | meta_len u32 | meta (msgpack)
    record = kind u8 | payload_len u32 | crc32(kind byte + payload) u32 | payload

Record kinds: ``F`` frame tick (index u32, time f64: seconds since the take's start;
written last of a frame's records, so a frame counts once its tick is on disk),
``P`` pose frame (the payload of a ``.pzt`` record, :mod:`previzkit.model.pose_track`),
``C`` camera sample (:class:`~previzkit.model.camera_track.CameraSample`, fixed 100
bytes), ``J`` the characters' world joints (msgpack map: ``index``, ``characters``,
``joints``, ``world`` (C, J, 3) float32 little-endian bytes, metres, set frame:
:class:`~previzkit.model.frame_joints.FrameJoints`), ``M`` marker (msgpack
map, e.g. ``{"event": "stop"}``), ``E`` clean end of take.
"""

from __future__ import annotations

import io
import os
import struct
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from previzkit.core.errors import (
    InputError,
    JournalError,
    MissingFileError,
    PrevizError,
    RecordingError,
)
from previzkit.model.binary_header import pack_header, packb, read_header, unpackb
from previzkit.model.camera_track import CameraSample
from previzkit.model.frame_joints import FrameJoints

MAGIC = b"PZJOURN\0"
VERSION = 1
_REC = struct.Struct("<BII")
_TICK = struct.Struct("<Id")
_CAM = struct.Struct("<Id3d4d4d")  # index, time, position, orientation xyzw, lens
KIND_FRAME, KIND_POSE, KIND_CAMERA, KIND_MARK, KIND_END, KIND_JOINTS = (ord(c) for c in "FPCMEJ")
KINDS = frozenset({KIND_FRAME, KIND_POSE, KIND_CAMERA, KIND_MARK, KIND_END, KIND_JOINTS})
MAX_PAYLOAD = 64 << 20


def encode_camera(sample: CameraSample) -> bytes:
    """A ``C`` record's payload: index u32, time f64, position 3 f64, orientation 4 f64,
    focal, sensor width, sensor height, focus f64 (100 bytes)."""
    return _CAM.pack(
        sample.index,
        sample.time,
        *sample.position,
        *sample.orientation,
        sample.focal_mm,
        sample.sensor_width_mm,
        sample.sensor_height_mm,
        sample.focus_m,
    )


def decode_camera(payload: bytes) -> CameraSample:
    v = _CAM.unpack(payload)
    return CameraSample(v[0], v[1], (v[2], v[3], v[4]), (v[5], v[6], v[7], v[8]), *v[9:13])


def encode_joints(index: int, joints: FrameJoints) -> bytes:
    """A ``J`` record's payload: frame ``index`` and the characters' world joints."""
    return packb(
        {
            "index": int(index),
            "characters": list(joints.characters),
            "joints": list(joints.joints),
            "world": np.ascontiguousarray(joints.world, dtype="<f4").tobytes(),
        }
    )


def decode_joints(payload: bytes) -> tuple[int, FrameJoints]:
    """(frame index, joints) of a ``J`` record; :class:`JournalError` when malformed."""
    try:
        d = unpackb(payload)
        chars, names = list(d["characters"]), list(d["joints"])
        world = np.frombuffer(d["world"], dtype="<f4").reshape(len(chars), len(names), 3)
        return int(d["index"]), FrameJoints(tuple(chars), tuple(names), world)
    except (KeyError, TypeError, ValueError, PrevizError) as exc:
        raise JournalError(f"journal joints record: malformed ({exc})") from None


def encode_tick(index: int, time_s: float) -> bytes:
    return _TICK.pack(index, time_s)


def decode_tick(payload: bytes) -> tuple[int, float]:
    index, t = _TICK.unpack(payload)
    return int(index), float(t)


def encode_record(kind: int, payload: bytes) -> bytes:
    """One record: kind, length, CRC-32 of kind + payload, payload."""
    if kind not in KINDS:
        raise ValueError(f"journal record kind {kind!r} unknown")
    crc = zlib.crc32(payload, zlib.crc32(bytes((kind,))))
    return _REC.pack(kind, len(payload), crc) + payload


def encode_mark(data: dict[str, Any]) -> bytes:
    return packb(data)


def decode_mark(payload: bytes) -> dict[str, Any]:
    return unpackb(payload)


class JournalWriter:
    """Append records to a new journal; flushed + fsync'd every ``flush_interval`` s.

    ``append()`` only queues bytes in memory (cheap, safe to call from the render
    thread); a daemon thread writes and fsyncs them on time. ``on_flush(n)`` is called
    (on that thread) after each durable flush with the number of records on disk. An
    OS error (disk full, I/O error) stops the journal: the next :meth:`append` or
    :meth:`flush` raises :class:`RecordingError`, everything flushed before stays.
    """

    def __init__(
        self,
        path: str | Path,
        meta: dict[str, Any],
        flush_interval: float = 0.5,
        on_flush: Callable[[int], None] | None = None,
    ) -> None:
        if not 0 < flush_interval <= 1.0:
            raise InputError(f"journal flush_interval {flush_interval} s: must be in (0, 1]")
        self.path = Path(path)
        self.flush_interval = float(flush_interval)
        self.on_flush = on_flush
        self.records_written = 0  # records durable on disk
        self._pending: list[bytes] = []
        self._pending_count = 0
        self._lock = threading.Lock()
        self._io_lock = threading.Lock()
        self._error: OSError | None = None
        self._closed = False
        head = pack_header(MAGIC, VERSION, meta)
        try:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
            _write_all(self._fd, head)
            os.fsync(self._fd)
            _fsync_dir(self.path.parent)
        except OSError as exc:
            raise RecordingError(f"journal {self.path}: cannot create ({exc})") from exc
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="journal-flush", daemon=True)
        self._thread.start()

    @property
    def error(self) -> OSError | None:
        """The OS error that stopped the journal, if any."""
        return self._error

    def _check(self) -> None:
        if self._error is not None:
            raise RecordingError(
                f"journal {self.path}: stopped by a write error ({self._error}); "
                f"{self.records_written} records were flushed and are kept"
            )
        if self._closed:
            raise RecordingError(f"journal {self.path}: already closed")

    def append(self, kind: int, payload: bytes) -> None:
        """Queue one record (written at the next flush)."""
        self._check()
        rec = encode_record(kind, payload)
        with self._lock:
            self._pending.append(rec)
            self._pending_count += 1

    def flush(self) -> int:
        """Write and fsync everything queued; returns the records now on disk."""
        with self._io_lock:
            if self._error is None:
                with self._lock:
                    data, n = b"".join(self._pending), self._pending_count
                    self._pending, self._pending_count = [], 0
                if data:
                    try:
                        _write_all(self._fd, data)
                        os.fsync(self._fd)
                    except OSError as exc:
                        self._error = exc
                    else:
                        self.records_written += n
                        if self.on_flush is not None:
                            self.on_flush(self.records_written)
        self._check_error_only()
        return self.records_written

    def _check_error_only(self) -> None:
        if self._error is not None:
            self._check()

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait(self.flush_interval)
            if self._closed:
                return
            try:
                self.flush()
            except RecordingError:
                return  # kept in self._error; the recorder sees it on its next call

    def close(self) -> None:
        """Flush what is queued and close the file (idempotent)."""
        if self._closed:
            return
        try:
            self.flush()
        finally:
            self._closed = True
            self._wake.set()
            self._thread.join(timeout=5.0)
            os.close(self._fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass
class Journal:
    """A journal as read back: ``meta``, records ``(kind, payload)`` in order,
    ``valid_bytes`` (the length of the intact prefix), ``truncated`` (a torn or
    corrupt record followed it) and ``ended`` (the take was stopped cleanly)."""

    path: Path
    meta: dict[str, Any]
    records: list[tuple[int, bytes]] = field(default_factory=list)
    valid_bytes: int = 0
    truncated: bool = False

    @property
    def ended(self) -> bool:
        return any(k == KIND_END for k, _ in self.records)

    def of_kind(self, kind: int) -> Iterator[bytes]:
        return (p for k, p in self.records if k == kind)

    def ticks(self) -> list[tuple[int, float]]:
        return [decode_tick(p) for p in self.of_kind(KIND_FRAME)]

    def cameras(self) -> list[CameraSample]:
        return [decode_camera(p) for p in self.of_kind(KIND_CAMERA)]

    def joints(self) -> list[tuple[int, FrameJoints]]:
        """(frame index, joints) of every ``J`` record (a malformed one is skipped)."""
        out = []
        for p in self.of_kind(KIND_JOINTS):
            try:
                out.append(decode_joints(p))
            except JournalError:
                continue
        return out

    def marks(self) -> list[dict[str, Any]]:
        return [decode_mark(p) for p in self.of_kind(KIND_MARK)]


def read_journal(path: str | Path) -> Journal:
    """Read a journal; stops at the first torn or corrupt record (``truncated``)."""
    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"journal {path} does not exist")
    data = path.read_bytes()
    f = io.BytesIO(data)
    meta = read_header(f, str(path), MAGIC, VERSION, ("take journal", "journal"), JournalError)
    pos = f.tell()
    journal = Journal(path, meta, valid_bytes=pos)
    while pos < len(data):
        if pos + _REC.size > len(data):
            journal.truncated = True
            break
        kind, n, crc = _REC.unpack_from(data, pos)
        start, end = pos + _REC.size, pos + _REC.size + n
        if kind not in KINDS or n > MAX_PAYLOAD or end > len(data):
            journal.truncated = True
            break
        payload = data[start:end]
        if zlib.crc32(payload, zlib.crc32(bytes((kind,)))) != crc:
            journal.truncated = True
            break
        journal.records.append((kind, payload))
        pos = journal.valid_bytes = end
    return journal


def truncate_torn_tail(path: str | Path) -> Journal:
    """Read a journal and cut a torn or corrupt tail off the file; returns what is kept."""
    journal = read_journal(path)
    if journal.truncated:
        with open(journal.path, "r+b") as f:
            f.truncate(journal.valid_bytes)
            f.flush()
            os.fsync(f.fileno())
        journal.truncated = False
    return journal

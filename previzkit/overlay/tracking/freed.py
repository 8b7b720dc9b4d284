"""FreeD D1: the camera-tracking packet of on-set trackers (Vinten, Mo-Sys, Stype, ...).

A D1 message is 29 bytes, big-endian::

    0      0xD1 (message type)
    1      camera id
    2-4    pan    24-bit signed, 1/32768 degree (15 fractional bits)
    5-7    tilt   24-bit signed, 1/32768 degree
    8-10   roll   24-bit signed, 1/32768 degree
    11-13  X      24-bit signed, 1/64 mm
    14-16  Y      24-bit signed, 1/64 mm
    17-19  Z      24-bit signed, 1/64 mm (height)
    20-22  zoom   24-bit unsigned, lens encoder counts
    23-25  focus  24-bit unsigned, lens encoder counts
    26-27  spare (user defined)
    28     checksum = (0x40 - sum of bytes 0-27) mod 256

Conversion to previzkit's set frame (metres, right-handed, y up, camera looks down -z):
FreeD X is set x, FreeD Y (the studio's forward axis) is set -z, FreeD Z (height) is
set y. Pan turns right (clockwise seen from above), tilt up, roll clockwise as seen
from behind the camera; pan 0 / tilt 0 looks along FreeD +Y (set -z). So
``R = Ry(-pan) @ Rx(tilt) @ Rz(-roll)``. Zoom and focus encoder counts map to focal
length (mm) and focus distance (m) through a :class:`LensTable` measured for the lens.

:class:`FreeDReceiver` listens on UDP in its own thread, keeps the latest good packet
per camera, and counts packets, bad checksums and wrong-length datagrams (dropped).
"""

from __future__ import annotations

import itertools
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from previzkit.core.errors import TrackingError
from previzkit.core.geometry import axis_rotation, quat_from_matrix

PACKET_SIZE = 29
MSG_D1 = 0xD1
ANGLE_SCALE = 32768.0  # units per degree
POS_SCALE = 64.0  # units per mm
HISTORY = 256  # packets kept per camera for delayed look-ups (~4 s at 60 Hz)


@dataclass(frozen=True)
class FreeDPacket:
    """One decoded D1 message: angles in degrees, position in millimetres (FreeD's
    axes), zoom/focus raw encoder counts, ``spare`` the two user bytes."""

    camera_id: int
    pan: float
    tilt: float
    roll: float
    x: float
    y: float
    z: float
    zoom: int
    focus: int
    spare: int = 0

    def position_m(self) -> tuple[float, float, float]:
        """Position in the set frame (metres, y up): (X, Z, -Y) / 1000."""
        return (self.x / 1000.0, self.z / 1000.0, -self.y / 1000.0)

    def rotation(self) -> np.ndarray:
        """Camera-to-world rotation (3, 3) in the set frame (see module doc)."""
        return (
            axis_rotation(1, -math.radians(self.pan))
            @ axis_rotation(0, math.radians(self.tilt))
            @ axis_rotation(2, -math.radians(self.roll))
        )

    def camera_to_world(self) -> np.ndarray:
        """4x4 camera-to-world matrix in the set frame (metres)."""
        m = np.eye(4)
        m[:3, :3] = self.rotation()
        m[:3, 3] = self.position_m()
        return m

    def orientation(self) -> tuple[float, float, float, float]:
        """Camera-to-world quaternion (x, y, z, w)."""
        return quat_from_matrix(self.rotation())

    @classmethod
    def from_camera_to_world(
        cls, m: np.ndarray, camera_id: int = 0, zoom: int = 0, focus: int = 0
    ) -> FreeDPacket:
        """The packet of a camera-to-world 4x4 (set frame, metres): the inverse of
        :meth:`camera_to_world` (tilt within +-90 degrees)."""
        r = np.asarray(m, np.float64)[:3, :3]
        pan = -math.degrees(math.atan2(r[0, 2], r[2, 2]))
        tilt = math.degrees(math.asin(max(-1.0, min(1.0, -r[1, 2]))))
        roll = -math.degrees(math.atan2(r[1, 0], r[1, 1]))
        x, y, z = (float(v) * 1000.0 for v in np.asarray(m)[:3, 3])
        return cls(camera_id, pan, tilt, roll, x, -z, y, zoom, focus)


def checksum(data: bytes) -> int:
    """FreeD checksum of bytes 0-27: (0x40 - their sum) mod 256."""
    return (0x40 - sum(data[:28])) % 256


def _s24(b: bytes) -> int:
    v = (b[0] << 16) | (b[1] << 8) | b[2]
    return v - (1 << 24) if v & 0x800000 else v


def _u24(b: bytes) -> int:
    return (b[0] << 16) | (b[1] << 8) | b[2]


def _pack24(v: int, signed: bool, name: str) -> bytes:
    lo, hi = (-(1 << 23), (1 << 23) - 1) if signed else (0, (1 << 24) - 1)
    if not lo <= v <= hi:
        raise TrackingError(f"FreeD {name} {v} does not fit 24 bits")
    return (v & 0xFFFFFF).to_bytes(3, "big")


def decode(data: bytes) -> FreeDPacket:
    """Decode one D1 message; :class:`TrackingError` names a wrong length, type or checksum."""
    if len(data) != PACKET_SIZE:
        raise TrackingError(f"FreeD packet: {len(data)} bytes, a D1 message has {PACKET_SIZE}")
    if data[0] != MSG_D1:
        raise TrackingError(f"FreeD packet: message type 0x{data[0]:02X}, expected 0xD1")
    if checksum(data) != data[28]:
        raise TrackingError(
            f"FreeD packet: checksum 0x{data[28]:02X}, bytes 0-27 give 0x{checksum(data):02X}"
        )
    return FreeDPacket(
        camera_id=data[1],
        pan=_s24(data[2:5]) / ANGLE_SCALE,
        tilt=_s24(data[5:8]) / ANGLE_SCALE,
        roll=_s24(data[8:11]) / ANGLE_SCALE,
        x=_s24(data[11:14]) / POS_SCALE,
        y=_s24(data[14:17]) / POS_SCALE,
        z=_s24(data[17:20]) / POS_SCALE,
        zoom=_u24(data[20:23]),
        focus=_u24(data[23:26]),
        spare=int.from_bytes(data[26:28], "big"),
    )


def encode(p: FreeDPacket) -> bytes:
    """The D1 message for ``p`` (angles rounded to 1/32768 degree, positions to 1/64 mm)."""
    body = bytes((MSG_D1, p.camera_id & 0xFF))
    for name in ("pan", "tilt", "roll"):
        body += _pack24(round(getattr(p, name) * ANGLE_SCALE), True, name)
    for name in ("x", "y", "z"):
        body += _pack24(round(getattr(p, name) * POS_SCALE), True, name)
    body += _pack24(int(p.zoom), False, "zoom") + _pack24(int(p.focus), False, "focus")
    body += int(p.spare & 0xFFFF).to_bytes(2, "big")
    return body + bytes((checksum(body),))


@dataclass(frozen=True)
class LensTable:
    """Encoder counts -> lens, linear between measured points (counts ascending):
    ``zoom`` [(counts, focal_mm)], ``focus`` [(counts, focus_m)]."""

    zoom: Sequence[tuple[float, float]] = ((0, 35.0), ((1 << 24) - 1, 35.0))
    focus: Sequence[tuple[float, float]] = ((0, 3.0), ((1 << 24) - 1, 3.0))

    def __post_init__(self) -> None:
        for name in ("zoom", "focus"):
            pts = getattr(self, name)
            xs = [p[0] for p in pts]
            if not all(math.isfinite(v) for p in pts for v in p[:2]):
                raise TrackingError(f"lens table {name}: counts and values must be finite numbers")
            if len(pts) < 2 or any(b <= a for a, b in itertools.pairwise(xs)):
                raise TrackingError(f"lens table {name}: needs >= 2 points with rising counts")
            if any(p[1] <= 0 for p in pts):
                raise TrackingError(f"lens table {name}: values must be positive")

    def focal_mm(self, zoom: int) -> float:
        xs, ys = zip(*self.zoom, strict=True)
        return float(np.interp(zoom, xs, ys))

    def focus_m(self, focus: int) -> float:
        xs, ys = zip(*self.focus, strict=True)
        return float(np.interp(focus, xs, ys))

    def lens(self, p: FreeDPacket, sensor_mm: tuple[float, float] = (24.89, 18.66)):
        """A :class:`previzkit.model.camera.Lens` for packet ``p``."""
        from previzkit.model.camera import Lens

        return Lens(self.focal_mm(p.zoom), sensor_mm[0], sensor_mm[1], self.focus_m(p.focus))


def load_lens_table(path: str | Path) -> tuple[LensTable, tuple[float, float]]:
    """Read a lens table YAML: ``zoom: [[counts, focal_mm], ...]``, ``focus: [[counts,
    focus_m], ...]``, optional ``sensor_mm: [width, height]``; returns (table, sensor)."""
    import yaml

    from previzkit.core.errors import MissingFileError
    from previzkit.core.yaml_numbers import with_yaml12_floats

    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"lens table {path} does not exist")
    try:
        text = path.read_text(encoding="utf-8")
        doc = yaml.load(text, Loader=with_yaml12_floats(yaml.SafeLoader)) or {}
        table = LensTable(
            zoom=[(float(a), float(b)) for a, b in doc.get("zoom", LensTable.zoom)],
            focus=[(float(a), float(b)) for a, b in doc.get("focus", LensTable.focus)],
        )
        w, h = doc.get("sensor_mm", (24.89, 18.66))
        sensor = (float(w), float(h))
        if not all(math.isfinite(v) and v > 0 for v in sensor):
            raise TrackingError(f"sensor_mm must be two numbers > 0, got {[w, h]}")
    except TrackingError as exc:
        raise TrackingError(f"lens table {path}: {exc}") from None
    except (yaml.YAMLError, AttributeError, TypeError, ValueError) as exc:
        raise TrackingError(f"lens table {path}: malformed ({exc})") from None
    return table, sensor


def parse_udp_url(url: str) -> tuple[str, int]:
    """``udp://HOST:PORT`` -> (host, port)."""
    u = urlparse(url)
    if u.scheme != "udp" or not u.hostname or u.port is None:
        raise TrackingError(f"FreeD address {url!r}: expected udp://HOST:PORT")
    return u.hostname, u.port


@dataclass
class ReceiverStats:
    """Counters of a :class:`FreeDReceiver`."""

    packets: int = 0  # good D1 messages
    bad_checksum: int = 0
    bad_length: int = 0
    bad_type: int = 0
    per_camera: dict[int, int] = field(default_factory=dict)


class FreeDReceiver:
    """Receive D1 messages on UDP in a daemon thread; :meth:`latest` gives the newest
    good packet (per camera id) with its arrival time (``clock()``, default
    ``time.monotonic()``).

    ``FreeDReceiver("udp://0.0.0.0:40000")`` or (host, port); port 0 picks a free
    port (see :attr:`address`). Bad packets are counted in :attr:`stats` and dropped.
    ``clock`` stamps arrivals (seconds; the plate's consumers read the same one).
    """

    def __init__(
        self, address: str | tuple[str, int], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.clock = clock
        host, port = parse_udp_url(address) if isinstance(address, str) else address
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            self._sock.bind((host, int(port)))
        except OSError as exc:
            self._sock.close()
            raise TrackingError(f"FreeD receiver: cannot bind udp://{host}:{port} ({exc})") from exc
        self._sock.settimeout(0.1)
        self.address: tuple[str, int] = self._sock.getsockname()
        self.stats = ReceiverStats()
        self._latest: dict[int, tuple[FreeDPacket, float]] = {}
        self._history: dict[int, deque[tuple[FreeDPacket, float]]] = {}
        self._lock = threading.Lock()
        self._new = threading.Condition(self._lock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="freed-rx", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self._sock.recv(2048)
            except TimeoutError:
                continue
            except OSError:
                return
            now = self.clock()
            with self._lock:
                if len(data) != PACKET_SIZE:
                    self.stats.bad_length += 1
                elif data[0] != MSG_D1:
                    self.stats.bad_type += 1
                elif checksum(data) != data[28]:
                    self.stats.bad_checksum += 1
                else:
                    p = decode(data)
                    self.stats.packets += 1
                    self.stats.per_camera[p.camera_id] = (
                        self.stats.per_camera.get(p.camera_id, 0) + 1
                    )
                    self._latest[p.camera_id] = (p, now)
                    self._history.setdefault(p.camera_id, deque(maxlen=HISTORY)).append((p, now))
                self._new.notify_all()

    def latest(
        self, camera_id: int | None = None, before: float | None = None
    ) -> tuple[FreeDPacket, float] | None:
        """The newest good packet (of ``camera_id``, or of any camera) and its arrival
        time (``clock()``); with ``before``, the newest that arrived at or
        before that time (the oldest kept when all are newer), to line tracking up with
        a plate that reaches the computer later than the tracker's packets."""
        with self._lock:
            if before is None:
                if camera_id is not None:
                    return self._latest.get(camera_id)
                return max(self._latest.values(), key=lambda v: v[1], default=None)
            ids = [camera_id] if camera_id is not None else list(self._history)
            best = None
            for cid in ids:
                hist = self._history.get(cid)
                if not hist:
                    continue
                pick = hist[0]
                for item in hist:
                    if item[1] <= before:
                        pick = item
                    else:
                        break
                if best is None or pick[1] > best[1]:
                    best = pick
            return best

    def history(
        self, camera_id: int | None = None, since: float | None = None
    ) -> list[tuple[FreeDPacket, float]]:
        """The kept packets (of ``camera_id``, or of the camera heard last) with their
        arrival times, oldest first; with ``since``, only those that arrived after it."""
        with self._lock:
            if camera_id is None:
                newest = max(self._latest.values(), key=lambda v: v[1], default=None)
                if newest is None:
                    return []
                camera_id = newest[0].camera_id
            hist = self._history.get(camera_id, ())
            return [x for x in hist if since is None or x[1] > since]

    def wait(self, count: int, timeout: float = 5.0) -> bool:
        """Block until :attr:`stats` has seen ``count`` datagrams in all (good or bad)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._seen() < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._new.wait(min(left, 0.05))
            return True

    def _seen(self) -> int:
        s = self.stats
        return s.packets + s.bad_checksum + s.bad_length + s.bad_type

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)
        self._sock.close()

    def __enter__(self) -> FreeDReceiver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

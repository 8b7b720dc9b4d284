"""The set state shared between views over pyzmq (a director's headset, an operator's
overlay, a desktop, on one machine or several).

Each view binds one XPUB socket (its edits go out there) and connects one SUB socket
to every other view's address. When a view subscribes, the XPUB side sees it and sends
it a snapshot of every edited object, so a view joining late (or a message lost before
the subscription took effect) still converges; :class:`~previzkit.stage.state.SetState`
makes replays and out-of-order edits harmless (last writer wins per object).

Schema v2, two frames: topic ``state/<set name>`` and a msgpack map
``{"schema": "previzkit.setstate", "v": 2, "op", ...}``. ``op`` "edit", "add" or
"delete" carries one :class:`~previzkit.stage.state.Edit` (``key``, ``fields``,
``clock``, ``writer``, ``wall``); "save" asks every view that was given a set file to
save (``on_save``); "presence" carries where a user is (``writer``, ``name``,
``head``, ``left``, ``right``: 16 numbers, a row-major 4x4 to-world matrix, or nil;
``wall``), to draw the other users as avatars. v1 had only "edit" and "save".
Malformed or foreign messages are counted and dropped: nothing a peer sends raises
out of :meth:`StateSync.poll`.

CurveZMQ (``curve_secret`` and ``curve_clients``, ``--share-secret`` and
``--share-clients``): each view has its own key pair (``previzkit keys generate``). Its
share port is a CurveZMQ server with its secret key that accepts only the public keys in
its clients folder; its SUB socket connects to each peer as a client with the same key
pair, trusting only the server key named with the peer (``ADDRESS=PEER.key``). A plain
peer, a key not on the list and an impostor server are refused by ZeroMQ and logged
(:class:`~previzkit.capture.auth_log.HandshakeLog`).

All sockets are used from the thread that calls :meth:`StateSync.poll` (the render
thread; a poll is non-blocking).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from previzkit.capture.droplog import DropLog
from previzkit.core.errors import InputError, PrevizError
from previzkit.core.optional import require
from previzkit.core.types import Mat4
from previzkit.stage.state import OPS, Edit, SetState

log = logging.getLogger(__name__)

SCHEMA = "previzkit.setstate"
VERSION = 2
PRESENCE_MAX_AGE_S = 2.0
MAX_MESSAGE_BYTES = 65536  # ZMQ_MAXMSGSIZE of the SUB socket: one edit is < 1 KiB
MAX_SUBSCRIPTION_BYTES = 4096  # ZMQ_MAXMSGSIZE of the XPUB socket (subscriptions)
MAX_CLOCK = 2**53  # Lamport clocks: integers exact as floats; beyond is hostile
MAX_ID_CHARS = 256  # keys, writers, presence names
SNAPSHOT_INTERVAL_S = 0.5  # at most one snapshot per this, however many subscribe
PEER_SNAPSHOT_INTERVAL_S = 5.0  # at most one snapshot per this asked by one subscriber
SUBSCRIPTIONS_PER_POLL = 256  # subscription messages read per poll (the rest wait)
SUBSCRIPTION_HWM = 16  # subscription messages queued per connection to the share port
# physical ranges of the numbers a peer may set (units as in previzkit.stage.state)
RANGES: dict[str, tuple[float, float]] = {
    "focal_mm": (1.0, 5000.0),
    "sensor_width_mm": (1.0, 100.0),
    "sensor_height_mm": (1.0, 100.0),
    "focus_m": (0.01, 1e6),
    "position": (-1e5, 1e5),  # metres
    "scale": (1e-4, 1e4),
    "yaw_deg": (-1e6, 1e6),
}


@dataclass(frozen=True)
class Presence:
    """Where another view's user is: ``head``, ``left`` and ``right`` hand 4x4
    to-world matrices (set frame, metres; None when not tracked), ``wall`` the
    wall-clock time (s) it was sent."""

    writer: str
    name: str
    head: Mat4
    left: Mat4 | None
    right: Mat4 | None
    wall: float


def live_presences(
    presences: dict[str, Presence], now: float, max_age: float = PRESENCE_MAX_AGE_S
) -> list[Presence]:
    """The presences sent less than ``max_age`` s before ``now`` (wall-clock s)."""
    return [p for p in presences.values() if now - p.wall < max_age]


@dataclass
class SyncStats:
    sent: int = 0
    received: int = 0
    applied: int = 0
    stale: int = 0  # older than what we had (replays, snapshots)
    malformed: int = 0
    foreign: int = 0
    snapshots: int = 0
    subscriptions: int = 0  # subscribe messages seen on the share port
    save_failed: int = 0  # saves asked for that raised (logged, the view goes on)


def share_address(share: str | None, authenticated: bool = False) -> str:
    """The address ``--share`` binds: a bare port binds loopback, an address is used as
    given, none (``--peer`` only) a random loopback port. A wildcard (``*``,
    ``0.0.0.0``) is logged unless ``authenticated`` (CurveZMQ on)."""
    if share is None or not share.strip():
        return "tcp://127.0.0.1:0"
    share = share.strip()
    if share.isdigit():
        if not 0 <= int(share) <= 65535:
            raise InputError(f"--share {share}: a port is 0..65535")
        return f"tcp://127.0.0.1:{int(share)}"
    if "://" not in share:
        raise InputError(
            f"--share {share!r}: expected a port (5560) or an address (tcp://10.0.0.5:5560)"
        )
    host = share.split("://", 1)[1].rsplit(":", 1)[0]
    if host in ("*", "0.0.0.0", "[::]", "::") and not authenticated:
        log.warning(
            "set state shared on every interface (%s), without authentication: "
            "name the stage network's interface, or use --share-secret/--share-clients",
            share,
        )
    return share


def parse_peer(peer: str) -> tuple[str, Path | None]:
    """``ADDRESS`` or ``ADDRESS=PEER.key`` (the peer's public key, for CurveZMQ) as
    (address, key file or None)."""
    address, sep, key = peer.strip().partition("=")
    if "://" not in address or (sep and not key.strip()):
        raise InputError(
            f"--peer {peer!r}: expected an address (tcp://10.0.0.6:5560), with CurveZMQ "
            "followed by =PEER.key (that view's public key file)"
        )
    return address, Path(key.strip()) if sep else None


def check_share_keys(
    curve_secret: str | Path | None, curve_clients: str | Path | None, peers: list[str]
) -> list[tuple[str, Path | None]]:
    """The peers parsed (:func:`parse_peer`), refused unless the keys go together: both
    ``--share-secret`` and ``--share-clients`` or neither; with them every ``--peer``
    names its key, without them none does."""
    if (curve_secret is None) != (curve_clients is None):
        raise InputError(
            "set state: CurveZMQ needs both --share-secret (this view's .key_secret) "
            "and --share-clients (the folder of the public keys of the views it accepts)"
        )
    parsed = [parse_peer(p) for p in peers]
    for peer, (address, key) in zip(peers, parsed, strict=True):
        if curve_secret is not None and key is None:
            raise InputError(
                f"--peer {peer!r}: with --share-secret, name the peer's public key: "
                f"{address}=PEER.key"
            )
        if curve_secret is None and key is not None:
            raise InputError(
                f"--peer {peer!r}: a peer key needs --share-secret and --share-clients"
            )
    return parsed


def _subscriber(frame: Any, zmq: Any) -> str:
    """Who sent a subscription: its CurveZMQ public key (``User-Id``) or, without keys,
    its IP address (every connection from one machine counts as one subscriber)."""
    for prop in ("User-Id", "Peer-Address"):
        try:
            return f"{prop}:{frame.get(prop)}"
        except zmq.ZMQError:
            continue
    return "?"


def _pack(set_name: str, body: dict[str, Any]) -> list[bytes]:
    msgpack = require("msgpack", "stage", "the shared set state")

    return [f"state/{set_name}".encode(), msgpack.packb(body, use_bin_type=True)]


def _matrix(m: Any, what: str) -> list[float] | None:
    if m is None:
        return None
    a = np.asarray(m, dtype=np.float64)
    if a.shape != (4, 4) or not np.all(np.isfinite(a)):
        raise InputError(f"set state presence: {what} must be a finite 4x4 matrix, got {a.shape}")
    return [float(x) for x in a.reshape(-1)]


def encode_presence(
    set_name: str,
    writer: str,
    head: Mat4,
    left: Mat4 | None = None,
    right: Mat4 | None = None,
    name: str = "",
    wall: float | None = None,
) -> list[bytes]:
    """A presence message (see the module docstring)."""
    body = {
        "schema": SCHEMA,
        "v": VERSION,
        "op": "presence",
        "writer": writer,
        "name": name,
        "head": _matrix(head, "head"),
        "left": _matrix(left, "left"),
        "right": _matrix(right, "right"),
        "wall": time.time() if wall is None else float(wall),
    }
    return _pack(set_name, body)


def encode_edit(set_name: str, edit: Edit, op: str | None = None) -> list[bytes]:
    """An edit message; ``op`` defaults to the edit's own ("save" for save requests)."""
    body = {
        "schema": SCHEMA,
        "v": VERSION,
        "op": op or edit.op,
        "key": edit.key,
        "fields": edit.fields,
        "clock": edit.clock,
        "writer": edit.writer,
        "wall": edit.wall,
    }
    return _pack(set_name, body)


def decode_edit(frames: list[bytes]) -> tuple[str, Edit]:
    """(op, Edit) of an edit or save message; InputError naming what is wrong."""
    op, item = decode(frames)
    if not isinstance(item, Edit):
        raise InputError(f"set state message: op {op!r} is not an edit")
    return op, item


def _presence_matrix(v: Any, what: str, optional: bool = True) -> Mat4 | None:
    if v is None and optional:
        return None
    a = np.asarray(v, dtype=np.float64)
    if a.shape != (16,) or not np.all(np.isfinite(a)):
        raise InputError(f"set state message: presence {what}: expected 16 finite numbers")
    return a.reshape(4, 4)


def decode(frames: list[bytes]) -> tuple[str, Edit | Presence]:
    """(op, Edit or Presence) of a message; InputError naming what is wrong
    (``foreign`` in the message for another schema or version)."""
    msgpack = require("msgpack", "stage", "the shared set state")

    if len(frames) != 2:
        raise InputError(f"set state message: {len(frames)} frames, expected 2")
    try:
        body = msgpack.unpackb(frames[1], raw=False)
    except Exception as exc:  # msgpack raises several types
        raise InputError(f"set state message: not msgpack ({exc})") from None
    if not isinstance(body, dict):
        raise InputError("set state message: payload is not a map")
    if body.get("schema") != SCHEMA:
        raise InputError(f"set state message: foreign schema {body.get('schema')!r}")
    if body.get("v") != VERSION:
        raise InputError(
            f"set state message: foreign version {body.get('v')!r} (this reads {VERSION})"
        )
    op = body.get("op")
    if op not in (*OPS, "save", "presence"):
        raise InputError(f"set state message: unknown op {op!r}")
    try:
        writer = _text(body["writer"], "writer")
        wall = _finite(body.get("wall", 0.0), "wall")
        if op == "presence":
            head = _presence_matrix(body["head"], "head", optional=False)
            assert head is not None
            return op, Presence(
                writer,
                _text(body.get("name") or "", "name"),
                head,
                _presence_matrix(body.get("left"), "left"),
                _presence_matrix(body.get("right"), "right"),
                wall,
            )
        fields = body["fields"]
        if not isinstance(fields, dict):
            raise TypeError(f"fields is {type(fields).__name__}, not a map")
        clock = body["clock"]
        if not isinstance(clock, int) or isinstance(clock, bool) or not 0 <= clock <= MAX_CLOCK:
            raise ValueError(f"clock {clock!r} is not an integer in [0, 2**53]")
        key = _text(body["key"], "key")
        _check_ranges(key, fields)
        e = Edit(key, dict(fields), clock, writer, wall, "edit" if op == "save" else str(op))
    except InputError:
        raise
    except Exception as exc:  # KeyError, TypeError, ValueError, OverflowError...
        raise InputError(f"set state message: bad field ({exc})") from None
    return op, e


def _text(v: Any, what: str) -> str:
    if not isinstance(v, str) or len(v) > MAX_ID_CHARS:
        raise ValueError(f"{what} is not a string of at most {MAX_ID_CHARS} characters")
    return v


def _finite(v: Any, what: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise ValueError(f"{what} {v!r} is not a finite number")
    return float(v)


def _check_ranges(key: str, fields: dict[Any, Any]) -> None:
    """Numbers a peer sets lie in :data:`RANGES` (physical units); the types and the
    rest are checked by :func:`previzkit.stage.state.check_fields` on merge."""
    for f, (lo, hi) in RANGES.items():
        if f not in fields:
            continue
        try:
            a = np.asarray(fields[f], dtype=np.float64)
        except (TypeError, ValueError, OverflowError):
            continue  # not numbers: check_fields names it
        if a.dtype.kind == "f" and a.size and not (np.all(a >= lo) and np.all(a <= hi)):
            raise InputError(f"set state message: {key}.{f} outside [{lo:g}, {hi:g}]")


class StateSync:
    """Shares ``state`` with the views at ``peers``; binds ``bind`` for theirs.

    ``bind`` may use port 0 (``tcp://127.0.0.1:0``): :attr:`endpoint` says the port.
    ``on_save()`` is called when any view asks for the set file to be saved.
    :attr:`presences` holds the newest presence of every other view (by writer).
    ``curve_secret`` (this view's .key_secret) and ``curve_clients`` (a folder of the
    public keys it accepts) turn on CurveZMQ; each peer is then ``ADDRESS=PEER.key``
    (see the module docstring). :attr:`handshakes` (share port) and
    :attr:`peer_handshakes` (SUB) count accepted and refused handshakes.
    """

    def __init__(
        self,
        state: SetState,
        set_name: str,
        bind: str = "tcp://127.0.0.1:5560",
        peers: list[str] | None = None,
        on_save: Callable[[], None] | None = None,
        curve_secret: str | Path | None = None,
        curve_clients: str | Path | None = None,
    ) -> None:
        zmq = require("zmq", "stage", "the shared set state")

        parsed = check_share_keys(curve_secret, curve_clients, peers or [])
        self.state = state
        self.set_name = set_name
        self.topic = f"state/{set_name}".encode()
        self.on_save = on_save
        self.stats = SyncStats()
        self.last_applied: list[tuple[Edit, float]] = []  # (edit, wall time applied here)
        self.presences: dict[str, Presence] = {}
        # CurveZMQ: a context of our own, as a context has one ZAP authenticator
        self._own_ctx = curve_secret is not None
        self._ctx = zmq.Context() if self._own_ctx else zmq.Context.instance()
        self._auth: Any = None
        self.handshakes: Any = None  # HandshakeLogs with CurveZMQ
        self.peer_handshakes: Any = None
        self._curve_secret = curve_secret
        self._pub = self._ctx.socket(zmq.XPUB)
        self._pub.setsockopt(zmq.LINGER, 200)
        self._pub.setsockopt(zmq.XPUB_VERBOSE, 1)  # see every subscribe, not only the first
        self._pub.setsockopt(zmq.MAXMSGSIZE, MAX_SUBSCRIPTION_BYTES)
        self._pub.setsockopt(zmq.RCVHWM, SUBSCRIPTION_HWM)  # bounds a flood per poll
        self._sub = self._ctx.socket(zmq.SUB)
        self._sub.setsockopt(zmq.LINGER, 0)
        self._sub.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        self._droplog = DropLog(log, "set state")
        self._next_snapshot = 0.0  # monotonic s before which no snapshot is sent
        # subscribers (CurveZMQ key, else IP address) waiting for a snapshot; when each
        # may have its next one (monotonic s)
        self._snapshot_due: set[str] = set()
        self._peer_next: dict[str, float] = {}
        self._sub.setsockopt(zmq.SUBSCRIBE, self.topic)
        self.peers: list[str] = []
        try:
            if curve_secret is not None:
                self._start_curve(curve_secret, curve_clients)
            try:
                self._pub.bind(bind)
            except zmq.ZMQError as exc:
                raise InputError(f"set state: cannot bind {bind!r}: {exc}") from None
            for address, key in parsed:
                self.connect(address, key)
        except BaseException:
            self.close()
            raise

    def _start_curve(self, secret: str | Path, clients: str | Path | None) -> None:
        """The share port a CurveZMQ server accepting ``clients``; both sockets logged."""
        from previzkit.capture.auth_log import HandshakeLog
        from previzkit.capture.keys import curve_server

        self._auth = curve_server(self._ctx, self._pub, secret, clients)
        self.handshakes = HandshakeLog(self._pub, "publisher", "set state", log)
        self.peer_handshakes = HandshakeLog(self._sub, "subscriber", "set state", log)

    @property
    def endpoint(self) -> str:
        zmq = require("zmq", "stage", "the shared set state")

        return self._pub.getsockopt_string(zmq.LAST_ENDPOINT)

    def connect(self, address: str, server_key: str | Path | None = None) -> None:
        """Subscribe to the view sharing on ``address``; with CurveZMQ, ``server_key`` is
        that view's public key file (its server must prove it)."""
        zmq = require("zmq", "stage", "the shared set state")

        if (server_key is None) != (self._curve_secret is None):
            raise InputError(
                f"set state: peer {address!r}: "
                + ("name its public key" if server_key is None else "a key needs CurveZMQ on")
            )
        if server_key is not None:
            from previzkit.capture.keys import curve_client

            assert self._curve_secret is not None
            curve_client(self._sub, self._curve_secret, server_key)  # for this connect
        try:
            self._sub.connect(address)
        except zmq.ZMQError as exc:
            raise InputError(f"set state: cannot connect to peer {address!r}: {exc}") from None
        self.peers.append(address)

    def _send(self, edit: Edit, op: str | None = None) -> None:
        self._pub.send_multipart(encode_edit(self.set_name, edit, op))
        self.stats.sent += 1

    def send(self, edits: list[Edit]) -> list[Edit]:
        """Send changes already made to :attr:`state` (undo/redo's) to every view."""
        for e in edits:
            self._send(e)
        return edits

    def edit(self, key: str, group: str | None = None, **fields: Any) -> Edit:
        """Change an object here and send it to every view."""
        e = self.state.edit(key, group, **fields)
        self._send(e)
        return e

    def add(self, key: str, group: str | None = None, **fields: Any) -> Edit:
        """Add an object here and in every view."""
        e = self.state.add(key, group, **fields)
        self._send(e)
        return e

    def delete(self, key: str, group: str | None = None) -> Edit:
        """Delete an object here and in every view."""
        e = self.state.delete(key, group)
        self._send(e)
        return e

    def undo(self) -> list[Edit]:
        """Undo this view's last change everywhere."""
        return self.send(self.state.undo())

    def redo(self) -> list[Edit]:
        """Redo the last undone change everywhere."""
        return self.send(self.state.redo())

    def send_presence(
        self, head: Mat4, left: Mat4 | None = None, right: Mat4 | None = None, name: str = ""
    ) -> None:
        """Tell the other views where this user's head and hands are (4x4 to-world)."""
        msg = encode_presence(self.set_name, self.state.writer, head, left, right, name)
        self._pub.send_multipart(msg)

    def live_presences(self, now: float | None = None) -> list[Presence]:
        """The other users seen in the last 2 s (older presences are dropped)."""
        now = time.time() if now is None else now
        live = live_presences(self.presences, now)
        self.presences = {p.writer: p for p in live}
        return live

    def request_save(self) -> None:
        """Ask every view (this one too) that holds a set file to save it."""
        self._send(Edit("save", {}, self.state.clock, self.state.writer, time.time()), "save")
        self._save()

    def poll(self, timeout: float = 0.0) -> list[Edit]:
        """Handle new subscribers (send them a snapshot) and apply edits that arrived;
        returns the edits applied. Waits at most ``timeout`` s for the first message."""
        zmq = require("zmq", "stage", "the shared set state")

        self._serve_subscriptions(zmq)
        applied: list[Edit] = []
        wait = int(timeout * 1000)
        while self._sub.poll(wait, zmq.POLLIN):
            wait = 0
            frames = self._sub.recv_multipart()
            if frames[0] != self.topic:
                continue  # another set whose name starts like ours
            try:
                done = self._handle(frames)
            except Exception as exc:  # a peer's bad message never stops this view
                if isinstance(exc, InputError) and "foreign" in str(exc):
                    self.stats.foreign += 1
                else:
                    self.stats.malformed += 1
                self._droplog.dropped(exc, error=not isinstance(exc, PrevizError))
                continue
            if done is not None:
                applied.append(done)
        return applied

    def _serve_subscriptions(self, zmq: Any) -> None:
        """Read up to :data:`SUBSCRIPTIONS_PER_POLL` subscribe messages; answer them
        with one snapshot, at most one per :data:`SNAPSHOT_INTERVAL_S` in all and one per
        :data:`PEER_SNAPSHOT_INTERVAL_S` asked by one subscriber (its CurveZMQ key, else
        its IP address: ZeroMQ's message metadata). A subscriber that floods gets one
        snapshot per 5 s and delays no other's; one asking again early waits, never
        loses its snapshot."""
        for _ in range(SUBSCRIPTIONS_PER_POLL):
            if not self._pub.poll(0, zmq.POLLIN):
                break
            frame = self._pub.recv(copy=False)
            msg = frame.bytes
            if msg[:1] == b"\x01" and self.topic.startswith(msg[1:]):
                self.stats.subscriptions += 1
                self._snapshot_due.add(_subscriber(frame, zmq))
        now = time.monotonic()
        if not self._snapshot_due or now < self._next_snapshot:
            return
        ready = {w for w in self._snapshot_due if self._peer_next.get(w, 0.0) <= now}
        if not ready:
            return
        for e in self.state.snapshot():
            self._send(e)
        self.stats.snapshots += 1
        self._next_snapshot = now + SNAPSHOT_INTERVAL_S
        self._snapshot_due -= ready
        self._peer_next = {w: t for w, t in self._peer_next.items() if t > now}
        self._peer_next.update(dict.fromkeys(ready, now + PEER_SNAPSHOT_INTERVAL_S))

    def _save(self) -> None:
        """Call ``on_save``; a failed save is logged and counted, never raised."""
        if self.on_save is None:
            return
        try:
            self.on_save()
        except Exception as exc:
            self.stats.save_failed += 1
            log.error("set state: save failed, view goes on: %s", exc)

    def _handle(self, frames: list[bytes]) -> Edit | None:
        """Apply one message; the edit if it changed the state."""
        op, item = decode(frames)
        self.stats.received += 1
        if item.writer == self.state.writer:
            return None  # our own edit echoed by a peer's snapshot
        if isinstance(item, Presence):
            self.presences[item.writer] = item
            return None
        if op == "save":
            self._save()
            return None
        if self.state.merge(item):
            self.stats.applied += 1
            self.last_applied.append((item, time.time()))
            del self.last_applied[:-64]
            return item
        self.stats.stale += 1
        return None

    def wait_for_peers(self, n: int | None = None, timeout: float = 5.0) -> bool:
        """Block until ``n`` views (default: every peer) subscribed to this one."""
        zmq = require("zmq", "stage", "the shared set state")

        want = len(self.peers) if n is None else n
        seen = 0
        end = time.monotonic() + timeout
        while seen < want and time.monotonic() < end:
            if self._pub.poll(50, zmq.POLLIN):
                msg = self._pub.recv()
                if msg[:1] == b"\x01" and self.topic.startswith(msg[1:]):
                    seen += 1
                    for e in self.state.snapshot():
                        self._send(e)
        return seen >= want

    def close(self) -> None:
        for h in (self.handshakes, self.peer_handshakes):
            if h is not None:
                h.close()
        self._pub.close()
        self._sub.close()
        if self._auth is not None:
            self._auth.stop()
            self._auth = None
        if self._own_ctx and not self._ctx.closed:
            self._ctx.term()

    def __enter__(self) -> StateSync:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

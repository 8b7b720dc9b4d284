"""The set state shared between views over pyzmq (a director's headset, an operator's
overlay, a desktop, on one machine or several).

Each view binds one XPUB socket (its edits go out there) and connects one SUB socket
to every other view's address. When a view subscribes, the XPUB side sees it and sends
it a snapshot of every edited object, so a view joining late (or a message lost before
the subscription took effect) still converges; :class:`~previzkit.stage.state.SetState`
makes replays and out-of-order edits harmless (last writer wins per object).

Schema v1, two frames: topic ``state/<set name>`` and a msgpack map
``{"schema": "previzkit.setstate", "v": 1, "op": "edit" | "save", "key", "fields",
"clock", "writer", "wall"}``. ``save`` asks every view that was given a set file to
save (``on_save``). Malformed or foreign messages are counted and dropped.

All sockets are used from the thread that calls :meth:`StateSync.poll` (the render
thread; a poll is non-blocking).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from previzkit.core.errors import InputError, PrevizError
from previzkit.core.optional import require
from previzkit.stage.state import Edit, SetState

log = logging.getLogger(__name__)

SCHEMA = "previzkit.setstate"
VERSION = 1


@dataclass
class SyncStats:
    sent: int = 0
    received: int = 0
    applied: int = 0
    stale: int = 0  # older than what we had (replays, snapshots)
    malformed: int = 0
    foreign: int = 0
    snapshots: int = 0


def encode_edit(set_name: str, edit: Edit, op: str = "edit") -> list[bytes]:
    msgpack = require("msgpack", "stage", "the shared set state")

    body = {
        "schema": SCHEMA,
        "v": VERSION,
        "op": op,
        "key": edit.key,
        "fields": edit.fields,
        "clock": edit.clock,
        "writer": edit.writer,
        "wall": edit.wall,
    }
    return [f"state/{set_name}".encode(), msgpack.packb(body, use_bin_type=True)]


def decode_edit(frames: list[bytes]) -> tuple[str, Edit]:
    """(op, Edit) of a message; PoseMessageError-like InputError naming what is wrong
    (``foreign`` in the message for another schema)."""
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
    try:
        op = str(body["op"])
        e = Edit(
            str(body["key"]),
            dict(body["fields"]),
            int(body["clock"]),
            str(body["writer"]),
            float(body.get("wall", 0.0)),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"set state message: bad field ({exc})") from None
    if op not in ("edit", "save"):
        raise InputError(f"set state message: unknown op {op!r}")
    return op, e


class StateSync:
    """Shares ``state`` with the views at ``peers``; binds ``bind`` for theirs.

    ``bind`` may use port 0 (``tcp://127.0.0.1:0``): :attr:`endpoint` says the port.
    ``on_save()`` is called when any view asks for the set file to be saved.
    """

    def __init__(
        self,
        state: SetState,
        set_name: str,
        bind: str = "tcp://*:5560",
        peers: list[str] | None = None,
        on_save: Callable[[], None] | None = None,
    ) -> None:
        zmq = require("zmq", "stage", "the shared set state")

        self.state = state
        self.set_name = set_name
        self.topic = f"state/{set_name}".encode()
        self.on_save = on_save
        self.stats = SyncStats()
        self.last_applied: list[tuple[Edit, float]] = []  # (edit, wall time applied here)
        self._ctx = zmq.Context.instance()
        self._pub = self._ctx.socket(zmq.XPUB)
        self._pub.setsockopt(zmq.LINGER, 200)
        self._pub.setsockopt(zmq.XPUB_VERBOSE, 1)  # see every subscribe, not only the first
        self._sub = self._ctx.socket(zmq.SUB)
        self._sub.setsockopt(zmq.LINGER, 0)
        self._sub.setsockopt(zmq.SUBSCRIBE, self.topic)
        try:
            self._pub.bind(bind)
        except zmq.ZMQError as exc:
            self.close()
            raise InputError(f"set state: cannot bind {bind!r}: {exc}") from None
        self.peers: list[str] = []
        for p in peers or []:
            self.connect(p)

    @property
    def endpoint(self) -> str:
        zmq = require("zmq", "stage", "the shared set state")

        return self._pub.getsockopt_string(zmq.LAST_ENDPOINT)

    def connect(self, address: str) -> None:
        zmq = require("zmq", "stage", "the shared set state")

        try:
            self._sub.connect(address)
        except zmq.ZMQError as exc:
            raise InputError(f"set state: cannot connect to peer {address!r}: {exc}") from None
        self.peers.append(address)

    def _send(self, edit: Edit, op: str = "edit") -> None:
        self._pub.send_multipart(encode_edit(self.set_name, edit, op))
        self.stats.sent += 1

    def edit(self, key: str, **fields) -> Edit:
        """Change an object here and send it to every view."""
        e = self.state.edit(key, **fields)
        self._send(e)
        return e

    def request_save(self) -> None:
        """Ask every view (this one too) that holds a set file to save it."""
        self._send(Edit("save", {}, self.state.clock, self.state.writer, time.time()), "save")
        if self.on_save is not None:
            self.on_save()

    def poll(self, timeout: float = 0.0) -> list[Edit]:
        """Handle new subscribers (send them a snapshot) and apply edits that arrived;
        returns the edits applied. Waits at most ``timeout`` s for the first message."""
        zmq = require("zmq", "stage", "the shared set state")

        while self._pub.poll(0, zmq.POLLIN):
            msg = self._pub.recv()
            if msg[:1] == b"\x01" and self.topic.startswith(msg[1:]):
                snap = self.state.snapshot()
                for e in snap:
                    self._send(e)
                self.stats.snapshots += 1
        applied: list[Edit] = []
        wait = int(timeout * 1000)
        while self._sub.poll(wait, zmq.POLLIN):
            wait = 0
            frames = self._sub.recv_multipart()
            if frames[0] != self.topic:
                continue  # another set whose name starts like ours
            try:
                op, e = decode_edit(frames)
            except InputError as exc:
                if "foreign" in str(exc):
                    self.stats.foreign += 1
                else:
                    self.stats.malformed += 1
                log.warning("set state: dropped: %s", exc)
                continue
            self.stats.received += 1
            if e.writer == self.state.writer:
                continue  # our own edit echoed by a peer's snapshot
            if op == "save":
                if self.on_save is not None:
                    self.on_save()
                continue
            try:
                ok = self.state.merge(e)
            except PrevizError as exc:
                self.stats.malformed += 1
                log.warning("set state: dropped an edit from %s: %s", e.writer, exc)
                continue
            if ok:
                self.stats.applied += 1
                applied.append(e)
                self.last_applied.append((e, time.time()))
                del self.last_applied[:-64]
            else:
                self.stats.stale += 1
        return applied

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
        self._pub.close()
        self._sub.close()

    def __enter__(self) -> StateSync:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Live pose stream over ZeroMQ PUB/SUB (messages: :mod:`previzkit.capture.schema`).

The publisher binds (``tcp://*:5555``) an XPUB socket, so it can also see subscribers
arrive (:meth:`PosePublisher.wait_for_subscribers`); subscribers connect and may join
late: they start counting at the first message they see per topic. Gaps in a topic's
``seq`` are counted as dropped messages and logged. Malformed or foreign messages are
counted, logged and dropped; they never raise out of :meth:`PoseSubscriber.receive`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from previzkit.capture.droplog import DropLog
from previzkit.capture.schema import (
    MAX_MESSAGE_BYTES,
    MAX_SUBSCRIPTION_BYTES,
    TOPIC_PREFIX,
    PoseMessage,
    decode,
    encode,
    topic,
)
from previzkit.core.errors import InputError, PoseMessageError, PrevizError
from previzkit.core.optional import require
from previzkit.core.types import Pose

log = logging.getLogger(__name__)


def _zmq():
    return require("zmq", "capture", "the pose stream")


class PosePublisher:
    """Publishes poses on ``address`` (bound by default), one topic per actor.

    ``hwm`` is the send high-water mark (messages queued per subscriber before ZeroMQ
    drops); at live rates the default never fills.
    """

    def __init__(
        self,
        address: str = "tcp://*:5555",
        *,
        bind: bool = True,
        hwm: int = 10000,
        curve_secret: str | Path | None = None,
        curve_clients: str | Path | None = None,
    ):
        zmq = _zmq()
        self.address = address
        self._ctx = zmq.Context.instance()
        self._sock = self._ctx.socket(zmq.XPUB if bind else zmq.PUB)
        self._sock.setsockopt(zmq.SNDHWM, hwm)
        self._sock.setsockopt(zmq.LINGER, 500)
        self._sock.setsockopt(zmq.MAXMSGSIZE, MAX_SUBSCRIPTION_BYTES)  # a peer that
        # sends more than a subscription is disconnected by ZeroMQ before it is buffered
        self._auth = None
        if curve_secret is not None:
            try:
                from previzkit.capture.keys import curve_server

                self._auth = curve_server(self._ctx, self._sock, curve_secret, curve_clients)
            except PrevizError:
                self._sock.close(0)
                raise
        try:
            if bind:
                self._sock.bind(address)
            else:
                self._sock.connect(address)
        except zmq.ZMQError as exc:
            self._sock.close(0)
            raise InputError(
                f"pose stream: cannot {'bind' if bind else 'connect'} {address!r}: {exc}"
            ) from None
        self.bound = bind
        self.handshakes = None  # a HandshakeLog (accepted/refused counts) with CurveZMQ
        if curve_secret is not None:
            from previzkit.capture.auth_log import HandshakeLog

            self.handshakes = HandshakeLog(self._sock, "publisher")
        self._seq: dict[int, int] = {}
        self.sent = 0
        self.subscriptions: set[bytes] = set()

    @property
    def endpoint(self) -> str:
        """The bound address with the real port (``tcp://*:0`` picks a free one)."""
        zmq = _zmq()
        return self._sock.getsockopt(zmq.LAST_ENDPOINT).decode()

    def _poll_subscriptions(self, timeout_ms: int = 0) -> None:
        zmq = _zmq()
        if not self.bound:
            return
        while self._sock.poll(timeout_ms, zmq.POLLIN):
            msg = self._sock.recv()
            if msg[:1] == b"\x01":
                self.subscriptions.add(msg[1:])
            elif msg[:1] == b"\x00":
                self.subscriptions.discard(msg[1:])
            timeout_ms = 0

    def wait_for_subscribers(self, n: int = 1, timeout: float = 5.0) -> bool:
        """Block until ``n`` subscriptions were seen (XPUB) or ``timeout`` s; True if so."""
        end = time.monotonic() + timeout
        while len(self.subscriptions) < n and time.monotonic() < end:
            self._poll_subscriptions(50)
        return len(self.subscriptions) >= n

    def publish(
        self, pose: Pose, *, frame: int = 0, fps: float = 30.0, size: tuple[int, int] = (0, 0)
    ) -> int:
        """Send one pose on ``pose/<actor_id>``; returns its sequence number."""
        seq = self._seq.get(pose.actor_id, 0)
        self._seq[pose.actor_id] = seq + 1
        t, payload = encode(pose, seq, frame=frame, fps=fps, wall=time.time(), size=size)
        self._sock.send_multipart([t, payload], copy=False)
        self.sent += 1
        return seq

    def publish_raw(self, frames: list[bytes]) -> None:
        """Send arbitrary frames (tests of the subscriber's robustness)."""
        self._sock.send_multipart(frames)

    def close(self) -> None:
        if self.handshakes is not None:
            self.handshakes.close()
        self._sock.close()
        if self._auth is not None:
            self._auth.stop()
            self._auth = None

    def __enter__(self) -> PosePublisher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class StreamStats:
    """What a subscriber saw: ``received`` good messages, ``dropped`` (sequence gaps),
    ``malformed`` and ``foreign`` messages discarded, per-topic last ``seq``."""

    received: int = 0
    dropped: int = 0
    malformed: int = 0
    foreign: int = 0
    last_seq: dict[bytes, int] = field(default_factory=dict)
    drops: list[tuple[bytes, int, int]] = field(default_factory=list)  # (topic, expected, got)


class PoseSubscriber:
    """Receives poses from one or more publishers.

    ``actors`` limits to those actor ids (None: every actor). ``on_drop(topic, expected,
    got)`` is called on each sequence gap (also logged). A publisher restart (``seq``
    going back) restarts that topic's count without reporting drops.
    """

    def __init__(
        self,
        address: str | list[str] = "tcp://localhost:5555",
        *,
        actors: list[int] | None = None,
        on_drop: Callable[[bytes, int, int], None] | None = None,
        rcvhwm: int = 10000,
        curve_secret: str | Path | None = None,
        curve_server: str | Path | None = None,
    ) -> None:
        zmq = _zmq()
        self._ctx = zmq.Context.instance()
        self._sock = self._ctx.socket(zmq.SUB)
        self._sock.setsockopt(zmq.RCVHWM, rcvhwm)
        self._sock.setsockopt(zmq.LINGER, 0)
        # an oversized message disconnects its sender (ZeroMQ reconnects) unbuffered
        self._sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        if (curve_secret is None) != (curve_server is None):
            raise InputError(
                "pose stream: CurveZMQ needs both curve_secret (this "
                "subscriber's .key_secret) and curve_server (the server's .key)"
            )
        if curve_secret is not None:
            from previzkit.capture.keys import curve_client

            assert curve_server is not None  # checked above: both or neither
            curve_client(self._sock, curve_secret, curve_server)
        self.handshakes = None  # a HandshakeLog (accepted/refused counts) with CurveZMQ
        if curve_secret is not None:
            from previzkit.capture.auth_log import HandshakeLog

            self.handshakes = HandshakeLog(self._sock, "subscriber")
        self.actors = None if actors is None else {int(a) for a in actors}
        self._topics = None if actors is None else {topic(a) for a in actors}
        for t in self._topics or [TOPIC_PREFIX]:
            self._sock.setsockopt(zmq.SUBSCRIBE, t)
        for a in [address] if isinstance(address, str) else address:
            try:
                self._sock.connect(a)
            except zmq.ZMQError as exc:
                if self.handshakes is not None:
                    self.handshakes.close()
                self._sock.close(0)
                raise InputError(f"pose stream: cannot connect to {a!r}: {exc}") from None
        self.stats = StreamStats()
        self.on_drop = on_drop
        self._droplog = DropLog(log, "pose stream")

    def _accept(self, frames: list[bytes]) -> PoseMessage | None:
        st = self.stats
        if len(frames) != 2:
            st.malformed += 1
            self._droplog.dropped(f"a message of {len(frames)} frames (expected 2)")
            return None
        try:
            msg = decode(frames[0], frames[1])
        except PoseMessageError as exc:
            if "foreign" in str(exc):
                st.foreign += 1
            else:
                st.malformed += 1
            self._droplog.dropped(exc)
            return None
        t = frames[0]
        if self._topics is not None and t not in self._topics:
            return None  # prefix match of another actor (pose/1 vs pose/12)
        last = st.last_seq.get(t)
        if last is not None and msg.seq > last + 1:
            gap = msg.seq - last - 1
            st.dropped += gap
            st.drops.append((t, last + 1, msg.seq))
            log.warning(
                "pose stream: %s: %d message(s) lost (seq %d..%d)",
                t.decode(),
                gap,
                last + 1,
                msg.seq - 1,
            )
            if self.on_drop is not None:
                self.on_drop(t, last + 1, msg.seq)
        elif last is not None and msg.seq <= last:
            log.info(
                "pose stream: %s: sequence restarted at %d (publisher restart)", t.decode(), msg.seq
            )
        st.last_seq[t] = msg.seq
        st.received += 1
        return msg

    def receive(self, timeout: float | None = 1.0) -> PoseMessage | None:
        """The next good message, or None after ``timeout`` s (None: wait forever).
        Bad messages in between are counted and skipped."""
        zmq = _zmq()
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            wait = -1 if end is None else max(0, int((end - time.monotonic()) * 1000))
            if not self._sock.poll(wait, zmq.POLLIN):
                return None
            try:
                frames = self._sock.recv_multipart()
            except zmq.ZMQError as exc:  # pragma: no cover - socket closed under us
                raise PrevizError(f"pose stream: receive failed: {exc}") from None
            msg = self._accept(frames)
            if msg is not None:
                return msg
            if end is not None and time.monotonic() >= end:
                return None

    def __iter__(self) -> Iterator[PoseMessage]:
        """Messages until none arrives for 1 s."""
        while (msg := self.receive(1.0)) is not None:
            yield msg

    def close(self) -> None:
        if self.handshakes is not None:
            self.handshakes.close()
        self._sock.close()

    def __enter__(self) -> PoseSubscriber:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""Log CurveZMQ handshake refusals on a server or client socket (a ZeroMQ socket
monitor): the pose stream's and the shared set state's.

ZeroMQ refuses a peer silently: a subscriber whose key is not on the publisher's allow
list, or a publisher that cannot prove the server key a subscriber expects, just never
delivers a message. :class:`HandshakeLog` watches the socket's monitor events in a
daemon thread, counts ``accepted`` and ``refused`` handshakes and logs each refusal as a
warning (on ``previzkit.capture.stream`` unless told another logger; the first, then every 50th of a kind, so a
peer retrying every 100 ms does not flood the log).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Any

from previzkit.core.optional import require

log = logging.getLogger("previzkit.capture.stream")

_WHY = {
    "publisher": {
        "auth": "its key is not on the allow list (ZAP status {value})",
        "protocol": "CurveZMQ handshake failed (wrong server key, or not using CurveZMQ)",
        "other": "CurveZMQ handshake failed (a peer without CurveZMQ, or the wrong server key)",
    },
    "subscriber": {
        "auth": "the publisher refused this subscriber's key (ZAP status {value}): "
        "add its .key file to the publisher's clients folder",
        "protocol": "CurveZMQ handshake failed (protocol error 0x{value:x})",
        "other": "the publisher did not prove the expected server key "
        "(an impostor, or the wrong server key file)",
    },
}


class HandshakeLog:
    """Watch ``sock`` (the ``role`` side: "publisher" or "subscriber"); warnings start
    with ``label`` on ``logger``; see module doc."""

    def __init__(
        self,
        sock: Any,
        role: str,
        label: str = "pose stream",
        logger: logging.Logger | None = None,
    ) -> None:
        zmq = require("zmq", "capture", "the CurveZMQ authentication log")

        self.role = role
        self._label = label
        self._log = log if logger is None else logger
        self.accepted = 0
        self.refused = 0
        self.reasons: dict[str, int] = {}
        self._sock = sock
        ev = zmq.Event
        self._kinds = {
            int(ev.HANDSHAKE_FAILED_AUTH): "auth",
            int(ev.HANDSHAKE_FAILED_PROTOCOL): "protocol",
            int(ev.HANDSHAKE_FAILED_NO_DETAIL): "other",
        }
        mask = int(ev.HANDSHAKE_SUCCEEDED) | sum(self._kinds) | int(ev.MONITOR_STOPPED)
        self._mon = sock.get_monitor_socket(mask)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"curve-{role}", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        zmq = require("zmq", "capture", "the CurveZMQ authentication log")
        monitor = require("zmq.utils.monitor", "capture", "the CurveZMQ authentication log")
        recv_monitor_message = monitor.recv_monitor_message

        try:
            while not self._stop.is_set():
                if not self._mon.poll(100):
                    continue
                m = recv_monitor_message(self._mon)
                event, value = int(m["event"]), int(m["value"])
                if event == int(zmq.Event.MONITOR_STOPPED):
                    break
                if event == int(zmq.Event.HANDSHAKE_SUCCEEDED):
                    self.accepted += 1
                    continue
                kind = self._kinds.get(event)
                if kind is None:
                    continue
                self.refused += 1
                n = self.reasons[kind] = self.reasons.get(kind, 0) + 1
                if n == 1 or n % 50 == 0:
                    ep = m["endpoint"].decode(errors="replace")
                    why = _WHY[self.role][kind].format(value=value)
                    who = "refused a subscriber" if self.role == "publisher" else "refused"
                    self._log.warning("%s: %s on %s: %s (%d so far)", self._label, who, ep, why, n)
        except zmq.ZMQError:  # pragma: no cover - the context went away under us
            pass
        finally:
            self._mon.close(0)

    def close(self) -> None:
        """Stop watching (call before closing the socket)."""
        self._stop.set()
        with contextlib.suppress(Exception):  # the socket may be closed already
            self._sock.disable_monitor()
        self._thread.join(timeout=2.0)

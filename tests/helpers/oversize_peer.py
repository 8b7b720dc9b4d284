"""A hostile peer in its own process: ``python -m tests.helpers.oversize_peer TOPIC MIB``.

Binds an XPUB on ``tcp://127.0.0.1:0``, prints ``endpoint <addr>``, waits for a
subscriber and a ``go`` line on stdin, sends one two-frame message whose payload is MIB MiB (topic TOPIC), then
prints ``dropped`` if the subscriber disconnected (ZeroMQ hands the XPUB an
unsubscribe) within 20 s, ``kept`` otherwise; then waits for stdin to close.
"""

from __future__ import annotations

import os
import sys
import time

import zmq


def main(topic: str, mib: int) -> None:
    os.nice(19)  # stands for a machine of its own: only CPU the view leaves idle
    payload = bytes(mib << 20)  # allocated before the view connects
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.XPUB)
    sock.setsockopt(zmq.LINGER, 0)
    sock.bind("tcp://127.0.0.1:0")
    print("endpoint", sock.getsockopt_string(zmq.LAST_ENDPOINT), flush=True)
    if not sock.poll(30000, zmq.POLLIN) or sock.recv()[:1] != b"\x01":
        sys.exit("no subscriber")
    sys.stdin.readline()  # "go"
    sock.send_multipart([topic.encode(), payload], copy=False)
    end = time.monotonic() + 20
    result = "kept"
    while time.monotonic() < end:
        if sock.poll(100, zmq.POLLIN) and sock.recv()[:1] == b"\x00":
            result = "dropped"
            break
    print(result, flush=True)
    sys.stdin.read()
    sock.close()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))

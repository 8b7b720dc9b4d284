"""A subscription flood in its own process: ``python -m tests.helpers.flood_peer ADDR
TOPIC``. Four XSUB sockets connect to ADDR; while the last line read on stdin is
``on`` they send subscribe/unsubscribe pairs for TOPIC, 20 per socket every 10 ms
(about 8 000 messages/s: each subscribe used to cost the view a snapshot); stdin closed ends
it and prints ``sent <n>``. Runs at nice 19: it stands for a machine of its own, so
it takes only CPU the view leaves idle."""

from __future__ import annotations

import os
import sys
import threading
import time

import zmq


def main(address: str, topic: str) -> None:
    os.nice(19)
    ctx = zmq.Context.instance()
    socks = []
    for _ in range(4):
        s = ctx.socket(zmq.XSUB)
        s.setsockopt(zmq.LINGER, 0)
        s.connect(address)
        socks.append(s)
    on, stop = threading.Event(), threading.Event()

    def commands() -> None:
        for line in sys.stdin:
            (on.set if line.strip() == "on" else on.clear)()
        stop.set()
        on.set()

    threading.Thread(target=commands, daemon=True).start()
    print("ready", flush=True)
    sent = 0
    sub, unsub = b"\x01" + topic.encode(), b"\x00" + topic.encode()
    while not stop.is_set():
        on.wait()
        for _ in range(10):
            for s in socks:
                s.send(sub)
                s.send(unsub)
        sent += 20 * len(socks)
        time.sleep(0.01)
    for s in socks:
        s.close()
    print("sent", sent, flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])

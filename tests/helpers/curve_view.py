"""A set-state view with CurveZMQ for the StateSync key tests, run as its own process:
``python -m tests.helpers.curve_view SET SECRET CLIENTS``.

It shares on a free loopback port with ``SECRET`` and the allow list ``CLIENTS``,
prints ``endpoint <addr>``, then polls and moves mark ``A`` every poll (so any accepted
subscriber keeps receiving edits). A ``peer ADDRESS=KEY`` line on stdin makes it
subscribe to that view; the first edit it applies from one is answered by adding mark
``ack``. When stdin closes it prints ``applied N handshakes A R``.
"""

from __future__ import annotations

import select
import sys


def main(set_path: str, secret: str, clients: str) -> None:
    from previzkit.model.setfile import load_set
    from previzkit.stage.state import SetState
    from previzkit.stage.sync import StateSync, parse_peer

    set_def = load_set(set_path)
    sync = StateSync(
        SetState.from_set(set_def, "curve-view"),
        set_def.name,
        "tcp://127.0.0.1:0",
        curve_secret=secret,
        curve_clients=clients,
    )
    print("endpoint", sync.endpoint, flush=True)
    n = 0
    while True:
        if select.select([sys.stdin], [], [], 0)[0]:
            line = sys.stdin.readline()
            if not line:
                break
            if line.startswith("peer "):
                sync.connect(*parse_peer(line[5:]))
        if sync.poll(0.02) and "mark/ack" not in sync.state.objects:
            sync.add("mark/ack", position=[0.0, 0.0])
        n += 1
        sync.edit("mark/A", position=[(n % 1000) * 0.001, 0.0])
    h = sync.handshakes
    print("applied", sync.stats.applied, "handshakes", h.accepted, h.refused, flush=True)
    sync.close()


if __name__ == "__main__":
    main(*sys.argv[1:4])

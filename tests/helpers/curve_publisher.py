"""A CurveZMQ pose publisher in its own process for the auth tests:
``python -m tests.helpers.curve_publisher SECRET_FILE CLIENTS_DIR SECONDS``.

Binds ``tcp://127.0.0.1:0``, prints ``endpoint <addr>``, publishes actor 1 at 50 Hz for
SECONDS, then prints ``handshakes accepted=<n> refused=<n>``; warnings go to stderr.
"""

from __future__ import annotations

import logging
import sys
import time

import numpy as np


def main(secret: str, clients: str, seconds: float) -> None:
    from previzkit.capture.stream import PosePublisher
    from previzkit.core.types import Pose

    logging.basicConfig(
        level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(message)s"
    )
    pose = Pose(0.0, 1, np.zeros((33, 3), np.float32), np.zeros((33, 3), np.float32), 1.0)
    with PosePublisher("tcp://127.0.0.1:0", curve_secret=secret, curve_clients=clients) as pub:
        print("endpoint", pub.endpoint, flush=True)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            pub._poll_subscriptions(0)
            pose.timestamp = time.monotonic()
            pub.publish(pose)
            time.sleep(0.02)
        h = pub.handshakes
        print(f"handshakes accepted={h.accepted} refused={h.refused}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], float(sys.argv[3]))

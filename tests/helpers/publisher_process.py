"""A pose publisher in its own process for the stream test:
``python -m tests.helpers.publisher_process ANGLE_DEG SECONDS``.

Binds ``tcp://127.0.0.1:0``, prints ``endpoint <addr>``, waits for a subscriber, then
publishes actor 7's landmarks for a pose with the left arm raised ANGLE_DEG (the
skeleton's own landmarks, as MediaPipe would report them) at 30 fps for SECONDS.
"""

from __future__ import annotations

import math
import sys
import time


def main(angle: float, seconds: float) -> None:
    from previzkit.capture.stream import PosePublisher
    from previzkit.core.geometry import quat_from_axis_angle
    from previzkit.core.types import SkeletonPose
    from previzkit.model.skeleton import default_skeleton
    from previzkit.stage.synth import pose_landmarks as landmarks_for

    sk = default_skeleton(1.75)
    pose = SkeletonPose(
        root=(0.0, float(sk.offsets[0, 1]), 0.0),
        rotations={
            "left_upper_arm": tuple(quat_from_axis_angle((0, 0, 1), math.radians(angle))),
            "right_upper_arm": tuple(quat_from_axis_angle((0, 0, 1), math.radians(70))),
        },
    )
    with PosePublisher("tcp://127.0.0.1:0") as pub:
        print("endpoint", pub.endpoint, flush=True)
        if not pub.wait_for_subscribers(1, timeout=30):
            sys.exit("no subscriber")
        t0 = time.monotonic()
        i = 0
        while time.monotonic() - t0 < seconds:
            pub.publish(
                landmarks_for(sk, pose, 7, time.monotonic()), frame=i, fps=30.0, size=(640, 480)
            )
            i += 1
            time.sleep(1 / 30)


if __name__ == "__main__":
    main(float(sys.argv[1]), float(sys.argv[2]))

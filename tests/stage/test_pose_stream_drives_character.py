"""The pose stream path: a publisher in another process on 127.0.0.1 drives a
character in the stage loop; latency from the publisher's send time is accounted."""

from __future__ import annotations

import math
import subprocess
import time

import numpy as np
import pytest

from previzkit.core.geometry import view_matrix
from previzkit.model.camera import perspective_from_lens, project_points
from tests.helpers import worker, worker_env

pytestmark = [pytest.mark.gl, pytest.mark.slow]

ANGLE = 55.0


def test_published_pose_drives_the_character(gl, small_set):
    from previzkit.core.geometry import quat_from_axis_angle, translation
    from previzkit.core.types import SkeletonPose
    from previzkit.model.kinematics import forward_kinematics
    from previzkit.model.skeleton import default_skeleton
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.sources import StreamSource

    proc = subprocess.Popen(
        worker("publisher_process", ANGLE, 20),
        env=worker_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().split()
        assert line and line[0] == "endpoint", proc.stderr.read()
        source = StreamSource(line[1], actors=[7])
        with StageLoop(
            gl, small_set, source, StageOptions(320, 180, realtime=True, fps=30.0)
        ) as loop:
            end = time.monotonic() + 30
            while time.monotonic() < end:
                loop.step()
                if sum(f.captured is not None for f in loop.stats.frames) >= 5:
                    break
            ch = loop.drawables.characters["ALEX"]
            assert loop.actors.map.assigned == {7: "ALEX"}
            got = ch.joint_positions()
            img = loop.last_image
            cam = loop.camera()
            stats = loop.stats
    finally:
        proc.kill()
        proc.wait()
    assert source.stats.received >= 5 and source.stats.malformed == 0
    # where the published pose puts the left hand, on ALEX's mark (A at the origin, yaw 0)
    sk = default_skeleton(1.75)
    want_pose = SkeletonPose(
        root=(0.0, float(sk.offsets[0, 1]), 0.0),
        rotations={
            "left_upper_arm": tuple(quat_from_axis_angle((0, 0, 1), math.radians(ANGLE))),
            "right_upper_arm": tuple(quat_from_axis_angle((0, 0, 1), math.radians(70))),
        },
    )
    want = (translation((0, 0, 0)) @ forward_kinematics(sk, want_pose))[:, :3, 3]
    hand = sk.names.index("left_hand")
    assert np.linalg.norm(got[hand] - want[hand]) < 0.03
    proj = perspective_from_lens(cam.lens, 320 / 180)
    x, y = project_points(got[hand][None], view_matrix(cam.camera_to_world), proj, 320, 180)[0]
    p = img[round(float(y)) - 2 : round(float(y)) + 3, round(float(x)) - 2 : round(float(x)) + 3]
    p = p.reshape(-1, 3).astype(int)
    assert np.any((p[:, 0] - p[:, 1] > 50) & (p[:, 2] - p[:, 1] > 50)), "no character at the hand"
    lat = stats.latencies("capture->received")
    assert lat and all(0 <= v < 5.0 for v in lat)
    assert not math.isnan(stats.summary()["capture->presented"][0])

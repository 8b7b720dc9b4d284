"""Stand-in actors: MediaPipe-like poses computed from the skeleton (the landmarks a
capture would report for a known pose), for rehearsing without a camera, benchmarks
and tests. Pure numpy apart from :func:`write_wave_track`."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from previzkit.core.types import Pose, SkeletonPose


def wave_pose(skeleton, t: float) -> SkeletonPose:
    """A pose at time ``t`` (s): the left arm waving about 30° above horizontal
    (±35° at 2 Hz), the right arm lowered 70°; hips at rest height."""
    from previzkit.core.geometry import quat_from_axis_angle

    up = quat_from_axis_angle((0, 0, 1), math.radians(30 + 35 * math.sin(4 * math.pi * t)))
    down = quat_from_axis_angle((0, 0, 1), math.radians(70))
    return SkeletonPose(
        root=(0.0, float(skeleton.offsets[0, 1]), 0.0),
        rotations={"left_upper_arm": up, "right_upper_arm": down},
    )


def pose_landmarks(skeleton, sk_pose: SkeletonPose, actor_id: int, t: float) -> Pose:
    """A :class:`Pose` whose world landmarks are those of ``sk_pose`` in MediaPipe's frame
    (hip-centred, y down, z away from the camera), all visible; image landmarks are a
    plausible 640x480 projection (200 px per metre about the centre)."""
    from previzkit.model.kinematics import landmark_positions

    lm = landmark_positions(skeleton, sk_pose)
    hips = (lm[23] + lm[24]) / 2
    world = (lm - hips) * np.array([1.0, -1.0, -1.0])
    img = np.zeros((33, 3), np.float32)
    img[:, 0] = 320 + world[:, 0] * 200
    img[:, 1] = 240 + world[:, 1] * 200
    img[:, 2] = 1.0
    return Pose(t, actor_id, img, world.astype(np.float32), 0.99)


def write_wave_track(
    path: str | Path, frames: int, fps: float = 30.0, actors: tuple[int, ...] = (0,)
) -> Path:
    """A ``.pzt`` pose track of ``frames`` frames of waving actors (each id's wave
    0.13 s ahead of the previous one's)."""
    from previzkit.model.pose_track import PoseFrame, TrackWriter
    from previzkit.model.skeleton import default_skeleton

    sk = default_skeleton(1.75)
    out = Path(path)
    with TrackWriter(out, width=640, height=480, fps=fps, meta={"source": "previzkit synth"}) as w:
        for i in range(frames):
            t = i / fps
            people = [pose_landmarks(sk, wave_pose(sk, t + 0.13 * a), a, t) for a in actors]
            w.write(PoseFrame(i, t, people))
    return out

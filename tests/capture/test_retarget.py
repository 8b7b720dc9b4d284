"""Retargeting landmarks onto the render skeleton: joints follow, lengths from the actor."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.capture.retarget import actor_skeleton, retarget, retarget_clip
from previzkit.core.errors import InputError, ShapeError
from previzkit.core.geometry import quat_from_axis_angle
from previzkit.core.types import Pose, SkeletonPose
from previzkit.model.kinematics import joint_positions, landmark_positions
from previzkit.model.skeleton import default_skeleton

FEET = [27, 28, 29, 30, 31, 32]


def _as_mediapipe(skeleton, pose: SkeletonPose, visibility=None) -> Pose:
    """The landmarks MediaPipe would report for ``pose``: hip-centred, y down, z away."""
    lm = landmark_positions(skeleton, pose)
    world = (lm - (lm[23] + lm[24]) / 2) * np.array([1.0, -1.0, -1.0])
    vis = np.ones(33) if visibility is None else visibility
    img = np.c_[lm[:, 0] * 300 + 320, 480 - lm[:, 1] * 300, vis].astype(np.float32)
    return Pose(0.0, 0, img, world.astype(np.float32))


def _posed(height=1.8):
    sk = default_skeleton(height)
    sp = SkeletonPose(
        root=(0.0, float(sk.offsets[0, 1]), 0.0),
        rotations={
            "hips": quat_from_axis_angle((0, 1, 0), 0.4),
            "chest": quat_from_axis_angle((0, 1, 0), 0.2),
            "left_upper_arm": quat_from_axis_angle((0, 0, 1), -1.0),
            "left_forearm": quat_from_axis_angle((0, 1, 0), 0.8),
            "right_upper_arm": quat_from_axis_angle((1, 0, 0.3), 0.7),
            "right_upper_leg": quat_from_axis_angle((1, 0, 0), -0.6),
            "right_lower_leg": quat_from_axis_angle((1, 0, 0), 0.9),
            "head": quat_from_axis_angle((1, 0, 0), 0.3),
        },
    )
    return sk, sp


def test_the_skeleton_follows_the_landmarks():
    sk, sp = _posed()
    pose = _as_mediapipe(sk, sp)
    fitted = actor_skeleton([pose])
    out = retarget(pose, fitted)
    a = landmark_positions(sk, sp)
    b = landmark_positions(fitted, out)
    a -= (a[23] + a[24]) / 2
    b -= (b[23] + b[24]) / 2
    err = np.linalg.norm(a - b, axis=1)
    body = [i for i in range(33) if i not in range(17, 23)]  # hand roll is not observed
    assert err[body].max() < 0.02 and err.mean() < 0.01 and err.max() < 0.05  # metres


def test_bone_lengths_come_from_the_actor():
    tall, sp = _posed(1.95)
    fitted = actor_skeleton([_as_mediapipe(tall, sp)])  # base is 1.75 m
    assert fitted.height_m == pytest.approx(1.95, abs=0.03)
    got, want = fitted.bone_lengths(), tall.bone_lengths()
    for bone in ("left_upper_arm", "left_forearm", "right_lower_leg", "hips"):
        assert got[bone] == pytest.approx(want[bone], rel=0.02)


def test_root_is_on_the_floor():
    sk, sp = _posed()
    out = retarget(_as_mediapipe(sk, sp), sk, root_xz=(1.5, -2.0))
    feet = landmark_positions(sk, out)[FEET, 1]
    # the floor is where the rest pose (standing on y = 0) has its foot landmarks
    assert feet.min() == pytest.approx(sk.rest_landmarks()[FEET, 1].min(), abs=1e-9)
    assert 0.0 <= feet.min() < 0.05
    assert out.root[0] == 1.5 and out.root[2] == -2.0


def test_rest_pose_retargets_to_no_rotation():
    sk = default_skeleton()
    out = retarget(_as_mediapipe(sk, sk.rest_pose()), sk)
    for q in out.rotations.values():
        assert abs(q[3]) > 0.9999
    assert np.allclose(joint_positions(sk, out), sk.rest_positions(), atol=1e-6)


def test_unseen_limbs_keep_their_rest_pose_relative_to_the_parent():
    sk, sp = _posed()
    vis = np.ones(33)
    vis[[13, 15, 17, 19, 21]] = 0.1  # left elbow, wrist and hand not visible
    out = retarget(_as_mediapipe(sk, sp, vis), sk)
    assert "left_forearm" not in out.rotations and "left_hand" not in out.rotations
    assert "left_upper_arm" not in out.rotations  # its tail (elbow) unseen too


def test_a_clip_fills_a_limb_it_never_saw_from_its_landmarks():
    """retarget_clip never leaves a limb at the rest pose: a limb never seen over the clip
    takes the rotation of its (unsure) landmarks."""
    sk, sp = _posed()
    vis = np.ones(33)
    vis[[13, 15, 17, 19, 21]] = 0.1
    _, (out,) = retarget_clip([_as_mediapipe(sk, sp, vis)], sk, track_root=False)
    got = np.asarray(out.rotations["left_forearm"])
    want = np.asarray(sp.rotations["left_forearm"])
    assert abs(float(got @ want)) > 0.99


def test_mannequin_follows_a_real_actor(lite_image, astronaut):
    """Landmarks of a real photo: arms point where the photo's arms point."""
    (p,) = lite_image.detect(astronaut)
    sk, (out,) = retarget_clip([p], min_visibility=0.3, track_root=False)
    j = joint_positions(sk, out)
    ls, le = j[sk.index("left_upper_arm")], j[sk.index("left_forearm")]
    # her upper arms hang down (the helmet is held low): elbows below shoulders
    assert le[1] < ls[1] - 0.1
    feet = landmark_positions(sk, out)[FEET, 1]
    assert feet.min() == pytest.approx(sk.rest_landmarks()[FEET, 1].min(), abs=1e-6)


def test_bad_input_is_named():
    sk = default_skeleton()
    bad = Pose(0.0, 0, np.zeros((33, 3), np.float32), np.zeros((17, 3), np.float32))
    with pytest.raises(ShapeError, match=r"\(17, 3\)"):
        retarget(bad, sk)
    with pytest.raises(InputError, match="at least one pose"):
        actor_skeleton([])
    with pytest.raises(InputError, match="at least one pose"):
        retarget_clip([])

"""The previzkit skeleton: rest pose, forward kinematics, MediaPipe mapping, bone lengths."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from previzkit.core.errors import InputError, ShapeError
from previzkit.core.geometry import (
    quat_between,
    quat_from_axis_angle,
    quat_from_matrix,
    quat_to_matrix,
)
from previzkit.core.types import SkeletonPose
from previzkit.model.kinematics import (
    forward_kinematics,
    joint_positions,
    landmark_positions,
    skinning_matrices,
)
from previzkit.model.landmarks import JOINT_LANDMARKS, LANDMARK_NAMES, bone_lengths_from_landmarks
from previzkit.model.skeleton import SKELETON, default_skeleton, skeleton_with_bone_lengths

SK = default_skeleton()


def rest_with(**rotations) -> SkeletonPose:
    return SkeletonPose(root=SK.rest_pose().root, rotations=rotations)


def pos(points, name):
    return points[SK.index(name)]


def test_joint_names_cover_the_humanoid_with_the_root_first():
    assert SKELETON[0] == "hips"
    for side in ("left", "right"):
        for bone in (
            "shoulder",
            "upper_arm",
            "forearm",
            "hand",
            "upper_leg",
            "lower_leg",
            "foot",
            "toe",
        ):
            assert f"{side}_{bone}" in SKELETON
    assert {"spine", "chest", "neck", "head"} <= set(SKELETON)
    assert all(SK.parents[j] < j for j in range(1, SK.num_joints))


def test_rest_pose_heights_stand_on_the_floor_facing_plus_z_in_a_t_pose():
    p = joint_positions(SK)
    assert pos(p, "hips") == pytest.approx((0.0, 0.95, 0.0))
    assert SK.rest_tails()[SK.index("head")][1] == pytest.approx(1.75)  # top of the head
    assert pos(p, "left_upper_leg")[1] == pytest.approx(0.90)
    assert pos(p, "left_lower_leg")[1] == pytest.approx(0.47)  # knee
    assert pos(p, "left_foot")[1] == pytest.approx(0.07)  # ankle
    assert pos(p, "left_upper_arm")[1] == pytest.approx(1.42)  # shoulder
    # T pose: the arms lie along x at shoulder height; the actor's left is +x
    for side, sign in (("left", 1), ("right", -1)):
        arm = [pos(p, f"{side}_{b}") for b in ("upper_arm", "forearm", "hand")]
        assert all(a[1] == pytest.approx(1.42) and a[2] == 0 for a in arm)
        assert all(np.diff([sign * a[0] for a in arm]) > 0)
    # facing +z: the toes and the nose are in front
    lm = landmark_positions(SK)
    assert pos(p, "left_toe")[2] > 0 and lm[0][2] > 0
    assert lm[:, 1].min() >= 0.0


def test_skeleton_scales_with_height():
    small = default_skeleton(1.5)
    assert small.rest_tails()[small.index("head")][1] == pytest.approx(1.5)
    assert joint_positions(small)[0][1] == pytest.approx(0.95 * 1.5 / 1.75)


def test_ninety_degree_elbow_bend_puts_the_hand_in_front_of_the_elbow():
    # the left forearm points along +x at rest; -90 degrees about +y turns it to +z
    pose = rest_with(left_forearm=quat_from_axis_angle((0, 1, 0), -math.pi / 2))
    p = joint_positions(SK, pose)
    elbow = pos(p, "left_forearm")
    assert elbow == pytest.approx((0.47, 1.42, 0.0))
    assert pos(p, "left_hand") == pytest.approx(elbow + np.array([0.0, 0.0, 0.26]))
    # the hand's frame turned too: its tail (fingertips) points +z
    m = forward_kinematics(SK, pose)[SK.index("left_hand")]
    tip = m[:3, :3] @ SK.tails[SK.index("left_hand")] + m[:3, 3]
    assert tip == pytest.approx(elbow + np.array([0.0, 0.0, 0.26 + 0.18]))


def test_rotations_compose_down_the_chain_and_the_root_moves_everything():
    # raise the right arm: +90 degrees about +z at the shoulder turns -x (right) to -y...
    q_up = quat_from_axis_angle((0, 0, 1), -math.pi / 2)  # -x -> +y
    pose = SkeletonPose(root=(1.0, 0.95, -2.0), rotations={"right_upper_arm": q_up})
    p = joint_positions(SK, pose)
    shoulder = pos(p, "right_upper_arm")
    assert shoulder == pytest.approx((1.0 - 0.19, 1.42, -2.0))
    assert pos(p, "right_forearm") == pytest.approx(shoulder + np.array([0.0, 0.28, 0.0]))
    assert pos(p, "right_hand") == pytest.approx(shoulder + np.array([0.0, 0.54, 0.0]))
    # the hips' rotation turns the whole body: 180 degrees about y swaps left and right
    turned = joint_positions(SK, rest_with(hips=quat_from_axis_angle((0, 1, 0), math.pi)))
    assert pos(turned, "left_hand")[0] == pytest.approx(-0.73)
    assert pos(turned, "left_toe")[2] == pytest.approx(-0.13)


def test_forward_kinematics_matrices_are_rigid_and_agree_with_parent_chain():
    rng = np.random.default_rng(1)
    rots = {n: tuple(rng.normal(size=4)) for n in SKELETON}
    fk = forward_kinematics(SK, SkeletonPose(root=(0.3, 1.0, 0.2), rotations=rots))
    for j, name in enumerate(SKELETON):
        r = fk[j, :3, :3]
        assert r @ r.T == pytest.approx(np.eye(3), abs=1e-12)
        p = SK.parents[j]
        if p >= 0:
            local = np.linalg.inv(fk[p]) @ fk[j]
            assert local[:3, 3] == pytest.approx(SK.offsets[j])
            assert local[:3, :3] == pytest.approx(quat_to_matrix(rots[name]))


def test_skinning_matrices_are_identity_at_rest():
    assert skinning_matrices(SK, forward_kinematics(SK)) == pytest.approx(
        np.tile(np.eye(4), (SK.num_joints, 1, 1))
    )


def test_landmark_mapping_covers_joints_and_all_33_landmarks():
    assert set(JOINT_LANDMARKS) == set(SKELETON)
    assert JOINT_LANDMARKS["left_upper_arm"].head == (11,)
    assert JOINT_LANDMARKS["left_upper_arm"].tail == (13,)
    assert set(JOINT_LANDMARKS["hips"].head) == {23, 24}
    assert JOINT_LANDMARKS["right_lower_leg"].head == (26,) and JOINT_LANDMARKS[
        "right_lower_leg"
    ].tail == (28,)
    for m in JOINT_LANDMARKS.values():
        assert all(0 <= i < 33 for i in (*m.head, *m.tail))
    assert len(LANDMARK_NAMES) == 33 and SK.landmark_joint.shape == (33,)
    lm = SK.rest_landmarks()
    # MediaPipe's LEFT_* is the actor's left: +x on the rest pose
    for i, name in enumerate(LANDMARK_NAMES):
        if name.startswith("left_"):
            assert lm[i][0] > 0, name
        if name.startswith("right_"):
            assert lm[i][0] < 0, name
    # the landmark at a joint's head sits on that joint
    rest = SK.rest_positions()
    assert lm[11] == pytest.approx(rest[SK.index("left_upper_arm")])
    assert lm[[23, 24]].mean(axis=0)[[0, 2]] == pytest.approx(rest[0][[0, 2]])


def test_bone_lengths_are_invariant_under_pose():
    rng = np.random.default_rng(2)
    pose = SkeletonPose(
        root=(0.0, 1.0, 0.0), rotations={n: tuple(rng.normal(size=4)) for n in SKELETON}
    )
    posed = bone_lengths_from_landmarks(landmark_positions(SK, pose))
    rest = SK.bone_lengths()
    for key in (
        "left_upper_arm",
        "left_forearm",
        "right_upper_leg",
        "right_lower_leg",
        "left_hand",
        "head",
    ):
        assert posed[key] == pytest.approx(rest[key])


def test_skeleton_with_its_own_bone_lengths_is_unchanged():
    same = skeleton_with_bone_lengths(SK.bone_lengths())
    assert same.offsets == pytest.approx(SK.offsets)
    assert same.tails == pytest.approx(SK.tails)
    assert same.height_m == pytest.approx(1.75)


@settings(max_examples=25, deadline=None)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            k: st.floats(0.6, 1.5)
            for k in (
                "hips",
                "neck",
                "head",
                "left_shoulder",
                "left_upper_arm",
                "right_forearm",
                "left_hand",
                "left_upper_leg",
                "right_lower_leg",
                "left_foot",
                "hip_width",
            )
        },
    )
)
def test_measured_bone_lengths_are_reproduced(factors):
    rest = SK.bone_lengths()
    wanted = {k: rest[k] * f for k, f in factors.items()}
    sk = skeleton_with_bone_lengths(wanted)
    got = sk.bone_lengths()
    if "left_shoulder" in wanted:  # half the shoulder width: both sides
        wanted["right_shoulder"] = wanted["left_shoulder"]
    for k, v in wanted.items():
        assert got[k] == pytest.approx(v, rel=1e-6), k
    for k in set(rest) - set(wanted) - {"hips", "spine", "chest", "neck"}:
        if not (k.endswith("_toe") and any(f.endswith("foot") for f in wanted)):
            assert got[k] == pytest.approx(rest[k]), k
    # still standing on the floor
    feet = [sk.index(n) for n in ("left_foot", "right_foot", "left_toe", "right_toe")]
    low = min(sk.rest_positions()[feet, 1].min(), sk.rest_landmarks()[[29, 30], 1].min())
    assert low == pytest.approx(
        min(SK.rest_positions()[feet, 1].min(), SK.rest_landmarks()[[29, 30], 1].min())
    )


def test_quaternion_helpers_round_trip():
    rng = np.random.default_rng(3)
    for _ in range(20):
        q = rng.normal(size=4)
        q /= np.linalg.norm(q)
        q *= np.sign(q[3])
        assert quat_from_matrix(quat_to_matrix(q)) == pytest.approx(q, abs=1e-9)
        u, v = rng.normal(size=3), rng.normal(size=3)
        r = quat_to_matrix(quat_between(u, v))
        assert r @ (u / np.linalg.norm(u)) == pytest.approx(v / np.linalg.norm(v), abs=1e-9)
    assert quat_to_matrix(quat_between((1, 0, 0), (-1, 0, 0))) @ (1, 0, 0) == pytest.approx(
        (-1, 0, 0)
    )


# --- bad input ----------------------------------------------------------------------------


def test_unknown_joint_in_a_pose_names_it():
    with pytest.raises(InputError, match=r"left_elbow.*unknown joint"):
        forward_kinematics(SK, rest_with(left_elbow=(0, 0, 0, 1)))


def test_zero_quaternion_is_refused():
    with pytest.raises(InputError, match=r"'head'.*zero quaternion"):
        forward_kinematics(SK, rest_with(head=(0, 0, 0, 0)))


def test_quaternion_with_three_numbers_is_refused():
    with pytest.raises(ShapeError, match=r"'head'.*x, y, z, w"):
        forward_kinematics(SK, rest_with(head=(0, 0, 1)))


def test_bad_root_is_refused():
    with pytest.raises(ShapeError, match="root"):
        forward_kinematics(SK, SkeletonPose(root=(0.0, float("nan"), 0.0)))


def test_bad_height_is_refused():
    with pytest.raises(InputError, match="height_m"):
        default_skeleton(-1.0)


def test_unknown_or_negative_bone_length_is_refused():
    with pytest.raises(InputError, match="unknown bone 'left_elbow'"):
        skeleton_with_bone_lengths({"left_elbow": 0.3})
    with pytest.raises(InputError, match="'left_forearm' must be a positive"):
        skeleton_with_bone_lengths({"left_forearm": -0.3})


def test_landmarks_of_the_wrong_shape_are_refused():
    with pytest.raises(ShapeError, match=r"\(33, 3\).*\(17, 3\)"):
        bone_lengths_from_landmarks(np.zeros((17, 3)))


def test_unknown_joint_index_lookup_lists_the_joints():
    with pytest.raises(InputError, match="hips, spine"):
        SK.index("pelvis")


def test_relaxed_pose_lowers_both_arms_symmetrically():
    from previzkit.model.kinematics import relaxed_pose

    p = joint_positions(SK, relaxed_pose(SK))
    left, right = pos(p, "left_hand"), pos(p, "right_hand")
    assert left[1] < 1.0 and right[1] == pytest.approx(left[1])
    assert right[0] == pytest.approx(-left[0]) and left[0] > 0.19
    assert pos(p, "hips") == pytest.approx(pos(joint_positions(SK), "hips"))


def test_joint_landmarks_follow_the_joint_order():
    """The landmark mapping lists every joint once, in the rig's (parents-first) order."""
    assert tuple(JOINT_LANDMARKS) == SKELETON

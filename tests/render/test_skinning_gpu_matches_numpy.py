"""GPU linear-blend skinning equals the numpy reference; skin rigs follow the skeleton."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from previzkit.core.errors import ShapeError
from previzkit.core.geometry import quat_from_axis_angle, quat_to_matrix, translation
from previzkit.core.types import SkeletonPose
from previzkit.model.kinematics import forward_kinematics, skinning_matrices
from previzkit.model.skeleton import SKELETON, default_skeleton
from previzkit.render.character import Character
from previzkit.render.mannequin import mannequin_mesh
from previzkit.render.skinning import SkinnedMesh, lbs, normalize_weights, skin_matrices

SK = default_skeleton()


def random_pose(seed: int, scale: float = 0.6) -> SkeletonPose:
    rng = np.random.default_rng(seed)
    rots = {}
    for name in SKELETON:
        axis = rng.normal(size=3)
        rots[name] = quat_from_axis_angle(axis, rng.uniform(-scale, scale))
    return SkeletonPose(root=(0.2, 0.9, -0.3), rotations=rots)


def blended_mannequin(seed: int = 0) -> SkinnedMesh:
    """The mannequin with each vertex spread over its joint, the parent and two others."""
    m = mannequin_mesh(SK)
    rng = np.random.default_rng(seed)
    n = len(m.positions)
    j = np.zeros((n, 4), np.int32)
    j[:, 0] = m.joints[:, 0]
    j[:, 1] = np.maximum(SK.parents[m.joints[:, 0]], 0)
    j[:, 2:] = rng.integers(0, SK.num_joints, size=(n, 2))
    w = normalize_weights(rng.uniform(0.0, 1.0, size=(n, 4)) * (1.0, 0.6, 0.2, 0.2))
    return SkinnedMesh(
        positions=m.positions,
        normals=m.normals,
        joints=j,
        weights=w,
        indices=m.indices,
        joint_names=m.joint_names,
        parents=m.parents,
        local_bind=m.local_bind,
        inverse_bind=m.inverse_bind,
        skeleton_joint=m.skeleton_joint,
    )


def test_lbs_reference_blends_matrices_by_weight():
    mats = np.tile(np.eye(4), (2, 1, 1))
    mats[1, :3, 3] = (2.0, 0.0, 0.0)
    p = lbs([[0.0, 1.0, 0.0]], [[0, 1, 0, 0]], [[0.5, 0.5, 0.0, 0.0]], mats)
    assert p[0] == pytest.approx((1.0, 1.0, 0.0))
    rot = np.eye(4)
    rot[:3, :3] = quat_to_matrix(quat_from_axis_angle((0, 0, 1), math.pi / 2))
    assert lbs([[1.0, 0.0, 0.0]], [[0, 0, 0, 0]], [[1.0, 0, 0, 0]], rot[None])[0] == pytest.approx(
        (0, 1, 0)
    )


def test_mannequin_skin_matrices_equal_skeleton_skinning_matrices():
    fk = forward_kinematics(SK, random_pose(1))
    assert skin_matrices(mannequin_mesh(SK), SK, fk) == pytest.approx(skinning_matrices(SK, fk))


def test_skin_with_rotated_bone_frames_poses_like_the_skeleton():
    """A skin whose joints have other bind orientations (as DCC tools export) deforms the same."""
    m = mannequin_mesh(SK)
    rng = np.random.default_rng(4)
    bind = m.bind_world()
    new_bind = bind.copy()
    for k in range(len(bind)):
        new_bind[k, :3, :3] = quat_to_matrix(rng.normal(size=4)) * 0.01  # and a 0.01 scale
    local = np.array(
        [
            new_bind[k] if p < 0 else np.linalg.inv(new_bind[p]) @ new_bind[k]
            for k, p in enumerate(m.parents)
        ]
    )
    other = SkinnedMesh(
        positions=m.positions,
        normals=m.normals,
        joints=m.joints,
        weights=m.weights,
        indices=m.indices,
        joint_names=m.joint_names,
        parents=m.parents,
        local_bind=local,
        inverse_bind=np.linalg.inv(new_bind),
        skeleton_joint=m.skeleton_joint,
    )
    fk = forward_kinematics(SK, random_pose(5))
    a = lbs(m.positions, m.joints, m.weights, skin_matrices(m, SK, fk))
    b = lbs(other.positions, other.joints, other.weights, skin_matrices(other, SK, fk))
    assert b == pytest.approx(a, abs=1e-9)


def test_unmapped_skin_joints_follow_their_parent():
    m = mannequin_mesh(SK)
    unmapped = m.skeleton_joint.copy()
    unmapped[SK.index("left_hand")] = -1
    other = replace(m, skeleton_joint=unmapped)
    pose = SkeletonPose(
        root=SK.rest_pose().root,
        rotations={
            "left_forearm": quat_from_axis_angle((0, 1, 0), -math.pi / 2),
            "left_hand": quat_from_axis_angle((0, 0, 1), 1.0),
        },
    )
    mats = skin_matrices(other, SK, forward_kinematics(SK, pose))
    # the hand moved with the forearm but ignored its own rotation
    no_hand = SkeletonPose(
        root=pose.root, rotations={"left_forearm": pose.rotations["left_forearm"]}
    )
    ref = skinning_matrices(SK, forward_kinematics(SK, no_hand))
    assert mats[SK.index("left_hand")] == pytest.approx(ref[SK.index("left_hand")])


@pytest.mark.gl
@pytest.mark.parametrize("seed", [0, 1])
def test_vertex_shader_skinning_equals_numpy_lbs(gl, seed):
    """Transform feedback reads back the vertex shader's skinned positions."""
    ch = Character(
        gl, blended_mannequin(seed), SK, placement=translation((1.0, 0.0, -2.0), math.radians(30.0))
    )
    try:
        ch.set_pose(random_pose(10 + seed))
        gpu = ch.gpu_vertices()
        cpu = ch.cpu_vertices()
        assert gpu.shape == cpu.shape == (len(ch.mesh.positions), 3)
        assert np.abs(gpu - cpu).max() < 1e-5  # float32 on the GPU, float64 in numpy
        # and the pose actually moved the vertices
        assert np.abs(cpu - ch.mesh.positions).max() > 0.1
    finally:
        ch.release()


@pytest.mark.gl
def test_rest_pose_vertices_are_the_bind_vertices(gl):
    ch = Character(gl, mannequin_mesh(SK), SK)
    try:
        assert ch.gpu_vertices() == pytest.approx(ch.mesh.positions, abs=1e-6)
    finally:
        ch.release()


def test_skinned_mesh_shapes_are_checked():
    m = mannequin_mesh(SK)
    with pytest.raises(ShapeError, match=r"weights.*expected \(\d+, 4\)"):
        replace(m, weights=m.weights[:, :3])
    bad = m.joints.copy()
    bad[0, 0] = 99
    with pytest.raises(ShapeError, match="joints index outside the skin's 21 joints"):
        replace(m, joints=bad)
    with pytest.raises(ShapeError, match="joint_to_world has shape"):
        skin_matrices(m, SK, np.eye(4))

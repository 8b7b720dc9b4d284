"""Forward kinematics of the previzkit rig: poses to joint transforms, skinning, landmarks.

Pure numpy. Frames: right-handed, metres, y up; quaternions (x, y, z, w); 4x4 matrices
act on column vectors. See :mod:`previzkit.model.skeleton` for the rig and its rest
pose:

    joint_to_world[j] = joint_to_world[parent(j)] @ T(offset[j]) @ R(rotation[j])
    joint_to_world[hips] = T(root) @ R(rotation[hips])

"World" is the skeleton's parent frame: for a
:class:`~previzkit.render.character.Character`, the frame of its mark.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, ShapeError
from previzkit.core.geometry import quat_from_axis_angle, quat_to_matrix_batch
from previzkit.core.types import SkeletonPose
from previzkit.model.skeleton import Skeleton


def pose_arrays(
    skeleton: Skeleton, pose: SkeletonPose
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Validate ``pose`` against ``skeleton``: (root (3,), rotations (J, 4) x,y,z,w unit)."""
    root = np.asarray(pose.root, dtype=np.float64)
    if root.shape != (3,) or not np.all(np.isfinite(root)):
        raise ShapeError(f"SkeletonPose.root must be 3 finite numbers (m), got {pose.root!r}")
    quats = np.zeros((skeleton.num_joints, 4))
    quats[:, 3] = 1.0
    for name, q in pose.rotations.items():
        try:
            j = skeleton.index(name)
        except InputError:
            raise InputError(
                f"SkeletonPose.rotations[{name!r}]: unknown joint; "
                f"the skeleton's joints are: {', '.join(skeleton.names)}"
            ) from None
        qa = np.asarray(q, dtype=np.float64)
        if qa.shape != (4,) or not np.all(np.isfinite(qa)):
            raise ShapeError(
                f"SkeletonPose.rotations[{name!r}] must be a quaternion (x, y, z, w), got {q!r}"
            )
        n = np.linalg.norm(qa)
        if n < 1e-8:
            raise InputError(f"SkeletonPose.rotations[{name!r}] is a zero quaternion")
        quats[j] = qa / n
    return root, quats


def forward_kinematics_arrays(
    skeleton: Skeleton, root: npt.ArrayLike, quats: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """FK on arrays: root (..., 3), quats (..., J, 4) -> joint-to-world (..., J, 4, 4).

    The leading axes batch poses (e.g. frames of an animation). No validation.
    """
    root_a = np.asarray(root, dtype=np.float64)
    quats_a = np.asarray(quats, dtype=np.float64)
    lead = quats_a.shape[:-2]
    j_count = skeleton.num_joints
    local = np.zeros((*lead, j_count, 4, 4))
    local[..., :3, :3] = quat_to_matrix_batch(quats_a)
    local[..., :3, 3] = skeleton.offsets
    local[..., 0, :3, 3] = root_a
    local[..., 3, 3] = 1.0
    world = np.empty_like(local)
    if not lead:  # one pose: index plainly (faster than ellipsis indexing per joint)
        world[0] = local[0]
        for j, p in enumerate(skeleton.parents[1:].tolist(), start=1):
            np.matmul(world[p], local[j], out=world[j])
        return world
    world[..., 0, :, :] = local[..., 0, :, :]
    for j in range(1, j_count):
        world[..., j, :, :] = world[..., skeleton.parents[j], :, :] @ local[..., j, :, :]
    return world


def forward_kinematics(
    skeleton: Skeleton, pose: SkeletonPose | None = None
) -> npt.NDArray[np.float64]:
    """Joint-to-world transforms (J, 4, 4) of ``pose`` (the rest pose if None), metres.

    Column j's translation is joint j's world position; its rotation maps joint-frame
    directions (rest: world-aligned) to world. Unknown joints or bad quaternions raise
    :class:`~previzkit.core.errors.InputError` naming the joint.
    """
    root, quats = pose_arrays(skeleton, pose if pose is not None else skeleton.rest_pose())
    return forward_kinematics_arrays(skeleton, root, quats)


def skinning_matrices(skeleton: Skeleton, joint_to_world: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """(J, 4, 4) joint_to_world @ inverse(rest joint_to_world): rest-pose model space -> posed.

    The matrices linear-blend skinning applies to vertices modelled on the rest pose.
    """
    rest = skeleton.rest_positions()
    m = np.array(joint_to_world, dtype=np.float64, copy=True)
    # rest joint frames are pure translations: inverse bind = T(-rest)
    m[..., :3, 3] -= np.einsum("...jab,jb->...ja", m[..., :3, :3], rest)
    return m


def joint_positions(
    skeleton: Skeleton, pose: SkeletonPose | None = None
) -> npt.NDArray[np.float64]:
    """(J, 3) world joint positions of ``pose`` (metres)."""
    return forward_kinematics(skeleton, pose)[:, :3, 3]


def landmark_positions(
    skeleton: Skeleton, pose: SkeletonPose | None = None
) -> npt.NDArray[np.float64]:
    """(33, 3) BlazePose landmark positions (world, y up, metres) of ``pose``."""
    fk = forward_kinematics(skeleton, pose)
    m = fk[skeleton.landmark_joint]
    local: npt.NDArray[np.float64] = np.einsum("kab,kb->ka", m[:, :3, :3], skeleton.landmark_offset)
    return local + m[:, :3, 3]


def relaxed_pose(skeleton: Skeleton, arm_down_deg: float = 75.0) -> SkeletonPose:
    """A standing pose with the arms lowered ``arm_down_deg`` from the T (idle, for sets).

    Rotations are about +z (left arm) and -z (right arm) at the upper arms, a slight
    elbow bend forward; the hips stay at their rest height.
    """
    a = math.radians(arm_down_deg)
    bend = math.radians(10.0)
    return SkeletonPose(
        root=skeleton.rest_pose().root,
        rotations={
            "left_upper_arm": quat_from_axis_angle((0.0, 0.0, 1.0), -a),
            "right_upper_arm": quat_from_axis_angle((0.0, 0.0, 1.0), a),
            "left_forearm": quat_from_axis_angle((0.0, 1.0, 0.0), -bend),
            "right_forearm": quat_from_axis_angle((0.0, 1.0, 0.0), bend),
        },
    )

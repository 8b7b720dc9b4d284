"""Landmarks -> joint rotations of the previzkit skeleton (``previzkit.model.skeleton``).

Frames: MediaPipe's world landmarks (metres, hip-centred, x to the image's right,
y down, z away from the camera) become the skeleton's frame by ``(x, -y, -z)``: y up,
and an actor facing the camera faces +z, as the rest pose does (their left, image
right, is +x). So the retargeted character faces the way the actor faces the camera.

Per joint, :data:`~previzkit.model.landmarks.JOINT_LANDMARKS` gives the landmarks at
its head and tail (and, for hips, chest, neck and head, an "across" pair pointing to
the actor's left). The joint's world rotation turns its rest direction (measured the
same way on the skeleton's rest landmarks) onto the captured one: a full frame from
(direction, across) where an across pair exists, otherwise the shortest arc from where
the parent carries the bone (no invented twist). Local rotation = parent⁻¹ · world.
A joint whose landmarks are not visible keeps its rest pose relative to its parent.

Bone lengths come from the actor (:func:`actor_skeleton`); the root is placed so the
lowest foot landmark (ankle, heel, toe tip) is as high as in the skeleton's rest pose,
which stands on y = 0: the actor stands on the floor in every frame (no jumps).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, ShapeError
from previzkit.core.geometry import quat_from_matrix
from previzkit.core.types import Pose, SkeletonPose
from previzkit.model.capture_camera import CaptureCamera
from previzkit.model.kinematics import landmark_positions
from previzkit.model.landmarks import JOINT_LANDMARKS, bone_lengths_from_landmarks
from previzkit.model.skeleton import Skeleton, default_skeleton, skeleton_with_bone_lengths

_FOOT_LANDMARKS = (27, 28, 29, 30, 31, 32)
_FLIP = np.array([1.0, -1.0, -1.0])


def world_to_skeleton_frame(world: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """MediaPipe world landmarks (33, 3) -> y-up, actor-facing-+z frame (metres)."""
    w = np.asarray(world, dtype=np.float64)
    if w.ndim != 2 or w.shape[0] != 33 or w.shape[1] < 3:
        raise ShapeError(f"world landmarks must have shape (33, 3), got {w.shape}")
    return w[:, :3] * _FLIP


def actor_skeleton(
    poses: Sequence[Pose], base: Skeleton | None = None, min_visibility: float = 0.5
) -> Skeleton:
    """A skeleton with the actor's bone lengths: the median over ``poses`` of each bone
    measured where both its ends are visible (bones never seen keep ``base``'s)."""
    if not poses:
        raise InputError("actor_skeleton needs at least one pose")
    base = base or default_skeleton()
    samples: dict[str, list[float]] = {}
    for p in poses:
        lengths = bone_lengths_from_landmarks(world_to_skeleton_frame(p.world))
        vis = p.image[:, 2]
        for name, value in lengths.items():
            if name == "hip_width":
                idx: tuple[int, ...] = (23, 24)
            else:
                m = JOINT_LANDMARKS[name]
                idx = m.head + m.tail
            if np.all(vis[list(idx)] >= min_visibility) and value > 1e-3:
                samples.setdefault(name, []).append(value)
    lengths = {k: float(np.median(v)) for k, v in samples.items()}
    return skeleton_with_bone_lengths(lengths, base)


def _mid(points: npt.NDArray[np.float64], idx: tuple[int, ...]) -> npt.NDArray[np.float64]:
    return points[list(idx)].mean(axis=0)


def _frame(d: Sequence[float], a: Sequence[float]) -> npt.NDArray[np.float64] | None:
    """Orthonormal basis (columns) with column 0 = direction ``d``, column 1 ~ ``a``.
    Scalar arithmetic: retarget calls this per joint per frame (numpy's per-call
    overhead on 3-vectors was most of retarget's time)."""
    dx, dy, dz = d
    n = math.sqrt(dx * dx + dy * dy + dz * dz) + 1e-12
    dx, dy, dz = dx / n, dy / n, dz / n
    ax, ay, az = a
    k = ax * dx + ay * dy + az * dz
    ax, ay, az = ax - dx * k, ay - dy * k, az - dz * k
    n = math.sqrt(ax * ax + ay * ay + az * az)
    if n < 1e-6:
        return None
    ax, ay, az = ax / n, ay / n, az / n
    cx, cy, cz = dy * az - dz * ay, dz * ax - dx * az, dx * ay - dy * ax
    return np.array([[dx, ax, cx], [dy, ay, cy], [dz, az, cz]])


def _arc(u: Sequence[float], v: Sequence[float]) -> npt.NDArray[np.float64]:
    """Rotation matrix of the shortest arc from direction u to direction v (Rodrigues:
    c·I + [w]x + w·wᵀ (1 - c) / s², with w = u x v, s = |w|, c = u·v)."""
    ux, uy, uz = u
    n = math.sqrt(ux * ux + uy * uy + uz * uz) + 1e-12
    ux, uy, uz = ux / n, uy / n, uz / n
    vx, vy, vz = v
    n = math.sqrt(vx * vx + vy * vy + vz * vz) + 1e-12
    vx, vy, vz = vx / n, vy / n, vz / n
    c = ux * vx + uy * vy + uz * vz
    wx, wy, wz = uy * vz - uz * vy, uz * vx - ux * vz, ux * vy - uy * vx
    s2 = wx * wx + wy * wy + wz * wz
    if s2 < 1e-18:
        if c > 0:
            return np.eye(3)
        uu = np.array([ux, uy, uz])
        axis = np.cross(uu, (1.0, 0.0, 0.0))
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(uu, (0.0, 1.0, 0.0))
        axis /= np.linalg.norm(axis)
        return 2 * np.outer(axis, axis) - np.eye(3)
    h = (1.0 - c) / s2
    return np.array(
        [
            [c + h * wx * wx, -wz + h * wx * wy, wy + h * wx * wz],
            [wz + h * wy * wx, c + h * wy * wy, -wx + h * wy * wz],
            [-wy + h * wz * wx, wx + h * wz * wy, c + h * wz * wz],
        ]
    )


@dataclass(frozen=True)
class _JointPlan:
    """What retarget needs of one joint, from the skeleton alone: the landmarks that
    must be visible (None: no landmark mapping), its rest direction and, where an
    across pair exists, its rest frame (transposed)."""

    index: int
    parent: int
    name: str
    used: npt.NDArray[np.int64] | None
    d_rest: npt.NDArray[np.float64]
    b_rest_t: npt.NDArray[np.float64] | None
    has_across: bool


@dataclass(frozen=True)
class _Plan:
    """Per skeleton, computed once: the joints in order, the (J, 33) matrices whose
    product with the landmarks gives every joint's direction and across vector, and
    the floor height of the rest pose's feet."""

    joints: tuple[_JointPlan, ...]
    direction: npt.NDArray[np.float64]
    across: npt.NDArray[np.float64]
    floor: float


def _difference_row(to: tuple[int, ...], frm: tuple[int, ...]) -> npt.NDArray[np.float64]:
    row = np.zeros(33)
    np.add.at(row, list(to), 1.0 / len(to))
    np.add.at(row, list(frm), -1.0 / len(frm))
    return row


def _plan(skeleton: Skeleton) -> _Plan:
    cached = skeleton._rest.get("retarget_plan")
    if cached is not None:
        return cached
    rest = skeleton.rest_landmarks()
    n = skeleton.num_joints
    direction, across = np.zeros((n, 33)), np.zeros((n, 33))
    joints = []
    for j, name in enumerate(skeleton.names):
        parent = int(skeleton.parents[j])
        m = JOINT_LANDMARKS.get(name)
        if m is None:
            joints.append(_JointPlan(j, parent, name, None, np.zeros(3), None, False))
            continue
        used = m.head + m.tail + (sum(m.across, ()) if m.across else ())
        direction[j] = _difference_row(m.tail, m.head)
        d_rest = direction[j] @ rest
        b_rest_t = None
        if m.across is not None:
            across[j] = _difference_row(m.across[1], m.across[0])
            b_rest = _frame(d_rest.tolist(), (across[j] @ rest).tolist())
            b_rest_t = None if b_rest is None else b_rest.T
        joints.append(
            _JointPlan(j, parent, name, np.array(used), d_rest, b_rest_t, m.across is not None)
        )
    floor = float(rest[list(_FOOT_LANDMARKS), 1].min())
    plan = _Plan(tuple(joints), direction, across, floor)
    skeleton._rest["retarget_plan"] = plan
    return plan


_EYE = np.eye(3)
_IDENTITY_TOL = 1e-7 + 1e-5 * _EYE  # np.allclose(r, I, atol=1e-7)'s per-entry bound


def retarget(
    pose: Pose,
    skeleton: Skeleton | None = None,
    *,
    min_visibility: float = 0.5,
    root_xz: tuple[float, float] = (0.0, 0.0),
) -> SkeletonPose:
    """Joint rotations (x, y, z, w) of ``skeleton`` following ``pose``; root on the floor.

    ``skeleton`` defaults to one with this pose's bone lengths (:func:`actor_skeleton`);
    pass one built over many frames for a steady clip. ``root_xz`` places the hips
    horizontally (m) in the skeleton's parent frame.
    """
    skeleton = skeleton or actor_skeleton([pose], min_visibility=min_visibility)
    plan = _plan(skeleton)
    pts = world_to_skeleton_frame(pose.world)
    seen = np.asarray(pose.image, dtype=np.float64)[:, 2] >= min_visibility
    d_all = (plan.direction @ pts).tolist()
    a_all = (plan.across @ pts).tolist()
    world_rot = np.zeros((skeleton.num_joints, 3, 3))
    local: dict[str, tuple[float, float, float, float]] = {}
    for jp in plan.joints:
        j = jp.index
        g_parent = world_rot[jp.parent] if jp.parent >= 0 else _EYE
        if jp.used is None or not seen[jp.used].all():
            world_rot[j] = g_parent  # unseen: rest relative to the parent
            continue
        d_now = d_all[j]
        if math.hypot(*d_now) < 1e-6 or math.hypot(*jp.d_rest) < 1e-9:
            world_rot[j] = g_parent
            continue
        g = None
        if jp.b_rest_t is not None:
            b_now = _frame(d_now, a_all[j])
            if b_now is not None:
                g = b_now @ jp.b_rest_t
        if g is None:
            g = _arc((g_parent @ jp.d_rest).tolist(), d_now) @ g_parent
        world_rot[j] = g
        r_local = g_parent.T @ g
        if not (np.abs(r_local - _EYE) <= _IDENTITY_TOL).all():
            local[jp.name] = quat_from_matrix(r_local)
    root_y = float(skeleton.offsets[0, 1])
    out = SkeletonPose(root=(float(root_xz[0]), root_y, float(root_xz[1])), rotations=local)
    # the floor as the skeleton defines it: where its rest pose's foot landmarks stand
    feet = landmark_positions(skeleton, out)[list(_FOOT_LANDMARKS), 1]
    out.root = (out.root[0], root_y + plan.floor - float(feet.min()), out.root[2])
    return out


def retarget_clip(
    poses: Sequence[Pose],
    skeleton: Skeleton | None = None,
    *,
    min_visibility: float = 0.5,
    track_root: bool = True,
    camera: CaptureCamera | None = None,
) -> tuple[Skeleton, list[SkeletonPose]]:
    """Retarget one actor's clip: a skeleton with their bone lengths (median over the
    clip) and a pose per frame. With ``track_root`` the hips move sideways with the
    actor's hips in the image, scaled to metres by their torso length (pixels per metre);
    depth is not recovered from a single camera and stays 0.
    """
    if not poses:
        raise InputError("retarget_clip needs at least one pose")
    skel = skeleton or actor_skeleton(poses, min_visibility=min_visibility)
    out = []
    x0 = None
    for p in poses:
        x = 0.0
        if track_root:
            img = p.image[:, :2].astype(np.float64)
            w = world_to_skeleton_frame(p.world)
            px = np.linalg.norm(_mid(img, (11, 12)) - _mid(img, (23, 24)))
            m = np.linalg.norm(_mid(w, (11, 12)) - _mid(w, (23, 24)))
            hip_x = float(_mid(img, (23, 24))[0])
            if px > 1 and m > 1e-3:
                ppm = px / m
                x0 = hip_x if x0 is None else x0
                x = float((hip_x - x0) / ppm)
        out.append(retarget(p, skel, min_visibility=min_visibility, root_xz=(x, 0.0)))
    return skel, out

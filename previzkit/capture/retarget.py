"""Landmarks -> joint rotations of the previzkit skeleton (``previzkit.render.skeleton``).

Frames: MediaPipe's world landmarks (metres, hip-centred, x to the image's right,
y down, z away from the camera) become the skeleton's frame by ``(x, -y, -z)``: y up,
and an actor facing the camera faces +z, as the rest pose does (their left, image
right, is +x). So the retargeted character faces the way the actor faces the camera.

Per joint, :data:`~previzkit.render.skeleton.JOINT_LANDMARKS` gives the landmarks at
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

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from previzkit.errors import InputError, ShapeError
from previzkit.render.skeleton import (
    JOINT_LANDMARKS,
    Skeleton,
    bone_lengths_from_landmarks,
    default_skeleton,
    landmark_positions,
    quat_from_matrix,
    skeleton_with_bone_lengths,
)
from previzkit.types import Pose, SkeletonPose

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


def _frame(direction: npt.NDArray, across: npt.NDArray) -> npt.NDArray[np.float64] | None:
    """Orthonormal basis (columns) with column 0 = direction, column 1 ~ across."""
    d = direction / (np.linalg.norm(direction) + 1e-12)
    a = across - d * np.dot(across, d)
    n = np.linalg.norm(a)
    if n < 1e-6:
        return None
    a = a / n
    return np.stack([d, a, np.cross(d, a)], axis=1)


def _arc(u: npt.NDArray, v: npt.NDArray) -> npt.NDArray[np.float64]:
    """Rotation matrix of the shortest arc from direction u to direction v."""
    u = u / (np.linalg.norm(u) + 1e-12)
    v = v / (np.linalg.norm(v) + 1e-12)
    c = float(np.dot(u, v))
    w = np.cross(u, v)
    s = float(np.linalg.norm(w))
    if s < 1e-9:
        if c > 0:
            return np.eye(3)
        axis = np.cross(u, (1.0, 0.0, 0.0))
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(u, (0.0, 1.0, 0.0))
        axis /= np.linalg.norm(axis)
        return 2 * np.outer(axis, axis) - np.eye(3)
    k = np.array([[0, -w[2], w[1]], [w[2], 0, -w[0]], [-w[1], w[0], 0]])
    return np.eye(3) + k + k @ k * ((1 - c) / (s * s))


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
    pts = world_to_skeleton_frame(pose.world)
    vis = np.asarray(pose.image, dtype=np.float64)[:, 2]
    rest = skeleton.rest_landmarks()
    n = skeleton.num_joints
    world_rot = np.zeros((n, 3, 3))
    local: dict[str, tuple[float, float, float, float]] = {}
    for j, name in enumerate(skeleton.names):
        parent = int(skeleton.parents[j])
        g_parent = world_rot[parent] if parent >= 0 else np.eye(3)
        m = JOINT_LANDMARKS.get(name)
        used = () if m is None else m.head + m.tail + (sum(m.across, ()) if m.across else ())
        if m is None or not np.all(vis[list(used)] >= min_visibility):
            world_rot[j] = g_parent  # unseen: rest relative to the parent
            continue
        d_rest = _mid(rest, m.tail) - _mid(rest, m.head)
        d_now = _mid(pts, m.tail) - _mid(pts, m.head)
        if np.linalg.norm(d_now) < 1e-6 or np.linalg.norm(d_rest) < 1e-9:
            world_rot[j] = g_parent
            continue
        g = None
        if m.across is not None:
            b_rest = _frame(d_rest, _mid(rest, m.across[1]) - _mid(rest, m.across[0]))
            b_now = _frame(d_now, _mid(pts, m.across[1]) - _mid(pts, m.across[0]))
            if b_rest is not None and b_now is not None:
                g = b_now @ b_rest.T
        if g is None:
            g = _arc(g_parent @ d_rest, d_now) @ g_parent
        world_rot[j] = g
        r_local = g_parent.T @ g
        if not np.allclose(r_local, np.eye(3), atol=1e-7):
            local[name] = quat_from_matrix(r_local)
    root_y = float(skeleton.offsets[0, 1])
    out = SkeletonPose(root=(float(root_xz[0]), root_y, float(root_xz[1])), rotations=local)
    # the floor as the skeleton defines it: where its rest pose's foot landmarks stand
    floor = float(skeleton.rest_landmarks()[list(_FOOT_LANDMARKS), 1].min())
    feet = landmark_positions(skeleton, out)[list(_FOOT_LANDMARKS), 1]
    out.root = (out.root[0], root_y + floor - float(feet.min()), out.root[2])
    return out


def retarget_clip(
    poses: Sequence[Pose],
    skeleton: Skeleton | None = None,
    *,
    min_visibility: float = 0.5,
    track_root: bool = True,
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
                x = (hip_x - x0) / ppm
        out.append(retarget(p, skel, min_visibility=min_visibility, root_xz=(x, 0.0)))
    return skel, out

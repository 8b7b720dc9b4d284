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

One frame (:func:`retarget`, the live path): a joint whose landmarks are not visible
keeps its rest pose relative to its parent, and the root is placed so the lowest foot
landmark stands on the floor. A clip (:func:`retarget_clip`, what the exporters call):
the root is metric and grounded (:mod:`previzkit.capture.root`: depth and height kept,
jumps and steps included), a joint unseen in a frame is held or interpolated from the
frames where it was seen (never the rest pose), and planted feet are locked by two-bone
leg IK (:func:`lock_feet`). Bone lengths come from the actor (:func:`actor_skeleton`).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from previzkit.capture.root import ground_motion
from previzkit.core.errors import InputError, ShapeError
from previzkit.core.geometry import quat_from_matrix, quat_to_matrix_batch
from previzkit.core.types import Pose, SkeletonPose
from previzkit.model.capture_camera import CaptureCamera
from previzkit.model.contacts import clip_floor, contact_ranges
from previzkit.model.kinematics import forward_kinematics_arrays, landmark_positions
from previzkit.model.landmarks import JOINT_LANDMARKS, bone_lengths_from_landmarks
from previzkit.model.skeleton import Skeleton, default_skeleton, skeleton_with_bone_lengths

log = logging.getLogger(__name__)

_FOOT_LANDMARKS = (27, 28, 29, 30, 31, 32)
_HIPS = (23, 24)
_SOLES = ((29, 31), (30, 32))  # (heel, toe) of the left and right foot
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


def _solve_joints(
    plan: _Plan, num_joints: int, pts: npt.NDArray[np.float64], seen: npt.NDArray[np.bool_]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """World rotations (J, 3, 3) of every joint for landmarks ``pts`` (33, 3, y up), and
    (J,) True where the joint's own landmarks were ``seen``; an unseen joint keeps its
    rest pose relative to its parent (``retarget_clip`` then fills it from other frames)."""
    d_all = (plan.direction @ pts).tolist()
    a_all = (plan.across @ pts).tolist()
    world_rot = np.zeros((num_joints, 3, 3))
    joint_seen = np.zeros(num_joints, dtype=bool)
    for jp in plan.joints:
        j = jp.index
        g_parent = world_rot[jp.parent] if jp.parent >= 0 else _EYE
        if jp.used is None or not seen[jp.used].all():
            world_rot[j] = g_parent
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
        joint_seen[j] = True
    return world_rot, joint_seen


def _local_rotations(
    skeleton: Skeleton, world_rot: npt.NDArray[np.float64]
) -> dict[str, tuple[float, float, float, float]]:
    """name -> local quaternion (x, y, z, w) = parent⁻¹ · world; identities left out."""
    local: dict[str, tuple[float, float, float, float]] = {}
    for j, name in enumerate(skeleton.names):
        p = int(skeleton.parents[j])
        r_local = world_rot[j] if p < 0 else world_rot[p].T @ world_rot[j]
        if not (np.abs(r_local - _EYE) <= _IDENTITY_TOL).all():
            local[name] = quat_from_matrix(r_local)
    return local


def retarget(
    pose: Pose,
    skeleton: Skeleton | None = None,
    *,
    min_visibility: float = 0.5,
    root_xz: tuple[float, float] = (0.0, 0.0),
) -> SkeletonPose:
    """Joint rotations (x, y, z, w) of ``skeleton`` following ``pose``; root on the floor.

    One frame (the live path): a joint whose landmarks are below ``min_visibility``
    keeps its rest pose relative to its parent (a clip fills it from its other frames:
    :func:`retarget_clip`). ``skeleton`` defaults to one with this pose's bone lengths
    (:func:`actor_skeleton`); pass one built over many frames for a steady clip.
    ``root_xz`` places the hips horizontally (m) in the skeleton's parent frame.
    """
    skeleton = skeleton or actor_skeleton([pose], min_visibility=min_visibility)
    plan = _plan(skeleton)
    pts = world_to_skeleton_frame(pose.world)
    seen = np.asarray(pose.image, dtype=np.float64)[:, 2] >= min_visibility
    world_rot, _ = _solve_joints(plan, skeleton.num_joints, pts, seen)
    root_y = float(skeleton.offsets[0, 1])
    out = SkeletonPose(
        root=(float(root_xz[0]), root_y, float(root_xz[1])),
        rotations=_local_rotations(skeleton, world_rot),
    )
    # the floor as the skeleton defines it: where its rest pose's foot landmarks stand
    feet = landmark_positions(skeleton, out)[list(_FOOT_LANDMARKS), 1]
    out.root = (out.root[0], root_y + plan.floor - float(feet.min()), out.root[2])
    return out


# --- clips: grounded root, occluded joints filled, planted feet locked --------------------

LOCK_BLEND_FRAMES = 4
"""Frames over which a foot eases into and out of its lock, either side of a contact."""


def _slerp(
    q0: npt.NDArray[np.float64], q1: npt.NDArray[np.float64], t: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """(N, 4) spherical interpolation of unit quaternions (N, 4) at t (N,) in [0, 1]."""
    dot = np.sum(q0 * q1, axis=-1)
    q1 = np.where(dot[:, None] < 0, -q1, q1)
    dot = np.abs(dot).clip(-1.0, 1.0)
    theta = np.arccos(dot)
    sin = np.sin(theta)
    small = sin < 1e-6
    safe = np.where(small, 1.0, sin)
    w0 = np.where(small, 1.0 - t, np.sin((1.0 - t) * theta) / safe)
    w1 = np.where(small, t, np.sin(t * theta) / safe)
    q = w0[:, None] * q0 + w1[:, None] * q1
    return np.asarray(q / np.linalg.norm(q, axis=-1, keepdims=True), dtype=np.float64)


def _quats_of(mats: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.array([quat_from_matrix(m) for m in mats.reshape(-1, 3, 3)]).reshape(
        (*mats.shape[:-2], 4)
    )


def fill_unseen(
    times: npt.NDArray[np.float64],
    quats: npt.NDArray[np.float64],
    seen: npt.NDArray[np.bool_],
    guess: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """(F, J, 4) local rotations where each joint's unseen frames are filled from its
    seen ones: interpolated (slerp, by time) between the seen frames either side, held
    from the nearest seen frame before the first or after the last; a joint never seen
    in the clip takes ``guess`` (the rotation from its landmarks however unsure: never
    the rest pose). ``times`` (F,) s, ``seen`` (F, J)."""
    out = quats.copy()
    for j in range(quats.shape[1]):
        ok = np.flatnonzero(seen[:, j])
        if len(ok) == len(times):
            continue
        if not len(ok):
            out[:, j] = guess[:, j]
            continue
        miss = np.flatnonzero(~seen[:, j])
        after = np.searchsorted(ok, miss).clip(0, len(ok) - 1)
        before = (np.searchsorted(ok, miss) - 1).clip(0, len(ok) - 1)
        i0, i1 = ok[before], ok[after]
        span = times[i1] - times[i0]
        t = np.where(span > 0, (times[miss] - times[i0]) / np.where(span > 0, span, 1.0), 0.0)
        out[miss, j] = _slerp(quats[i0, j], quats[i1, j], t.clip(0.0, 1.0))
    return out


def _landmarks_of(skeleton: Skeleton, fk: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """(F, 33, 3) landmarks from joint-to-world transforms (F, J, 4, 4)."""
    m = fk[:, skeleton.landmark_joint]
    off = np.einsum("fkab,kb->fka", m[..., :3, :3], skeleton.landmark_offset)
    return np.asarray(off + m[..., :3, 3], dtype=np.float64)


def _axis_angle_matrix(axis: npt.NDArray[np.float64], angle: float) -> npt.NDArray[np.float64]:
    x, y, z = axis / (np.linalg.norm(axis) + 1e-12)
    c, s = math.cos(angle), math.sin(angle)
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]])
    return np.asarray(np.eye(3) * c + s * k + (1 - c) * np.outer((x, y, z), (x, y, z)))


def two_bone_ik(
    hip: npt.NDArray[np.float64],
    knee: npt.NDArray[np.float64],
    ankle: npt.NDArray[np.float64],
    target: npt.NDArray[np.float64],
    bend_axis: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Analytic two-bone IK (hip-knee-ankle, metres, any frame): world rotations
    (R_upper, R_knee) such that rotating the whole leg by ``R_upper`` about the hip and
    the shin by ``R_upper @ R_knee`` about the knee brings the ankle onto ``target``
    (or as near as the leg's length allows), keeping the knee in its current bending
    plane (``bend_axis`` when the leg is straight)."""
    l1, l2 = float(np.linalg.norm(knee - hip)), float(np.linalg.norm(ankle - knee))
    d = float(np.linalg.norm(target - hip))
    d = min(max(d, abs(l1 - l2) + 1e-4), l1 + l2 - 1e-4)
    axis = np.cross(knee - hip, ankle - knee)
    if np.linalg.norm(axis) < 1e-6 * l1 * l2:
        axis = bend_axis
    cur = float(np.dot(hip - knee, ankle - knee) / (l1 * l2))
    want = (l1 * l1 + l2 * l2 - d * d) / (2 * l1 * l2)
    phi = math.acos(min(1.0, max(-1.0, cur))) - math.acos(min(1.0, max(-1.0, want)))
    r_knee = _axis_angle_matrix(axis, phi)
    bent = knee + r_knee @ (ankle - knee)
    r_upper = _arc((bent - hip).tolist(), (target - hip).tolist())
    return r_upper, r_knee


def _lock_targets(
    contacts: npt.NDArray[np.bool_], ankles: npt.NDArray[np.float64], blend: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """For one foot: per frame the lock weight (F,) in [0, 1], the locked ankle position
    (F, 3) (median over its contact) and the contact's middle frame (F,) (-1: none)."""
    n = len(contacts)
    weight, target = np.zeros(n), np.zeros((n, 3))
    anchor = np.full(n, -1, dtype=np.int64)
    for a, b in contact_ranges(contacts):
        pos = np.median(ankles[a : b + 1], axis=0)
        for i in range(max(0, a - blend), min(n, b + blend + 1)):
            w = 1.0 if a <= i <= b else 1.0 - (a - i if i < a else i - b) / (blend + 1.0)
            if w > weight[i]:
                weight[i], target[i], anchor[i] = w, pos, (a + b) // 2
    return weight, target, anchor


def lock_feet(
    skeleton: Skeleton,
    roots: npt.NDArray[np.float64],
    quats: npt.NDArray[np.float64],
    contacts: npt.NDArray[np.bool_],
    blend: int = LOCK_BLEND_FRAMES,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """(roots (F, 3), local rotations (F, J, 4)) with each planted foot held still: over
    each contact (``contacts`` (F, 2): left, right) the ankle is pulled by two-bone leg
    IK onto its median position and the foot keeps the orientation of the contact's
    middle frame, eased in and out over ``blend`` frames either side. Where the locked
    ankle is out of the leg's reach, the hips move towards it (by the shortfall).
    ``roots`` (F, 3): hips in the set frame (m)."""
    roots, out = roots.copy(), quats.copy()
    fk = forward_kinematics_arrays(skeleton, roots, quats)
    sides = []
    for k, side in enumerate(("left", "right")):
        ju, jl, jf = (skeleton.index(f"{side}_{b}") for b in ("upper_leg", "lower_leg", "foot"))
        reach = 0.995 * float(
            np.linalg.norm(skeleton.offsets[jl]) + np.linalg.norm(skeleton.offsets[jf])
        )
        weight, target, anchor = _lock_targets(contacts[:, k], fk[:, jf, :3, 3], blend)
        sides.append((ju, jl, jf, reach, weight, target, anchor, _quats_of(fk[:, jf, :3, :3])))
    for i in np.flatnonzero(np.maximum(sides[0][4], sides[1][4]) > 0):
        shift = np.zeros(3)
        for _ in range(3):  # both feet planted: alternate until both are in reach
            for ju, _, jf, reach, weight, target, _, _ in sides:
                if weight[i] > 0:
                    ankle = fk[i, jf, :3, 3]
                    goal = ankle + weight[i] * (target[i] - ankle)
                    to_goal = goal - (fk[i, ju, :3, 3] + shift)
                    dist = float(np.linalg.norm(to_goal))
                    if dist > reach:
                        shift += to_goal * (dist - reach) / dist
        roots[i] += shift
        g = fk[i].copy()
        g[:, :3, 3] += shift
        for ju, jl, jf, _, weight, target, anchor, foot_q in sides:
            w = float(weight[i])
            if w <= 0:
                continue
            jp = int(skeleton.parents[ju])
            hip, knee, ankle = g[ju, :3, 3], g[jl, :3, 3], g[jf, :3, 3]
            goal = fk[i, jf, :3, 3] + w * (target[i] - fk[i, jf, :3, 3])
            r_up, r_knee = two_bone_ik(hip, knee, ankle, goal, g[jp, :3, 0])
            up_w = r_up @ g[ju, :3, :3]
            low_w = r_up @ r_knee @ g[jl, :3, :3]
            fq = _slerp(foot_q[i : i + 1], foot_q[anchor[i] : anchor[i] + 1], np.array([w]))
            foot_w = quat_to_matrix_batch(fq)[0]
            out[i, ju] = quat_from_matrix(g[jp, :3, :3].T @ up_w)
            out[i, jl] = quat_from_matrix(up_w.T @ low_w)
            out[i, jf] = quat_from_matrix(low_w.T @ foot_w)
    return roots, out


def retarget_clip(
    poses: Sequence[Pose],
    skeleton: Skeleton | None = None,
    *,
    min_visibility: float = 0.5,
    track_root: bool = True,
    camera: CaptureCamera | None = None,
    lock: bool = True,
    origin: str = "actor",
) -> tuple[Skeleton, list[SkeletonPose]]:
    """Retarget one actor's clip (poses in time order): a skeleton with their bone
    lengths (median over the clip) and a pose per frame, in the set frame (metres, y
    up, floor y = 0, -z the camera's forward direction; :mod:`previzkit.capture.root`)
    whose origin is on the floor below the hips' first position (``origin="actor"``)
    or below the camera (``origin="camera"``: several actors keep their places).

    With ``track_root`` the hips are placed where the actor stood, metric and grounded
    (:func:`~previzkit.capture.root.ground_motion` with ``camera``, else a 60-degree
    camera is assumed): depth and height above the floor are kept (steps, jumps), and
    the body is turned by the camera's tilt. A joint whose landmarks are below
    ``min_visibility`` in a frame is filled from the frames where it was seen
    (:func:`fill_unseen`): never the rest pose. With ``lock`` (and ``track_root``),
    planted feet stay put (:func:`lock_feet`). Without ``track_root`` every frame
    stands on the floor over the origin, as :func:`retarget` places it.
    """
    if not poses:
        raise InputError("retarget_clip needs at least one pose")
    if origin not in ("actor", "camera"):
        raise InputError(f"retarget_clip: origin must be 'actor' or 'camera', got {origin!r}")
    skel = skeleton or actor_skeleton(poses, min_visibility=min_visibility)
    plan = _plan(skel)
    n_frames, n_joints = len(poses), skel.num_joints
    times = np.array([p.timestamp for p in poses], dtype=np.float64)
    has_pixels = any(
        np.ptp(np.asarray(p.image, dtype=np.float64)[:, :2], axis=0).max() > 0 for p in poses
    )
    if track_root and not has_pixels:
        log.warning("retarget_clip: the poses carry no image landmarks: root left on the floor")
    motion = ground_motion(poses, camera) if track_root and has_pixels else None
    to_set = motion.ground.rotation() if motion is not None else np.diag(_FLIP)
    quats = np.zeros((n_frames, n_joints, 4))
    seen = np.zeros((n_frames, n_joints), dtype=bool)
    pts_all = []
    for i, p in enumerate(poses):
        pts = np.asarray(p.world, dtype=np.float64)[:, :3] @ to_set.T
        vis = np.asarray(p.image, dtype=np.float64)[:, 2] >= min_visibility
        world_rot, seen[i] = _solve_joints(plan, n_joints, pts, vis)
        quats[i] = _quats_of(_local_of(skel, world_rot))
        pts_all.append(pts)
    guess = quats
    if not seen.any(axis=0).all():  # a joint never seen: its landmarks, however unsure
        guess = np.zeros_like(quats)
        everything = np.ones(33, dtype=bool)
        for i, pts in enumerate(pts_all):
            guess[i] = _quats_of(_local_of(skel, _solve_joints(plan, n_joints, pts, everything)[0]))
    quats = fill_unseen(times, quats, seen, guess)
    roots = np.zeros((n_frames, 3))
    fk = forward_kinematics_arrays(skel, roots, quats)
    lm = _landmarks_of(skel, fk)
    if motion is not None:
        roots = motion.root - lm[:, list(_HIPS)].mean(axis=1)
        if motion.ground.source == "contacts":  # the skeleton's own feet on that floor
            roots[:, 1] -= _floor_under(lm + roots[:, None, :], motion.contacts)
        if origin == "actor":
            roots[:, [0, 2]] -= roots[0, [0, 2]]
        if lock:
            roots, quats = lock_feet(skel, roots, quats, motion.contacts)
    else:
        roots[:, 1] = plan.floor - lm[:, list(_FOOT_LANDMARKS), 1].min(axis=1)
    out = []
    for i in range(n_frames):
        rot = {
            name: (float(q[0]), float(q[1]), float(q[2]), float(q[3]))
            for name, q in zip(skel.names, quats[i], strict=True)
            if abs(q[3]) < 1.0 - 1e-9
        }
        out.append(
            SkeletonPose(
                root=(float(roots[i, 0]), float(roots[i, 1]), float(roots[i, 2])), rotations=rot
            )
        )
    return skel, out


def _floor_under(landmarks: npt.NDArray[np.float64], contacts: npt.NDArray[np.bool_]) -> float:
    """The height (m) of the lowest level the (F, 33, 3) landmarks' planted feet stand on
    (contacts (F, 2)); with no contact, :func:`~previzkit.model.contacts.clip_floor`."""
    low = [landmarks[contacts[:, k]][:, list(idx), 1].min(axis=1) for k, idx in enumerate(_SOLES)]
    heights = np.concatenate(low)
    if not heights.size:
        return clip_floor(landmarks)
    lowest = float(np.percentile(heights, 5))
    return float(np.median(heights[heights < lowest + 0.1]))


def _local_of(skeleton: Skeleton, world_rot: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """(J, 3, 3) local rotations parent⁻¹ · world of world rotations (J, 3, 3)."""
    parents = skeleton.parents
    out = world_rot.copy()
    has = parents >= 0
    out[has] = np.einsum("jba,jbc->jac", world_rot[parents[has]], world_rot[has])
    return out

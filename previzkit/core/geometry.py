"""Rotations, quaternions and rigid transforms: the one place previzkit does this math.

Pure numpy. Conventions, everywhere in previzkit:

- right-handed frames, metres, y up; a camera looks down its local -z with +y up;
- quaternions are (x, y, z, w) like OpenXR's XrQuaternionf; functions returning one
  give a unit quaternion as a tuple of Python floats;
- matrices act on column vectors (``p' = M @ p``); 4x4 transforms are
  local-to-parent, ``M = T @ R``;
- angles are radians unless a name says ``_deg``; positive angles turn
  counter-clockwise looking down the axis towards the origin (right-hand rule).

Where a caller is hot (retarget runs per joint per frame), the scalar functions here
work on Python floats rather than small numpy arrays; the ``_batch`` ones take
leading axes.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError
from previzkit.core.types import Mat3, Mat4

#: A unit quaternion (x, y, z, w) as Python floats.
QuatTuple = tuple[float, float, float, float]

IDENTITY_QUAT: QuatTuple = (0.0, 0.0, 0.0, 1.0)

# --- quaternions <-> matrices --------------------------------------------------------


def quat_to_matrix(q: npt.ArrayLike) -> Mat3:
    """3x3 rotation matrix of quaternion ``q`` (x, y, z, w); normalised here."""
    qa = np.asarray(q, dtype=np.float64)
    x, y, z, w = (qa / np.linalg.norm(qa)).tolist()
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def quat_to_matrix_batch(q: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """(..., 3, 3) rotation matrices of (..., 4) quaternions (x, y, z, w); normalised here."""
    qa = np.asarray(q, dtype=np.float64)
    qa = qa / np.linalg.norm(qa, axis=-1, keepdims=True)
    x, y, z, w = qa[..., 0], qa[..., 1], qa[..., 2], qa[..., 3]
    m = np.empty((*qa.shape[:-1], 3, 3))
    m[..., 0, 0] = 1 - 2 * (y * y + z * z)
    m[..., 0, 1] = 2 * (x * y - z * w)
    m[..., 0, 2] = 2 * (x * z + y * w)
    m[..., 1, 0] = 2 * (x * y + z * w)
    m[..., 1, 1] = 1 - 2 * (x * x + z * z)
    m[..., 1, 2] = 2 * (y * z - x * w)
    m[..., 2, 0] = 2 * (x * z - y * w)
    m[..., 2, 1] = 2 * (y * z + x * w)
    m[..., 2, 2] = 1 - 2 * (x * x + y * y)
    return m


def quat_from_matrix(m: npt.ArrayLike) -> QuatTuple:
    """Unit quaternion (x, y, z, w), w >= 0, of a 3x3 rotation (or a 4x4's rotation part).

    Scalar arithmetic on the nine entries (called per joint per frame by retarget).
    Picks the largest of w, x, y, z to divide by, so it is exact near 180 degrees.
    """
    rows: list[list[float]] = np.asarray(m, dtype=np.float64)[:3, :3].tolist()
    (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = rows
    t = r00 + r11 + r22
    if t > 0:
        s = math.sqrt(t + 1.0) * 2
        q = ((r21 - r12) / s, (r02 - r20) / s, (r10 - r01) / s, 0.25 * s)
    elif r00 > r11 and r00 > r22:
        s = math.sqrt(1.0 + r00 - r11 - r22) * 2
        q = (0.25 * s, (r01 + r10) / s, (r02 + r20) / s, (r21 - r12) / s)
    elif r11 > r22:
        s = math.sqrt(1.0 + r11 - r00 - r22) * 2
        q = ((r01 + r10) / s, 0.25 * s, (r12 + r21) / s, (r02 - r20) / s)
    else:
        s = math.sqrt(1.0 + r22 - r00 - r11) * 2
        q = ((r02 + r20) / s, (r12 + r21) / s, 0.25 * s, (r10 - r01) / s)
    n = math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
    if q[3] < 0:
        n = -n
    return (q[0] / n, q[1] / n, q[2] / n, q[3] / n)


# --- building quaternions ------------------------------------------------------------


def quat_from_axis_angle(axis: npt.ArrayLike, angle_rad: float) -> QuatTuple:
    """Quaternion (x, y, z, w) turning ``angle_rad`` (right hand) about ``axis`` (any length)."""
    a = np.asarray(axis, dtype=np.float64)
    n = float(np.linalg.norm(a))
    if n == 0:
        raise InputError("quat_from_axis_angle: axis is the zero vector")
    s = math.sin(angle_rad / 2) / n
    return (float(a[0] * s), float(a[1] * s), float(a[2] * s), math.cos(angle_rad / 2))


def quat_between(u: npt.ArrayLike, v: npt.ArrayLike) -> QuatTuple:
    """Shortest-arc quaternion (x, y, z, w) turning direction ``u`` onto direction ``v``."""
    a = np.asarray(u, dtype=np.float64)
    b = np.asarray(v, dtype=np.float64)
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0 or nb == 0:
        raise InputError("quat_between: a direction is the zero vector")
    a, b = a / na, b / nb
    d = float(np.dot(a, b))
    if d < -1 + 1e-12:  # opposite: any perpendicular axis
        axis = np.cross(a, (1.0, 0.0, 0.0))
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(a, (0.0, 1.0, 0.0))
        return quat_from_axis_angle(axis, math.pi)
    c = np.cross(a, b)
    q = np.array([c[0], c[1], c[2], 1.0 + d])
    q /= np.linalg.norm(q)
    return (float(q[0]), float(q[1]), float(q[2]), float(q[3]))


def quat_multiply(a: npt.ArrayLike, b: npt.ArrayLike) -> QuatTuple:
    """Hamilton product ``a * b`` of quaternions (x, y, z, w): rotate by b, then by a."""
    ax, ay, az, aw = np.asarray(a, dtype=np.float64).tolist()
    bx, by, bz, bw = np.asarray(b, dtype=np.float64).tolist()
    return (
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
        aw * bw - ax * bx - ay * by - az * bz,
    )


def euler_to_quat(yaw_deg: float, pitch_deg: float = 0.0, roll_deg: float = 0.0) -> QuatTuple:
    """Unit quaternion (x, y, z, w) of R = Ry(yaw) @ Rx(pitch) @ Rz(roll), angles in degrees.

    The set file's ``{yaw, pitch, roll}``: yaw turns about +y (0 keeps -z forward,
    +90 turns -z towards -x), then pitch about the yawed +x (+90 tips -z up to +y),
    then roll about the pitched +z.
    """

    def about(axis: int, deg: float) -> QuatTuple:
        h = math.radians(deg) / 2.0
        q = [0.0, 0.0, 0.0, math.cos(h)]
        q[axis] = math.sin(h)
        return (q[0], q[1], q[2], q[3])

    q = np.array(
        quat_multiply(quat_multiply(about(1, yaw_deg), about(0, pitch_deg)), about(2, roll_deg))
    )
    x, y, z, w = (q / np.linalg.norm(q)).tolist()
    return (x, y, z, w)


# --- rotation matrices ---------------------------------------------------------------


def axis_rotation(axis: int, angle_rad: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """(..., 3, 3) right-handed rotations by ``angle_rad`` (any shape) about x (0), y (1) or z (2)."""
    a = np.asarray(angle_rad, dtype=np.float64)
    if a.ndim == 0:  # one angle: libm's cos/sin, as scalar callers had
        c: float | npt.NDArray[np.float64] = math.cos(float(a))
        s: float | npt.NDArray[np.float64] = math.sin(float(a))
    else:
        c, s = np.cos(a), np.sin(a)
    m = np.zeros((*a.shape, 3, 3))
    i, j = (axis + 1) % 3, (axis + 2) % 3  # cyclic: y's pair is (z, x), not (x, z)
    m[..., axis, axis] = 1.0
    m[..., i, i] = c
    m[..., j, j] = c
    m[..., i, j] = -s
    m[..., j, i] = s
    return m


def euler_zxy_degrees(m: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """(..., 3) angles (z, x, y) in degrees with R = Rz(z) @ Rx(x) @ Ry(y), of (..., 3, 3).

    At gimbal lock (x = +-90 degrees) all of the turn about the vertical goes into z.
    """
    r = np.asarray(m, dtype=np.float64)
    # R = Rz Rx Ry: R[2,1] = sin x; R[0,1] = -sin z cos x; R[1,1] = cos z cos x;
    # R[2,0] = -cos x sin y; R[2,2] = cos x cos y
    sx = np.clip(r[..., 2, 1], -1.0, 1.0)
    x = np.arcsin(sx)
    z = np.arctan2(-r[..., 0, 1], r[..., 1, 1])
    y = np.arctan2(-r[..., 2, 0], r[..., 2, 2])
    lock = np.abs(sx) > 1 - 1e-9
    if np.any(lock):
        z = np.where(lock, np.arctan2(r[..., 1, 0], r[..., 0, 0]), z)
        y = np.where(lock, 0.0, y)
    out: npt.NDArray[np.float64] = np.degrees(np.stack([z, x, y], axis=-1))
    return out


# --- rigid transforms ----------------------------------------------------------------


def pose_matrix(position: npt.ArrayLike, orientation: npt.ArrayLike = IDENTITY_QUAT) -> Mat4:
    """4x4 local-to-parent transform T(position) @ R(orientation): metres, (x, y, z, w)."""
    m = np.eye(4)
    m[:3, :3] = quat_to_matrix(orientation)
    m[:3, 3] = position
    return m


def translation(offset: npt.ArrayLike, yaw_rad: float = 0.0) -> Mat4:
    """4x4 T(offset) @ Ry(yaw_rad): move by ``offset`` (m), turn ``yaw_rad`` about +y."""
    c, s = math.cos(yaw_rad), math.sin(yaw_rad)
    m = np.eye(4)
    m[0, 0], m[0, 2], m[2, 0], m[2, 2] = c, s, -s, c
    m[:3, 3] = np.asarray(offset, dtype=np.float64)
    return m


def look_at(eye: npt.ArrayLike, target: npt.ArrayLike, up: npt.ArrayLike = (0.0, 1.0, 0.0)) -> Mat4:
    """Camera-to-world transform of a camera at ``eye`` looking at ``target`` (m).

    The camera's -z points at the target and its +y is as close to ``up`` as it can be;
    looking straight along ``up``, its +y becomes the world's -z turned by the view.
    """
    e = np.asarray(eye, dtype=np.float64)
    forward = np.asarray(target, dtype=np.float64) - e
    n = np.linalg.norm(forward)
    if n == 0:
        raise InputError("look_at: eye and target are the same point")
    forward /= n
    right = np.cross(forward, np.asarray(up, dtype=np.float64))
    if np.linalg.norm(right) < 1e-9:  # looking straight up or down
        right = np.cross(forward, (0.0, 0.0, -1.0))
    right /= np.linalg.norm(right)
    true_up = np.cross(right, forward)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = right, true_up, -forward, e
    return m


def view_matrix(camera_to_world: Mat4) -> Mat4:
    """World-to-camera (view) matrix: the inverse of a rigid camera-to-world transform."""
    r = camera_to_world[:3, :3]
    t = camera_to_world[:3, 3]
    v = np.eye(4)
    v[:3, :3] = r.T
    v[:3, 3] = -r.T @ t
    return v


def yaw_towards(src: npt.ArrayLike, dst: npt.ArrayLike) -> float:
    """Yaw (degrees about +y; 0 faces +z) that turns something at ``src`` to face ``dst``."""
    d = np.asarray(dst, dtype=np.float64) - np.asarray(src, dtype=np.float64)
    return math.degrees(math.atan2(d[0], d[2]))

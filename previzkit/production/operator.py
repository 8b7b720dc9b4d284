"""The camera operator: a planned shot's camera move over one take, aimed at where the
characters' heads actually are.

Pure. :func:`operate` takes the planned shot (``type``, ``subjects``, ``lens_mm``,
``side``; :mod:`previzkit.script.shots`), the take's world joints
(:class:`~previzkit.model.joint_track.JointTrack`, set frame), the shot's planned
camera (:func:`previzkit.production.coverage.shot_camera`: where it stands, on which
side of the 180° line) and the image aspect, and returns one (camera-to-world 4x4,
:class:`~previzkit.model.camera.Lens`) per frame.

The operator, per shot type:

- ``single``: a close single (0.9 m of frame height at the subject): the eyes on the
  upper third line, the subject on the third opposite the way they face (lead room),
  the camera at its planned bearing from the subject and rising and sinking with
  their eyes;
- ``ots``: from the planned place over the near shoulder; the far subject's eyes on
  the upper third, on the third away from the near shoulder;
- ``two-shot``, ``master``, ``establishing``: from the planned place, the heads
  centred and kept inside the frame (eyes in the upper half);
- ``insert``: the prop's centre (``prop``) in the frame's centre, or the first
  actor's hands without one;
- ``pov``: from the subject's eyes onto the other's head.

The move is zero-phase (a Gaussian over the precomputed take, so the camera neither
lags nor jitters), then held to pan/tilt speed and acceleration limits. The camera
never rolls, and never crosses the line: a position on the wrong side is moved back.

Frames: metres, seconds, right-handed, y up; cameras look down their -z. Screen
positions are NDC: x right, y up, -1..1 across the image.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError
from previzkit.core.geometry import view_matrix
from previzkit.core.types import Mat4
from previzkit.model.camera import Lens, perspective_from_lens, project_points
from previzkit.model.joint_track import JointTrack
from previzkit.production.coverage import side_normal

#: Framing areas as half-extents in NDC: title safe is the central 80 % of the width
#: and height; the middle third is the centre cell of the rule-of-thirds grid.
AREAS = {"title_safe": 0.8, "action_safe": 0.9, "middle_third": 1.0 / 3.0, "frame": 1.0}
EYE_ABOVE_HEAD_M = 0.08  # eyes above the skeleton's head joint (the skull's base)
THIRD = 1.0 / 3.0

CameraPath = list[tuple[Mat4, Lens]]


@dataclass(frozen=True)
class OperatorLimits:
    """How the operator moves. ``smooth_s``: Gaussian sigma (s) of the zero-phase
    smoothing of the subjects' motion and of the aim; ``max_speed_deg_s`` and
    ``max_accel_deg_s2``: pan and tilt limits; ``max_rise_m_s``: pedestal speed;
    ``single_height_m``: frame height (m) at the subject of a single; ``keep``: NDC
    half-extent the framed heads are kept inside; ``min_distance_m``: closest dolly."""

    smooth_s: float = 0.3
    max_speed_deg_s: float = 45.0
    max_accel_deg_s2: float = 240.0
    max_rise_m_s: float = 0.5
    single_height_m: float = 0.9
    keep: float = 0.68
    min_distance_m: float = 1.0
    camera_height_m: tuple[float, float] = (0.6, 2.0)


# --- framing metric ------------------------------------------------------------------


def screen_position(
    points_world: npt.ArrayLike, camera_to_world: Mat4, lens: Lens, aspect: float
) -> npt.NDArray[np.float64]:
    """(N, 2) NDC (x right, y up) of (N, 3) world points; NaN behind the camera."""
    pts = np.atleast_2d(np.asarray(points_world, dtype=np.float64))
    view = view_matrix(np.asarray(camera_to_world, dtype=np.float64))
    xy = project_points(pts, view, perspective_from_lens(lens, aspect), 2, 2)
    ndc = np.c_[xy[:, 0] - 1.0, 1.0 - xy[:, 1]]
    depth = -(pts @ view[:3, :3].T + view[:3, 3])[:, 2]
    ndc[~(depth > 1e-6)] = np.nan
    return ndc


def framed(
    point_world: npt.ArrayLike,
    camera_to_world: Mat4,
    lens: Lens,
    aspect: float,
    area: str = "title_safe",
) -> bool:
    """Whether a world point (m) is in front of the camera and inside ``area`` of the
    image: "title_safe" (central 80 %), "action_safe" (90 %), "middle_third", "frame"."""
    if area not in AREAS:
        raise InputError(f"framing area {area!r}: expected one of {', '.join(AREAS)}")
    ndc = screen_position(point_world, camera_to_world, lens, aspect)[0]
    return bool(np.all(np.abs(ndc) <= AREAS[area]))


def framed_fraction(
    points_world: npt.ArrayLike, path: Sequence[tuple[Mat4, Lens]], aspect: float, area: str
) -> float:
    """Fraction of frames whose (F, 3) point (or (F, K, 3) points, all of them) is
    :func:`framed` by that frame's camera in ``path``."""
    pts = np.asarray(points_world, dtype=np.float64)
    if pts.ndim == 2:
        pts = pts[:, None]
    if len(pts) != len(path) or not len(path):
        raise InputError(f"framing: {len(pts)} frames of points for {len(path)} cameras")
    hits = [
        all(framed(p, m, lens, aspect, area) for p in frame)
        for frame, (m, lens) in zip(pts, path, strict=True)
    ]
    return float(np.mean(hits))


# --- smoothing -------------------------------------------------------------------------


def smooth(x: npt.ArrayLike, sigma_frames: float) -> npt.NDArray[np.float64]:
    """Zero-phase Gaussian smoothing along axis 0 (edges held), ``sigma_frames`` > 0."""
    a = np.asarray(x, dtype=np.float64)
    if sigma_frames <= 0 or len(a) < 2:
        return a.copy()
    r = max(1, math.ceil(3 * sigma_frames))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma_frames) ** 2)
    k /= k.sum()
    pad = np.concatenate([np.repeat(a[:1], r, 0), a, np.repeat(a[-1:], r, 0)])
    flat = pad.reshape(len(pad), -1)
    out = np.stack([np.convolve(flat[:, i], k, mode="valid") for i in range(flat.shape[1])], 1)
    return out.reshape(a.shape)


def limit_motion(
    angles: npt.ArrayLike, fps: float, max_speed: float, max_accel: float, sigma: float
) -> npt.NDArray[np.float64]:
    """(F, D) angles (rad, unwrapped) held to ``max_speed`` (rad/s) and ``max_accel``
    (rad/s²): smoothed more (zero-phase) until within limits, then speed clipped."""
    a = np.asarray(angles, dtype=np.float64)
    out = smooth(a, sigma)
    s = max(sigma, 1.0)
    for _ in range(8):
        v = np.diff(out, axis=0) * fps
        acc = np.diff(v, axis=0) * fps
        if (not len(v) or np.abs(v).max() <= max_speed) and (
            not len(acc) or np.abs(acc).max() <= max_accel
        ):
            return out
        s *= 1.5
        out = smooth(a, s)
    steps = np.clip(np.diff(out, axis=0), -max_speed / fps, max_speed / fps)
    held = np.concatenate([out[:1], out[:1] + np.cumsum(steps, axis=0)])
    return held + (out - held).mean(axis=0)  # centred on the smoothed path


# --- aiming ----------------------------------------------------------------------------


def _heading(v: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    return np.arctan2(v[..., 0], v[..., 2])


def aim(
    eye: npt.ArrayLike, point: npt.ArrayLike, ndc: npt.ArrayLike, lens: Lens, aspect: float
) -> npt.NDArray[np.float64]:
    """(F, 2) yaw and pitch (rad; no roll) that put world ``point`` (F, 3) at screen
    ``ndc`` (F, 2) for a camera at ``eye`` (F, 3). Yaw 0 looks down -z; pitch > 0 up."""
    e = np.asarray(eye, dtype=np.float64)
    v = np.asarray(point, dtype=np.float64) - e
    s = np.broadcast_to(np.asarray(ndc, dtype=np.float64), v[..., :2].shape)
    tx = math.tan(lens.hfov / 2)
    dx, dy = s[..., 0] * tx, s[..., 1] * tx / aspect  # the point's ray in camera space
    dnorm = np.sqrt(dx**2 + dy**2 + 1.0)
    vy = v[..., 1] / np.maximum(np.linalg.norm(v, axis=-1), 1e-9)
    # pitch: (Rx(p) d)_y = dy cos p + sin p = sqrt(1 + dy²) sin(p + atan dy)
    arg = np.clip(vy * dnorm / np.sqrt(1.0 + dy**2), -1.0, 1.0)
    pitch = np.arcsin(arg) - np.arctan(dy)
    rotated = np.stack(
        [dx, dy * np.cos(pitch) + np.sin(pitch), dy * np.sin(pitch) - np.cos(pitch)], -1
    )
    yaw = _heading(v) - _heading(rotated)
    return np.stack([np.unwrap(yaw), pitch], -1)


def camera_matrix(eye: npt.ArrayLike, yaw: float, pitch: float) -> Mat4:
    """Camera-to-world of a camera at ``eye`` turned ``yaw`` about +y, then ``pitch``."""
    cy, sy, cp, sp = math.cos(yaw), math.sin(yaw), math.cos(pitch), math.sin(pitch)
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    m = np.eye(4)
    m[:3, :3] = ry @ rx
    m[:3, 3] = eye
    return m


def _ndc_of(
    points: npt.NDArray[np.float64],
    eye: npt.NDArray[np.float64],
    angles: npt.NDArray[np.float64],
    lens: Lens,
    aspect: float,
) -> npt.NDArray[np.float64]:
    """(F, K, 2) NDC of (F, K, 3) points for cameras at (F, 3) with (F, 2) yaw/pitch."""
    cy, sy = np.cos(angles[:, 0]), np.sin(angles[:, 0])
    cp, sp = np.cos(angles[:, 1]), np.sin(angles[:, 1])
    d = points - eye[:, None]
    # world -> camera: Rx(-p) Ry(-y)
    x1 = cy[:, None] * d[..., 0] - sy[:, None] * d[..., 2]
    z1 = sy[:, None] * d[..., 0] + cy[:, None] * d[..., 2]
    y2 = cp[:, None] * d[..., 1] + sp[:, None] * z1
    z2 = -sp[:, None] * d[..., 1] + cp[:, None] * z1
    tx = math.tan(lens.hfov / 2)
    depth = np.maximum(-z2, 1e-6)
    return np.stack([x1 / depth / tx, y2 / depth / (tx / aspect)], -1)


def _keep_inside(
    eye: npt.NDArray[np.float64],
    anchor: npt.NDArray[np.float64],
    ndc: npt.NDArray[np.float64],
    keep_pts: npt.NDArray[np.float64],
    keep: float,
    lens: Lens,
    aspect: float,
) -> npt.NDArray[np.float64]:
    """Aim ``anchor`` at ``ndc``, then shift that screen spot (per frame) so every
    ``keep_pts`` point lies within +/- ``keep``; returns (F, 2) yaw/pitch."""
    want = np.array(np.broadcast_to(ndc, (len(eye), 2)), dtype=np.float64)
    ang = aim(eye, anchor, want, lens, aspect)
    for _ in range(4):
        s = _ndc_of(keep_pts, eye, ang, lens, aspect)
        hi, lo = s.max(axis=1), s.min(axis=1)
        over = np.where(hi - lo > 2 * keep, -(hi + lo) / 2, 0.0)  # too wide: centre them
        over = np.where((hi - lo <= 2 * keep) & (hi > keep), keep - hi, over)
        over = np.where((hi - lo <= 2 * keep) & (lo < -keep), -keep - lo, over)
        if np.abs(over).max() < 1e-3:
            break
        want = want + over
        ang = aim(eye, anchor, want, lens, aspect)
    return ang


# --- the operator ---------------------------------------------------------------------


def _joint(track: JointTrack, name: str, joint: str) -> npt.NDArray[np.float64]:
    out = np.asarray(track.joint(name, joint), dtype=np.float64)
    if np.isnan(out).all():
        raise InputError(f"camera operator: character {name!r} is in no frame of the take")
    # frames where the character is absent hold the nearest frame where it is
    good = ~np.isnan(out).any(axis=1)
    idx = np.arange(len(out))
    return np.stack([np.interp(idx, idx[good], out[good, k]) for k in range(3)], 1)


def _facing(track: JointTrack, name: str) -> npt.NDArray[np.float64]:
    """(F, 3) horizontal unit direction the character's shoulders face."""
    left, right = _joint(track, name, "left_upper_arm"), _joint(track, name, "right_upper_arm")
    f = np.cross(left - right, [0.0, 1.0, 0.0])
    f[:, 1] = 0.0
    return f / np.maximum(np.linalg.norm(f, axis=1, keepdims=True), 1e-9)


def operate(
    shot: Any,
    joints: JointTrack,
    camera: Any,
    aspect: float,
    *,
    axis: Sequence[str] = (),
    prop: npt.ArrayLike | None = None,
    fps: float | None = None,
    limits: OperatorLimits | None = None,
) -> CameraPath:
    """The camera for every frame of ``joints``: (camera-to-world, Lens) at the plan's
    focal length, focus pulled to the subject.

    ``shot``: the planned shot; ``camera``: its planned
    :class:`~previzkit.model.setfile.CameraDef`; ``axis``: the scene's 180° pair [A, B]
    (default the track's first two characters); ``prop``: the insert's prop centre (set
    frame, m); ``fps``: the take's rate (default from ``joints.time``).
    """
    lim = limits or OperatorLimits()
    n = len(joints)
    if n == 0:
        return []
    if not (aspect > 0):
        raise InputError(f"camera operator: aspect must be > 0, got {aspect!r}")
    if fps is None:
        dt = np.diff(joints.time)
        fps = float(1.0 / np.median(dt)) if len(dt) and np.median(dt) > 0 else 24.0
    names = list(joints.characters)
    if not names:
        raise InputError(f"shot {shot.id}: the take's joint track has no characters")
    line = [c for c in axis if c in names][:2] or names[:2]
    a_name, b_name = line[0], line[-1]
    sig = lim.smooth_s * fps
    heads = {c: smooth(_joint(joints, c, "head"), sig) for c in names}
    up = np.array([0.0, EYE_ABOVE_HEAD_M, 0.0])
    eyes = {c: h + up for c, h in heads.items()}
    hips = {c: smooth(_joint(joints, c, "hips"), sig) for c in names}
    marks = {c: hips[c].mean(axis=0) * [1.0, 0.0, 1.0] for c in names}
    normal = side_normal(marks[a_name], marks[b_name], str(getattr(shot, "side", "right")))
    planned = np.asarray(camera.position, dtype=np.float64)
    lens = dataclasses.replace(
        camera.lens, focal_mm=float(getattr(shot, "lens_mm", camera.lens.focal_mm))
    )
    kind = str(shot.type)
    subjects = [s for s in shot.subjects if s in names]
    if kind in ("ots", "pov") and len(subjects) < (2 if kind == "ots" else 1):
        kind = "single"
    if kind == "insert" and prop is None and not names:
        kind = "single"
    eye_pos = np.repeat(planned[None], n, 0)
    keep_pts: np.ndarray | None = None
    if kind == "single":
        who = subjects[0] if subjects else a_name
        bearing = (planned - marks[who]) * [1.0, 0.0, 1.0]
        bearing /= max(float(np.linalg.norm(bearing)), 1e-9)
        half_v = math.tan(lens.hfov / 2) / aspect
        dist = max(lim.min_distance_m, lim.single_height_m / 2 / half_v)
        height = np.clip(eyes[who][:, 1], *lim.camera_height_m)
        height = limit_motion(
            height[:, None], fps, lim.max_rise_m_s, 4 * lim.max_rise_m_s, 2 * sig
        )[:, 0]
        eye_pos = marks[who] + bearing * dist + np.c_[np.zeros(n), height, np.zeros(n)]
        anchor = eyes[who]
        ndc = (-_lead(_facing(joints, who), eye_pos, anchor) * THIRD, THIRD)
        keep_pts = heads[who][:, None]
    elif kind == "ots":
        front, back = subjects[0], subjects[1]
        anchor = eyes[front]
        ndc = (
            -_lead(np.repeat((eyes[back] - eyes[front]).mean(0)[None], n, 0), eye_pos, anchor)
            * THIRD,
            THIRD,
        )
        keep_pts = heads[front][:, None]
    elif kind == "pov":
        who = subjects[0]
        others = [c for c in names if c != who] or [who]
        eye_pos = eyes[who] + _facing(joints, who) * 0.1
        anchor = heads[others[0]]
        ndc = (0.0, 0.1)
        keep_pts = anchor[:, None]
    elif kind == "insert":
        if prop is not None:
            anchor = np.repeat(np.asarray(prop, dtype=np.float64).reshape(1, 3), n, 0)
        else:
            anchor = smooth(
                (_joint(joints, a_name, "left_hand") + _joint(joints, a_name, "right_hand")) / 2,
                sig,
            )
        ndc = (0.0, 0.0)
    else:  # two-shot, master, establishing: every subject's head in, eyes in the upper half
        group = subjects if kind == "two-shot" and len(subjects) >= 2 else names
        keep_pts = np.stack([heads[c] for c in group], 1)
        anchor = np.mean([eyes[c] for c in group], axis=0)
        ndc = (0.0, 0.2 if kind != "establishing" else 0.0)
    eye_pos = _keep_side(eye_pos, marks[a_name], normal)
    if keep_pts is None:
        ang = aim(eye_pos, anchor, np.asarray(ndc, dtype=np.float64), lens, aspect)
    else:
        ang = _keep_inside(
            eye_pos, anchor, np.asarray(ndc, dtype=np.float64), keep_pts, lim.keep, lens, aspect
        )
    ang = limit_motion(
        ang, fps, math.radians(lim.max_speed_deg_s), math.radians(lim.max_accel_deg_s2), sig
    )
    focus = np.linalg.norm(anchor - eye_pos, axis=1)
    return [
        (
            camera_matrix(eye_pos[i], ang[i, 0], ang[i, 1]),
            dataclasses.replace(lens, focus_m=max(0.3, float(focus[i]))),
        )
        for i in range(n)
    ]


def _lead(
    facing: npt.NDArray[np.float64], eye: npt.NDArray[np.float64], at: npt.NDArray[np.float64]
) -> float:
    """+1 when the subject faces frame right over the take, -1 frame left."""
    view = at - eye
    view[:, 1] = 0.0
    right = np.cross(view, [0.0, 1.0, 0.0])  # camera right for a level view
    x = float(np.median(np.einsum("ij,ij->i", facing, right)))
    return 1.0 if x >= 0 else -1.0


def _keep_side(
    eye: npt.NDArray[np.float64],
    a: npt.NDArray[np.float64],
    normal: npt.NDArray[np.float64],
    margin: float = 0.3,
) -> npt.NDArray[np.float64]:
    """Camera positions moved back onto the shot's side of the line (``normal``)."""
    d = (eye - a) @ normal
    return eye + np.maximum(margin - d, 0.0)[:, None] * normal


def path_speeds(path: Sequence[tuple[Mat4, Lens]], fps: float) -> npt.NDArray[np.float64]:
    """(F-1,) angular speed (deg/s) of the camera's view direction between frames."""
    fwd = np.array([-np.asarray(m)[:3, 2] for m, _ in path])
    cos = np.clip(np.einsum("ij,ij->i", fwd[1:], fwd[:-1]), -1.0, 1.0)
    return np.degrees(np.arccos(cos)) * fps


def fraction_by_subject(
    shot: Any,
    joints: JointTrack,
    path: Sequence[tuple[Mat4, Lens]],
    aspect: float,
    prop: npt.ArrayLike | None = None,
) -> float:
    """The framing figure for ``shot``'s type: the fraction of frames with the subject's
    head in title safe (single, ots: the first subject), every subject's head in title
    safe (two-shot; master: the cast) or the prop's centre in the middle third (insert).
    NaN for other types."""
    kind = str(shot.type)
    names = list(joints.characters)
    subjects = [s for s in shot.subjects if s in names]
    if kind == "insert":
        if prop is None:
            return float("nan")
        pts = np.repeat(np.asarray(prop, dtype=np.float64).reshape(1, 3), len(path), 0)
        return framed_fraction(pts, path, aspect, "middle_third")
    if kind in ("single", "ots") and subjects:
        return framed_fraction(_joint(joints, subjects[0], "head"), path, aspect, "title_safe")
    if kind in ("two-shot", "master"):
        group = subjects if kind == "two-shot" and len(subjects) >= 2 else names
        pts = np.stack([_joint(joints, c, "head") for c in group], 1)
        return framed_fraction(pts, path, aspect, "title_safe")
    return float("nan")

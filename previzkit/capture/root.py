"""World-grounded root: where the actor's hips are, in metres, from one camera.

Frames:

- camera frame: OpenCV's (x right, y down, z forward along the optical axis, metres),
  with the pixels of :class:`~previzkit.model.capture_camera.CaptureCamera`;
- MediaPipe's world landmarks (``Pose.world``): metres, hip-centred, axis-aligned with
  the camera frame;
- set frame: right-handed, y up, metres, floor at y = 0, origin on the floor below the
  camera, -z the camera's forward direction along the floor (OpenXR conventions); the
  camera's roll is taken as 0.

Per frame the hip centre ``T`` (camera frame) solves ``K (X_i + T) ~ x_i`` for the 33
landmarks (``X_i`` world, ``x_i`` pixels): two linear equations per landmark in the
three unknowns, weighted by visibility and made robust by iteratively reweighted least
squares (Cauchy weights on the metric residual), then smoothed in time by local
quadratic regression (:func:`smooth_in_time`, which also bridges frames without a
solution), longer along the optical axis, where one camera sees least.

A foot is planted while its heel or toe stays still in the fixed camera's image
(:func:`image_contacts`; runs kept with :mod:`previzkit.model.contacts`). The floor comes
from the camera's height and tilt when given; otherwise it is fitted to the planted
feet: tilt and height from a robust total least-squares line through the contact
points' (y, z) in the camera frame, starting from the actor's median body axis as "up".
Heights above the floor are kept (steps, jumps, boxes): nothing is clamped to the
floor. Pure computation, no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError
from previzkit.core.types import Pose
from previzkit.model.capture_camera import CaptureCamera
from previzkit.model.contacts import FEET, keep_runs

_FLIP = np.array([1.0, -1.0, -1.0])
_SHOULDERS = (11, 12)
_FOOT_POINTS = (29, 30, 31, 32)  # heels and toes
_COMMON_SIZES = ((640, 480), (1280, 720), (1920, 1080), (2560, 1440), (3840, 2160))

#: capture contacts: a planted foot's heel or toe moves less than this (m/s) across the
#: image (at its depth) for 0.1 s; no height test: a foot on a box is planted too. Above
#: the library's 0.25 m/s: MediaPipe's feet jitter by a pixel or two.
CAPTURE_CONTACT_SPEED_M_S = 0.4


@dataclass(frozen=True)
class Ground:
    """The floor seen from the capture camera: its lens ``height_m`` above the floor
    (m) and ``tilt_deg``, its pitch below the horizon (degrees, positive looking down);
    ``source`` is ``"camera"`` (given) or ``"contacts"`` (fitted to the planted feet)."""

    height_m: float
    tilt_deg: float
    source: str = "camera"

    def rotation(self) -> npt.NDArray[np.float64]:
        """(3, 3) camera-frame directions (OpenCV) -> set-frame directions (y up)."""
        t = math.radians(self.tilt_deg)
        c, s = math.cos(t), math.sin(t)
        pitch = np.array([[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]])  # about x by -tilt
        return pitch * _FLIP[None, :]

    def to_set(self, points: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """(..., 3) camera-frame points (m) -> set-frame points (m, y up, floor y = 0)."""
        p = np.asarray(points, dtype=np.float64)
        out = p @ self.rotation().T
        out[..., 1] += self.height_m
        return np.asarray(out, dtype=np.float64)


@dataclass
class GroundedMotion:
    """One actor's clip placed in the set (F frames).

    ``times`` (F,) s; ``camera_root`` (F, 3) hip centre in the camera frame (m,
    smoothed); ``solved`` (F,) True where that frame had its own solution (else
    bridged by the smoothing); ``ground``; ``landmarks`` (F, 33, 3) in the set frame (m,
    y up); ``contacts`` (F, 2) True where the (left, right) foot is planted.
    """

    times: npt.NDArray[np.float64]
    camera_root: npt.NDArray[np.float64]
    solved: npt.NDArray[np.bool_]
    ground: Ground
    landmarks: npt.NDArray[np.float64]
    contacts: npt.NDArray[np.bool_]

    @property
    def root(self) -> npt.NDArray[np.float64]:
        """(F, 3) the hip centre in the set frame (m, y up; y is its height)."""
        return self.ground.to_set(self.camera_root)

    @property
    def fps(self) -> float:
        return clip_fps(self.times)


def clip_fps(times: npt.ArrayLike) -> float:
    """Frames per second of a clip from its (F,) times (s): 1 / the median step
    (30 when there are fewer than two distinct times)."""
    t = np.asarray(times, dtype=np.float64)
    steps = np.diff(t)
    steps = steps[steps > 1e-6]
    return float(1.0 / np.median(steps)) if steps.size else 30.0


def assumed_camera(poses: Sequence[Pose]) -> CaptureCamera:
    """The default camera when none is known: 60 degrees across the smallest common
    frame size (640x480 ... 3840x2160) that holds the visible landmarks (px); marked
    ``assumed``. Pass the real one where the frame size is known."""
    img = [np.asarray(p.image, dtype=np.float64) for p in poses]
    pts = np.concatenate([a[a[:, 2] >= 0.5, :2] for a in img])
    w_need = float(np.percentile(pts[:, 0], 99)) if len(pts) else 0.0
    h_need = float(np.percentile(pts[:, 1], 99)) if len(pts) else 0.0
    for w, h in _COMMON_SIZES:
        if w_need <= w and h_need <= h:
            return CaptureCamera.from_hfov(w, h, assumed=True)
    w, h = math.ceil(w_need), math.ceil(h_need)
    return CaptureCamera.from_hfov(w, h, assumed=True)


def solve_root(
    image: npt.ArrayLike,
    world: npt.ArrayLike,
    camera: CaptureCamera,
    *,
    min_visibility: float = 0.3,
    iterations: int = 4,
    scale_m: float = 0.05,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Per frame, the translation ``T`` (m, camera frame) with ``K (X_i + T) ~ x_i``.

    ``image`` (F, 33, 3): pixels x, y and visibility; ``world`` (F, 33, 3): MediaPipe
    world landmarks (m, camera-aligned, hip-centred, so ``T`` is the hip centre).
    Landmarks below ``min_visibility`` are left out, the rest weighted by visibility
    and by a Cauchy weight of their residual (``scale_m``, metres at the landmark's
    depth). Returns ((F, 3) T, (F,) solved: at least 6 landmarks and T in front of the
    camera; unsolved rows are NaN).
    """
    img = np.asarray(image, dtype=np.float64)
    w3 = np.asarray(world, dtype=np.float64)
    if img.ndim != 3 or img.shape[1:] != (33, 3) or w3.shape != img.shape:
        raise InputError(
            f"root solve: image landmarks {img.shape} and world landmarks {w3.shape} "
            "must both be (F, 33, 3)"
        )
    u = (img[..., 0] - camera.cx) / camera.focal_px
    v = (img[..., 1] - camera.cy) / camera.focal_px
    x, y, z = w3[..., 0], w3[..., 1], w3[..., 2]
    bx, by = u * z - x, v * z - y  # T_x - u T_z = bx, T_y - v T_z = by
    base = np.where(img[..., 2] >= min_visibility, img[..., 2], 0.0)
    base = np.where(np.isfinite(u + v + x + y + z), base, 0.0)
    u, v, bx, by = (np.nan_to_num(a) for a in (u, v, bx, by))
    weight = base.copy()
    t = np.full((len(img), 3), np.nan)
    enough = (base > 0).sum(axis=1) >= 6
    for _ in range(max(1, iterations)):
        sw = weight.sum(axis=1)
        swu, swv = (weight * u).sum(axis=1), (weight * v).sum(axis=1)
        n = np.zeros((len(img), 3, 3))
        n[:, 0, 0] = n[:, 1, 1] = sw
        n[:, 0, 2] = n[:, 2, 0] = -swu
        n[:, 1, 2] = n[:, 2, 1] = -swv
        n[:, 2, 2] = (weight * (u * u + v * v)).sum(axis=1)
        rhs = np.stack(
            [
                (weight * bx).sum(axis=1),
                (weight * by).sum(axis=1),
                -(weight * (u * bx + v * by)).sum(axis=1),
            ],
            axis=1,
        )
        # a frame whose landmarks all sit on one pixel (no image data) cannot be solved
        scale = np.maximum(sw, 1e-12) ** 3 * (1e-12 + (u * u + v * v).max(axis=1))
        enough &= np.abs(np.linalg.det(n)) > 1e-9 * scale
        n[~enough] = np.eye(3)
        t = np.linalg.solve(n, rhs[..., None])[..., 0]
        rx = t[:, None, 0] - u * t[:, None, 2] - bx
        ry = t[:, None, 1] - v * t[:, None, 2] - by
        weight = base / (1.0 + (rx * rx + ry * ry) / (scale_m * scale_m))
    solved = enough & (t[:, 2] > 0.1) & np.isfinite(t).all(axis=1)
    t[~solved] = np.nan
    return t, solved


def smooth_in_time(
    values: npt.ArrayLike, times: npt.ArrayLike, valid: npt.ArrayLike, sigma_s: float
) -> npt.NDArray[np.float64]:
    """(F, D) the ``valid`` rows smoothed over time: per frame, a parabola fitted to the
    valid rows within 3 ``sigma_s`` seconds with Gaussian weights, evaluated at that
    frame (local quadratic regression: no lag at the clip's ends, and a jump's ballistic
    arc keeps its apex). Frames with fewer than three valid neighbours take the nearest
    valid row."""
    vals = np.asarray(values, dtype=np.float64)
    t = np.asarray(times, dtype=np.float64)
    ok = np.asarray(valid, dtype=bool) & np.isfinite(vals).all(axis=1)
    if not ok.any():
        raise InputError("root solve: no frame has enough visible landmarks to place the actor")
    tv, vv = t[ok], vals[ok]
    out = np.empty_like(vals)
    lo = np.searchsorted(tv, t - 3 * sigma_s)
    hi = np.searchsorted(tv, t + 3 * sigma_s, side="right")
    for i in range(len(t)):
        a, b = lo[i], hi[i]
        if sigma_s <= 0 or b - a < 3:
            out[i] = vals[i] if ok[i] else vv[int(np.argmin(np.abs(tv - t[i])))]
            continue
        x = (tv[a:b] - t[i]) / sigma_s
        w = np.exp(-0.5 * x * x)
        basis = np.stack([np.ones_like(x), x, x * x], axis=1)
        normal = (basis * w[:, None]).T @ basis
        if np.linalg.cond(normal) > 1e8:  # all neighbours on one side, close together
            out[i] = w @ vv[a:b] / w.sum()
            continue
        coef = np.linalg.solve(normal, (basis * w[:, None]).T @ vv[a:b])
        out[i] = coef[0]
    return out


def _mid(lm: npt.NDArray[np.float64], idx: tuple[int, ...]) -> npt.NDArray[np.float64]:
    return np.asarray(lm[:, list(idx)].mean(axis=1), dtype=np.float64)


def _tilt_from_body(world: npt.NDArray[np.float64]) -> float:
    """The camera tilt (degrees) that makes the actor's median body axis (feet to
    shoulders, camera frame) vertical."""
    axis = _mid(world, _SHOULDERS) - world[:, list(_FOOT_POINTS)].mean(axis=1)
    axis /= np.linalg.norm(axis, axis=1, keepdims=True) + 1e-12
    up = np.median(axis, axis=0)
    # up in the camera frame is (0, -cos(tilt), -sin(tilt))
    return float(np.clip(math.degrees(math.atan2(-up[2], -up[1])), -80.0, 80.0))


def _fit_floor(
    points: npt.NDArray[np.float64], tilt_deg: float, iterations: int = 5
) -> tuple[float, float]:
    """(height m, tilt deg) of the floor through camera-frame ``points`` (N, 3): the
    line ``cos(tilt) y + sin(tilt) z = height`` in (y, z), robust (Cauchy, 3 cm). Where
    the points span less than 1 m in depth, the tilt stays ``tilt_deg`` (only the height
    is fitted)."""
    yz = points[:, 1:3]
    w = np.ones(len(yz))
    t = math.radians(tilt_deg)
    normal = np.array([math.cos(t), math.sin(t)])
    spread = float(np.percentile(yz[:, 1], 90) - np.percentile(yz[:, 1], 10))
    h = float(np.median(yz @ normal))
    for _ in range(iterations):
        mean = w @ yz / w.sum()
        if spread >= 1.0:
            d = yz - mean
            cov = (d * w[:, None]).T @ d
            evecs = np.linalg.eigh(cov)[1]
            cand = evecs[:, 0] * (1.0 if evecs[0, 0] >= 0 else -1.0)
            normal = cand
        h = float(mean @ normal)
        r = yz @ normal - h
        w = 1.0 / (1.0 + (r / 0.03) ** 2)
    # the floor is the lowest level feet stand on (not a box or step they stood on more)
    depth_below = yz @ normal
    lowest = float(np.percentile(depth_below, 95))
    h = float(np.median(depth_below[depth_below > lowest - 0.1]))
    return h, math.degrees(math.atan2(normal[1], normal[0]))


def ground_motion(
    poses: Sequence[Pose],
    camera: CaptureCamera | None = None,
    *,
    min_visibility: float = 0.3,
    smooth_s: float = 0.1,
    depth_smooth_s: float = 0.2,
) -> GroundedMotion:
    """Place one actor's poses (in time order) in the set frame (see module doc).

    ``camera`` defaults to :func:`assumed_camera`; its ``height_m`` and ``tilt_deg``,
    when both given, fix the floor, which is otherwise fitted to the planted feet.
    The root is smoothed over ``smooth_s`` seconds across the image and over
    ``depth_smooth_s`` along the optical axis, where a single camera sees least.
    """
    if not poses:
        raise InputError("ground_motion needs at least one pose")
    camera = camera or assumed_camera(poses)
    times = np.array([p.timestamp for p in poses], dtype=np.float64)
    if np.any(np.diff(times) < 0):
        raise InputError("ground_motion: poses must be in time order (timestamps decrease)")
    image = np.stack([np.asarray(p.image, dtype=np.float64) for p in poses])
    world = np.stack([np.asarray(p.world, dtype=np.float64) for p in poses])
    raw, solved = solve_root(image, world, camera, min_visibility=min_visibility)
    root = smooth_in_time(raw, times, solved, smooth_s)
    root[:, 2] = smooth_in_time(raw[:, 2:], times, solved, depth_smooth_s)[:, 0]
    cam_points = world + root[:, None, :]
    contacts = image_contacts(image, cam_points[..., 2], camera, times)
    if camera.height_m is not None and camera.tilt_deg is not None:
        ground = Ground(camera.height_m, camera.tilt_deg, "camera")
    else:
        tilt = camera.tilt_deg if camera.tilt_deg is not None else _tilt_from_body(world)
        ground = Ground(1.0, tilt, "contacts")
        ground = _ground_from_contacts(cam_points, contacts, ground, camera.tilt_deg is None)
        if camera.height_m is not None:
            ground = Ground(camera.height_m, ground.tilt_deg, "contacts")
    return GroundedMotion(times, root, solved, ground, ground.to_set(cam_points), contacts)


def image_contacts(
    image: npt.ArrayLike,
    depth: npt.ArrayLike,
    camera: CaptureCamera,
    times: npt.ArrayLike,
    *,
    speed_m_s: float = CAPTURE_CONTACT_SPEED_M_S,
    min_s: float = 0.1,
    smooth_s: float = 0.1,
) -> npt.NDArray[np.bool_]:
    """(F, 2) True where the (left, right) foot is planted, seen from a fixed camera: its
    heel or its toe stays still in the image. ``image`` (F, 33, 3) pixels, ``depth``
    (F, 33) each landmark's camera-frame z (m) to turn pixels into metres; the speed of
    the stiller of heel and toe (pixels smoothed over ``smooth_s`` s, times ``z / focal``)
    must stay below ``speed_m_s`` for ``min_s`` seconds (at least 2 frames). The image, not the
    solved depth, decides: a foot on the floor does not move in a still camera's frame,
    while the depth of a far actor is noisy."""
    img = np.asarray(image, dtype=np.float64)
    z = np.asarray(depth, dtype=np.float64)
    t = np.asarray(times, dtype=np.float64)
    out = np.zeros((len(img), 2), dtype=bool)
    if len(img) < 2:
        return out
    min_frames = max(2, round(min_s * clip_fps(t)))
    for k, idx in enumerate(FEET.values()):
        speeds = []
        for j in idx:
            uv = smooth_in_time(img[:, j, :2], t, np.ones(len(t), dtype=bool), smooth_s)
            px_s = np.linalg.norm(np.gradient(uv, t, axis=0), axis=1)
            speeds.append(px_s * np.abs(z[:, j]) / camera.focal_px)
        out[:, k] = keep_runs(np.minimum(*speeds) < speed_m_s, min_frames)
    return out


def _ground_from_contacts(
    cam_points: npt.NDArray[np.float64],
    contacts: npt.NDArray[np.bool_],
    start: Ground,
    fit_tilt: bool,
) -> Ground:
    """Fit the floor to the lowest foot point (heel or toe, under the current floor's
    "up") of each foot in the frames where it is planted; two rounds."""
    ground = start
    idx = [list(v) for v in FEET.values()]
    rows = np.arange(len(cam_points))
    for _ in range(2):
        set_lm = ground.to_set(cam_points)
        pts = []
        for k, foot in enumerate(idx):
            low = np.asarray(foot)[np.argmin(set_lm[:, foot, 1], axis=1)]
            pts.append(cam_points[rows, low][contacts[:, k]])
        contact_pts = np.concatenate(pts)
        if len(contact_pts) < 3:  # nothing planted: the lowest foot point of each frame
            low = np.asarray(_FOOT_POINTS)[np.argmin(set_lm[:, list(_FOOT_POINTS), 1], axis=1)]
            contact_pts = cam_points[rows, low]
        h, tilt = _fit_floor(contact_pts, ground.tilt_deg)
        ground = Ground(h, tilt if fit_tilt else ground.tilt_deg, "contacts")
    return ground


def grounded_poses(poses: Sequence[Pose], motion: GroundedMotion) -> list[Pose]:
    """Copies of ``poses`` carrying ``motion``'s camera-frame root and foot contacts
    (``Pose.root``, ``Pose.contacts``), for the pose track."""
    if len(poses) != len(motion.times):
        raise InputError(f"grounded_poses: {len(poses)} poses but {len(motion.times)} frames")
    out = []
    for i, p in enumerate(poses):
        x, y, z = (float(c) for c in motion.camera_root[i])
        left, right = (bool(c) for c in motion.contacts[i])
        out.append(replace(p, root=(x, y, z), contacts=(left, right)))
    return out

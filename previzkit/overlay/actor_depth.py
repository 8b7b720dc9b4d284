"""The actor's depth per pixel: body parts as capsules at their depth in front of the
camera, so a virtual object can pass between an actor's arm and their body.

Each MediaPipe landmark is placed on its own camera ray (through its pixel in the
plate, so the capsules line up with the matte) at the actor's root depth (their plane
or mark, metres in front of the camera) plus its depth relative to the hips' centre
from MediaPipe's world landmarks (metres, z away from the camera). Limbs, torso and
head are capsules between landmarks (:data:`BODY_CAPSULES`, radii in metres); each
pixel takes the nearest capsule surface along its ray, and pixels of the matte that no
capsule covers keep the actor's plane depth. Camera frame: OpenGL's (looking down -z,
y up); pixels row 0 at the top. Pure numpy; :class:`BodyDepth` runs MediaPipe pose on
the plate for the landmarks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import ShapeError
from previzkit.core.types import Pose

SHOULDERS_MID, HIPS_MID = 33, 34  # extra points: the centres of the shoulders and hips

# (landmark, landmark, radius m): MediaPipe pose landmark indices
BODY_CAPSULES: tuple[tuple[int, int, float], ...] = (
    (7, 8, 0.09),  # head: ear to ear
    (11, 12, 0.07),  # shoulders
    (23, 24, 0.08),  # hips
    (11, 23, 0.08),  # torso, left side
    (12, 24, 0.08),  # torso, right side
    (SHOULDERS_MID, HIPS_MID, 0.1),  # torso, centre
    (11, 13, 0.05),  # left upper arm
    (13, 15, 0.04),  # left forearm
    (15, 19, 0.035),  # left hand
    (12, 14, 0.05),  # right upper arm
    (14, 16, 0.04),  # right forearm
    (16, 20, 0.035),  # right hand
    (23, 25, 0.075),  # left thigh
    (25, 27, 0.055),  # left shin
    (27, 31, 0.04),  # left foot
    (24, 26, 0.075),  # right thigh
    (26, 28, 0.055),  # right shin
    (28, 32, 0.04),  # right foot
)


@dataclass(frozen=True)
class Capsule:
    """A segment ``a`` -> ``b`` (camera frame, metres) swept by a sphere of ``radius_m``."""

    a: tuple[float, float, float]
    b: tuple[float, float, float]
    radius_m: float


def _rays(px: np.ndarray, width: int, height: int, proj: np.ndarray) -> np.ndarray:
    """Camera-frame directions (x, y) at z = -1 through pixel positions ``px`` (N, 2)."""
    ndc_x = 2.0 * px[:, 0] / width - 1.0
    ndc_y = 1.0 - 2.0 * px[:, 1] / height
    return np.stack([(ndc_x + proj[0, 2]) / proj[0, 0], (ndc_y + proj[1, 2]) / proj[1, 1]], -1)


def body_capsules(
    pose: Pose,
    width: int,
    height: int,
    proj: np.ndarray,
    root_depth_m: float,
    min_visibility: float = 0.5,
) -> list[Capsule]:
    """The capsules of :data:`BODY_CAPSULES` for ``pose`` (image landmarks in pixels of a
    ``width`` x ``height`` plate, world landmarks in metres) seen through the OpenGL
    perspective ``proj``, its hips' centre ``root_depth_m`` metres in front of the
    camera; capsules with a landmark under ``min_visibility`` are left out."""
    image = np.asarray(pose.image, np.float64)
    world = np.asarray(pose.world, np.float64)
    if image.shape != (33, 3) or world.shape != (33, 3):
        raise ShapeError(f"pose landmarks: {image.shape}/{world.shape}, expected (33, 3) each")
    px = np.vstack([image[:, :2], _mids(image[:, :2])])
    z = np.concatenate([world[:, 2], _mids(world[:, 2:3])[:, 0]])
    vis = np.concatenate([image[:, 2], _mids(image[:, 2:3])[:, 0]])
    depth = root_depth_m + (z - z[HIPS_MID])
    rays = _rays(px, width, height, proj)
    points = np.column_stack([rays * depth[:, None], -depth])
    out = []
    for i, j, r in BODY_CAPSULES:
        if min(vis[i], vis[j]) < min_visibility or min(depth[i], depth[j]) <= r:
            continue
        a, b = points[i], points[j]
        out.append(Capsule((a[0], a[1], a[2]), (b[0], b[1], b[2]), r))
    return out


def _mids(v: np.ndarray) -> np.ndarray:
    """Rows: the shoulders' centre (11, 12), the hips' centre (23, 24)."""
    return np.stack([(v[11] + v[12]) / 2, (v[23] + v[24]) / 2])


def capsule_depth(
    capsules: list[Capsule], width: int, height: int, proj: np.ndarray
) -> npt.NDArray[np.float32]:
    """Metres in front of the camera of the nearest capsule surface per pixel, float32
    (height, width), inf where no capsule is; ``proj`` the OpenGL perspective. Each
    capsule is rasterised within its projected bounding box: per pixel ray, the sphere
    about the segment's point nearest the ray (exact for the ends, within millimetres
    on limbs seen side-on)."""
    out = np.full((height, width), np.inf, np.float32)
    fx, fy = proj[0, 0] * width / 2, proj[1, 1] * height / 2
    for c in capsules:
        a, b, r = np.asarray(c.a), np.asarray(c.b), float(c.radius_m)
        ends = np.stack([a, b])
        d = -ends[:, 2]
        if (d <= r).any():
            continue  # at or behind the camera
        ndc = ends[:, :2] * proj[[0, 1], [0, 1]] / d[:, None] - proj[[0, 1], [2, 2]]
        px = (ndc[:, 0] + 1) * width / 2
        py = (1 - ndc[:, 1]) * height / 2
        pad_x, pad_y = r * fx / (d.min() - r) + 1, r * fy / (d.min() - r) + 1
        x0, x1 = int(max(0, np.floor(px.min() - pad_x))), int(min(width, np.ceil(px.max() + pad_x)))
        y0, y1 = (
            int(max(0, np.floor(py.min() - pad_y))),
            int(min(height, np.ceil(py.max() + pad_y))),
        )
        if x0 >= x1 or y0 >= y1:
            continue
        # rays through the pixel centres, (rx, ry, -1): rx per column, ry per row
        rx = (
            (2.0 * (np.arange(x0, x1, dtype=np.float32) + 0.5) / width - 1.0) + proj[0, 2]
        ) / proj[0, 0]
        ry = (
            (1.0 - 2.0 * (np.arange(y0, y1, dtype=np.float32) + 0.5) / height) + proj[1, 2]
        ) / proj[1, 1]
        rx, ry = rx.astype(np.float32)[None, :], ry.astype(np.float32)[:, None]
        e = (b - a).astype(np.float32)
        a32 = a.astype(np.float32)
        vv = rx * rx + ry * ry + 1.0
        ve = rx * e[0] + ry * e[1] - e[2]
        va = rx * a32[0] + ry * a32[1] - a32[2]
        ee, ea = float(e @ e), float(e @ a32)
        denom = vv * ee - ve * ve
        with np.errstate(divide="ignore", invalid="ignore"):
            s = (ve * va - vv * ea) / denom
        s = np.clip(np.nan_to_num(s, nan=0.0), 0.0, 1.0)  # the segment's point nearest the ray
        q0, q1, q2 = a32[0] + s * e[0], a32[1] + s * e[1], a32[2] + s * e[2]
        t = (rx * q0 + ry * q1 - q2) / vv
        dist2 = q0 * q0 + q1 * q1 + q2 * q2 - t * t * vv
        chord = r * r - dist2
        depth = t - np.sqrt(np.maximum(chord, 0.0) / vv)
        depth = np.where((chord > 0) & (depth > 0), depth, np.float32(np.inf))
        view = out[y0:y1, x0:x1]
        np.minimum(view, depth, out=view)
    return out


def actor_depth_map(
    capsule_depth_m: npt.NDArray[np.float32], plane_depth_m: float
) -> npt.NDArray[np.float32]:
    """The actor layer's depth (metres, float32 (H, W)): the capsules' where they cover
    a pixel, the actor's plane depth elsewhere (pixels of the matte no capsule covers)."""
    return np.where(np.isfinite(capsule_depth_m), capsule_depth_m, np.float32(plane_depth_m))


class BodyDepth:
    """MediaPipe pose (:class:`previzkit.capture.pose.PoseEstimator`, ``model`` lite,
    full or heavy) on each plate frame -> the actor's depth per pixel; one actor (the
    most prominent). :meth:`close` it."""

    def __init__(self, model: str = "lite") -> None:
        from previzkit.capture.pose import PoseEstimator

        self._estimator = PoseEstimator(model, mode="video")
        self.last_pose: Pose | None = None

    def depth(
        self, plate: npt.NDArray[np.uint8], proj: np.ndarray, root_depth_m: float, time_s: float
    ) -> npt.NDArray[np.float32]:
        """The actor's depth per pixel (metres) for ``plate`` (uint8 (H, W, 3)) at plate
        time ``time_s``: the body's capsules, the plane at ``root_depth_m`` elsewhere."""
        h, w = plate.shape[:2]
        poses = self._estimator.detect(plate, time_s)
        self.last_pose = poses[0] if poses else None
        if self.last_pose is None:
            return np.full((h, w), np.float32(root_depth_m), np.float32)
        caps = body_capsules(self.last_pose, w, h, proj, root_depth_m)
        return actor_depth_map(capsule_depth(caps, w, h, proj), root_depth_m)

    def close(self) -> None:
        self._estimator.close()

    def __enter__(self) -> BodyDepth:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

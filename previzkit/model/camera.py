"""Cameras with real lenses, and the matrices the renderer uses.

Conventions: right-handed, y up, metres. A camera looks down its local -z with +y up
(OpenGL/OpenXR). Projection matrices map to OpenGL clip space (z in [-1, 1]).
Quaternions are (x, y, z, w).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.types import Mat4

# Common sensor sizes (width, height) in millimetres.
SENSORS_MM: dict[str, tuple[float, float]] = {
    "super35": (24.89, 18.66),
    "full_frame": (36.0, 24.0),
    "alexa_mini_lf": (36.70, 25.54),
    "micro_four_thirds": (17.3, 13.0),
}


@dataclass(frozen=True)
class Lens:
    """A physical lens on a sensor: focal length and sensor size in mm, focus in metres."""

    focal_mm: float = 35.0
    sensor_width_mm: float = 24.89
    sensor_height_mm: float = 18.66
    focus_m: float = 3.0

    def __post_init__(self) -> None:
        for name in ("focal_mm", "sensor_width_mm", "sensor_height_mm", "focus_m"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
                raise InputError(f"lens {name} must be a positive number, got {value!r}")

    @property
    def hfov(self) -> float:
        """Horizontal field of view, radians."""
        return 2.0 * math.atan(self.sensor_width_mm / (2.0 * self.focal_mm))

    @property
    def vfov(self) -> float:
        """Vertical field of view, radians (of the full sensor height)."""
        return 2.0 * math.atan(self.sensor_height_mm / (2.0 * self.focal_mm))

    def vfov_for_aspect(self, aspect: float) -> float:
        """Vertical FOV (radians) of an image of ``aspect`` = width/height cut from the sensor width."""
        return 2.0 * math.atan(self.sensor_width_mm / aspect / (2.0 * self.focal_mm))

    def focal_px(self, image_width: int) -> float:
        """Focal length in pixels for an image ``image_width`` pixels wide spanning the sensor width."""
        return self.focal_mm / self.sensor_width_mm * image_width


def perspective_from_lens(
    lens: Lens, aspect: float, near: float = 0.05, far: float = 500.0
) -> Mat4:
    """Symmetric projection for an image of ``aspect`` (w/h) filling the sensor's width."""
    half_w = near * lens.sensor_width_mm / (2.0 * lens.focal_mm)
    half_h = half_w / aspect
    return frustum(-half_w, half_w, -half_h, half_h, near, far)


def perspective_from_fov_angles(
    angle_left: float,
    angle_right: float,
    angle_up: float,
    angle_down: float,
    near: float = 0.05,
    far: float = 500.0,
) -> Mat4:
    """Asymmetric projection from OpenXR's XrFovf angles (radians; left/down negative)."""
    return frustum(
        near * math.tan(angle_left),
        near * math.tan(angle_right),
        near * math.tan(angle_down),
        near * math.tan(angle_up),
        near,
        far,
    )


def frustum(left: float, right: float, bottom: float, top: float, near: float, far: float) -> Mat4:
    """OpenGL glFrustum matrix (column vectors)."""
    m = np.zeros((4, 4))
    m[0, 0] = 2 * near / (right - left)
    m[1, 1] = 2 * near / (top - bottom)
    m[0, 2] = (right + left) / (right - left)
    m[1, 2] = (top + bottom) / (top - bottom)
    m[2, 2] = -(far + near) / (far - near)
    m[2, 3] = -2 * far * near / (far - near)
    m[3, 2] = -1.0
    return m


def quat_to_matrix(q: tuple[float, float, float, float] | np.ndarray) -> np.ndarray:
    """3x3 rotation matrix from a unit quaternion (x, y, z, w)."""
    x, y, z, w = np.asarray(q, dtype=np.float64) / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def pose_matrix(position, orientation=(0.0, 0.0, 0.0, 1.0)) -> Mat4:
    """4x4 local-to-parent transform from a position (m) and quaternion (x, y, z, w)."""
    m = np.eye(4)
    m[:3, :3] = quat_to_matrix(orientation)
    m[:3, 3] = position
    return m


def look_at(eye, target, up=(0.0, 1.0, 0.0)) -> Mat4:
    """Camera-to-world transform of a camera at ``eye`` looking at ``target`` (y up)."""
    eye = np.asarray(eye, dtype=np.float64)
    forward = np.asarray(target, dtype=np.float64) - eye
    n = np.linalg.norm(forward)
    if n == 0:
        raise InputError("look_at: eye and target are the same point")
    forward /= n
    right = np.cross(forward, up)
    if np.linalg.norm(right) < 1e-9:  # looking straight up or down
        right = np.cross(forward, (0.0, 0.0, -1.0))
    right /= np.linalg.norm(right)
    true_up = np.cross(right, forward)
    m = np.eye(4)
    m[:3, 0], m[:3, 1], m[:3, 2], m[:3, 3] = right, true_up, -forward, eye
    return m


def view_matrix(camera_to_world: Mat4) -> Mat4:
    """World-to-camera (view) matrix: the inverse of a rigid camera-to-world transform."""
    r = camera_to_world[:3, :3]
    t = camera_to_world[:3, 3]
    v = np.eye(4)
    v[:3, :3] = r.T
    v[:3, 3] = -r.T @ t
    return v


def project_points(
    points_world: np.ndarray, view: Mat4, proj: Mat4, width: int, height: int
) -> np.ndarray:
    """Analytic pinhole projection of (N, 3) world points to pixel (x, y), row 0 at the top."""
    p = np.c_[np.asarray(points_world, dtype=np.float64), np.ones(len(points_world))]
    clip = (proj @ view @ p.T).T
    ndc = clip[:, :3] / clip[:, 3:4]
    x = (ndc[:, 0] * 0.5 + 0.5) * width
    y = (1.0 - (ndc[:, 1] * 0.5 + 0.5)) * height
    return np.c_[x, y]

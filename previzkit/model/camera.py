"""Cameras with real lenses, and the projection matrices the renderer uses.

Conventions: right-handed, y up, metres. A camera looks down its local -z with +y up
(OpenGL/OpenXR). Projection matrices map to OpenGL clip space (z in [-1, 1]). Camera
placement (pose matrices, look_at, view matrices) is :mod:`previzkit.core.geometry`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

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


def project_points(
    points_world: npt.ArrayLike, view: Mat4, proj: Mat4, width: int, height: int
) -> npt.NDArray[np.float64]:
    """Analytic pinhole projection of (N, 3) world points to pixel (x, y), row 0 at the top."""
    pts = np.asarray(points_world, dtype=np.float64)
    p = np.c_[pts, np.ones(len(pts))]
    clip = (proj @ view @ p.T).T
    ndc = clip[:, :3] / clip[:, 3:4]
    x = (ndc[:, 0] * 0.5 + 0.5) * width
    y = (1.0 - (ndc[:, 1] * 0.5 + 0.5)) * height
    xy: npt.NDArray[np.float64] = np.c_[x, y]
    return xy

"""Per-eye views: an XrView (pose + FOV) turned into render-core camera matrices.

Pure numpy. Poses are in the session's reference space (STAGE: origin on the floor,
y up, metres). ``world_from_space`` places that space in the set (teleport/move
changes it), so eye-to-world = world_from_space @ eye_pose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from previzkit.core.errors import ShapeError
from previzkit.core.geometry import pose_matrix, view_matrix
from previzkit.core.types import Mat4
from previzkit.model.camera import perspective_from_fov_angles


@dataclass(frozen=True)
class Fov:
    """XrFovf: angles in radians from the view axis; left and down are negative."""

    angle_left: float
    angle_right: float
    angle_up: float
    angle_down: float


@dataclass(frozen=True)
class EyeView:
    """One eye's camera for this frame: camera-to-world, view and projection (OpenGL)."""

    camera_to_world: Mat4
    view: Mat4
    proj: Mat4
    fov: Fov

    @property
    def position(self) -> np.ndarray:
        return self.camera_to_world[:3, 3].copy()


def eye_view(
    position: tuple[float, float, float] | np.ndarray,
    orientation: tuple[float, float, float, float] | np.ndarray,
    fov: Fov,
    world_from_space: Mat4 | None = None,
    near: float = 0.05,
    far: float = 500.0,
) -> EyeView:
    """EyeView from an eye pose (m, quaternion x,y,z,w) in the reference space."""
    if world_from_space is not None and np.shape(world_from_space) != (4, 4):
        raise ShapeError(f"world_from_space must be (4, 4), got {np.shape(world_from_space)}")
    local = pose_matrix(
        np.asarray(position, dtype=np.float64), np.asarray(orientation, dtype=np.float64)
    )
    c2w = local if world_from_space is None else np.asarray(world_from_space, np.float64) @ local
    proj = perspective_from_fov_angles(
        fov.angle_left, fov.angle_right, fov.angle_up, fov.angle_down, near, far
    )
    return EyeView(c2w, view_matrix(c2w), proj, fov)


def from_xr_view(
    view: Any, world_from_space: Mat4 | None = None, near: float = 0.05, far: float = 500.0
) -> EyeView:
    """EyeView from a pyopenxr ``xr.View`` (duck-typed: ``.pose`` and ``.fov``)."""
    p, q, f = view.pose.position, view.pose.orientation, view.fov
    return eye_view(
        (p.x, p.y, p.z),
        (q.x, q.y, q.z, q.w),
        Fov(f.angle_left, f.angle_right, f.angle_up, f.angle_down),
        world_from_space,
        near,
        far,
    )


def symmetric_fov(hfov: float, aspect: float) -> Fov:
    """A symmetric Fov for a horizontal FOV (radians) and aspect w/h (offscreen mode)."""
    half_w = np.tan(hfov / 2)
    half_h = half_w / aspect
    return Fov(
        -float(np.arctan(half_w)),
        float(np.arctan(half_w)),
        float(np.arctan(half_h)),
        -float(np.arctan(half_h)),
    )

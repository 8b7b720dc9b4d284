"""XrView pose + FOV -> render-core matrices (pure)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from previzkit.core.errors import ShapeError
from previzkit.core.geometry import translation
from previzkit.model.camera import perspective_from_fov_angles, project_points
from previzkit.xr.views import Fov, eye_view, from_xr_view, symmetric_fov

FOV = Fov(-0.74, 0.74, 0.78, -0.78)


def test_identity_pose_gives_identity_view_and_the_fov_projection():
    v = eye_view((0, 0, 0), (0, 0, 0, 1), FOV)
    np.testing.assert_allclose(v.view, np.eye(4), atol=1e-12)
    np.testing.assert_allclose(v.proj, perspective_from_fov_angles(-0.74, 0.74, 0.78, -0.78))


def test_view_is_inverse_of_camera_to_world():
    q = (0.0, math.sin(0.3), 0.0, math.cos(0.3))
    v = eye_view((0.1, 1.6, 2.0), q, FOV)
    np.testing.assert_allclose(v.view @ v.camera_to_world, np.eye(4), atol=1e-12)
    np.testing.assert_allclose(v.position, (0.1, 1.6, 2.0))


def test_world_from_space_moves_the_eye():
    wfs = translation((2.0, 0.0, -1.0), yaw_rad=math.pi / 2)
    v = eye_view((1.0, 1.6, 0.0), (0, 0, 0, 1), FOV, world_from_space=wfs)
    # Turned 90 degrees about y: local +x maps to world -z.
    np.testing.assert_allclose(v.position, (2.0, 1.6, -2.0), atol=1e-12)


def test_point_straight_ahead_projects_to_the_centre_of_a_symmetric_fov():
    fov = symmetric_fov(math.radians(90), 4 / 3)
    v = eye_view((0, 1.6, 0), (0, 0, 0, 1), fov)
    ((x, y),) = project_points(np.array([[0.0, 1.6, -3.0]]), v.view, v.proj, 320, 240)
    assert x == pytest.approx(160) and y == pytest.approx(120)


def test_asymmetric_fov_shifts_the_centre():
    v = eye_view((0, 0, 0), (0, 0, 0, 1), Fov(-0.9, 0.5, 0.6, -0.6))
    ((x, _),) = project_points(np.array([[0.0, 0.0, -2.0]]), v.view, v.proj, 100, 100)
    assert x > 50  # more FOV on the left puts the axis right of centre


def test_from_xr_view_reads_pose_and_fov_fields():
    xv = SimpleNamespace(
        pose=SimpleNamespace(
            position=SimpleNamespace(x=0.0, y=1.5, z=0.0),
            orientation=SimpleNamespace(x=0.0, y=0.0, z=0.0, w=1.0),
        ),
        fov=SimpleNamespace(angle_left=-0.7, angle_right=0.7, angle_up=0.7, angle_down=-0.7),
    )
    v = from_xr_view(xv)
    assert v.fov == Fov(-0.7, 0.7, 0.7, -0.7)
    np.testing.assert_allclose(v.position, (0, 1.5, 0))


def test_bad_world_from_space_shape_is_named():
    with pytest.raises(ShapeError, match=r"world_from_space must be \(4, 4\), got \(3, 3\)"):
        eye_view((0, 0, 0), (0, 0, 0, 1), FOV, world_from_space=np.eye(3))

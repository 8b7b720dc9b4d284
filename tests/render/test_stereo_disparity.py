"""Stereo: eyes differ by the disparity the IPD predicts (f_px * ipd / depth), OpenXR
asymmetric fov angles project like the analytic pinhole, one side-by-side target and
two targets agree."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.geometry import view_matrix
from previzkit.model.camera import perspective_from_fov_angles, project_points
from previzkit.model.setfile import load_set
from previzkit.render.renderer import Renderer, stereo_eyes

pytestmark = pytest.mark.gl

W, H = 320, 240
HEAD = np.eye(4)
HEAD[:3, 3] = (0.0, 20.0, 0.0)


def _red(img: np.ndarray) -> np.ndarray:
    return (img[..., 0] > 128) & (img[..., 1] < 60) & (img[..., 2] < 60)


@pytest.mark.parametrize("depth", [1.5, 3.0])
def test_disparity_matches_ipd(gl, write_set, sphere_file, isolated_set, centroid, depth):
    ipd = 0.064
    fov = (-math.pi / 4, math.pi / 4, math.atan(0.75), -math.atan(0.75))  # f_px = W / 2
    props = [
        {"name": "s", "mesh": sphere_file.name, "position": [0.0, 20.0, -depth], "color": [1, 0, 0]}
    ]
    renderer = Renderer(gl, load_set(write_set(isolated_set(props))))
    try:
        eyes = stereo_eyes(HEAD, ipd, fov)
        sbs = renderer.render_stereo(eyes, W, H)
        left, right = renderer.render_stereo(eyes, W, H, side_by_side=False)
    finally:
        renderer.release()
    assert sbs.shape == (H, 2 * W, 3) and left.shape == (H, W, 3)
    assert np.array_equal(sbs[:, :W], left) and np.array_equal(sbs[:, W:], right)
    f_px = (W / 2) / math.tan(math.pi / 4)
    predicted = f_px * ipd / depth
    xl, yl = centroid(_red(left))
    xr, yr = centroid(_red(right))
    assert xl - xr == pytest.approx(predicted, abs=0.5)
    assert yl == pytest.approx(yr, abs=0.25)
    assert (xl + xr) / 2 == pytest.approx(W / 2, abs=0.5)


def test_asymmetric_fov_angles_project_like_pinhole(
    gl, write_set, sphere_file, isolated_set, centroid
):
    fov_left = (-0.9, 0.6, 0.5, -0.7)
    point = np.array([0.3, 19.8, -3.0])
    props = [
        {"name": "s", "mesh": sphere_file.name, "position": point.tolist(), "color": [1, 0, 0]}
    ]
    renderer = Renderer(gl, load_set(write_set(isolated_set(props))))
    try:
        eyes = stereo_eyes(HEAD, 0.064, fov_left)
        sbs = renderer.render_stereo(eyes, W, H)
    finally:
        renderer.release()
    for i, eye in enumerate(eyes):
        proj = perspective_from_fov_angles(*eye.fov)
        expected = project_points(point[None], view_matrix(eye.camera_to_world), proj, W, H)[0]
        got = centroid(_red(sbs[:, i * W : (i + 1) * W]))
        assert np.abs(got - expected).max() < 1.0, (i, got, expected)
    # the right eye's fov mirrors the left's
    assert eyes[1].fov == (-0.6, 0.9, 0.5, -0.7)
    assert np.allclose(
        eyes[1].camera_to_world[:3, 3] - eyes[0].camera_to_world[:3, 3], [0.064, 0, 0]
    )


def test_lens_fov_matches_lens_projection():
    from previzkit.model.camera import Lens, perspective_from_lens
    from previzkit.render.renderer import lens_fov

    for focal in (18.0, 35.0, 85.0):
        lens = Lens(focal)
        assert np.allclose(
            perspective_from_fov_angles(*lens_fov(lens, 16 / 9)),
            perspective_from_lens(lens, 16 / 9),
        )


def test_eye_from_openxr_view_pose():
    from previzkit.render.renderer import Eye

    half = math.sqrt(0.5)
    eye = Eye.from_pose((0.1, 1.6, 0.0), (0.0, half, 0.0, half), (-0.8, 0.7, 0.6, -0.7))
    assert np.allclose(eye.camera_to_world[:3, 3], [0.1, 1.6, 0.0])
    assert np.allclose(-eye.camera_to_world[:3, 2], [-1.0, 0.0, 0.0])  # yaw +90: looks down -x
    assert np.allclose(eye.proj, perspective_from_fov_angles(-0.8, 0.7, 0.6, -0.7))

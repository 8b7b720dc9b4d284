"""Looking through the current camera shows the delivered frame, world-stable: the eye
stays at the camera with the head's own rotation and field; what the camera does not
see is darkened (real moderngl on EGL, the sample set)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.geometry import translation
from previzkit.model.camera import Lens
from previzkit.render.renderer import Renderer
from previzkit.xr.loop import FrameLoop, OffscreenSource
from previzkit.xr.views import symmetric_fov
from tests.helpers import SAMPLE_SET

pytestmark = pytest.mark.gl

SIZE = 400
FOV = symmetric_fov(math.radians(28.0), 1.0)  # narrow eyes: ~0.07 deg per pixel
CAMERA = translation((0.3, 1.4, 4.0), math.radians(-8.0))


@pytest.fixture(scope="module")
def renderer(gl_ctx):
    with gl_ctx:
        r = Renderer(gl_ctx, SAMPLE_SET)
        yield r
        r.release()


def _look(gl, renderer, head_yaw_deg):
    """(masked eye image, the same eye without the mask, its EyeView) for a head turned
    ``head_yaw_deg`` from the camera's heading."""
    head = translation((0.0, 1.6, 2.0), math.radians(-8.0 + head_yaw_deg))
    src = OffscreenSource(gl, (SIZE, SIZE), head=head, fov=FOV, rate_hz=None)
    out = {}
    loop = FrameLoop(src, renderer, on_eye=lambda e, s: out.setdefault(e, s.read_eye(e)[..., :3]))
    loop.mapper.camera = CAMERA
    loop.mapper.lens = Lens(85.0, 24.89, 18.66)
    loop.mapper.looking_through = True
    loop.run(frames=1)
    v = loop.last_views[0]
    fbo = renderer.target(SIZE, SIZE)
    renderer.render_view(fbo, v.view, v.proj)
    plain = renderer.read_target(SIZE, SIZE)
    src.close()
    return out[0], plain, v


def _tan_y(row_edge):
    """tan of the vertical angle of a row boundary (0 = the image top)."""
    up, down = math.tan(FOV.angle_up), math.tan(FOV.angle_down)
    return up - row_edge / SIZE * (up - down)


def test_the_frame_is_the_lens_true_vertical_field_at_the_delivery_aspect(gl, renderer):
    masked, plain, v = _look(gl, renderer, 0.0)
    np.testing.assert_allclose(v.camera_to_world[:3, 3], CAMERA[:3, 3])  # at the camera
    same = np.abs(masked.astype(int) - plain).max(axis=2) <= 2
    column = same[:, SIZE // 2]
    rows = np.flatnonzero(column)
    top, bottom = rows.min(), rows.max() + 1
    assert column[top:bottom].all()  # one band
    vfov = math.degrees(math.atan(_tan_y(top)) - math.atan(_tan_y(bottom)))
    assert vfov == pytest.approx(9.42, abs=0.2)
    # outside the frame: the scene at about 15% brightness
    outside = plain[5 : top - 5, SIZE // 2].astype(float)
    ratio = masked[5 : top - 5, SIZE // 2].astype(float).sum() / max(outside.sum(), 1.0)
    assert ratio == pytest.approx(0.15, abs=0.03)


def _eye_ndc(v, direction):
    p = v.proj[:, :3] @ (v.view[:3, :3] @ direction)
    return p[:2] / p[3]


def test_turning_the_head_looks_around_from_the_camera(gl, renderer):
    a, a_plain, va = _look(gl, renderer, 0.0)
    b, b_plain, vb = _look(gl, renderer, 10.0)
    np.testing.assert_allclose(vb.camera_to_world[:3, 3], CAMERA[:3, 3])
    in_a = np.abs(a.astype(int) - a_plain).max(axis=2) <= 2
    in_b = np.abs(b.astype(int) - b_plain).max(axis=2) <= 2
    # the frame moved right in the image by the turn: its left edge (the camera's axis
    # turned by half the frame width) is where the turned eye sees that direction
    left_edge = -CAMERA[:3, 2] - 24.89 / (2 * 85.0) * CAMERA[:3, 0]
    for v, inside in ((va, in_a), (vb, in_b)):
        expected_col = (_eye_ndc(v, left_edge)[0] + 1) / 2 * SIZE
        assert np.flatnonzero(inside[SIZE // 2]).min() == pytest.approx(expected_col, abs=1.5)
    assert np.flatnonzero(in_b[SIZE // 2]).min() - np.flatnonzero(in_a[SIZE // 2]).min() > 100
    # the picture in the frame is the same world: each pixel of b inside the frame, taken
    # through the eye's rotation back into a, shows the same colour
    ys, xs = np.nonzero(in_b)
    ndc = np.c_[(xs + 0.5) / SIZE * 2 - 1, 1 - (ys + 0.5) / SIZE * 2]
    inv = np.linalg.inv(vb.proj)
    cam_dirs = (inv @ np.c_[ndc, np.ones(len(ndc)), np.ones(len(ndc))].T).T
    cam_dirs = cam_dirs[:, :3] / cam_dirs[:, 3:]
    world = cam_dirs @ vb.camera_to_world[:3, :3].T
    pa = (va.proj[:, :3] @ (va.view[:3, :3] @ world.T)).T
    ndc_a = pa[:, :2] / pa[:, 3:]
    ca = np.clip(((ndc_a[:, 0] + 1) / 2 * SIZE).astype(int), 0, SIZE - 1)
    ra = np.clip(((1 - ndc_a[:, 1]) / 2 * SIZE).astype(int), 0, SIZE - 1)
    diff = np.abs(b[ys, xs].astype(int) - a[ra, ca].astype(int)).mean()
    assert diff < 6.0

"""The handheld viewfinder: the camera's picture at the delivery aspect with frame
lines and safe areas, shown on a monitor in the world (real moderngl on EGL)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.core.geometry import look_at, translation, view_matrix
from previzkit.model.camera import Lens, perspective_from_fov_angles, project_points
from previzkit.render.renderer import Renderer
from previzkit.render.viewfinder import (
    DELIVERY_ASPECTS,
    FRAME_LINE_COLOR,
    Viewfinder,
    frame_size,
)
from tests.helpers import SAMPLE_SET

pytestmark = pytest.mark.gl

CAMERA = look_at((0.0, 1.5, 5.0), (0.0, 1.0, 0.0))


@pytest.fixture(scope="module")
def renderer(gl_ctx):
    with gl_ctx:
        r = Renderer(gl_ctx, SAMPLE_SET)
        yield r
        r.release()


def test_the_picture_is_the_lens_true_field_at_the_delivery_aspect(gl, renderer):
    vf = Viewfinder(gl, renderer, size=(480, 400))
    lens = Lens(85.0, 24.89, 18.66)
    vf.update(CAMERA, lens, DELIVERY_ASPECTS["16:9"])
    assert vf.size == (480, 270)
    vfov = math.degrees(2 * math.atan(1 / vf.proj[1, 1]))
    assert vfov == pytest.approx(9.42, abs=0.01)
    assert vfov == pytest.approx(math.degrees(lens.vfov_for_aspect(16 / 9)))
    # the same picture as a still through that camera at that size
    still = renderer.render_image((CAMERA, lens), 480, 270)
    assert np.abs(vf.image().astype(int) - still).max() <= 1
    vf.update(CAMERA, lens, DELIVERY_ASPECTS["2.39"])
    assert vf.size == (480, 201)
    vf.release()


def test_frame_line_and_safe_areas_are_drawn_in_the_guides_image(gl, renderer):
    vf = Viewfinder(gl, renderer, size=(400, 400))
    vf.update(CAMERA, Lens(35.0), 1.85)
    w, h = vf.size
    plain, guides = vf.image(), vf.image(guides=True)
    amber = np.array(FRAME_LINE_COLOR) * 255
    assert np.abs(guides[h // 2, 0] - amber).max() <= 2  # the frame edge, left
    assert np.abs(guides[0, w // 2] - amber).max() <= 2  # and top
    changed = np.abs(guides.astype(int) - plain).max(axis=2) > 30
    row = h // 2
    cols = np.flatnonzero(changed[row, : w // 2])
    for fraction in (0.93, 0.90):  # action and title safe, left side
        x = (1 - fraction) / 2 * w
        assert np.min(np.abs(cols - x)) <= 1.0
    vf.release()


def test_the_monitor_shows_the_picture_in_the_world(gl, renderer):
    vf = Viewfinder(gl, renderer, size=(320, 180))
    vf.update(CAMERA, Lens(24.0), 16 / 9)
    eye = translation((0.0, 1.5, 3.0))
    view, proj = view_matrix(eye), perspective_from_fov_angles(-0.6, 0.6, 0.6, -0.6)
    monitor = translation((0.0, 1.5, 2.6))  # 40 cm ahead, facing the eye
    fbo = renderer.target(256, 256)
    renderer.render_view(fbo, view, proj)
    vf.draw(fbo, view, proj, monitor, width_m=0.25)
    img = renderer.read_target(256, 256)
    # the monitor centre shows the viewfinder's centre pixel
    ((x, y),) = project_points(np.array([[0.0, 1.5, 2.6]]), view, proj, 256, 256)
    centre = vf.image(guides=True)[90, 160].astype(int)
    assert np.abs(img[int(y), int(x)].astype(int) - centre).max() <= 24
    # the bezel just outside the picture is dark
    ((bx, by),) = project_points(
        np.array([[0.0, 1.5 + 0.25 * 9 / 16 / 2 + 0.006, 2.6]]), view, proj, 256, 256
    )
    assert img[int(by), int(bx)].max() < 30
    vf.release()


def test_sizes_and_aspects_are_checked():
    assert frame_size((640, 400), 16 / 9) == (640, 360)
    assert frame_size((400, 400), 2.39) == (400, 167)
    assert frame_size((300, 100), 1.85) == (185, 100)
    with pytest.raises(InputError, match="delivery aspect must be a positive number"):
        frame_size((10, 10), 0.0)
    with pytest.raises(InputError, match="viewfinder size must be positive"):
        frame_size((0, 10), 1.0)


def test_an_unchanged_versioned_update_is_free(gl, renderer):
    vf = Viewfinder(gl, renderer, size=(160, 90))
    lens = Lens(35.0)
    vf.update(CAMERA, lens, 16 / 9, version=1)
    first = vf.image()
    vf.update(CAMERA, lens, 16 / 9, version=1)  # same pose, lens, aspect, set state
    assert vf.renders == 1
    assert np.array_equal(vf.image(), first)
    vf.update(CAMERA, lens, 16 / 9, version=2)  # the set changed
    vf.update(translation((0.1, 0.0, 0.0)) @ CAMERA, lens, 16 / 9, version=2)  # it moved
    vf.update(CAMERA, Lens(50.0), 16 / 9, version=2)  # another lens
    vf.update(CAMERA, Lens(50.0), 16 / 9)  # no version: always rendered
    vf.update(CAMERA, Lens(50.0), 16 / 9)
    assert vf.renders == 6
    vf.release()

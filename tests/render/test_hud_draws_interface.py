"""The headset HUD drawn over a rendered eye of the sample set (real moderngl on EGL)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.geometry import look_at, translation, view_matrix
from previzkit.model.camera import perspective_from_fov_angles, project_points
from previzkit.render.hud import (
    ARC_COLOR,
    PANEL_SIZE_M,
    RAY_COLOR,
    SELECT_COLOR,
    Hud,
    HudState,
    panel_at_wrist,
    ray_length,
    teleport_arc,
)
from previzkit.render.renderer import Renderer
from tests.helpers import SAMPLE_SET

pytestmark = pytest.mark.gl

W = H = 320
EYE = translation((0.0, 1.6, 3.0))
VIEW = view_matrix(EYE)
PROJ = perspective_from_fov_angles(-0.7, 0.7, 0.7, -0.7)


@pytest.fixture(scope="module")
def scene(gl_ctx):
    with gl_ctx:
        r = Renderer(gl_ctx, SAMPLE_SET)
        hud = Hud(gl_ctx)
        yield r, hud
        hud.release()
        r.release()


def _draw(scene, state):
    r, hud = scene
    fbo = r.target(W, H)
    r.render_view(fbo, VIEW, PROJ)
    hud.draw(fbo, VIEW, PROJ, state)
    return r.read_target(W, H)


def _px(image, point):
    ((x, y),) = project_points(np.array([point]), VIEW, PROJ, W, H)
    return image[int(y), int(x)].astype(int)


def _near(image, point, color, r=2):
    ((x, y),) = project_points(np.array([point]), VIEW, PROJ, W, H)
    patch = image[int(y) - r : int(y) + r + 1, int(x) - r : int(x) + r + 1].reshape(-1, 3)
    want = np.array(color[:3]) * 255
    return np.abs(patch - want).max(axis=1).min() <= 12


def test_rays_controllers_panel_and_selection_are_drawn(gl, scene):
    aim = look_at((0.25, 1.3, 2.5), (0.6, 1.2, 0.0))  # right hand pointing ahead, level-ish
    grip = translation((-0.2, 1.35, 2.55))
    box = translation((-0.3, 1.0, 1.0)) @ np.diag([0.6, 0.6, 0.6, 1.0])
    state = HudState(
        right_aim=aim,
        right_grip=aim,
        left_grip=grip,
        selected_box=box,
        panel_lines=["tool: camera", "85 mm  9.4 deg", "shot 1A", "REC 01:00:02:03", "saved"],
    )
    img = _draw(scene, state)
    assert _near(img, aim[:3, 3] - aim[:3, 2] * 0.6, RAY_COLOR)  # on the ray
    corner = (box @ np.array([0.5, 0.5, 0.5, 1.0]))[:3]
    assert _near(img, corner, SELECT_COLOR)
    centre = panel_at_wrist(grip)[:3, 3]
    edge = (panel_at_wrist(grip) @ np.array([PANEL_SIZE_M[0] * 0.45, 0, 0, 1]))[:3]
    dark = [_px(img, centre + (edge - centre) * f) for f in (0.0, 0.5, 0.9)]
    assert any(p.max() < 60 for p in dark)  # the panel's dark background
    # text: bright pixels inside the panel
    ((x0, y0),) = project_points(np.array([centre]), VIEW, PROJ, W, H)
    patch = img[int(y0) - 12 : int(y0) + 12, int(x0) - 20 : int(x0) + 20]
    assert (patch.min(axis=2) > 180).any()


def test_panel_text_is_uploaded_only_when_it_changes(gl, scene):
    _, hud = scene
    state = HudState(left_grip=translation((0, 1.3, 2.5)), panel_lines=["a", "b"])
    before = hud.panel.uploads
    _draw(scene, state)
    _draw(scene, state)
    assert hud.panel.uploads == before + 1
    state.panel_lines = ["a", "c"]
    _draw(scene, state)
    assert hud.panel.uploads == before + 2


def test_teleport_arc_lands_on_the_ray_floor_hit_with_a_ring(gl, scene):
    aim = look_at((0.2, 1.2, 2.6), (0.9, 0.0, -0.3))
    arc, target = teleport_arc(aim)
    np.testing.assert_allclose(arc[0], aim[:3, 3])
    assert target is not None and target[1] == 0.0
    d = -aim[:3, 2]
    np.testing.assert_allclose(target, aim[:3, 3] + d * ray_length(aim, 30.0), atol=1e-9)
    tangent = (arc[1] - arc[0]) / np.linalg.norm(arc[1] - arc[0])
    np.testing.assert_allclose(tangent, d, atol=1e-9)
    img = _draw(scene, HudState(left_aim=aim, teleport=True))
    assert _near(img, arc[len(arc) // 2], ARC_COLOR)
    assert _near(img, target + np.array([0.0, 0.0, 0.3]), ARC_COLOR, r=3)  # the ring


def test_rays_stop_at_the_floor_or_five_metres():
    down = look_at((0, 1.0, 0), (0, 0, -1.0))
    assert ray_length(down) == pytest.approx(math.sqrt(2.0))
    level = translation((0, 1.0, 0))
    assert ray_length(level) == 5.0

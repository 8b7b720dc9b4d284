"""Characters are lit by every directional light of the set, like the set's props."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.geometry import view_matrix
from previzkit.model.camera import perspective_from_lens, project_points
from previzkit.render.look import Look

pytestmark = pytest.mark.gl

W, H = 320, 240
COLOR = [0.8, 0.6, 0.4]


def chest_pixel(gl, write_set, lights, name):
    renderer_mod = pytest.importorskip("previzkit.render.renderer")
    data = {
        "stage": {"width": 0.5, "depth": 0.5, "grid": 0},
        "background": {"color": [0.5, 0.5, 0.5]},
        "lights": lights,
        "cameras": {
            "front": {"lens": {"focal_mm": 35}, "position": [0, 1.2, 5.0], "target": [0, 1.2, 0]}
        },
        "characters": [{"name": "hero", "position": [0, 0, 0], "color": COLOR}],
    }
    renderer = renderer_mod.Renderer(gl, write_set(data, name), look=Look.off())
    try:
        renderer.show_marks = renderer.show_frustums = False
        img = renderer.render_image("front", W, H)
        cam = renderer.drawables.set.camera("front")
        ch = renderer.drawables.characters["hero"]
        chest = ch.joint_positions()[ch.skeleton.index("chest")] + (0.0, 0.1, 0.0)
        x, y = project_points(
            chest[None],
            view_matrix(cam.camera_to_world()),
            perspective_from_lens(cam.lens, W / H),
            W,
            H,
        )[0]
        return img[int(y), int(x)].astype(int)
    finally:
        renderer.release()


def test_front_light_back_light_and_both(gl, write_set):
    ambient = {"type": "ambient", "color": [0.0, 0.0, 0.0]}
    front = {"type": "directional", "direction": [0, 0, -1], "color": [1, 1, 1], "intensity": 0.5}
    back = {"type": "directional", "direction": [0, 0, 1], "color": [1, 1, 1], "intensity": 1.0}
    side = {"type": "directional", "direction": [0, -1, 0], "color": [1, 0, 0], "intensity": 1.0}
    expected_front = np.round(np.array(COLOR) * 0.5 * 255)
    only_back = chest_pixel(gl, write_set, [ambient, back], "b.yaml")
    assert only_back == pytest.approx((0, 0, 0), abs=2)  # the chest faces away from it
    only_front = chest_pixel(gl, write_set, [ambient, front], "f.yaml")
    assert only_front == pytest.approx(expected_front, abs=2)
    # the third directional light counts too: 'front' alone lights the chest's front face
    all_three = chest_pixel(gl, write_set, [ambient, back, side, front], "a.yaml")
    assert all_three == pytest.approx(expected_front, abs=2)

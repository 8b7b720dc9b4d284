"""Shadow maps: a box on the floor under a directional key light and under a spot
light darkens the floor where its shadow falls; without the light's shadow (or with
the look's shadows off) the floor there is as bright as beside it. Real rendering
with moderngl on EGL."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.geometry import view_matrix
from previzkit.model.camera import perspective_from_lens
from previzkit.model.setfile import load_set
from previzkit.render.look import Look
from previzkit.render.renderer import Renderer

pytestmark = pytest.mark.gl

W, H = 320, 240
BOX_H = 1.0


def _project(points, cam, w, h):
    view = view_matrix(cam.camera_to_world())
    proj = perspective_from_lens(cam.lens, w / h)
    p = np.c_[np.asarray(points, float), np.ones(len(points))] @ (proj @ view).T
    ndc = p[:, :2] / p[:, 3:4]
    return np.c_[(ndc[:, 0] + 1) / 2 * w, (1 - ndc[:, 1]) / 2 * h]


def _luma(img):
    return img.astype(float) @ np.array([0.2126, 0.7152, 0.0722])


def _patch_mean(img, xy, r=4):
    x, y = (round(v) for v in xy)
    return float(_luma(img[y - r : y + r + 1, x - r : x + r + 1]).mean())


@pytest.fixture
def box_file(tmp_path):
    import trimesh

    path = tmp_path / "box.glb"
    trimesh.creation.box(extents=(0.5, BOX_H, 0.5)).export(path)
    return path


def _set(write_set, box_file, light: dict) -> dict:
    return {
        "stage": {"width": 8, "depth": 8, "grid": 0},
        "background": {"color": [0.1, 0.1, 0.1]},
        "lights": [light, {"type": "ambient", "color": [0.25, 0.25, 0.25]}],
        "props": [
            {
                "name": "box",
                "mesh": str(box_file),
                "position": [0, BOX_H / 2, 0],
                "color": [0.8, 0.8, 0.8],
            }
        ],
        # straight down from high up: the floor around the box is in plain view
        "cameras": {
            "top": {"lens": {"focal_mm": 18}, "position": [0, 9, 0.01], "target": [0, 0, 0]}
        },
    }


def _shadow_and_beside(img, cam, shadow_point, beside_point):
    px = _project([shadow_point, beside_point], cam, W, H)
    return _patch_mean(img, px[0]), _patch_mean(img, px[1])


@pytest.mark.parametrize("kind", ["directional", "spot"])
def test_a_prop_casts_a_shadow_on_the_floor(gl, write_set, box_file, kind):
    d = np.array([-1.0, -1.0, 0.0]) / np.sqrt(2)  # 45 degrees, travelling toward -x
    if kind == "directional":
        light = {"type": "directional", "direction": d.tolist(), "intensity": 1.0}
    else:  # a spot 3 m up and 3 m to +x, aimed at the box's foot
        light = {
            "type": "spot",
            "position": [3.0, 3.0, 0.0],
            "target": [0.0, 0.0, 0.0],
            "cone_deg": 40,
            "intensity": 18.0,
        }
    data = _set(write_set, box_file, light)
    # the shadow of the box's top centre lands BOX_H beyond its foot along the light
    # for the directional light (45 degrees); the spot's from (3, 3) over a 1 m box
    # reaches x = -0.5 from the far top edge: sample the floor at x = -0.45
    shadow = [-0.45, 0.0, 0.0]
    beside = [-0.45, 0.0, 0.9]  # as far from the spot's axis, off the shadow's side
    results = {}
    for shadows in (True, False):
        set_def = load_set(write_set(data))
        with Renderer(gl, set_def, look=Look(shadows=shadows, ibl=False)) as r:
            r.show_marks = r.show_frustums = False
            img = r.render_image("top", W, H)
        results[shadows] = _shadow_and_beside(img, set_def.camera("top"), shadow, beside)
    (dark, lit), (off_dark, off_lit) = results[True], results[False]
    assert lit > 40, f"the lit floor is too dark to judge: {lit}"
    # behind the box the floor loses the light; beside it nothing changes
    assert dark < 0.6 * off_dark, (
        f"{kind}: no shadow behind the box ({dark:.1f} vs {off_dark:.1f} unshadowed)"
    )
    assert abs(lit - off_lit) < 2, (
        f"{kind}: the floor beside the shadow changed ({lit:.1f} vs {off_lit:.1f})"
    )
    # the light's own switch: shadow: false in the set file does the same as the look's
    data["lights"][0]["shadow"] = False
    set_def = load_set(write_set(data))
    with Renderer(gl, set_def, look=Look(ibl=False)) as r:
        r.show_marks = r.show_frustums = False
        img = r.render_image("top", W, H)
    no_dark, no_lit = _shadow_and_beside(img, set_def.camera("top"), shadow, beside)
    assert abs(no_dark - off_dark) < 2 and abs(no_lit - off_lit) < 2


def test_no_acne_on_the_lit_floor_and_contact_is_shadowed(gl, write_set, box_file):
    """The lit floor is even (no self-shadowing speckle) and the shadow starts right
    at the box's foot (no peter-panning gap): seen from the shadow's side, low."""
    data = _set(write_set, box_file, {"type": "directional", "direction": [-1.0, -1.0, 0.0]})
    data["cameras"]["side"] = {
        "lens": {"focal_mm": 35},
        "position": [-2.5, 1.0, 0.0],
        "target": [0, 0.2, 0],
    }
    set_def = load_set(write_set(data))
    w, h = 640, 480
    with Renderer(gl, set_def, look=Look(ibl=False)) as r:
        r.show_marks = r.show_frustums = False
        img = r.render_image("side", w, h)
    cam = set_def.camera("side")
    lit_px = _project([[-0.6, 0, 0.6]], cam, w, h)[0]
    x, y = (int(v) for v in lit_px)
    patch = _luma(img[y - 6 : y + 7, x - 6 : x + 7])
    assert patch.mean() > 40
    assert patch.std() < 1.5, f"speckled lit floor (shadow acne): std {patch.std():.2f}"
    # 2 cm in front of the box's -x face, in its shadow
    contact = _patch_mean(img, _project([[-0.27, 0, 0.0]], cam, w, h)[0], r=1)
    assert contact < 0.6 * patch.mean(), f"gap under the box: {contact:.1f} vs {patch.mean():.1f}"


def test_a_character_casts_a_shadow_that_follows_it(gl, write_set, box_file):
    """A mannequin casts a shadow (the depth pass draws the skinned character) and the
    shadow moves with it when it is moved."""
    data = _set(write_set, box_file, {"type": "directional", "direction": [-1.0, -1.0, 0.0]})
    data["props"] = []
    data["characters"] = [{"name": "ALEX", "model": "mannequin", "position": [1.0, 0, 0]}]
    set_def = load_set(write_set(data))
    cam = set_def.camera("top")
    # the torso (about 1.0 to 1.4 m up) shadows the floor 1.0 to 1.4 m toward -x
    spot_a = _project([[1.0 - 1.2, 0.0, 0.0]], cam, W, H)[0]
    spot_b = _project([[1.0 - 1.2, 0.0, -2.0]], cam, W, H)[0]
    with Renderer(gl, set_def, look=Look(ibl=False)) as r:
        r.show_marks = r.show_frustums = False
        first = r.render_image("top", W, H)
        r.drawables.characters["ALEX"].set_placement((1.0, 0.0, -2.0))
        moved = r.render_image("top", W, H)
    a_first, b_first = _patch_mean(first, spot_a, 2), _patch_mean(first, spot_b, 2)
    a_moved, b_moved = _patch_mean(moved, spot_a, 2), _patch_mean(moved, spot_b, 2)
    assert a_first < 0.6 * b_first, f"no shadow from the character: {a_first:.1f} vs {b_first:.1f}"
    assert b_moved < 0.6 * a_moved, f"the shadow stayed behind: {b_moved:.1f} vs {a_moved:.1f}"


def test_stereo_renders_the_shadow_map_once_per_frame(gl, write_set, box_file, monkeypatch):
    from previzkit.core.geometry import look_at
    from previzkit.render.renderer import stereo_eyes
    from previzkit.render.shadows import ShadowMaps

    data = _set(write_set, box_file, {"type": "directional", "direction": [-1.0, -1.0, 0.0]})
    calls = []
    real = ShadowMaps.render
    monkeypatch.setattr(ShadowMaps, "render", lambda self, *a: calls.append(a[0]) or real(self, *a))
    with Renderer(gl, load_set(write_set(data)), look=Look(ibl=False)) as r:
        eyes = stereo_eyes(look_at((0, 1.6, 3), (0, 0.5, 0)))
        left, right = r.render_stereo(eyes, 64, 48, side_by_side=False)
        assert calls == [0]  # one light, one map, for both eyes
        r.render_stereo(eyes, 64, 48)
        assert calls == [0, 0]
        r.render_image("top", 64, 48)
        assert calls == [0, 0, 0]
    assert left.shape == right.shape == (48, 64, 3)

"""HDR: exposure in EV, a filmic tone map that keeps bright values apart, MSAA edges."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.model.setfile import load_set
from previzkit.render.look import Look, aces, inverse_aces
from previzkit.render.renderer import Renderer, SetDrawables

pytestmark = pytest.mark.gl


def test_aces_is_monotone_and_inverts():
    x = np.linspace(0.0, 7.0, 2000)  # the fit reaches 1.0 at about 7.2
    y = aces(x)
    assert np.all(np.diff(y) > 0)
    np.testing.assert_allclose(
        inverse_aces(aces(np.array([0.01, 0.18, 1.0, 4.0]))), [0.01, 0.18, 1.0, 4.0], rtol=1e-6
    )


def _flat_set(write_set, sphere_file, ev: float = 0.0, grey: float = 0.5):
    return load_set(
        write_set(
            {
                "stage": {"width": 0.1, "depth": 0.1, "grid": 0},
                "background": {"color": [0.0, 0.0, 0.0], "exposure_ev": ev},
                "lights": [{"type": "ambient", "color": [1.0, 1.0, 1.0]}],
                "props": [
                    {
                        "name": "s",
                        "mesh": str(sphere_file),
                        "position": [0, 1, 0],
                        "color": [grey] * 3,
                    }
                ],
                "cameras": {
                    "c": {"lens": {"focal_mm": 50}, "position": [0, 1, 0.6], "target": [0, 1, 0]}
                },
            }
        )
    )


def _centre(img):
    h, w = img.shape[:2]
    return img[h // 2 - 3 : h // 2 + 4, w // 2 - 3 : w // 2 + 4].reshape(-1, 3).mean(axis=0)


def test_plus_one_ev_brightens_mid_grey(gl, write_set, sphere_file):
    values = []
    for ev in (0.0, 1.0):
        with Renderer(
            gl, _flat_set(write_set, sphere_file, ev), look=Look(shadows=False, ibl=False)
        ) as r:
            r.show_marks = r.show_frustums = False
            values.append(float(_centre(r.render_image("c", 64, 64)).mean()))
    assert 60 < values[0] < 200
    assert values[1] > values[0] + 15, values


def test_a_bright_sky_gradient_tone_maps_without_clipping(gl, write_set, sphere_file):
    """A float panorama whose radiance climbs from 1 to 6 (2.6 stops over white) across
    the view keeps every step distinct (monotone) instead of clipping to a flat white."""
    set_def = _flat_set(write_set, sphere_file)
    w = 512
    # the ramp spans the columns a 12 mm lens sees looking down -z (u in 0.5 +- 0.156)
    u = (np.arange(w) + 0.5) / w
    t = np.clip((u - 0.34) / 0.32, 0.0, 1.0)
    ramp = (1.0 * 6.0**t).astype(np.float32)
    pano = np.repeat(np.repeat(ramp[None, :, None], 256, axis=0), 3, axis=2)
    scene = SetDrawables(gl, set_def, panorama=pano)
    with Renderer(gl, scene, look=Look(shadows=False, ibl=False)) as r:
        r.show_marks = r.show_frustums = False
        r.drawables.props["s"].visible = False
        # look down -z with a wide lens: the columns of the panorama's middle third
        from previzkit.model.camera import Lens

        pose = np.eye(4)
        pose[:3, 3] = (0, 1, 0)
        row = r.render_image((pose, Lens(focal_mm=12.0)), 256, 32)[16].astype(int)
    scene.release()
    lum = row.mean(axis=1)
    assert lum.max() < 255 or (lum >= 254).mean() < 0.05, "the bright end clipped flat"
    assert lum[-1] > lum[0] + 10
    steps = np.diff(lum[::32])
    assert np.all(steps >= 0) and np.count_nonzero(steps) >= 0.8 * len(steps), lum[::16]


def test_msaa_antialiases_a_props_edge(gl, write_set, sphere_file):
    set_def = _flat_set(write_set, sphere_file, grey=1.0)
    greys = {}
    for msaa in (4, 0):
        with Renderer(gl, set_def, look=Look(shadows=False, ibl=False, msaa=msaa)) as r:
            r.show_marks = r.show_frustums = False
            img = r.render_image("c", 96, 96)
        v = img.astype(int).max(axis=2)
        hi = v.max()
        greys[msaa] = int(np.count_nonzero((v > 0.1 * hi) & (v < 0.9 * hi)))
    assert greys[4] > 3 * max(greys[0], 1), greys  # intermediate edge pixels with MSAA


def test_depth_of_field_blurs_what_is_out_of_focus(gl, write_set, sphere_file):
    """A sphere whose front is 0.5 m away: its edge is sharp with the lens focused on
    it and blurred (a wider band of in-between pixels) focused at 20 m, f/1.4; no
    f-stop: no blur."""
    from previzkit.model.camera import Lens

    set_def = _flat_set(write_set, sphere_file, grey=1.0)
    pose = np.eye(4)
    pose[:3, 3] = (0, 1, 0.6)
    bands = {}
    for focus, f_stop in ((0.5, 1.4), (20.0, 1.4), (20.0, None)):
        look = Look(shadows=False, ibl=False, f_stop=f_stop)
        with Renderer(gl, set_def, look=look) as r:
            r.show_marks = r.show_frustums = False
            img = r.render_image((pose, Lens(50.0, focus_m=focus)), 96, 96)
        v = img.astype(int).max(axis=2)
        hi = v.max()
        bands[(focus, f_stop)] = int(np.count_nonzero((v > 0.1 * hi) & (v < 0.9 * hi)))
    sharp, blurred, off = bands[(0.5, 1.4)], bands[(20.0, 1.4)], bands[(20.0, None)]
    assert blurred > 3 * sharp, bands
    assert abs(sharp - off) <= 0.5 * off + 4, bands  # in focus: as without depth of field

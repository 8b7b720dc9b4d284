"""Environments in a real render: the rooftop (EXT. ROOFTOP - NIGHT) shows a dark night
sky, darker than the same shot under a daylight preset; the sky wraps at u = 0/1 with
no seam; the ground out past the stage is the panorama's own ground."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.cli import main
from previzkit.core.geometry import look_at
from previzkit.core.resources import asset_path
from previzkit.model.setfile import load_set
from previzkit.render.environments import with_environment
from previzkit.render.renderer import Renderer

pytestmark = pytest.mark.gl
pytest.importorskip("OpenEXR")

ROOFTOP = asset_path("sets", "rooftop.yaml")
W, H = 192, 108


def _luma(img: np.ndarray) -> np.ndarray:
    return img.astype(np.float64) @ np.array([0.2126, 0.7152, 0.0722])


def _shot(gl, set_def, pose=None, lens=None, size=(W, H)) -> np.ndarray:
    renderer = Renderer(gl, set_def)
    try:
        cam = set_def.camera(set_def.default_camera)
        camera = (
            cam.camera_to_world() if pose is None else pose,
            cam.lens if lens is None else lens,
        )
        return renderer.render_image(camera, *size)
    finally:
        renderer.release()


def test_rooftop_night_sky_is_dark(gl):
    night = load_set(ROOFTOP)
    assert night.background.environment == "night"
    cam = night.camera(night.default_camera)
    eye = np.asarray(cam.position)
    up = look_at(eye, eye + np.array([0.2, 0.6, -1.0]))  # sky only: over the rooftop's props
    skies = {
        name: _luma(_shot(gl, with_environment(night, name) if name != "night" else night, up))
        for name in ("night", "city", "park", "sunset")
    }
    assert skies["night"].mean() < 60  # of 255: a night sky, not a daytime one
    for name in ("city", "park", "sunset"):
        assert skies["night"].mean() * 2 < skies[name].mean(), name


@pytest.mark.parametrize("pitch", [0.35, -0.25], ids=["sky", "projected-ground"])
def test_no_seam_where_the_panorama_wraps(gl, pitch):
    """Looking down +z the panorama's u = 0/1 edge runs down the middle column, in the
    sky and in the projected ground past the stage: the step across it is no larger
    than the image's ordinary column-to-column steps."""
    s = with_environment(load_set(ROOFTOP), "city")
    eye = np.array([0.0, 1.7, 10.0])  # past the stage's front edge (z = 6)
    img = _luma(_shot(gl, s, look_at(eye, eye + np.array([0.0, pitch, 1.0])), size=(129, 96)))
    steps = np.abs(np.diff(img, axis=1))  # (96, 128); the seam is between columns 63/64/65
    seam = steps[:, 62:66].max(axis=1)
    usual = np.percentile(steps, 99, axis=1)
    assert (seam <= usual + 2).mean() > 0.95
    assert np.median(steps[:, 62:66]) <= np.median(steps) + 2


def test_ground_past_the_stage_is_the_panoramas_ground(gl):
    """Past the stage's floor the projected panorama ground continues to the horizon:
    looking down at the floor 30 m out shows the panorama's grass (green), not the
    flat clear colour and not the sky."""
    s = with_environment(load_set(ROOFTOP), "park")
    eye = np.array([0.0, 1.7, 0.0])
    img = _shot(gl, s, look_at(eye, np.array([0.0, 0.0, -30.0])), size=(64, 48)).astype(float)
    r, g, b = img[20:28, 28:36].reshape(-1, 3).mean(axis=0)
    assert g > r and g > b  # the park's grass
    bg = np.array(s.background.color) * 255
    assert np.abs(img[20:28, 28:36] - bg).max() > 20


def test_cli_lists_presets_and_renders_with_one(tmp_path, capsys):
    assert main(["render", "--list-environments"]) == 0
    out = capsys.readouterr().out
    assert "night      exterior  night" in out and "warehouse  interior" in out
    frame = tmp_path / "dusk.png"
    args = ["render", str(ROOFTOP), "-e", "sunset", "-o", str(frame), "--size", "96x54"]
    assert main(args) == 0 and frame.is_file()
    assert main(["render", str(ROOFTOP), "-e", "nite", "-o", str(frame)]) != 0
    err = capsys.readouterr().err
    assert "--environment: unknown environment preset 'nite' (did you mean 'night'?)" in err

"""Image-based lighting: SH irradiance checked analytically, and a white prop lit by
two real environments (assets/environments) takes on each one's colour."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from previzkit.render.ibl import (
    equirect_directions,
    eval_sh9,
    linear_radiance,
    prefilter_specular,
    sh9_irradiance,
)

ENVS = Path(__file__).resolve().parents[2] / "previzkit" / "assets" / "environments"
NORMALS = np.array(
    [[0, 1, 0], [0, -1, 0], [1, 0, 0], [-1, 0, 0], [0, 0, 1], [0, 0, -1], [0.6, 0.8, 0]], float
)


def _exr(name: str) -> np.ndarray:
    openexr = pytest.importorskip("OpenEXR")
    return np.asarray(openexr.File(str(ENVS / f"{name}.exr")).channels()["RGB"].pixels, np.float32)


def test_constant_environment_gives_pi_l_for_every_normal():
    radiance = np.broadcast_to(np.array([0.5, 1.0, 2.0], np.float32), (64, 128, 3)).copy()
    e = eval_sh9(sh9_irradiance(radiance), NORMALS)
    np.testing.assert_allclose(
        e, np.pi * np.array([0.5, 1.0, 2.0])[None, :].repeat(7, 0), rtol=2e-3
    )


def test_sky_from_above_lights_up_facing_normals_only():
    d = equirect_directions(128, 256)
    radiance = np.repeat((d[..., 1:2] > 0).astype(np.float32), 3, axis=2)  # upper hemisphere 1
    e = eval_sh9(sh9_irradiance(radiance), NORMALS)[:, 0]
    # exact irradiance: up pi, down 0, horizontal pi / 2; 9 coefficients ring a little
    assert e[0] == pytest.approx(math.pi, rel=0.03)
    assert abs(e[1]) < 0.05 * math.pi
    np.testing.assert_allclose(e[2:6], math.pi / 2, rtol=0.03)
    assert e[0] > e[6] > e[2]  # tilted toward the sky: in between


def test_yaw_turns_the_irradiance_with_the_sky():
    d = equirect_directions(64, 128)
    radiance = np.repeat((d[..., 0:1] > 0.5).astype(np.float32), 3, axis=2)  # a patch at +x
    e0 = eval_sh9(sh9_irradiance(radiance), NORMALS)[:, 0]
    assert e0[2] > 5 * max(e0[3], 1e-3)  # +x lit, -x not
    # yaw 90 (counterclockwise from above) turns +x toward -z
    e90 = eval_sh9(sh9_irradiance(radiance, yaw_deg=90.0), NORMALS)[:, 0]
    assert e90[5] == pytest.approx(e0[2], rel=0.05)


def test_uint8_is_srgb_decoded_and_the_specular_chain_blurs():
    img = np.full((32, 64, 3), 188, np.uint8)  # sRGB 188 ~ linear 0.5
    np.testing.assert_allclose(linear_radiance(img), 0.5, atol=0.01)
    pano = _exr("sunset")
    chain = prefilter_specular(pano)
    assert [c.shape for c in chain] == [
        (64, 128, 3),
        (32, 64, 3),
        (16, 32, 3),
        (8, 16, 3),
        (4, 8, 3),
    ]
    spread = [float(np.std(np.log1p(c[..., 1]))) for c in chain]
    assert spread == sorted(spread, reverse=True), spread  # rougher: smoother
    # energy is kept: each level's mean radiance about the panorama's (solid-angle weights)
    means = [
        float(
            (c[..., 1] * np.sin((np.arange(c.shape[0]) + 0.5) / c.shape[0] * np.pi)[:, None]).mean()
        )
        for c in chain
    ]
    np.testing.assert_allclose(means, means[0], rtol=0.15)


@pytest.mark.gl
def test_a_white_prop_takes_the_environments_colour(gl, write_set, tmp_path):
    import trimesh

    from previzkit.model.setfile import load_set
    from previzkit.render.look import Look
    from previzkit.render.renderer import Renderer, SetDrawables

    trimesh.creation.icosphere(subdivisions=3, radius=0.5).export(tmp_path / "ball.glb")
    data = {
        "stage": {"width": 0.2, "depth": 0.2, "grid": 0},
        "lights": [{"type": "ambient", "color": [0.3, 0.3, 0.3]}],
        "props": [
            {
                "name": "ball",
                "mesh": str(tmp_path / "ball.glb"),
                "position": [0, 1, 0],
                "color": [1, 1, 1],
            }
        ],
        "cameras": {"c": {"lens": {"focal_mm": 50}, "position": [0, 1, 3], "target": [0, 1, 0]}},
    }
    set_def = load_set(write_set(data))
    ratios = {}
    for env in ("sunset", "studio", "night"):
        pano = _exr(env)
        scene = SetDrawables(gl, set_def, panorama=pano)  # the environment's sky and light
        with Renderer(gl, scene, look=Look(shadows=False)) as r:
            r.show_marks = r.show_frustums = False
            img = r.render_image("c", 96, 96).astype(float)
        scene.release()
        ball = img[40:56, 40:56].reshape(-1, 3).mean(axis=0)  # the ball's centre
        env_mean = linear_radiance(pano).reshape(-1, 3).mean(axis=0)
        ratios[env] = (ball[2] / ball[0], env_mean[2] / env_mean[0], ball)
    # the ball's blue/red ratio orders like the environments' mean colours
    order_ball = sorted(ratios, key=lambda k: ratios[k][0])
    order_env = sorted(ratios, key=lambda k: ratios[k][1])
    assert order_ball == order_env, ratios
    spread = max(v[0] for v in ratios.values()) / min(v[0] for v in ratios.values())
    assert spread > 1.1, ratios  # measurably different colour
    # without IBL the set's flat grey ambient: a neutral ball whatever the sky
    scene = SetDrawables(gl, set_def, panorama=_exr("sunset"))
    with Renderer(gl, scene, look=Look(ibl=False, shadows=False)) as r:
        r.show_marks = r.show_frustums = False
        flat = r.render_image("c", 96, 96).astype(float)[40:56, 40:56].reshape(-1, 3).mean(axis=0)
    scene.release()
    assert flat.max() - flat.min() < 3, flat

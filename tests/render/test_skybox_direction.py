"""The skybox shows the panorama's pixel for a known view direction; below the horizon,
the panorama's ground projected onto the floor plane (from CAPTURE_HEIGHT_M)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from previzkit.core.geometry import look_at
from previzkit.model.camera import Lens
from previzkit.model.setfile import load_set
from previzkit.render.ground import CAPTURE_HEIGHT_M
from previzkit.render.renderer import Renderer
from previzkit.render.skybox import direction_to_equirect_uv

pytestmark = pytest.mark.gl

PW, PH = 512, 256
EYE = np.array([0.0, 50.0, 0.0])  # far above the tiny stage


def _panorama() -> np.ndarray:
    """Smooth, periodic in longitude, every direction a distinct colour."""
    u = (np.arange(PW) + 0.5) / PW
    v = (np.arange(PH) + 0.5) / PH
    uu, vv = np.meshgrid(u, v)
    r = 128 + 100 * np.sin(2 * np.pi * uu)
    g = 20 + 215 * vv
    b = 128 + 100 * np.cos(2 * np.pi * uu)
    return np.stack([r, g, b], axis=-1).round().astype(np.uint8)


def _bilinear(img: np.ndarray, u: float, v: float) -> np.ndarray:
    """Sample like GL: texel centres at (i + 0.5) / size, x wraps, y clamps."""
    h, w = img.shape[:2]
    x = u * w - 0.5
    y = min(max(v * h - 0.5, 0.0), h - 1.0)
    x0, y0 = math.floor(x), math.floor(y)
    fx, fy = x - x0, y - y0
    y1 = min(y0 + 1, h - 1)
    c = img.astype(np.float64)
    top = c[y0, x0 % w] * (1 - fx) + c[y0, (x0 + 1) % w] * fx
    bot = c[y1, x0 % w] * (1 - fx) + c[y1, (x0 + 1) % w] * fx
    return top * (1 - fy) + bot * fy


@pytest.fixture
def pano_set(tmp_path, write_set):
    def make(yaw_deg: float = 0.0):
        Image.fromarray(_panorama()).save(tmp_path / "pano.png")
        return load_set(
            write_set(
                {
                    "stage": {"width": 0.5, "depth": 0.5},
                    "background": {"image": "pano.png", "yaw_deg": yaw_deg},
                }
            )
        )

    return make


DIRECTIONS = [
    (0.0, 0.0, -1.0),  # panorama centre
    (1.0, 0.0, 0.0),  # a quarter turn right
    (0.3, 0.8, -0.5),  # up and right
    (-0.6, -0.3, -0.7),  # below the horizon, left: the projected ground, ~160 m away
    (0.001, 0.1, 1.0),  # behind: right at the panorama's left/right seam
]


@pytest.mark.parametrize("yaw_deg", [0.0, 70.0])
def test_view_direction_shows_panorama_pixel(gl, pano_set, yaw_deg):
    pano = _panorama()
    renderer = Renderer(gl, pano_set(yaw_deg))
    try:
        for d in DIRECTIONS:
            d = np.asarray(d) / np.linalg.norm(d)
            pose = look_at(EYE, EYE + d)
            image = renderer.render_image((pose, Lens(50.0)), 65, 65)  # odd: a pixel on the axis
            seen = d
            if d[1] < 0:  # the floor plane where the ray meets it, seen from the capture point
                hit = EYE + d * (-EYE[1] / d[1])
                seen = hit - np.array([0.0, CAPTURE_HEIGHT_M, 0.0])
            ((u, v),) = direction_to_equirect_uv(seen, yaw_deg)
            expected = _bilinear(pano, u, v)
            got = image[32, 32].astype(np.float64)
            assert np.abs(got - expected).max() <= 2.0, (d, yaw_deg, got, expected)
    finally:
        renderer.release()


def test_equirect_uv_convention():
    uv = direction_to_equirect_uv(
        np.array([[0, 0, -1], [1, 0, 0], [0, 1, 0], [0, -1, 0], [-1, 0, 0]])
    )
    assert np.allclose(uv[:, 0][:2], [0.5, 0.75]) and np.isclose(uv[4, 0], 0.25)
    assert np.isclose(uv[2, 1], 0.0) and np.isclose(uv[3, 1], 1.0) and np.isclose(uv[0, 1], 0.5)
    # yaw turns the panorama counterclockwise seen from above: its centre moves toward -x
    left = np.array([[-math.sin(math.radians(30)), 0, -math.cos(math.radians(30))]])
    assert np.isclose(direction_to_equirect_uv(left, 30.0)[0, 0], 0.5)


@pytest.mark.slow
def test_gan_background_through_genai_panorama(gl, tmp_path, write_set, monkeypatch):
    """A set's ``background: {model, seed, size}`` shows genai's panorama for that seed."""
    torch = pytest.importorskip("torch")
    panorama = pytest.importorskip("previzkit.genai.panorama")
    from previzkit.genai.checkpoint import Checkpoint, save_checkpoint
    from previzkit.genai.model import Generator, ModelConfig, init_weights

    monkeypatch.setenv("PREVIZKIT_CACHE", str(tmp_path / "cache"))
    torch.manual_seed(0)
    config = ModelConfig(g_channels=(16, 8, 8, 8))
    gen = Generator(config)
    gen.apply(init_weights)
    save_checkpoint(Checkpoint(config, gen.state_dict()), tmp_path / "sky.pt")
    set_def = load_set(
        write_set(
            {
                "stage": {"width": 0.5, "depth": 0.5},
                "background": {"model": "sky.pt", "seed": 7, "size": [256, 128]},
            }
        )
    )
    pano = panorama.panorama_image(tmp_path / "sky.pt", 7, 256, 128)
    assert pano.shape == (128, 256, 3)
    renderer = Renderer(gl, set_def)
    try:
        for d in DIRECTIONS[:3]:
            d = np.asarray(d) / np.linalg.norm(d)
            image = renderer.render_image((look_at(EYE, EYE + d), Lens(50.0)), 65, 65)
            ((u, v),) = direction_to_equirect_uv(d)
            assert np.abs(image[32, 32] - _bilinear(pano, u, v)).max() <= 2.0, d
    finally:
        renderer.release()


def test_minified_panorama_is_filtered_not_aliased(gl, tmp_path, write_set):
    """A panorama finer than the view is mip-filtered: a 1-texel checker reads as grey."""
    checker = ((np.indices((512, 1024)).sum(axis=0) % 2) * 255).astype(np.uint8)
    Image.fromarray(np.repeat(checker[..., None], 3, axis=2)).save(tmp_path / "checker.png")
    set_def = load_set(
        write_set({"stage": {"width": 0.5, "depth": 0.5}, "background": {"image": "checker.png"}})
    )
    renderer = Renderer(gl, set_def)
    try:
        for d in [(0, 0, -1), (0.001, 0.2, 1.0)]:  # straight ahead, and across the seam
            pose = look_at(EYE, EYE + np.asarray(d))
            image = renderer.render_image((pose, Lens(50.0)), 32, 32).astype(float)
            assert abs(image.mean() - 127.5) < 12 and image.std() < 20, (
                d,
                image.mean(),
                image.std(),
            )
    finally:
        renderer.release()

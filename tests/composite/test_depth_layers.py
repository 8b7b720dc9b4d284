"""Depth composite semantics: a virtual character in front of or behind a keyed actor,
the actor's depth from a plane or a per-pixel estimate; depth helpers."""

from __future__ import annotations

import numpy as np
import pytest

import previzkit.composite as C
from previzkit.model.camera import Lens, perspective_from_lens

H, W = 36, 64


def _layers():
    actor = np.zeros((H, W, 4), np.uint8)
    actor[:, 10:40] = (200, 100, 80, 255)  # keyed actor, opaque
    char = np.zeros((H, W, 4), np.uint8)
    char[:, 30:60] = (20, 30, 240, 255)  # rendered character, opaque
    bg = np.full((H, W, 3), 50, np.uint8)
    return actor, char, bg


@pytest.mark.parametrize("backend", ["numpy", "auto"])
@pytest.mark.parametrize(("char_depth", "front"), [(2.0, "char"), (5.0, "actor")])
def test_character_in_front_of_or_behind_actor(backend, char_depth, front):
    actor, char, bg = _layers()
    char_d = np.full((H, W), np.inf, np.float32)
    char_d[:, 30:60] = char_depth
    out = C.depth_composite([(actor, 3.0), (char, char_d)], bg, backend=backend)
    overlap = out[:, 35]
    want = char[0, 35, :3] if front == "char" else actor[0, 35, :3]
    np.testing.assert_array_equal(overlap, np.broadcast_to(want, overlap.shape))
    np.testing.assert_array_equal(out[:, 15], np.broadcast_to(actor[0, 15, :3], (H, 3)))
    np.testing.assert_array_equal(out[:, 55], np.broadcast_to(char[0, 55, :3], (H, 3)))
    np.testing.assert_array_equal(out[:, 5], bg[:, 5])


def test_per_pixel_actor_depth_interleaves():
    actor, char, bg = _layers()
    est = np.full((H, W), 3.0, np.float32)
    est[: H // 2] = 1.0  # the upper half of the actor leans toward camera
    out = C.depth_composite([(actor, est), (char, 2.0)], bg)
    np.testing.assert_array_equal(out[0, 35], actor[0, 35, :3])
    np.testing.assert_array_equal(out[-1, 35], char[0, 35, :3])


def test_semi_transparent_layers_composite_in_depth_order():
    a = np.zeros((1, 1, 4), np.float32)
    a[...] = (0.5, 0, 0, 0.5)  # premultiplied half red
    b = np.zeros((1, 1, 4), np.float32)
    b[...] = (0, 0.5, 0, 0.5)
    bg = np.zeros((1, 1, 3), np.float32)
    near_a = C.depth_composite([(a, 1.0), (b, 2.0)], bg)
    near_b = C.depth_composite([(a, 2.0), (b, 1.0)], bg)
    np.testing.assert_allclose(near_a[0, 0], (0.5, 0.25, 0))
    np.testing.assert_allclose(near_b[0, 0], (0.25, 0.5, 0))


def test_zbuffer_to_depth_inverts_the_projection():
    proj = perspective_from_lens(Lens(), W / H, near=0.1, far=100.0)
    d = np.array([0.1, 0.5, 2.0, 10.0, 99.0])
    clip = proj @ np.stack([np.zeros_like(d), np.zeros_like(d), -d, np.ones_like(d)])
    z = (clip[2] / clip[3] + 1) / 2
    np.testing.assert_allclose(C.zbuffer_to_depth(z, proj), d, rtol=1e-4)
    assert np.isinf(C.zbuffer_to_depth(np.array([1.0]), proj)[0])


def test_plane_depth_facing_camera_and_floor():
    proj = perspective_from_lens(Lens(focal_mm=35.0), W / H)
    facing = C.plane_depth(W, H, proj, point=(0, 0, -4.0), normal=(0, 0, 1))
    np.testing.assert_allclose(facing, 4.0, rtol=1e-5)
    floor = C.plane_depth(W, H, proj, point=(0, -1.6, 0), normal=(0, 1, 0))  # camera 1.6 m up
    assert np.isinf(floor[0]).all()  # top rows look above the horizon
    bottom = floor[-1]
    assert np.isfinite(bottom).all() and (bottom > 0).all()
    col = floor[:, W // 2]
    finite = col[np.isfinite(col)]
    assert (np.diff(finite) < 0).all()  # nearer toward the bottom of frame

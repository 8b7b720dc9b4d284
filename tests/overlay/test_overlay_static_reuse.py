"""The overlay's stage loop reuses the static set (floor, props) while the camera and
props stay put, and its frames equal rendering everything each frame: the character
drawn over the reused image passes behind the ball (the depth is reused too); moving a
prop or the camera renders the static set afresh. Mesa llvmpipe, 320x180."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.geometry import look_at
from previzkit.model.setfile import load_set
from previzkit.overlay.compositor import FixedCamera, Overlay, OverlayOptions
from tests.helpers import flat_stage, write_set

pytestmark = pytest.mark.gl

W, H = 320, 180
SET = (
    flat_stage("reuse stage")
    + """cameras:
  CAM: {lens: {focal_mm: 35}, position: [0.0, 1.2, 5.0], target: [0.0, 1.0, 0.0]}
props:
  - {name: ball, mesh: ball.glb, position: [-0.2, 0.9, 3.0], scale: 0.6, color: [0.9, 0.1, 0.1]}
characters:
  - {name: ALEX, model: mannequin, position: [-0.3, 0, 0.0], yaw_deg: 0, color: [0.95, 0.2, 0.9]}
"""
)


def test_reused_static_set_matches_a_full_render(gl, tmp_path):
    set_def = load_set(write_set(tmp_path, SET))
    cam = set_def.camera("CAM")
    pose, lens = cam.camera_to_world(), cam.lens
    plate = np.zeros((H, W, 3), np.uint8)
    plate[:] = (40, 200, 60)
    opts = {"width": W, "height": H, "matte": "green", "actor_depth_m": 4.0}
    fast = Overlay(gl, set_def, FixedCamera(pose, lens), OverlayOptions(**opts))
    full = Overlay(gl, set_def, FixedCamera(pose, lens), OverlayOptions(**opts, reuse_static=False))
    try:
        for i in range(5):
            if i == 3:  # the stage loop moves the ball: both overlays see it
                for ov in (fast, full):
                    ov.renderer.drawables.props["ball"].model[0, 3] += 0.4
            a, b = fast.process(plate), full.process(plate)
            # the same llvmpipe, the same geometry: equal to the bit, depth included
            np.testing.assert_array_equal(a.image, b.image)
            np.testing.assert_array_equal(fast.loop.read_layers()[1], full.loop.read_layers()[1])
        static = fast.loop.static_layer
        assert static is not None and full.loop.static_layer is None
        # the warm-up renders all, then fills the static image; frames 0-2 reuse it,
        # frame 3 (the ball moved) renders all, frame 4 fills it afresh (2 renders)
        assert static.renders == 2
        # the character is drawn over the reused image, partly hidden by the ball
        magenta = (a.image[..., 0] > 180) & (a.image[..., 1] < 90) & (a.image[..., 2] > 150)
        assert magenta.sum() > 100
        moved = look_at((1.0, 1.6, 6.0), (0.0, 1.0, 0.0))  # a camera move: all again
        fast.loop.camera_source = FixedCamera(moved, lens)
        full.loop.camera_source = FixedCamera(moved, lens)
        np.testing.assert_array_equal(fast.process(plate).image, full.process(plate).image)
        assert static.renders == 2
    finally:
        fast.close()
        full.close()

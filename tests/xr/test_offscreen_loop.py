"""The no-headset mode runs the same frame loop offscreen (real moderngl on EGL)."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.model.camera import project_points
from previzkit.xr.events import ControllerInput
from previzkit.xr.loop import FrameLoop, OffscreenSource
from previzkit.xr.mirror import letterbox
from previzkit.xr.pattern import CUBE_CENTER, TestPattern

pytestmark = pytest.mark.gl


@pytest.fixture
def pattern(gl):
    p = TestPattern(gl)
    yield p
    p.release()


def _head():
    h = np.eye(4)
    h[:3, 3] = (0.0, 1.5, 0.5)
    return h


def test_offscreen_loop_renders_each_eye_with_parallax(gl, pattern):
    src = OffscreenSource(gl, (160, 120), head=_head(), rate_hz=None)
    images = {}
    loop = FrameLoop(src, pattern, on_eye=lambda eye, s: images.__setitem__(eye, s.read_eye(eye)))
    stats = loop.run(frames=5)
    assert stats.frames == 5 and stats.states == ["OFFSCREEN"]
    xs = []
    for eye in (0, 1):
        v = loop.last_views[eye]
        ((x, y),) = project_points(np.array([CUBE_CENTER]), v.view, v.proj, 160, 120)
        assert images[eye][int(y), int(x), 0] > 200 and images[eye][int(y), int(x), 1] < 60
        xs.append(x)
    assert xs[0] > xs[1]  # left eye sees the cube further right
    src.close()


def test_offscreen_input_teleports_the_viewer(gl, pattern):
    aim = np.eye(4)
    aim[:3, :3] = [
        [1, 0, 0],
        [0, 0.70710678, 0.70710678],
        [0, -0.70710678, 0.70710678],
    ]  # 45 deg down
    aim[:3, 3] = (1.0, 1.0, 0.0)
    src = OffscreenSource(
        gl,
        (64, 64),
        head=_head(),
        inputs=lambda t, w: ControllerInput(time=t, buttons={"use_tool": True}, left_aim=aim),
    )
    loop = FrameLoop(src, pattern)
    loop.run(frames=2)
    # head (0, 0.5) on the floor moved to the floor hit (1, -1)
    np.testing.assert_allclose(loop.world_from_space[:3, 3], (1.0, 0.0, -1.5), atol=1e-6)
    src.close()


def test_look_through_renders_from_the_virtual_camera(gl, pattern):
    src = OffscreenSource(gl, (64, 64), head=_head(), rate_hz=None)
    loop = FrameLoop(src, pattern)
    cam = np.eye(4)
    cam[:3, 3] = (0.0, 1.5, 3.0)
    loop.mapper.camera, loop.mapper.looking_through = cam, True
    loop.run(frames=1)
    for v in loop.last_views:
        np.testing.assert_allclose(v.camera_to_world, cam)
    src.close()


def test_offscreen_size_must_be_positive(gl):
    with pytest.raises(InputError, match=r"offscreen eye size must be positive, got \(0, 10\)"):
        OffscreenSource(gl, (0, 10))


def test_negative_frame_count_is_rejected(gl, pattern):
    src = OffscreenSource(gl, (8, 8))
    with pytest.raises(InputError, match="frames must be >= 0"):
        FrameLoop(src, pattern).run(frames=-1)
    src.close()


def test_mirror_letterbox_keeps_aspect():
    assert letterbox((320, 240), (640, 480)) == (1.0, 1.0)
    sx, sy = letterbox((100, 100), (200, 100))
    assert (sx, sy) == (0.5, 1.0)
    sx, sy = letterbox((200, 100), (100, 100))
    assert (sx, sy) == (1.0, 0.5)


def test_closing_the_mirror_window_ends_the_loop(gl, pattern):
    class Mirror:
        closed = False
        shown = 0

        def __call__(self, fbo):
            self.shown += 1
            self.closed = self.shown >= 3

    src = OffscreenSource(gl, (32, 32), rate_hz=None)
    mirror = Mirror()
    stats = FrameLoop(src, pattern, mirror=mirror).run(frames=100)
    assert stats.frames == 3 and mirror.shown == 3
    src.close()

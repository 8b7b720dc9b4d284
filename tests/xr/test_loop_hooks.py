"""FrameLoop hooks for the blocking session: overlays, a scripted head, turning,
multisampled eyes and GPU timing (offscreen, real moderngl on EGL)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.core.geometry import translation
from previzkit.xr.events import ControllerInput, Turn
from previzkit.xr.loop import FrameLoop, OffscreenSource
from previzkit.xr.pattern import CLEAR_COLOR, CUBE_COLOR, TestPattern

pytestmark = pytest.mark.gl


@pytest.fixture
def pattern(gl):
    p = TestPattern(gl)
    yield p
    p.release()


def _head(x=0.0, yaw=0.0):
    return translation((x, 1.5, 0.5), yaw)


def test_overlay_draws_over_each_eye_after_the_scene(gl, pattern):
    src = OffscreenSource(gl, (64, 48), head=_head(), rate_hz=None)
    seen, images = [], {}

    def overlay(eye, fbo, view):
        seen.append((eye, fbo.size, view.view.shape))
        fbo.clear(0.0, 1.0, 0.0, 1.0, viewport=(0, 0, 8, 8))  # bottom-left corner green

    loop = FrameLoop(
        src,
        pattern,
        overlay=overlay,
        on_eye=lambda eye, s: images.__setitem__(eye, s.read_eye(eye)),
    )
    loop.run(frames=2)
    assert seen == [(0, (64, 48), (4, 4)), (1, (64, 48), (4, 4))] * 2
    for eye in (0, 1):
        assert tuple(images[eye][-1, 0, :3]) == (0, 255, 0)  # the overlay's corner
        assert images[eye][0, -1, 1] < 100  # the scene elsewhere
    src.close()


def test_scripted_head_and_inputs_get_time_and_the_world_transform(gl, pattern):
    calls = []

    def inputs(t, world_from_space):
        calls.append((t, world_from_space.copy()))
        return ControllerInput(time=t, move=(0.0, 1.0))

    src = OffscreenSource(
        gl,
        (32, 32),
        head_at=lambda t: _head(x=2.0, yaw=math.pi / 2),
        inputs=inputs,
        rate_hz=None,
    )
    loop = FrameLoop(src, pattern)
    loop.run(frames=3)
    assert len(calls) == 3 and calls[0][1].shape == (4, 4)
    head = loop.last_views[0].camera_to_world
    assert head[0, 3] == pytest.approx(2.0 - 0.0315, abs=0.05)  # the scripted head, left eye
    np.testing.assert_allclose(head[:3, 2], (1.0, 0.0, 0.0), atol=1e-9)  # faces -x after 90 deg
    src.close()


def test_turn_rotates_the_world_about_the_head(gl, pattern):
    src = OffscreenSource(gl, (16, 16), head=_head(x=1.0), rate_hz=None)
    loop = FrameLoop(src, pattern)
    loop.run(frames=1)
    before = src.head(None, loop.world_from_space)  # type: ignore[arg-type]
    loop.apply(Turn(math.radians(30)))
    after = src.head(None, loop.world_from_space)  # type: ignore[arg-type]
    np.testing.assert_allclose(after[[0, 2], 3], before[[0, 2], 3], atol=1e-9)  # stands still
    fwd = -after[:3, 2]
    assert math.degrees(math.atan2(-fwd[0], -fwd[2])) == pytest.approx(30.0)  # turned left
    src.close()


def _edge_values(gl, pattern, samples):
    src = OffscreenSource(gl, (96, 96), head=translation((0.0, 1.5, 0.0)), samples=samples)
    images = {}
    FrameLoop(src, pattern, on_eye=lambda e, s: images.__setitem__(e, s.read_eye(e))).run(frames=1)
    src.close()
    red = images[0][..., 0].astype(int)
    pure = {round(CUBE_COLOR[0] * 255), round(CLEAR_COLOR[0] * 255), round(0.35 * 255)}
    return {v for v in np.unique(red) if all(abs(v - p) > 1 for p in pure)}


def test_multisampled_eyes_smooth_edges(gl, pattern):
    assert _edge_values(gl, pattern, 1) == set()  # only the pattern's flat colours
    assert len(_edge_values(gl, pattern, 4)) >= 3  # coverage blends along the edges


def test_bad_sample_count_is_rejected(gl):
    with pytest.raises(InputError, match="offscreen samples must be an integer"):
        OffscreenSource(gl, (8, 8), samples=-1)


def test_timing_splits_cpu_and_gpu(gl, pattern):
    src = OffscreenSource(gl, (64, 64), rate_hz=None, finish=False)
    stats = FrameLoop(src, pattern).run(frames=6)
    s = stats.summary()
    for key in ("wait_ms", "cpu_ms", "submit_ms", "total_ms", "cpu_p95_ms", "app_ms"):
        assert s[key] >= 0
    assert s["app_ms"] == s["cpu_ms"]
    gpu = [t.gpu for t in stats.timings]
    assert all(g >= 0 for g in gpu) or all(math.isnan(g) for g in gpu)
    src.close()

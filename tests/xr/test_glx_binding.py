"""With a window's GLX context (glfw on a virtual X display) the session binds through
XR_KHR_opengl_enable's Xlib binding instead of EGL."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.xr, pytest.mark.gl, pytest.mark.slow]


def test_glx_binding_session_renders_both_eyes(xr_env, scenario, display, tmp_path):
    result = scenario("glx", dict(xr_env, DISPLAY=display), tmp_path)
    assert result["binding"] == "glx"
    assert result["frames"] >= 10 and result["states"][-1] == "EXITING"
    for r, g, b, _ in result["centre"]:  # the test pattern's red cube, straight ahead
        assert r > 200 and g < 60 and b < 60

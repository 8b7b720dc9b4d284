"""Shared fixtures: one headless EGL context per session, GL errors checked per test."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest


@pytest.fixture(scope="session")
def gl_ctx():
    """A moderngl context through EGL (Mesa llvmpipe on CI, the GPU's EGL elsewhere)."""
    moderngl = pytest.importorskip("moderngl")
    ctx = moderngl.create_standalone_context(backend="egl")
    yield ctx
    ctx.release()


@pytest.fixture
def gl(gl_ctx):
    """The session's GL context, asserting no GL error before and after the test."""
    assert gl_ctx.error == "GL_NO_ERROR", "a GL error was left by an earlier test"
    yield gl_ctx
    assert gl_ctx.error == "GL_NO_ERROR"


@pytest.fixture(scope="session")
def display():
    """A virtual X display (Xvfb) for windows and the GLX binding, as ``":N"``."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb not installed (scripts/setup.d/30-monado.sh installs it)")
    r, w = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(w), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        pass_fds=(w,),
    )
    os.close(w)
    number = b""
    while not number.endswith(b"\n"):
        chunk = os.read(r, 16)
        if not chunk:
            break
        number += chunk
    os.close(r)
    if not number.strip():
        proc.kill()
        pytest.fail("Xvfb did not report a display number")
    yield f":{number.decode().strip()}"
    proc.terminate()
    proc.wait(timeout=10)

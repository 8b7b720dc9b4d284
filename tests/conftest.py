"""Shared fixtures: one headless EGL context per session, GL errors checked per test."""

from __future__ import annotations

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

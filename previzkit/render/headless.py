"""Offscreen OpenGL through EGL (Mesa llvmpipe without a GPU, the GPU's EGL with one)."""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from previzkit.core import optional
from previzkit.core.errors import GLContextError

if TYPE_CHECKING:
    import moderngl

MIN_GL_VERSION = 330
EGL_HINT = (
    "install Mesa's EGL (Debian/Ubuntu: apt install libegl1 libegl-mesa0 libgl1-mesa-dri "
    "libgbm1) or a GPU driver with EGL; `previzkit doctor` shows what this machine has"
)


def create_context(require: int = MIN_GL_VERSION) -> moderngl.Context:
    """A standalone (windowless) moderngl context through EGL.

    Raises GLContextError with an install hint when EGL or GL >= ``require``
    (e.g. 330 for GL 3.3) is not available.
    """
    moderngl = optional.require("moderngl", "render", "rendering")
    try:
        ctx = moderngl.create_standalone_context(require=require, backend="egl")
    except Exception as exc:
        raise GLContextError(
            f"no OpenGL {require // 100}.{require % 100 // 10} context through EGL ({exc}); {EGL_HINT}"
        ) from None
    return ctx


def describe(ctx: moderngl.Context) -> str:
    """One line naming the GL renderer and version, e.g. for logs and the doctor."""
    info = ctx.info
    return f"{info.get('GL_RENDERER', '?')} (OpenGL {info.get('GL_VERSION', '?')})"


_EGL_DRAW = 0x3059
_EGL_READ = 0x305A


@contextmanager
def keep_current_context() -> Iterator[None]:
    """Restore the thread's current EGL context on exit.

    Creating a standalone context makes it current, and releasing it leaves none
    current: code that makes a temporary context (the offline renderer) wraps itself
    in this so a caller's own context keeps working afterwards.
    """
    try:
        egl = ctypes.CDLL(ctypes.util.find_library("EGL") or "libEGL.so.1")
    except OSError:
        yield
        return
    for name in ("eglGetCurrentContext", "eglGetCurrentDisplay"):
        getattr(egl, name).restype = ctypes.c_void_p
    egl.eglGetCurrentSurface.restype = ctypes.c_void_p
    egl.eglGetCurrentSurface.argtypes = [ctypes.c_int]
    egl.eglMakeCurrent.argtypes = [ctypes.c_void_p] * 4
    previous = egl.eglGetCurrentContext()
    display = egl.eglGetCurrentDisplay()
    draw = egl.eglGetCurrentSurface(_EGL_DRAW)
    read = egl.eglGetCurrentSurface(_EGL_READ)
    try:
        yield
    finally:
        if previous:
            egl.eglMakeCurrent(display, draw, read, previous)

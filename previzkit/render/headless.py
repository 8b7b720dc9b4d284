"""Offscreen OpenGL through EGL (Mesa llvmpipe without a GPU, the GPU's EGL with one)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from previzkit.errors import DependencyMissing, GLContextError

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
    try:
        import moderngl
    except ImportError:
        raise DependencyMissing("moderngl", "render", "rendering") from None
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

"""OpenGL graphics bindings for an OpenXR session, made from a moderngl context.

Linux headless (and any EGL context): ``XrGraphicsBindingEGLMNDX`` from the EGL
display/context/config current on this thread (moderngl's ``backend='egl'``).
Linux with a window (GLX): ``XrGraphicsBindingOpenGLXlibKHR``. Windows: WGL.
The runtime's OpenGL requirements are queried first (the spec requires the call)
and checked against the context's version.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from previzkit.core.errors import GLContextError, XRError
from previzkit.core.optional import require
from previzkit.xr.errors import translated

if TYPE_CHECKING:
    import moderngl

    from previzkit.xr.instance import XRInstance

EGL_CONFIG_ID = 0x3028
EGL_NONE = 0x3038


@dataclass
class Binding:
    """A graphics binding struct (pass as ``next`` of XrSessionCreateInfo) and its kind."""

    kind: str  # "egl", "glx" or "wgl"
    struct: Any


def _egl() -> ctypes.CDLL:
    name = ctypes.util.find_library("EGL") or "libEGL.so.1"
    lib = ctypes.CDLL(name)
    for fn in ("eglGetCurrentDisplay", "eglGetCurrentContext"):
        getattr(lib, fn).restype = ctypes.c_void_p
    lib.eglQueryContext.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
    ]
    lib.eglChooseConfig.argtypes = [
        ctypes.c_void_p,
        ctypes.POINTER(ctypes.c_int),
        ctypes.POINTER(ctypes.c_void_p),
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_int),
    ]
    lib.eglGetProcAddress.restype = ctypes.c_void_p
    lib.eglGetProcAddress.argtypes = [ctypes.c_char_p]
    return lib


def current_egl() -> tuple[int, int, int] | None:
    """(display, context, config) of the EGL context current on this thread, or None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        egl = _egl()
    except OSError:
        return None
    display, context = egl.eglGetCurrentDisplay(), egl.eglGetCurrentContext()
    if not display or not context:
        return None
    config_id = ctypes.c_int(0)
    if not egl.eglQueryContext(display, context, EGL_CONFIG_ID, ctypes.byref(config_id)):
        raise GLContextError("eglQueryContext(EGL_CONFIG_ID) failed on moderngl's EGL context")
    attribs = (ctypes.c_int * 3)(EGL_CONFIG_ID, config_id.value, EGL_NONE)
    config, count = ctypes.c_void_p(), ctypes.c_int(0)
    if (
        not egl.eglChooseConfig(display, attribs, ctypes.byref(config), 1, ctypes.byref(count))
        or not count.value
    ):
        raise GLContextError(f"no EGLConfig with id {config_id.value} for moderngl's context")
    assert config.value is not None  # eglChooseConfig found one (count >= 1)
    return display, context, config.value


def release_current_egl() -> None:
    """Make no EGL context current on this thread (before switching to a GLX one)."""
    cur = current_egl()
    if cur is not None:
        egl = _egl()
        egl.eglMakeCurrent.argtypes = [ctypes.c_void_p] * 4
        egl.eglMakeCurrent(cur[0], None, None, None)


def gl_proc_address(name: str) -> int:
    """Address of a GL function in the current context (EGL, GLX or WGL); 0 if absent."""
    if sys.platform == "win32":  # pragma: no cover - Windows only
        wgl = ctypes.WinDLL("opengl32")
        wgl.wglGetProcAddress.restype = ctypes.c_void_p
        return wgl.wglGetProcAddress(name.encode()) or 0
    if current_egl() is not None:
        return _egl().eglGetProcAddress(name.encode()) or 0
    gl = ctypes.CDLL(ctypes.util.find_library("GL") or "libGL.so.1")
    gl.glXGetProcAddressARB.restype = ctypes.c_void_p
    gl.glXGetProcAddressARB.argtypes = [ctypes.c_char_p]
    return gl.glXGetProcAddressARB(name.encode()) or 0


def check_gl_requirements(instance: XRInstance, ctx: moderngl.Context) -> tuple[str, str]:
    """Query xrGetOpenGLGraphicsRequirementsKHR and check ctx's GL version fits.

    Returns (min, max) supported versions as text.
    """
    xr = require("xr", "xr", "OpenXR")

    with translated("querying the runtime's OpenGL requirements"):
        req = xr.get_opengl_graphics_requirements_khr(instance.handle, instance.system_id)
    lo, hi = xr.Version(req.min_api_version_supported), xr.Version(req.max_api_version_supported)
    have = (ctx.version_code // 100, ctx.version_code % 100 // 10)
    if have < (lo.major, lo.minor):
        raise XRError(
            f"the OpenXR runtime needs OpenGL >= {lo.major}.{lo.minor}, this context is "
            f"{have[0]}.{have[1]}: update the GPU driver (Mesa) or use another GPU"
        )
    return f"{lo.major}.{lo.minor}", f"{hi.major}.{hi.minor}"


def binding_for(instance: XRInstance, ctx: moderngl.Context) -> Binding:
    """The graphics binding for the moderngl context current on this thread."""
    xr = require("xr", "xr", "OpenXR")

    from previzkit.xr.instance import EGL

    check_gl_requirements(instance, ctx)
    egl = current_egl()
    if egl is not None:
        if not instance.has(EGL):
            from previzkit.xr.errors import extension_missing

            raise extension_missing(EGL, instance.info.runtime_name, list(instance.extensions))
        display, context, config = egl
        proc = ctypes.cast(_egl().eglGetProcAddress, xr.PFN_xrEglGetProcAddressMNDX)
        types = dict(xr.GraphicsBindingEGLMNDX._fields_)
        struct = xr.GraphicsBindingEGLMNDX(
            get_proc_address=proc,
            display=ctypes.cast(display, types["display"]),
            config=ctypes.cast(config, types["config"]),
            context=ctypes.cast(context, types["context"]),
        )
        binding = Binding("egl", struct)
        binding.keepalive = proc  # type: ignore[attr-defined]
        return binding
    if sys.platform == "win32":  # pragma: no cover - Windows only
        wgl = ctypes.WinDLL("opengl32")
        wgl.wglGetCurrentDC.restype = ctypes.c_void_p
        wgl.wglGetCurrentContext.restype = ctypes.c_void_p
        struct = xr.GraphicsBindingOpenGLWin32KHR(
            h_dc=wgl.wglGetCurrentDC(), h_glrc=wgl.wglGetCurrentContext()
        )
        return Binding("wgl", struct)
    return _glx_binding(xr)  # pragma: no cover - needs an X display


def _glx_binding(xr: Any) -> Binding:  # pragma: no cover - needs an X display
    gl = ctypes.CDLL(ctypes.util.find_library("GL") or "libGL.so.1")
    for fn in ("glXGetCurrentDisplay", "glXGetCurrentContext", "glXGetCurrentDrawable"):
        getattr(gl, fn).restype = ctypes.c_void_p
    display = gl.glXGetCurrentDisplay()
    context = gl.glXGetCurrentContext()
    if not display or not context:
        raise GLContextError(
            "no current EGL or GLX context: create the moderngl context first "
            "(moderngl.create_standalone_context(backend='egl') headless)"
        )
    from OpenGL import GLX

    struct = xr.GraphicsBindingOpenGLXlibKHR(
        x_display=ctypes.cast(display, ctypes.POINTER(GLX.Display)),
        glx_drawable=gl.glXGetCurrentDrawable(),
        glx_context=ctypes.cast(context, GLX.GLXContext),
    )
    return Binding("glx", struct)

"""Desktop mirror of the left eye: a glfw window beside the headset (or offscreen) loop.

The window has its own GL context; each frame the left eye is read back from the
loop's context and drawn letterboxed into the window, then the loop's context is made
current again. Works with any loop context (EGL standalone included) at the price of
one readback per frame. Needs a display (X11 or Wayland).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any, Protocol, cast

import numpy as np

from previzkit.core.errors import XRError
from previzkit.core.optional import require

if TYPE_CHECKING:
    import moderngl

_VS = """
#version 330
in vec2 in_pos;
out vec2 uv;
uniform vec2 scale;
void main() { uv = in_pos * 0.5 + 0.5; gl_Position = vec4(in_pos * scale, 0.0, 1.0); }
"""
_FS = """
#version 330
uniform sampler2D image;
in vec2 uv;
out vec4 frag;
void main() { frag = vec4(texture(image, uv).rgb, 1.0); }
"""


def letterbox(src: tuple[int, int], dst: tuple[int, int]) -> tuple[float, float]:
    """NDC scale (x, y) that fits an image of size ``src`` into ``dst`` keeping its aspect."""
    sw, sh = src
    dw, dh = dst
    if min(sw, sh, dw, dh) <= 0:
        return (1.0, 1.0)
    s, d = sw / sh, dw / dh
    return (1.0, d / s) if s > d else (s / d, 1.0)


class ReadableFramebuffer(Protocol):
    """What the mirror reads: a moderngl framebuffer, or an image wearing its interface."""

    @property
    def size(self) -> tuple[int, int]: ...

    def read(self, *, components: int = 3, alignment: int = 1) -> bytes: ...


class MirrorWindow:
    """Call with the left eye's framebuffer each frame; ``closed`` turns True when the user closes it."""

    tex: moderngl.Texture | None  # the eye image, (re)made when its size changes

    def __init__(
        self,
        loop_ctx: moderngl.Context,
        size: tuple[int, int] = (960, 540),
        title: str = "previzkit xr: left eye",
        option: str = "--mirror",
    ) -> None:
        """``option``: the command-line option that asked for the window, named in the
        error when there is no display."""
        if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
            raise XRError(
                f"{option} needs a desktop display (DISPLAY or WAYLAND_DISPLAY is unset); "
                f"drop {option} or run it on a desktop"
            )
        glfw = require("glfw", "xr", "the mirror window")
        moderngl = require("moderngl", "xr", "the mirror window")

        from previzkit.xr.graphics import release_current_egl

        release_current_egl()  # glfw makes its new GLX context current while creating it
        if not glfw.init():
            raise XRError("glfw could not initialise the display for the mirror window")
        self._glfw = glfw
        glfw.window_hint(glfw.CONTEXT_VERSION_MAJOR, 3)
        glfw.window_hint(glfw.CONTEXT_VERSION_MINOR, 3)
        glfw.window_hint(glfw.OPENGL_PROFILE, glfw.OPENGL_CORE_PROFILE)
        # a ctypes pointer to the GLFW window (NULL if it failed), None once closed
        self.window: Any = glfw.create_window(size[0], size[1], title, None, None)
        if not self.window:
            loop_ctx.__enter__()
            raise XRError("glfw could not open the mirror window")
        self.loop_ctx = loop_ctx
        self._to_window()
        glfw.swap_interval(0)  # never let the mirror pace the headset
        self.ctx = moderngl.create_context()
        self.prog = self.ctx.program(vertex_shader=_VS, fragment_shader=_FS)
        quad = np.array([-1, -1, 1, -1, -1, 1, 1, 1], dtype="f4")
        self.vbo = self.ctx.buffer(quad.tobytes())
        self.vao = self.ctx.vertex_array(self.prog, [(self.vbo, "2f", "in_pos")])
        self.tex = None
        self.closed = False
        self._to_loop()

    def _to_window(self) -> None:
        # glvnd will not switch a thread from a current EGL context straight to GLX:
        # release the EGL one first.
        from previzkit.xr.graphics import release_current_egl

        release_current_egl()
        self._glfw.make_context_current(self.window)

    def _to_loop(self) -> None:
        self._glfw.make_context_current(None)  # GLFW's NULL: no context current
        self.loop_ctx.__enter__()

    def __call__(self, fbo: ReadableFramebuffer) -> None:
        if self.closed:
            return
        glfw = self._glfw
        w, h = fbo.size
        pixels = fbo.read(components=3, alignment=1)
        self._to_window()
        try:
            if self.tex is None or self.tex.size != (w, h):
                self.tex = self.ctx.texture((w, h), 3)
            self.tex.write(pixels)
            self.tex.use(0)
            ww, wh = glfw.get_framebuffer_size(self.window)
            self.ctx.screen.use()
            self.ctx.viewport = (0, 0, ww, wh)
            self.ctx.clear(0.0, 0.0, 0.0)
            cast("moderngl.Uniform", self.prog["scale"]).value = letterbox((w, h), (ww, wh))
            self.vao.render(4)  # TRIANGLE_STRIP
            glfw.swap_buffers(self.window)
            glfw.poll_events()
            self.closed = bool(glfw.window_should_close(self.window))
        finally:
            self._to_loop()

    def read(self) -> np.ndarray:
        """What the window shows now: uint8 (H, W, 3), row 0 at the top."""
        self._to_window()
        try:
            w, h = self._glfw.get_framebuffer_size(self.window)
            raw = self.ctx.screen.read(viewport=(0, 0, w, h), components=3, alignment=1)
        finally:
            self._to_loop()
        return np.frombuffer(raw, np.uint8).reshape(h, w, 3)[::-1].copy()

    def close(self) -> None:
        if getattr(self, "window", None) is not None:
            self._to_window()
            for obj in (self.vao, self.vbo, self.prog, self.tex):
                if obj is not None:
                    obj.release()
            self._glfw.make_context_current(None)
            self._glfw.destroy_window(self.window)
            self.window = None
            self.loop_ctx.__enter__()

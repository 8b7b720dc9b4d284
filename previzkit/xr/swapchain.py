"""OpenXR swapchains whose images are moderngl textures and framebuffers.

Colour format: an sRGB format is preferred and written without GL_FRAMEBUFFER_SRGB,
so the display-referred values the renderer writes are stored as they are and the
runtime reads them as sRGB; RGBA8 otherwise. Depth (for XR_KHR_composition_layer_depth)
uses a depth swapchain attached to the same framebuffer.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from previzkit.core.errors import XRError
from previzkit.core.optional import require
from previzkit.xr.errors import translated

if TYPE_CHECKING:
    import moderngl

    from previzkit.xr.session import XRSession

GL_RGBA8 = 0x8058
GL_SRGB8_ALPHA8 = 0x8C43
GL_RGB10_A2 = 0x8059
GL_RGBA16F = 0x881A
GL_DEPTH_COMPONENT16 = 0x81A5
GL_DEPTH_COMPONENT24 = 0x81A6
GL_DEPTH_COMPONENT32F = 0x8CAC
GL_DEPTH24_STENCIL8 = 0x88F0

GL_FRAMEBUFFER = 0x8D40
GL_DEPTH_ATTACHMENT = 0x8D00
GL_TEXTURE_2D = 0x0DE1
GL_FRAMEBUFFER_COMPLETE = 0x8CD5

COLOR_PREFERENCE = (GL_SRGB8_ALPHA8, GL_RGBA8)
DEPTH_PREFERENCE = (GL_DEPTH_COMPONENT24, GL_DEPTH_COMPONENT32F, GL_DEPTH_COMPONENT16)

FORMAT_NAMES = {
    GL_RGBA8: "GL_RGBA8",
    GL_SRGB8_ALPHA8: "GL_SRGB8_ALPHA8",
    GL_RGB10_A2: "GL_RGB10_A2",
    GL_RGBA16F: "GL_RGBA16F",
    GL_DEPTH_COMPONENT16: "GL_DEPTH_COMPONENT16",
    GL_DEPTH_COMPONENT24: "GL_DEPTH_COMPONENT24",
    GL_DEPTH_COMPONENT32F: "GL_DEPTH_COMPONENT32F",
    GL_DEPTH24_STENCIL8: "GL_DEPTH24_STENCIL8",
}


def choose_format(runtime_formats: list[int], preference: tuple[int, ...]) -> int | None:
    """First of ``preference`` the runtime offers (pure); None when none is offered."""
    offered = set(int(f) for f in runtime_formats)
    return next((f for f in preference if f in offered), None)


class _GL:
    """The few raw GL entry points moderngl does not expose (depth texture attach)."""

    def __init__(self) -> None:
        from previzkit.xr.graphics import gl_proc_address

        def fn(name: str, restype: Any, *args: Any) -> Any:
            addr = gl_proc_address(name)
            if not addr:
                raise XRError(f"OpenGL function {name} not found in the current context")
            return ctypes.CFUNCTYPE(restype, *args)(addr)

        self.bind_framebuffer = fn("glBindFramebuffer", None, ctypes.c_uint, ctypes.c_uint)
        self.framebuffer_texture_2d = fn(
            "glFramebufferTexture2D",
            None,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_uint,
            ctypes.c_int,
        )
        self.check_framebuffer_status = fn("glCheckFramebufferStatus", ctypes.c_uint, ctypes.c_uint)


@dataclass
class EyeTarget:
    """The framebuffer to render one eye into this frame, and the indices acquired."""

    fbo: moderngl.Framebuffer
    color_index: int
    depth_index: int | None
    size: tuple[int, int]


class EyeSwapchain:
    """A colour swapchain (and optional depth swapchain) for one eye, as moderngl objects."""

    def __init__(self, session: XRSession, width: int, height: int, depth: bool = True) -> None:
        xr = require("xr", "xr", "OpenXR")

        self._xr = xr
        self.session = session
        self.ctx = session.ctx
        self.size = (int(width), int(height))
        formats = [int(f) for f in xr.enumerate_swapchain_formats(session.handle)]
        color_format = choose_format(formats, COLOR_PREFERENCE)
        if color_format is None:
            names = ", ".join(FORMAT_NAMES.get(f, hex(f)) for f in formats)
            raise XRError(
                f"the OpenXR runtime offers no 8-bit RGBA swapchain format (offers {names})"
            )
        self.color_format = color_format
        self.depth_format = choose_format(formats, DEPTH_PREFERENCE) if depth else None
        self.color = self._create(
            self.color_format,
            xr.SwapchainUsageFlags.COLOR_ATTACHMENT_BIT | xr.SwapchainUsageFlags.SAMPLED_BIT,
        )
        self.color_textures = [
            self.ctx.external_texture(int(img.image), self.size, 4, 0, "f1")
            for img in self._images(self.color)
        ]
        self.depth = None
        self.depth_images: list[int] = []
        self._own_depth = self.ctx.depth_texture(self.size)
        if self.depth_format is not None:
            try:
                self.depth = self._create(
                    self.depth_format, xr.SwapchainUsageFlags.DEPTH_STENCIL_ATTACHMENT_BIT
                )
                self.depth_images = [int(img.image) for img in self._images(self.depth)]
                self._gl = _GL()
            except XRError:
                self.depth, self.depth_images = None, []
        self._fbos: dict[tuple[int, int | None], moderngl.Framebuffer] = {}
        self._acquired: EyeTarget | None = None

    def _create(self, fmt: int, usage: Any) -> Any:
        xr = self._xr
        with translated(
            f"creating a {self.size[0]}x{self.size[1]} {FORMAT_NAMES.get(fmt, hex(fmt))} swapchain"
        ):
            return xr.create_swapchain(
                self.session.handle,
                xr.SwapchainCreateInfo(
                    usage_flags=usage,
                    format=fmt,
                    sample_count=1,
                    width=self.size[0],
                    height=self.size[1],
                    face_count=1,
                    array_size=1,
                    mip_count=1,
                ),
            )

    def _images(self, swapchain: Any) -> list[Any]:
        return list(
            self._xr.enumerate_swapchain_images(swapchain, self._xr.SwapchainImageOpenGLKHR)
        )

    def _framebuffer(self, ci: int, di: int | None) -> moderngl.Framebuffer:
        key = (ci, di)
        fbo = self._fbos.get(key)
        if fbo is None:
            fbo = self.ctx.framebuffer([self.color_textures[ci]], self._own_depth)
            if di is not None:
                # moderngl cannot wrap a foreign depth texture: attach the runtime's
                # depth image with GL directly (moderngl's own depth stays unused).
                self._gl.bind_framebuffer(GL_FRAMEBUFFER, fbo.glo)
                self._gl.framebuffer_texture_2d(
                    GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_TEXTURE_2D, self.depth_images[di], 0
                )
                status = self._gl.check_framebuffer_status(GL_FRAMEBUFFER)
                if status != GL_FRAMEBUFFER_COMPLETE:
                    raise XRError(
                        f"framebuffer with the runtime's depth image is incomplete (status {status:#x})"
                    )
            self._fbos[key] = fbo
        return fbo

    def acquire(self) -> EyeTarget:
        """Acquire and wait for the next image(s); returns the framebuffer to draw into."""
        xr = self._xr
        ci = xr.acquire_swapchain_image(self.color, xr.SwapchainImageAcquireInfo())
        xr.wait_swapchain_image(self.color, xr.SwapchainImageWaitInfo(timeout=xr.INFINITE_DURATION))
        di = None
        if self.depth is not None:
            di = xr.acquire_swapchain_image(self.depth, xr.SwapchainImageAcquireInfo())
            xr.wait_swapchain_image(
                self.depth, xr.SwapchainImageWaitInfo(timeout=xr.INFINITE_DURATION)
            )
        self._acquired = EyeTarget(self._framebuffer(ci, di), ci, di, self.size)
        return self._acquired

    def resolve(self) -> moderngl.Framebuffer:
        """The acquired image's framebuffer, complete (single-sampled: nothing to do)."""
        if self._acquired is None:
            raise XRError("resolve() needs an acquired swapchain image")
        return self._acquired.fbo

    def read(self) -> np.ndarray:
        """The acquired colour image as uint8 (H, W, 4), row 0 at the top (before release)."""
        if self._acquired is None:
            raise XRError("read() needs an acquired swapchain image")
        raw = self._acquired.fbo.read(components=4, alignment=1)
        return np.frombuffer(raw, np.uint8).reshape(self.size[1], self.size[0], 4)[::-1].copy()

    def release(self) -> None:
        xr = self._xr
        xr.release_swapchain_image(self.color, xr.SwapchainImageReleaseInfo())
        if self.depth is not None:
            xr.release_swapchain_image(self.depth, xr.SwapchainImageReleaseInfo())
        self._acquired = None

    def sub_image(self, swapchain: Any) -> Any:
        xr = self._xr
        return xr.SwapchainSubImage(
            swapchain=swapchain,
            image_rect=xr.Rect2Di(offset=xr.Offset2Di(0, 0), extent=xr.Extent2Di(*self.size)),
            image_array_index=0,
        )

    def close(self) -> None:
        from previzkit.xr.loop import unbind

        unbind(self.ctx, list(self._fbos.values()))
        for fbo in self._fbos.values():
            fbo.release()
        self._fbos.clear()
        self.color_textures.clear()  # the runtime owns these GL textures: never delete them
        self._own_depth.release()
        for sc in (self.color, self.depth):
            if sc is not None:
                self._xr.destroy_swapchain(sc)
        self.color = self.depth = None

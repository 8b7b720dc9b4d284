"""OpenXR swapchains whose images are moderngl textures and framebuffers.

Anti-aliasing: with ``samples`` > 1 the eye is multisampled. Where the runtime offers
multisampled swapchains (``runtime_samples`` > 1, from XrViewConfigurationView's
max_swapchain_sample_count) the swapchain images are themselves multisampled
(min(samples, runtime_samples)); otherwise the eye is drawn into a moderngl
multisampled framebuffer and resolved (glBlitFramebuffer, colour and depth) into the
swapchain image before release.

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
GL_READ_FRAMEBUFFER = 0x8CA8
GL_DRAW_FRAMEBUFFER = 0x8CA9
GL_DEPTH_ATTACHMENT = 0x8D00
GL_TEXTURE_2D = 0x0DE1
GL_TEXTURE_2D_MULTISAMPLE = 0x9100
GL_COLOR_BUFFER_BIT = 0x4000
GL_DEPTH_BUFFER_BIT = 0x0100
GL_NEAREST = 0x2600
GL_RENDERBUFFER = 0x8D41
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
        u, p = ctypes.c_uint, ctypes.POINTER(ctypes.c_uint)
        self.gen_renderbuffers = fn("glGenRenderbuffers", None, ctypes.c_int, p)
        self.delete_renderbuffers = fn("glDeleteRenderbuffers", None, ctypes.c_int, p)
        self.bind_renderbuffer = fn("glBindRenderbuffer", None, u, u)
        self.renderbuffer_storage_multisample = fn(
            "glRenderbufferStorageMultisample", None, u, ctypes.c_int, u, ctypes.c_int, ctypes.c_int
        )
        self.framebuffer_renderbuffer = fn("glFramebufferRenderbuffer", None, u, u, u, u)
        self.blit_framebuffer = fn(
            "glBlitFramebuffer", None, *([ctypes.c_int] * 8), ctypes.c_uint, ctypes.c_uint
        )


def sample_plan(samples: int, runtime_samples: int) -> tuple[int, int]:
    """(swapchain sample count, moderngl framebuffer sample count) for ``samples`` asked
    (0/1: off) and the runtime's max_swapchain_sample_count (pure)."""
    if samples <= 1:
        return 1, 0
    if runtime_samples > 1:
        return min(samples, runtime_samples), 0
    return 1, samples


@dataclass
class EyeTarget:
    """The framebuffer to render one eye into this frame, and the indices acquired."""

    fbo: moderngl.Framebuffer
    color_index: int
    depth_index: int | None
    size: tuple[int, int]


class EyeSwapchain:
    """A colour swapchain (and optional depth swapchain) for one eye, as moderngl objects."""

    def __init__(
        self,
        session: XRSession,
        width: int,
        height: int,
        depth: bool = True,
        samples: int = 4,
        runtime_samples: int = 1,
    ) -> None:
        xr = require("xr", "xr", "OpenXR")

        self._xr = xr
        self.session = session
        self.ctx = session.ctx
        self.size = (int(width), int(height))
        self.sample_count, msaa = sample_plan(samples, runtime_samples)
        msaa = min(msaa, self.ctx.max_samples)
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
            self.ctx.external_texture(int(img.image), self.size, 4, self.native_samples, "f1")
            for img in self._images(self.color)
        ]
        self.depth = None
        self.depth_images: list[int] = []
        self._own_depth: Any = (
            self.ctx.depth_renderbuffer(self.size, samples=self.native_samples)
            if self.native_samples
            else self.ctx.depth_texture(self.size)
        )
        self._gl: _GL | None = None
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
        # multisampled drawing target (resolved into the image) or, for multisampled
        # images, a single-sampled copy to read back from
        self._msaa: list[Any] = []
        if msaa or self.native_samples:
            n = msaa  # 0 for the read-back copy
            color = self.ctx.renderbuffer(self.size, 4, samples=n)
            depth_rb = self.ctx.depth_renderbuffer(self.size, samples=n)
            self._msaa = [self.ctx.framebuffer([color], depth_rb), color, depth_rb]
            self._gl = self._gl or _GL()
        self.msaa_samples = msaa
        self._depth_rb: ctypes.c_uint | None = None
        if msaa and self.depth is not None and self.depth_format != GL_DEPTH_COMPONENT24:
            self._match_depth_format(msaa)

    def _match_depth_format(self, samples: int) -> None:
        """Give the multisampled framebuffer a depth buffer in the depth swapchain's
        format (a depth blit needs equal formats; moderngl's own is 24-bit)."""
        gl = self._gl
        assert gl is not None and self.depth_format is not None
        rb = ctypes.c_uint(0)
        gl.gen_renderbuffers(1, ctypes.byref(rb))
        gl.bind_renderbuffer(GL_RENDERBUFFER, rb.value)
        gl.renderbuffer_storage_multisample(
            GL_RENDERBUFFER, samples, self.depth_format, self.size[0], self.size[1]
        )
        gl.bind_framebuffer(GL_FRAMEBUFFER, self._msaa[0].glo)
        gl.framebuffer_renderbuffer(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER, rb.value)
        status = gl.check_framebuffer_status(GL_FRAMEBUFFER)
        self._depth_rb = rb
        if status != GL_FRAMEBUFFER_COMPLETE:
            raise XRError(
                f"multisampled framebuffer with {FORMAT_NAMES.get(self.depth_format)} depth "
                f"is incomplete (status {status:#x})"
            )

    @property
    def native_samples(self) -> int:
        """Samples of the swapchain images themselves (0: single-sampled)."""
        return self.sample_count if self.sample_count > 1 else 0

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
                    sample_count=self.sample_count,
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
                assert self._gl is not None  # made with the depth swapchain
                target = GL_TEXTURE_2D_MULTISAMPLE if self.native_samples else GL_TEXTURE_2D
                self._gl.bind_framebuffer(GL_FRAMEBUFFER, fbo.glo)
                self._gl.framebuffer_texture_2d(
                    GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, target, self.depth_images[di], 0
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
        image_fbo = self._framebuffer(ci, di)
        self._acquired = EyeTarget(image_fbo, ci, di, self.size)
        if self.msaa_samples:  # draw multisampled; resolve() blits into the image
            return EyeTarget(self._msaa[0], ci, di, self.size)
        return self._acquired

    def _blit(self, src: moderngl.Framebuffer, dst: moderngl.Framebuffer, mask: int) -> None:
        assert self._gl is not None
        w, h = self.size
        self._gl.bind_framebuffer(GL_READ_FRAMEBUFFER, src.glo)
        self._gl.bind_framebuffer(GL_DRAW_FRAMEBUFFER, dst.glo)
        self._gl.blit_framebuffer(0, 0, w, h, 0, 0, w, h, mask, GL_NEAREST)
        dst.use()  # leave one framebuffer bound for read and draw, as moderngl expects

    def resolve(self) -> moderngl.Framebuffer:
        """Finish the acquired image (resolve the multisampled drawing into it) and return
        a single-sampled framebuffer showing it (the image, or a read-back copy of a
        multisampled image)."""
        if self._acquired is None:
            raise XRError("resolve() needs an acquired swapchain image")
        image = self._acquired.fbo
        if self.msaa_samples:
            mask = GL_COLOR_BUFFER_BIT | (GL_DEPTH_BUFFER_BIT if self.depth is not None else 0)
            self._blit(self._msaa[0], image, mask)
            return image
        if self.native_samples:
            self._blit(image, self._msaa[0], GL_COLOR_BUFFER_BIT)
            return self._msaa[0]
        return image

    def read(self) -> np.ndarray:
        """The acquired colour image as uint8 (H, W, 4), row 0 at the top (before release)."""
        if self._acquired is None:
            raise XRError("read() needs an acquired swapchain image")
        fbo = self._msaa[0] if self.native_samples else self._acquired.fbo
        raw = fbo.read(components=4, alignment=1)
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

        unbind(self.ctx, list(self._fbos.values()) + self._msaa[:1])
        for fbo in self._fbos.values():
            fbo.release()
        for obj in self._msaa:
            obj.release()
        self._msaa = []
        if self._depth_rb is not None and self._gl is not None:
            self._gl.delete_renderbuffers(1, ctypes.byref(self._depth_rb))
            self._depth_rb = None
        self._fbos.clear()
        self.color_textures.clear()  # the runtime owns these GL textures: never delete them
        self._own_depth.release()
        for sc in (self.color, self.depth):
            if sc is not None:
                self._xr.destroy_swapchain(sc)
        self.color = self.depth = None

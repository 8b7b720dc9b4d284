"""The set's static part (floor, props, sky) rendered once per camera
and reused while the camera and the props stay put: on llvmpipe the floor and sky
passes are most of a frame's render, and a locked-off camera (a fixed set camera, a
FreeD head at rest, a stage camera nobody moves) sees the same static image every
frame.

:class:`StaticLayer` holds that image (colour and depth) in its own framebuffer; a
frame whose :func:`static_key` equals the previous frame's blits it into the target
and draws only the characters, added drawables, marks and frustums over it
(:meth:`previzkit.render.renderer.Renderer.render_view` ``part="dynamic"``; the blended
marks after the characters, as in a full render); any other frame is the caller's full
render, so a moving camera pays nothing extra. The key is the view and the projection
(equal within :data:`CAMERA_TOLERANCE`: a filtered camera at rest wobbles in its last
bits), the clear colour, the lights and every static drawable's identity, visibility
and model matrix, so a prop moved by the stage loop or a tracked camera's move renders
it afresh.
The stage loop renders through it (:class:`previzkit.stage.loop.StageLoop`,
``StageOptions(reuse_static=...)``), the AR overlay with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

# View and projection entries (metres, radians' sines, ...) closer than this are the
# same camera: far below a pixel, above the rounding of a pose filter's arithmetic.
CAMERA_TOLERANCE = 1e-9

_Key = tuple[bytes, np.ndarray]


def static_key(renderer: Any, clear_color: Sequence[float]) -> bytes:
    """Bytes that change whenever the static image would for the same camera (clear
    colour, lights, the floor's, props' and sky's identity, visibility and placement)."""
    scene = renderer.drawables
    parts = [np.asarray(clear_color, np.float64).tobytes()]
    s = scene.set
    for li in (*s.directional_lights, *getattr(s, "spot_lights", [])):
        parts.append(np.asarray([*li.direction, *li.radiance], np.float64).tobytes())
        parts.append(repr((li.position, li.cone_deg, li.shadow)).encode())
    parts.append(np.asarray(s.ambient, np.float64).tobytes())
    look = getattr(renderer, "look", None)
    parts.append(repr(look).encode())
    if look is not None and look.shadows:
        # characters and added drawables cast shadows on the static floor and props:
        # the static image is stale as soon as one of them moves
        for d in scene.dynamic():
            parts.append(id(d).to_bytes(8, "little"))
            parts.append(str(getattr(d, "version", "")).encode())
            parts.append(b"v" if getattr(d, "visible", True) else b"h")
            model = getattr(d, "model", None)
            if model is not None:
                parts.append(np.asarray(model, np.float64).tobytes())
    for d in (*scene.static(), scene.skybox):
        parts.append(id(d).to_bytes(8, "little"))
        parts.append(b"v" if getattr(d, "visible", True) else b"h")
        model = getattr(d, "model", None)
        if model is not None:
            parts.append(np.asarray(model, np.float64).tobytes())
    return b"".join(parts)


class StaticLayer:
    """Colour + depth of the static set at ``size`` (width, height) with ``samples``
    (MSAA, as the target it is blitted into) on ``ctx``."""

    def __init__(self, ctx: Any, size: tuple[int, int], samples: int = 0) -> None:
        self.ctx = ctx
        self.size = size
        self.samples = samples
        self.key: _Key | None = None  # of the held image
        self.last: _Key | None = None  # of the previous frame
        self.renders = 0  # times the static image was drawn (tests, stats)
        self.hdr = False  # holds radiance for an HDR look (remade to match the renderer's)
        self.fbo = self._make(False, samples)

    def _make(self, hdr: bool, samples: int) -> Any:
        ctx, size = self.ctx, self.size
        return ctx.framebuffer(
            color_attachments=[
                ctx.renderbuffer(size, 4, samples=samples, dtype="f2" if hdr else "f1")
            ],
            depth_attachment=ctx.depth_renderbuffer(size, samples=samples),
        )

    def _match(self, renderer: Any) -> None:
        """An HDR look's static image is radiance at the renderer's HDR samples."""
        look = getattr(renderer, "look", None)
        hdr = bool(look is not None and look.hdr)
        samples = renderer.hdr_samples() if hdr else self.samples
        fbo_samples = self.fbo.color_attachments[0].samples
        if hdr != self.hdr or samples != fbo_samples:
            self.release()
            self.fbo, self.hdr, self.key = self._make(hdr, samples), hdr, None

    def reuse(
        self,
        target: Any,
        renderer: Any,
        view: np.ndarray,
        proj: np.ndarray,
        clear_color: tuple[float, float, float, float],
        exclude_cameras: Sequence[str] = (),
    ) -> bool:
        """Draw this frame into ``target`` (same size) from the static image plus a
        dynamic pass when the static key equals the previous frame's (rendering the
        static image first when it is not held); False, drawing nothing, otherwise:
        the caller renders the whole set."""
        camera = np.concatenate([np.ravel(view), np.ravel(proj)]).astype(np.float64)
        key = (static_key(renderer, clear_color), camera)
        same, self.last = _same(key, self.last), key
        if not same:
            return False
        self._match(renderer)
        if not _same(key, self.key):
            fbo = self.fbo
            fbo.use()
            fbo.viewport = (0, 0, *self.size)
            # radiance over transparent for an HDR look (tone mapped over the target's
            # clear colour with the dynamic part), else the clear colour
            fbo.clear(*((0.0, 0.0, 0.0, 0.0) if self.hdr else clear_color), depth=1.0)
            renderer.render_view(fbo, view, proj, clear=False, part="static")
            self.key = key
            self.renders += 1
        if self.hdr:
            target.use()
            target.viewport = (0, 0, *self.size)
            target.clear(*clear_color, depth=1.0)
            renderer.render_view(
                target,
                view,
                proj,
                exclude_cameras=exclude_cameras,
                clear=False,
                part="dynamic",
                base=self.fbo,
            )
            return True
        self.ctx.copy_framebuffer(target, self.fbo)  # colour and depth (a blit)
        renderer.render_view(
            target, view, proj, exclude_cameras=exclude_cameras, clear=False, part="dynamic"
        )
        return True

    def release(self) -> None:
        for a in (*self.fbo.color_attachments, self.fbo.depth_attachment):
            a.release()
        self.fbo.release()


def _same(a: _Key, b: _Key | None) -> bool:
    return b is not None and a[0] == b[0] and float(np.max(np.abs(a[1] - b[1]))) <= CAMERA_TOLERANCE

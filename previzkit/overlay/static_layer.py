"""The set's static part (floor, props, sky) rendered once per camera and reused while
the camera and the props stay put: on llvmpipe the floor and sky passes are most of a
frame's render, and a locked-off camera (a fixed set camera, a FreeD head at rest)
sees the same static image every frame.

:class:`StaticLayer` holds that image (colour and depth) in its own framebuffer; a
frame blits it into the overlay's target and draws only the characters and added
drawables over it (:meth:`previzkit.render.renderer.Renderer.render_view`
``part="dynamic"``). It is keyed on :func:`static_key`: the view, the projection, the
backdrop flag and every static drawable's identity, visibility and model matrix, so
a prop moved by the stage loop or a tracked camera's move renders it afresh.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def static_key(renderer: Any, view: np.ndarray, proj: np.ndarray, backdrop: bool) -> bytes:
    """Bytes that change whenever the static image would (camera, lens, backdrop, the
    floor's and props' identity, visibility and placement)."""
    parts = [np.asarray(view, np.float64).tobytes(), np.asarray(proj, np.float64).tobytes()]
    parts.append(b"B" if backdrop else b"-")
    for d in renderer.drawables.static():
        parts.append(id(d).to_bytes(8, "little"))
        parts.append(b"v" if getattr(d, "visible", True) else b"h")
        model = getattr(d, "model", None)
        if model is not None:
            parts.append(np.asarray(model, np.float64).tobytes())
    return b"".join(parts)


class StaticLayer:
    """Colour + depth of the static set at ``size`` (width, height) on ``ctx``."""

    def __init__(self, ctx: Any, size: tuple[int, int]) -> None:
        self.ctx = ctx
        self.size = size
        self.key: bytes | None = None
        self.renders = 0  # times the static image was drawn (tests, stats)
        self.fbo = ctx.framebuffer(
            color_attachments=[ctx.renderbuffer(size, 4)],
            depth_attachment=ctx.depth_renderbuffer(size),
        )

    def draw_into(
        self,
        target: Any,
        renderer: Any,
        view: np.ndarray,
        proj: np.ndarray,
        clear_color: tuple[float, float, float, float],
        key: bytes,
    ) -> None:
        """Fill ``target`` (same size) with the static set's colour and depth,
        rendering it first when ``key`` differs from the held image's."""
        if key != self.key:
            fbo = self.fbo
            fbo.use()
            fbo.viewport = (0, 0, *self.size)
            fbo.clear(*clear_color, depth=1.0)
            renderer.render_view(fbo, view, proj, clear=False, part="static")
            self.key = key
            self.renders += 1
        self.ctx.copy_framebuffer(target, self.fbo)  # colour and depth (a blit)

    def release(self) -> None:
        for a in (*self.fbo.color_attachments, self.fbo.depth_attachment):
            a.release()
        self.fbo.release()

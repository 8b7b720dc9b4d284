"""Actors' marks drawn as floor decals: a coloured ring and cross on a faint disc."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from previzkit.core.optional import require
from previzkit.model.setfile import MarkDef
from previzkit.render.drawable import FrameUniforms
from previzkit.render.gl import program
from previzkit.render.lighting import write_frame

if TYPE_CHECKING:
    import moderngl

DECAL_HEIGHT_M = 0.003  # above the floor, plus polygon offset, to win the depth test


def mark_vertices(marks: list[MarkDef]) -> np.ndarray:
    """(6 * len(marks), 8) float32 rows: world xyz, local uv in [-1, 1], rgb."""
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, -1], [1, 1], [-1, 1]], np.float64)
    rows = []
    for m in marks:
        for lx, lz in corners:
            x = m.position[0] + lx * m.radius
            z = m.position[1] + lz * m.radius
            rows.append([x, DECAL_HEIGHT_M, z, lx, lz, *m.color])
    return np.asarray(rows, dtype=np.float32).reshape(-1, 8)


class Marks:
    """All marks of a set in one draw (alpha blended over the floor)."""

    def __init__(self, ctx: moderngl.Context, marks: list[MarkDef]) -> None:
        self.visible = True
        self.count = len(marks)
        self._prog = program(ctx, "mark")
        self._vbo = self._vao = None
        if marks:
            self._vbo = ctx.buffer(mark_vertices(marks).tobytes())
            self._vao = ctx.vertex_array(
                self._prog, [(self._vbo, "3f 2f 3f", "in_position", "in_local", "in_color")]
            )

    def draw(self, ctx: moderngl.Context, frame: FrameUniforms) -> None:
        if not self.visible or self._vao is None:
            return
        moderngl = require("moderngl", "render", "rendering")

        write_frame(self._prog, frame)
        ctx.enable(moderngl.BLEND)
        if (getattr(frame, "look", None) or {}).get("u_hdr"):
            # an HDR target is tone mapped by its alpha (premultiplied): keep it "over"
            ctx.blend_func = (  # type: ignore[assignment]  # moderngl takes 2 or 4
                moderngl.SRC_ALPHA,
                moderngl.ONE_MINUS_SRC_ALPHA,
                moderngl.ONE,
                moderngl.ONE_MINUS_SRC_ALPHA,
            )
        else:
            ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        ctx.polygon_offset = -1.0, -4.0
        try:
            self._vao.render()
        finally:
            ctx.polygon_offset = 0.0, 0.0
            ctx.disable(moderngl.BLEND)
            ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA

    def release(self) -> None:
        if self._vao is not None:
            assert self._vbo is not None  # made together with the vao
            self._vao.release()
            self._vbo.release()

"""The ChArUco board as a drawable: its printed image on a quad where the board file
puts it. Shows the board in previews of the set, and gives tests a board "filmed" by
the renderer at a known camera pose."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import numpy as np

from previzkit.core.optional import require
from previzkit.overlay.tracking.charuco import BoardDef
from previzkit.render.drawable import FrameUniforms, gl_mat4
from previzkit.render.shaders import QUAD_VS

if TYPE_CHECKING:
    import moderngl

_FS = """
#version 330
uniform sampler2D u_tex;
in vec2 v_uv;
out vec4 f_color;
void main() { f_color = vec4(texture(u_tex, v_uv).rrr, 1.0); }
"""


class BoardDrawable:
    """A :class:`~previzkit.render.drawable.Drawable`: the board, unlit (printed paper
    under even light), mipmapped. ``px_per_square`` sets the texture's resolution."""

    def __init__(self, ctx: moderngl.Context, board: BoardDef, px_per_square: int = 128) -> None:
        moderngl = require("moderngl", "render", "drawing the ChArUco board")

        self.ctx = ctx
        img = np.ascontiguousarray(board.image(px_per_square))
        # row 0 of the image is the board's y = 0 edge: upload as is, t = y / height
        self._tex = ctx.texture((img.shape[1], img.shape[0]), 1, img.tobytes(), alignment=1)
        self._tex.build_mipmaps()
        self._tex.filter = (moderngl.LINEAR_MIPMAP_LINEAR, moderngl.LINEAR)
        self._tex.anisotropy = 8.0
        w, h = board.size_m
        corners = np.array([[0, 0, 0], [w, 0, 0], [w, h, 0], [0, h, 0]], np.float64)
        world = (board.board_to_set() @ np.c_[corners, np.ones(4)].T).T[:, :3]
        uv = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], np.float64)
        verts = np.c_[world, uv][[0, 1, 2, 0, 2, 3]].astype("f4")
        self._prog = ctx.program(vertex_shader=QUAD_VS, fragment_shader=_FS)
        self._vbo = ctx.buffer(verts.tobytes())
        self._vao = ctx.vertex_array(self._prog, [(self._vbo, "3f 2f", "in_position", "in_uv")])

    def draw(self, ctx: moderngl.Context, frame: FrameUniforms) -> None:
        cast("moderngl.Uniform", self._prog["u_mvp"]).write(gl_mat4(frame.proj @ frame.view))
        self._tex.use(0)
        cast("moderngl.Uniform", self._prog["u_tex"]).value = 0
        self._vao.render()

    def release(self) -> None:
        for obj in (self._vao, self._vbo, self._prog, self._tex):
            obj.release()

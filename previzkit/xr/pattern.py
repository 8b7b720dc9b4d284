"""A bare scene for checks without a set: a floor and a coloured cube (moderngl only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from previzkit.core.optional import require
from previzkit.render.drawable import gl_mat4
from previzkit.render.gl import uniform

if TYPE_CHECKING:
    import moderngl

CUBE_CENTER = (0.0, 1.5, -2.0)  # metres, in front of a viewer at the origin looking down -z
CUBE_HALF = 0.25
CUBE_COLOR = (0.9, 0.1, 0.1)
FLOOR_COLOR = (0.35, 0.35, 0.38)
CLEAR_COLOR = (0.05, 0.07, 0.12)

_VS = """
#version 330
uniform mat4 mvp;
in vec3 in_pos;
in vec3 in_color;
out vec3 color;
void main() { color = in_color; gl_Position = mvp * vec4(in_pos, 1.0); }
"""
_FS = """
#version 330
in vec3 color;
out vec4 frag;
void main() { frag = vec4(color, 1.0); }
"""


def _geometry() -> np.ndarray:
    c, h = np.array(CUBE_CENTER), CUBE_HALF
    corners = np.array([[x, y, z] for x in (-h, h) for y in (-h, h) for z in (-h, h)]) + c
    faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    tris = []
    for a, b, cc, d in faces:
        for i in (a, b, cc, a, cc, d):
            tris.append([*corners[i], *CUBE_COLOR])
    s = 10.0
    floor = [[-s, 0, -s], [s, 0, -s], [s, 0, s], [-s, 0, -s], [s, 0, s], [-s, 0, s]]
    tris += [[*p, *FLOOR_COLOR] for p in floor]
    return np.array(tris, dtype="f4")


class TestPattern:
    """Renders the pattern with the same ``render_view(fbo, view, proj)`` as the Renderer."""

    __test__ = False  # not a pytest test class

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self.prog = ctx.program(vertex_shader=_VS, fragment_shader=_FS)
        self.vbo = ctx.buffer(_geometry().tobytes())
        self.vao = ctx.vertex_array(self.prog, [(self.vbo, "3f 3f", "in_pos", "in_color")])

    def render_view(self, fbo: moderngl.Framebuffer, view: np.ndarray, proj: np.ndarray) -> None:
        moderngl = require("moderngl", "xr", "OpenXR rendering")

        fbo.use()
        fbo.viewport = (0, 0, *fbo.size)
        fbo.clear(*CLEAR_COLOR, 1.0, depth=1.0)
        self.ctx.enable(moderngl.DEPTH_TEST)
        uniform(self.prog, "mvp").write(gl_mat4(np.asarray(proj) @ np.asarray(view)))
        self.vao.render(moderngl.TRIANGLES)

    def release(self) -> None:
        for obj in (self.vao, self.vbo, self.prog):
            obj.release()

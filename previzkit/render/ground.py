"""The stage floor: a lit plane with a grid and the stage's border, optionally a
tiled ground texture (image or GAN) that extends past the stage.

With a sky panorama and no ground texture, the panorama's lower hemisphere is projected
onto the floor plane around the stage out to the horizon (as seen from where it was
shot, ``capture_height_m`` above the origin), so a set stands on the panorama's ground
instead of in front of it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from previzkit.core.optional import require
from previzkit.model.setfile import StageDef
from previzkit.render.drawable import FrameUniforms
from previzkit.render.gl import max_anisotropy, program, set_uniform, vertex_array
from previzkit.render.lighting import look_defines, write_frame

if TYPE_CHECKING:
    import moderngl

    from previzkit.render.skybox import Skybox

GROUND_EXTENT_M = 200.0  # half size of a textured ground plane
PROJECTION_EXTENT_M = 450.0  # half size of the projected panorama ground (far plane 500 m)
CAPTURE_HEIGHT_M = 1.7  # a panorama's assumed camera height above its ground


class Ground:
    """Floor + grid at y = 0. ``ground`` is an (S, S, 3|4) uint8 tileable texture or None.

    ``sky``: the set's skybox; without ``ground``, its panorama's lower half is projected
    onto the plane around the stage, out to the horizon, shaded as the sky is.
    """

    def __init__(
        self,
        ctx: moderngl.Context,
        stage: StageDef,
        ground: np.ndarray | None = None,
        tile_m: float = 4.0,
        num_lights: int = 1,
        sky: Skybox | None = None,
        capture_height_m: float = CAPTURE_HEIGHT_M,
    ) -> None:
        self.stage = stage
        self.visible = True
        self.tile_m = tile_m
        self._ctx = ctx
        self._num_lights = num_lights
        self.capture_height_m = capture_height_m
        self._sky = sky if ground is None and sky is not None and sky.has_panorama else None
        self._prog = program(ctx, "ground", {"NUM_LIGHTS": num_lights})
        self.texture = None
        if ground is not None:
            img = np.ascontiguousarray(ground[..., :3], dtype=np.uint8)
            self.texture = ctx.texture((img.shape[1], img.shape[0]), 3, img.tobytes())
            self.texture.repeat_x = self.texture.repeat_y = True
            self.texture.build_mipmaps()
            self.texture.anisotropy = max_anisotropy(ctx)
            hx = hz = GROUND_EXTENT_M
        else:
            hx, hz = stage.width / 2, stage.depth / 2
        # strip order so the triangles wind counterclockwise seen from above (normal +y)
        quad = np.array([[-hx, 0, hz], [hx, 0, hz], [-hx, 0, -hz], [hx, 0, -hz]], dtype=np.float32)
        self._vbo = ctx.buffer(quad.tobytes())
        self._vao = vertex_array(ctx, self._prog, [(self._vbo, "3f", "in_position")])
        # one (program, vertex array) per look variant (#defines), the plain one above
        self._variants: dict[tuple, tuple[moderngl.Program, moderngl.VertexArray]] = {
            (): (self._prog, self._vao)
        }
        self._proj_vbo = None
        self._proj_variants: dict[tuple, tuple[moderngl.Program, moderngl.VertexArray]] = {}
        if self._sky is not None:
            e = PROJECTION_EXTENT_M
            far = np.array([[-e, 0, e], [e, 0, e], [-e, 0, -e], [e, 0, -e]], dtype=np.float32)
            self._proj_vbo = ctx.buffer(far.tobytes())

    def _variant(self, look: dict[str, int]) -> tuple[moderngl.Program, moderngl.VertexArray]:
        key = tuple(sorted(look.items()))
        if key not in self._variants:
            prog = program(self._ctx, "ground", {"NUM_LIGHTS": self._num_lights, **look})
            self._variants[key] = (
                prog,
                vertex_array(self._ctx, prog, [(self._vbo, "3f", "in_position")]),
            )
        return self._variants[key]

    def _draw_projection(self, frame: FrameUniforms, sky: Skybox) -> None:
        moderngl = require("moderngl", "render", "rendering")

        defines, exposure = sky.shading(frame)
        key = tuple(sorted(defines.items()))
        if key not in self._proj_variants:
            assert self._proj_vbo is not None  # made with the sky
            prog = program(self._ctx, "ground_projection", dict(defines))
            self._proj_variants[key] = (
                prog,
                vertex_array(self._ctx, prog, [(self._proj_vbo, "3f", "in_position")]),
            )
        pp, vao = self._proj_variants[key]
        set_uniform(pp, "u_view", frame.view)
        set_uniform(pp, "u_proj", frame.proj)
        set_uniform(pp, "u_yaw", math.radians(sky.yaw_deg))
        set_uniform(pp, "u_exposure", exposure)
        set_uniform(pp, "u_capture_height", float(self.capture_height_m))
        set_uniform(pp, "u_hole_half", (self.stage.width / 2, self.stage.depth / 2))
        assert sky.texture is not None  # has_panorama was checked at construction
        sky.texture.use(0)
        set_uniform(pp, "u_pano", 0)
        vao.render(moderngl.TRIANGLE_STRIP)

    def draw(self, ctx: moderngl.Context, frame: FrameUniforms) -> None:
        if not self.visible:
            return
        moderngl = require("moderngl", "render", "rendering")

        if self._sky is not None and self._sky.visible:
            self._draw_projection(frame, self._sky)
        prog, vao = self._variant(look_defines(frame))
        write_frame(prog, frame)
        set_uniform(prog, "u_stage_half", (self.stage.width / 2, self.stage.depth / 2))
        set_uniform(prog, "u_grid", float(self.stage.grid))
        set_uniform(prog, "u_floor_color", tuple(self.stage.floor_color))
        set_uniform(prog, "u_grid_color", tuple(self.stage.grid_color))
        set_uniform(prog, "u_use_ground", self.texture is not None)
        set_uniform(prog, "u_ground_tile", float(self.tile_m))
        if self.texture is not None:
            self.texture.use(0)
            set_uniform(prog, "u_ground", 0)
        vao.render(moderngl.TRIANGLE_STRIP)

    def release(self) -> None:
        for _, vao in [*self._variants.values(), *self._proj_variants.values()]:
            vao.release()
        self._variants, self._proj_variants = {}, {}
        if self._proj_vbo is not None:
            self._proj_vbo.release()
        self._vbo.release()
        if self.texture is not None:
            self.texture.release()

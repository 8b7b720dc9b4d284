"""The stage floor: a lit plane with a grid and the stage's border, optionally a
tiled ground texture (image or GAN) that extends past the stage.

With a sky panorama and no ground texture, the panorama's lower hemisphere is projected
onto the floor plane around the stage out to the horizon (as seen from where it was
shot, ``capture_height_m`` above the origin), so a set stands on the panorama's ground
instead of in front of it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from previzkit.core.optional import require
from previzkit.model.setfile import StageDef
from previzkit.render.drawable import FrameUniforms
from previzkit.render.gl import max_anisotropy, program, set_uniform, vertex_array
from previzkit.render.lighting import write_frame

if TYPE_CHECKING:
    import moderngl

GROUND_EXTENT_M = 200.0  # half size of a textured ground plane
PROJECTION_EXTENT_M = 450.0  # half size of the projected panorama ground (far plane 500 m)
CAPTURE_HEIGHT_M = 1.7  # a panorama's assumed camera height above its ground


class Ground:
    """Floor + grid at y = 0. ``ground`` is an (S, S, 3|4) uint8 tileable texture or None.

    ``panorama`` (the sky's equirect, (H, W, 3) uint8 or float32, as the skybox gets it)
    and ``yaw_deg`` (the sky's turn about +y): without ``ground``, the panorama's lower
    half is projected onto the plane around the stage, out to the horizon.
    """

    def __init__(
        self,
        ctx: moderngl.Context,
        stage: StageDef,
        ground: np.ndarray | None = None,
        tile_m: float = 4.0,
        num_lights: int = 1,
        panorama: np.ndarray | None = None,
        yaw_deg: float = 0.0,
        capture_height_m: float = CAPTURE_HEIGHT_M,
    ) -> None:
        self.stage = stage
        self.visible = True
        self.tile_m = tile_m
        self.yaw_deg = yaw_deg
        self.capture_height_m = capture_height_m
        self._prog = program(ctx, "ground", {"NUM_LIGHTS": num_lights})
        self.texture = None
        self.projection = None
        if ground is None and panorama is not None:
            self.projection = _projection(ctx, panorama)
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
        self._proj_vbo = self._proj_vao = None
        if self.projection is not None:
            e = PROJECTION_EXTENT_M
            far = np.array([[-e, 0, e], [e, 0, e], [-e, 0, -e], [e, 0, -e]], dtype=np.float32)
            self._proj_prog = program(ctx, "ground_projection")
            self._proj_vbo = ctx.buffer(far.tobytes())
            self._proj_vao = vertex_array(
                ctx, self._proj_prog, [(self._proj_vbo, "3f", "in_position")]
            )

    def draw(self, ctx: moderngl.Context, frame: FrameUniforms) -> None:
        if not self.visible:
            return
        moderngl = require("moderngl", "render", "rendering")

        if self._proj_vao is not None and self.projection is not None:
            pp = self._proj_prog
            set_uniform(pp, "u_view", frame.view)
            set_uniform(pp, "u_proj", frame.proj)
            set_uniform(pp, "u_yaw", np.radians(self.yaw_deg))
            set_uniform(pp, "u_capture_height", float(self.capture_height_m))
            set_uniform(pp, "u_hole_half", (self.stage.width / 2, self.stage.depth / 2))
            self.projection.use(0)
            set_uniform(pp, "u_pano", 0)
            self._proj_vao.render(moderngl.TRIANGLE_STRIP)
        prog = self._prog
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
        self._vao.render(moderngl.TRIANGLE_STRIP)

    def release(self) -> None:
        self._vao.release()
        self._vbo.release()
        for obj in (self._proj_vao, self._proj_vbo, self.texture, self.projection):
            if obj is not None:
                obj.release()


def _projection(ctx: moderngl.Context, panorama: np.ndarray) -> moderngl.Texture:
    """The panorama as a mipmapped texture that wraps in u (uint8 or float32 pixels)."""
    img = np.asarray(panorama)[..., :3]
    if img.dtype == np.uint8:
        tex = ctx.texture((img.shape[1], img.shape[0]), 3, np.ascontiguousarray(img).tobytes())
    else:
        data = np.ascontiguousarray(img, dtype=np.float32).tobytes()
        tex = ctx.texture((img.shape[1], img.shape[0]), 3, data, dtype="f4")
    tex.repeat_x, tex.repeat_y = True, False
    tex.build_mipmaps()
    tex.filter = (ctx.LINEAR_MIPMAP_LINEAR, ctx.LINEAR)
    return tex

"""Shadow maps: a light's shadow camera fitted to the scene, and the depth pass.

A directional light gets an orthographic camera along its direction fitted to the
scene's box (the stage and every prop); a spot light a perspective camera at its
position, its cone's width. :class:`ShadowMaps` renders the casters' depth into
``sampler2DShadow`` textures (hardware depth compare, linear: bilinear PCF per tap,
3x3 taps in the shader) with a slope-scaled polygon offset, once per frame; the
shaders read them through ``u_shadow_mat[i]`` (world -> [0, 1]^3 map coordinates).
Frames: world right-handed, y up, metres.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from previzkit.core.geometry import look_at, view_matrix
from previzkit.core.optional import require
from previzkit.model.camera import perspective_from_fov_angles

if TYPE_CHECKING:
    import moderngl

# map [-1, 1] clip cube to [0, 1] texture coordinates and depth
_BIAS = np.array(
    [[0.5, 0, 0, 0.5], [0, 0.5, 0, 0.5], [0, 0, 0.5, 0.5], [0, 0, 0, 1]], dtype=np.float64
)
SLOPE_BIAS = (2.0, 4.0)  # glPolygonOffset(factor, units) in the depth pass


def _look_along(origin: np.ndarray, direction: np.ndarray) -> np.ndarray:
    up = (0.0, 1.0, 0.0) if abs(direction[1]) < 0.99 else (0.0, 0.0, -1.0)
    return view_matrix(look_at(origin, origin + direction, up))


def directional_shadow_matrix(direction: Sequence[float], points: np.ndarray) -> np.ndarray:
    """(4, 4) light view-projection of an orthographic camera looking along
    ``direction`` (where the light travels) that holds every point of ``points`` (N, 3)."""
    d = np.asarray(direction, np.float64)
    d = d / np.linalg.norm(d)
    pts = np.asarray(points, np.float64)
    centre = (pts.min(axis=0) + pts.max(axis=0)) / 2
    radius = float(np.linalg.norm(pts - centre, axis=1).max()) + 1.0
    view = _look_along(centre - d * radius, d)
    local = pts @ view[:3, :3].T + view[:3, 3]
    lo, hi = local.min(axis=0) - 0.05, local.max(axis=0) + 0.05
    near, far = max(-hi[2] - 1.0, 0.01), -lo[2] + 1.0
    proj = np.eye(4)
    proj[0, 0], proj[0, 3] = 2 / (hi[0] - lo[0]), -(hi[0] + lo[0]) / (hi[0] - lo[0])
    proj[1, 1], proj[1, 3] = 2 / (hi[1] - lo[1]), -(hi[1] + lo[1]) / (hi[1] - lo[1])
    proj[2, 2], proj[2, 3] = -2 / (far - near), -(far + near) / (far - near)
    return proj @ view


def spot_shadow_matrix(
    position: Sequence[float], direction: Sequence[float], cone_deg: float, points: np.ndarray
) -> np.ndarray:
    """(4, 4) light view-projection of a perspective camera at the spot's ``position``
    looking along ``direction``, as wide as its cone, deep enough for ``points``."""
    p = np.asarray(position, np.float64)
    d = np.asarray(direction, np.float64)
    d = d / np.linalg.norm(d)
    half = math.radians(min(cone_deg * 1.1 + 2.0, 85.0))
    far = float(np.linalg.norm(np.asarray(points, np.float64) - p, axis=1).max()) + 1.0
    proj = perspective_from_fov_angles(-half, half, half, -half, near=0.05, far=far)
    return proj @ _look_along(p, d)


def map_matrix(light_vp: np.ndarray) -> np.ndarray:
    """World -> shadow map [0, 1]^3 (what the shaders' ``u_shadow_mat`` holds)."""
    return _BIAS @ light_vp


class ShadowMaps:
    """``count`` depth textures of ``size`` x ``size`` on ``ctx`` and their framebuffers."""

    def __init__(self, ctx: moderngl.Context, size: int, count: int = 2) -> None:
        self.ctx = ctx
        self.size = size
        self.textures: list[Any] = []
        self.fbos: list[Any] = []
        for _ in range(count):
            tex = ctx.depth_texture((size, size))
            tex.compare_func = "<="
            tex.filter = (ctx.LINEAR, ctx.LINEAR)  # hardware 2x2 PCF per tap
            tex.repeat_x = tex.repeat_y = False
            self.textures.append(tex)
            self.fbos.append(ctx.framebuffer(depth_attachment=tex))

    def render(self, slot: int, light_vp: np.ndarray, casters: Iterable[Any]) -> None:
        """Draw the ``draw_depth(ctx, light_vp)`` of every caster into map ``slot``."""
        moderngl_ = require("moderngl", "render", "rendering")
        ctx = self.ctx
        fbo = self.fbos[slot]
        fbo.use()
        fbo.viewport = (0, 0, self.size, self.size)
        fbo.clear(depth=1.0)
        ctx.enable(moderngl_.DEPTH_TEST)
        ctx.disable(moderngl_.CULL_FACE)
        ctx.depth_func = "<"
        ctx.polygon_offset = SLOPE_BIAS
        try:
            for caster in casters:
                caster.draw_depth(ctx, light_vp)
        finally:
            ctx.polygon_offset = (0.0, 0.0)

    def use(self, units: Sequence[int]) -> None:
        for tex, unit in zip(self.textures, units, strict=False):
            tex.use(unit)

    def release(self) -> None:
        for obj in (*self.fbos, *self.textures):
            obj.release()
        self.fbos, self.textures = [], []


__all__ = [
    "ShadowMaps",
    "directional_shadow_matrix",
    "map_matrix",
    "spot_shadow_matrix",
]

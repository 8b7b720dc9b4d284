"""The current virtual camera as a handheld monitor in the headset.

:meth:`Viewfinder.update` renders the set through the camera at the delivery aspect
(the lens's sensor width fills the image width, so the vertical field is
2 atan(W / aspect / 2f): 85 mm on Super35 at 16:9 is 9.42 deg), then copies it into a
display image with the frame line (the delivery edge) and the action-safe (93%) and
title-safe (90%) rectangles. :meth:`draw` puts that image on a quad in the world.

Frames: world right-handed, y up, metres; the camera and the monitor look down local
-z (the monitor's screen faces +z, towards the person holding it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.geometry import view_matrix
from previzkit.core.optional import require
from previzkit.core.types import ImageU8, Mat4
from previzkit.model.camera import Lens, perspective_from_lens
from previzkit.render.gl import set_uniform
from previzkit.render.shaders import QUAD_VS

if TYPE_CHECKING:
    import moderngl

DELIVERY_ASPECTS: dict[str, float] = {"16:9": 16 / 9, "1.85": 1.85, "2.39": 2.39}
ACTION_SAFE = 0.93
TITLE_SAFE = 0.90
FRAME_LINE_COLOR = (1.0, 0.78, 0.2)  # amber, as the look-through frame line
SAFE_COLOR = (0.8, 0.8, 0.8)
BEZEL_COLOR = (0.05, 0.05, 0.06)
BEZEL_M = 0.012

_FS = """
#version 330
uniform bool u_textured;
uniform vec3 u_color;
uniform sampler2D u_image;
in vec2 v_uv;
out vec4 f_color;
void main() { f_color = u_textured ? vec4(texture(u_image, v_uv).rgb, 1.0) : vec4(u_color, 1.0); }
"""


class ViewRenderer(Protocol):
    def render_view(self, fbo: moderngl.Framebuffer, view: Mat4, proj: Mat4) -> None: ...


def frame_size(size: tuple[int, int], aspect: float) -> tuple[int, int]:
    """The largest (w, h) pixels of ``aspect`` (w/h) that fits in ``size`` (pure)."""
    w, h = size
    if w <= 0 or h <= 0:
        raise InputError(f"viewfinder size must be positive, got {size}")
    if not (np.isfinite(aspect) and aspect > 0):
        raise InputError(f"delivery aspect must be a positive number, got {aspect!r}")
    if w / h > aspect:
        return max(1, round(h * aspect)), h
    return w, max(1, round(w / aspect))


def guide_lines(width: int, height: int) -> np.ndarray:
    """(N, 2) NDC points, pairs forming segments: the frame edge (half a pixel in) and the
    action-safe and title-safe rectangles of a ``width`` x ``height`` image."""
    ex, ey = 1 - 1 / width, 1 - 1 / height
    out = []
    for sx, sy in ((ex, ey), (ACTION_SAFE, ACTION_SAFE), (TITLE_SAFE, TITLE_SAFE)):
        c = [(-sx, -sy), (sx, -sy), (sx, sy), (-sx, sy)]
        for i in range(4):
            out += [c[i], c[(i + 1) % 4]]
    return np.array(out, dtype=np.float64)


class Viewfinder:
    """``Viewfinder(ctx, renderer, size)``; ``update(camera_to_world, lens, aspect)`` each
    frame the monitor shows; ``draw(fbo, view, proj, monitor_pose)`` in an eye;
    ``image()`` for snapshots."""

    def __init__(
        self, ctx: moderngl.Context, renderer: ViewRenderer, size: tuple[int, int] = (640, 400)
    ) -> None:
        frame_size(size, 16 / 9)  # checks size
        self.ctx = ctx
        self.renderer = renderer
        self.max_size = (int(size[0]), int(size[1]))
        self.size = (0, 0)
        self.aspect = 0.0
        self.lens: Lens | None = None
        self.proj = np.eye(4)  # the projection of the last update
        self.renders = 0  # how often update() rendered the set (the rest were free)
        self._key: tuple[Any, ...] | None = None  # (pose, lens, aspect, version) last rendered
        self._objs: list[Any] = []
        self._prog = ctx.program(vertex_shader=QUAD_VS, fragment_shader=_FS)
        quad = np.array(
            [[-0.5, -0.5, 0, 0, 0], [0.5, -0.5, 0, 1, 0], [0.5, 0.5, 0, 1, 1], [-0.5, 0.5, 0, 0, 1]]
        )
        self._quad_buf = ctx.buffer(quad[[0, 1, 2, 0, 2, 3]].astype("f4").tobytes())
        self._quad = ctx.vertex_array(
            self._prog, [(self._quad_buf, "3f 2f", "in_position", "in_uv")]
        )
        self._lines_buf = ctx.buffer(reserve=3 * 8 * 5 * 4)
        self._lines = ctx.vertex_array(
            self._prog, [(self._lines_buf, "3f 2f", "in_position", "in_uv")]
        )

    def _targets(self, aspect: float) -> None:
        size = frame_size(self.max_size, aspect)
        if size == self.size:
            return
        self._release_targets()
        ctx = self.ctx
        self.size = size
        self.color = ctx.texture(size, 4)
        self.depth = ctx.depth_renderbuffer(size)
        self.fbo = ctx.framebuffer([self.color], self.depth)
        self.display = ctx.texture(size, 4)
        self.display.filter = (ctx.LINEAR, ctx.LINEAR)
        self.display_fbo = ctx.framebuffer([self.display])
        self._objs = [self.fbo, self.display_fbo, self.color, self.depth, self.display]
        pts = guide_lines(*size)
        data = np.c_[pts, np.zeros((len(pts), 3))]
        self._lines_buf.write(data.astype("f4").tobytes())
        self._colors = [FRAME_LINE_COLOR, SAFE_COLOR, SAFE_COLOR]

    def update(
        self,
        camera_to_world: Mat4,
        lens: Lens,
        aspect: float = 16 / 9,
        version: Any = None,
    ) -> None:
        """Render the set through the camera (camera-to-world, metres) at ``aspect`` (w/h).

        ``version`` names the set's state (anything comparable, e.g. a counter bumped on
        every edit): a call with the same pose, lens, aspect and a version equal to the
        last render's is free (the picture is still right). Without one every call renders.
        """
        moderngl = require("moderngl", "render", "rendering")
        pose = np.asarray(camera_to_world, dtype=np.float64)
        key = (pose.tobytes(), lens, float(aspect), version)
        if version is not None and key == self._key and self.size != (0, 0):
            return
        self._targets(aspect)
        self._key = key if version is not None else None
        self.aspect, self.lens = float(aspect), lens
        w, h = self.size
        self.proj = proj = perspective_from_lens(lens, w / h)  # the sensor width fills w
        self.renderer.render_view(self.fbo, view_matrix(pose), proj)
        self.renders += 1
        ctx = self.ctx
        ctx.copy_framebuffer(self.display_fbo, self.fbo)
        self.display_fbo.use()
        self.display_fbo.viewport = (0, 0, w, h)
        ctx.disable(moderngl.DEPTH_TEST)
        set_uniform(self._prog, "u_mvp", np.eye(4))
        set_uniform(self._prog, "u_textured", False)
        for i, color in enumerate(self._colors):
            set_uniform(self._prog, "u_color", color)
            self._lines.render(moderngl.LINES, vertices=8, first=8 * i)
        ctx.enable(moderngl.DEPTH_TEST)

    def image(self, guides: bool = False) -> ImageU8:
        """The last :meth:`update` as (H, W, 3) uint8, row 0 at the top; with ``guides``
        the frame line and safe areas drawn in."""
        if self.size == (0, 0):
            raise InputError("viewfinder image() needs an update() first")
        fbo = self.display_fbo if guides else self.fbo
        w, h = self.size
        raw = fbo.read(components=3, alignment=1)
        return np.frombuffer(raw, np.uint8).reshape(h, w, 3)[::-1].copy()

    def draw(
        self,
        fbo: moderngl.Framebuffer,
        view: Mat4,
        proj: Mat4,
        monitor_pose: Mat4,
        width_m: float = 0.25,
    ) -> None:
        """Draw the monitor (its image ``width_m`` wide, a dark bezel round it) at
        ``monitor_pose`` (monitor-to-world, screen centre, facing +z) into ``fbo``."""
        if self.size == (0, 0):
            return
        moderngl = require("moderngl", "render", "rendering")
        fbo.use()
        vp = np.asarray(proj, dtype=np.float64) @ np.asarray(view, dtype=np.float64)
        pose = np.asarray(monitor_pose, dtype=np.float64)
        height_m = width_m / (self.size[0] / self.size[1])
        ctx = self.ctx
        ctx.enable(moderngl.DEPTH_TEST)
        p = self._prog
        bezel = pose @ np.diag([width_m + 2 * BEZEL_M, height_m + 2 * BEZEL_M, 1.0, 1.0])
        bezel[:3, 3] -= pose[:3, 2] * 0.002  # just behind the screen
        set_uniform(p, "u_textured", False)
        set_uniform(p, "u_color", BEZEL_COLOR)
        set_uniform(p, "u_mvp", vp @ bezel)
        self._quad.render(moderngl.TRIANGLES)
        self.display.use(0)
        set_uniform(p, "u_image", 0)
        set_uniform(p, "u_textured", True)
        set_uniform(p, "u_mvp", vp @ pose @ np.diag([width_m, height_m, 1.0, 1.0]))
        self._quad.render(moderngl.TRIANGLES)

    def _release_targets(self) -> None:
        if self._objs and self.ctx.fbo in (self.fbo, self.display_fbo):
            self.ctx.detect_framebuffer(0).use()
        for obj in self._objs:
            obj.release()
        self._objs = []
        self.size = (0, 0)
        self._key = None

    def release(self) -> None:
        self._release_targets()
        for obj in (self._quad, self._lines, self._quad_buf, self._lines_buf, self._prog):
            obj.release()

"""The director's interface in the headset, drawn into an eye after the scene.

Controllers (a handle box at each grip, a ray from each aim to its floor hit or 5 m),
the teleport arc and target ring, the selection's wireframe box, a measurement line
with its label, other users' avatars, and the wrist panel (text lines on a quad at the
left hand, drawn on top). Everything else is depth-tested against the scene.

Frames: world (the set), right-handed, y up, metres; hand poses are 4x4 hand-to-world
with the aim ray along local -z (OpenXR). Geometry is static in VBOs; per frame only
uniforms change. The arc and the measurement have a small line buffer each, written
(orphaned, then filled) only when their points change, never between the two eyes'
draws; text is re-rasterised and uploaded only when it changes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from previzkit.core.geometry import axis_rotation
from previzkit.core.optional import require
from previzkit.core.types import Mat4
from previzkit.render.gl import set_uniform
from previzkit.render.text import TextTexture

if TYPE_CHECKING:
    import moderngl

RAY_MAX_M = 5.0
RAY_COLOR = (0.55, 0.85, 1.0, 1.0)
CONTROLLER_COLOR = (0.22, 0.24, 0.28, 1.0)
ARC_COLOR = (0.3, 1.0, 0.55, 1.0)
SELECT_COLOR = (1.0, 0.9, 0.1, 1.0)
MEASURE_COLOR = (1.0, 0.45, 0.9, 1.0)
AVATAR_COLORS = ((0.95, 0.45, 0.3), (0.35, 0.7, 1.0), (0.6, 0.9, 0.35), (0.85, 0.55, 1.0))
PANEL_SIZE_M = (0.16, 0.10)
LABEL_SIZE_M = (0.20, 0.05)
ARC_POINTS = 32
RING_SEGMENTS = 48
RING_RADIUS_M = 0.3

_VS = """
#version 330
uniform mat4 u_view;
uniform mat4 u_proj;
uniform mat4 u_model;
in vec3 in_position;
in vec2 in_uv;
out vec2 v_uv;
void main() {
    v_uv = in_uv;
    gl_Position = u_proj * (u_view * (u_model * vec4(in_position, 1.0)));
}
"""
_FS = """
#version 330
uniform vec4 u_color;
uniform bool u_textured;
uniform sampler2D u_image;
in vec2 v_uv;
out vec4 f_color;
void main() {
    f_color = u_textured ? texture(u_image, v_uv) : u_color;
}
"""


@dataclass
class HudState:
    """What the HUD shows this frame (world frame, metres; 4x4 local-to-world)."""

    left_aim: Mat4 | None = None
    right_aim: Mat4 | None = None
    left_grip: Mat4 | None = None
    right_grip: Mat4 | None = None
    teleport: bool = False  # the teleport tool is active: arc + target ring from the left aim
    selected_box: Mat4 | None = None  # the cube [-0.5, 0.5]^3 to world
    measure: tuple[tuple[float, float, float], tuple[float, float, float]] | None = None
    avatars: list[tuple[Mat4, Mat4 | None, Mat4 | None]] = field(default_factory=list)
    panel_lines: list[str] = field(default_factory=list)
    panel_pose: Mat4 | None = None  # panel-to-world (centre, facing +z); else at the left grip


def ray_length(aim: Mat4, max_m: float = RAY_MAX_M) -> float:
    """Length (m) of an aim ray (origin, local -z) to the floor y = 0, at most ``max_m``."""
    a = np.asarray(aim, dtype=np.float64)
    dy = -a[1, 2]
    if dy >= -1e-6 or a[1, 3] <= 0:
        return max_m
    return float(min(max_m, -a[1, 3] / dy))


def teleport_arc(aim: Mat4, points: int = ARC_POINTS) -> tuple[np.ndarray, np.ndarray | None]:
    """(points, 3) arc from the aim's origin leaving along its ray, and its floor target.

    Where the ray meets the floor (within 30 m) the arc is the parabola (a quadratic
    Bezier) from the hand to that point whose tangent at the hand is the ray: it lands
    where a teleport goes. Otherwise the arc is the straight ray (``RAY_MAX_M``), no target.
    """
    a = np.asarray(aim, dtype=np.float64)
    o, d = a[:3, 3], -a[:3, 2]
    length = ray_length(a, 30.0)
    u = np.linspace(0.0, 1.0, points)[:, None]
    if length >= 30.0:
        return o + u * d * RAY_MAX_M, None
    target = o + d * length
    target[1] = 0.0
    control = o + d * (length / 2)
    arc = (1 - u) ** 2 * o + 2 * (1 - u) * u * control + u**2 * target
    return arc, target


def _box_triangles() -> np.ndarray:
    c = np.array([[x, y, z] for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)])
    faces = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    return np.array([c[i] for a, b, cc, dd in faces for i in (a, b, cc, a, cc, dd)])


def _box_edges() -> np.ndarray:
    c = np.array([[x, y, z] for x in (-0.5, 0.5) for y in (-0.5, 0.5) for z in (-0.5, 0.5)])
    pairs = [(i, j) for i in range(8) for j in range(i + 1, 8) if bin(i ^ j).count("1") == 1]
    return np.array([c[k] for p in pairs for k in p])


def _ring() -> np.ndarray:
    t = np.linspace(0, 2 * math.pi, RING_SEGMENTS, endpoint=False)
    return np.c_[np.cos(t), np.zeros_like(t), np.sin(t)]


def _scaled(m: Mat4, size: tuple[float, float, float], offset=(0.0, 0.0, 0.0)) -> Mat4:
    s = np.eye(4)
    s[:3, :3] = np.diag(size)
    s[:3, 3] = offset
    return np.asarray(m, dtype=np.float64) @ s


class _Lines:
    """A small dynamic line buffer written only when its points change: the old storage
    is orphaned first, so a write never waits for draws still reading it."""

    def __init__(self, ctx: moderngl.Context, prog: moderngl.Program, points: int) -> None:
        self.buffer = ctx.buffer(reserve=points * 12, dynamic=True)
        self.vao = ctx.vertex_array(prog, [(self.buffer, "3f", "in_position")])
        self._data = b""
        self.writes = 0

    def set(self, points: np.ndarray) -> int:
        """Hold ``points`` ((N, 3) world); returns N."""
        data = np.ascontiguousarray(points, dtype="f4").tobytes()
        if data != self._data:
            self.buffer.orphan()
            self.buffer.write(data)
            self._data = data
            self.writes += 1
        return len(data) // 12

    def release(self) -> None:
        self.vao.release()
        self.buffer.release()


class Hud:
    """Draws a :class:`HudState` into an eye: ``Hud(ctx)``, ``draw(fbo, view, proj, state)``."""

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self._prog = ctx.program(vertex_shader=_VS, fragment_shader=_FS)
        p = self._prog

        def static(points: np.ndarray, uv: np.ndarray | None = None) -> moderngl.VertexArray:
            data = points if uv is None else np.c_[points, uv]
            buf = ctx.buffer(np.asarray(data, dtype="f4").tobytes())
            self._buffers.append(buf)
            if uv is None:
                return ctx.vertex_array(p, [(buf, "3f", "in_position")])
            return ctx.vertex_array(p, [(buf, "3f 2f", "in_position", "in_uv")])

        self._buffers: list[moderngl.Buffer] = []
        self._box = static(_box_triangles())
        self._edges = static(_box_edges())
        self._line = static(np.array([[0, 0, 0], [0, 0, -1.0]]))  # unit ray along -z
        self._ring = static(_ring())
        quad = np.array([[-0.5, -0.5, 0], [0.5, -0.5, 0], [0.5, 0.5, 0], [-0.5, 0.5, 0]])
        uv = np.array([[0, 0], [1, 0], [1, 1], [0, 1.0]])
        self._quad = static(quad[[0, 1, 2, 0, 2, 3]], uv[[0, 1, 2, 0, 2, 3]])
        self._arc = _Lines(ctx, p, ARC_POINTS)
        self._measure_line = _Lines(ctx, p, 2)
        self._arc_key: bytes | None = None
        self._arc_target: np.ndarray | None = None
        self.panel = TextTexture(ctx, (512, 320), rows=6)
        self.label = TextTexture(ctx, (512, 128))

    def _draw(self, vao: moderngl.VertexArray, model: Mat4, color, mode: int, **kw) -> None:
        set_uniform(self._prog, "u_model", np.asarray(model, dtype=np.float64))
        set_uniform(self._prog, "u_color", tuple(float(c) for c in color))
        vao.render(mode, **kw)

    def _textured(self, texture: moderngl.Texture, model: Mat4) -> None:
        moderngl = require("moderngl", "render", "rendering")
        texture.use(0)
        set_uniform(self._prog, "u_image", 0)
        set_uniform(self._prog, "u_textured", True)
        self._draw(self._quad, model, (1, 1, 1, 1), moderngl.TRIANGLES)
        set_uniform(self._prog, "u_textured", False)

    def draw(self, fbo: moderngl.Framebuffer, view: Mat4, proj: Mat4, state: HudState) -> None:
        """Draw ``state`` over the eye image in ``fbo`` (its depth holds the scene's)."""
        moderngl = require("moderngl", "render", "rendering")
        ctx, p = self.ctx, self._prog
        fbo.use()
        set_uniform(p, "u_view", np.asarray(view, dtype=np.float64))
        set_uniform(p, "u_proj", np.asarray(proj, dtype=np.float64))
        set_uniform(p, "u_textured", False)
        ctx.enable(moderngl.DEPTH_TEST)
        ctx.depth_func = "<="
        ctx.disable(moderngl.CULL_FACE)
        tri, lines = moderngl.TRIANGLES, moderngl.LINES
        for grip in (state.left_grip, state.right_grip):
            if grip is not None:  # a handle and a head: a simple controller
                self._draw(
                    self._box,
                    _scaled(grip, (0.035, 0.035, 0.12), (0, -0.01, 0.03)),
                    CONTROLLER_COLOR,
                    tri,
                )
                self._draw(
                    self._box,
                    _scaled(grip, (0.06, 0.03, 0.05), (0, 0.01, -0.05)),
                    CONTROLLER_COLOR,
                    tri,
                )
        for aim in (state.left_aim, state.right_aim):
            if aim is not None and not (state.teleport and aim is state.left_aim):
                self._draw(self._line, _scaled(aim, (1, 1, ray_length(aim))), RAY_COLOR, lines)
        if state.teleport and state.left_aim is not None:
            key = np.asarray(state.left_aim, dtype=np.float64).tobytes()
            if key != self._arc_key:  # the same for both eyes: computed and written once
                arc, self._arc_target = teleport_arc(state.left_aim)
                self._arc.set(arc)
                self._arc_key = key
            target = self._arc_target
            self._draw(
                self._arc.vao, np.eye(4), ARC_COLOR, moderngl.LINE_STRIP, vertices=ARC_POINTS
            )
            if target is not None:
                ring = np.eye(4)
                ring[:3, 3] = target + np.array([0.0, 0.005, 0.0])
                self._draw(
                    self._ring, _scaled(ring, (RING_RADIUS_M,) * 3), ARC_COLOR, moderngl.LINE_LOOP
                )
        if state.selected_box is not None:
            self._draw(self._edges, state.selected_box, SELECT_COLOR, lines)
        for i, (head, left, right) in enumerate(state.avatars):
            color = (*AVATAR_COLORS[i % len(AVATAR_COLORS)], 1.0)
            self._draw(self._box, _scaled(head, (0.18, 0.22, 0.2)), color, tri)
            for hand in (left, right):
                if hand is not None:
                    self._draw(self._box, _scaled(hand, (0.07, 0.07, 0.1)), color, tri)
        # on top: the measurement and the panel
        ctx.disable(moderngl.DEPTH_TEST)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        if state.measure is not None:
            self._measure(view, *state.measure)
        pose = state.panel_pose
        if pose is None and state.left_grip is not None:
            pose = panel_at_wrist(state.left_grip)
        if state.panel_lines and pose is not None:
            self.panel.update(state.panel_lines)
            self._textured(self.panel.texture, _scaled(pose, (*PANEL_SIZE_M, 1.0)))
        ctx.disable(moderngl.BLEND)
        ctx.enable(moderngl.DEPTH_TEST)
        ctx.depth_func = "<"

    def _measure(self, view: Mat4, a, b) -> None:
        moderngl = require("moderngl", "render", "rendering")
        pa, pb = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        n = self._measure_line.set(np.array([pa, pb]))
        self._draw(self._measure_line.vao, np.eye(4), MEASURE_COLOR, moderngl.LINES, vertices=n)
        dist = float(np.linalg.norm(pb - pa))
        self.label.update([f"{dist:.2f} m   height {pb[1]:.2f} m"])
        # a billboard at the midpoint, facing the viewer
        board = np.eye(4)
        board[:3, :3] = np.asarray(view, dtype=np.float64)[:3, :3].T
        board[:3, 3] = (pa + pb) / 2 + (0, 0.05, 0)
        self._textured(self.label.texture, _scaled(board, (*LABEL_SIZE_M, 1.0)))

    def release(self) -> None:
        for vao in (self._box, self._edges, self._line, self._ring, self._quad):
            vao.release()
        for buf in self._buffers:
            buf.release()
        self._arc.release()
        self._measure_line.release()
        self.panel.release()
        self.label.release()
        self._prog.release()


def panel_at_wrist(left_grip: Mat4) -> Mat4:
    """Panel-to-world for the wrist panel: above the left hand, tilted back 40 deg to face
    the user (panel centre 8 cm above and 4 cm behind the grip)."""
    local = np.eye(4)
    local[:3, :3] = axis_rotation(0, math.radians(-40.0))
    local[:3, 3] = (0.0, 0.08, 0.04)
    return np.asarray(left_grip, dtype=np.float64) @ local

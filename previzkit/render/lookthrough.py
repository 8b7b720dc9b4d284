"""Look-through mask: darken what a virtual camera does not see and draw its frame line.

When the director looks through the current camera in the headset, each eye stays
where the camera is but keeps the head's own orientation and field of view
(world-stable: turning the head looks around from the camera's place). This pass,
drawn over the eye's image, darkens (to ``DIM``) every pixel whose world ray falls
outside the camera's frustum at the delivery aspect and draws the frame edge.

Frames: world right-handed, y up, metres; cameras look down local -z (OpenGL/OpenXR).
The frame is the image of ``aspect`` (w/h) cut across the lens's sensor width.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.optional import require
from previzkit.core.types import Mat4
from previzkit.model.camera import Lens
from previzkit.render.gl import set_uniform

if TYPE_CHECKING:
    import moderngl

DIM = 0.15  # brightness kept outside the frame
FRAME_LINE_COLOR = (1.0, 0.78, 0.2)  # amber
FRAME_LINE_PX = 2.0  # drawn just outside the frame edge, pixels

_VS = """
#version 330
// one full-screen triangle; the eye's view direction is affine in NDC, and so is its
// rotation into the virtual camera: turned here per vertex, not per pixel
uniform mat4 u_inv_proj;
uniform mat3 u_cam_from_eye;   // rotation: eye (view) space -> virtual camera space
out vec3 v_dir;                // in virtual camera space
void main() {
    vec2 p = vec2(float((gl_VertexID & 1) << 2) - 1.0, float((gl_VertexID & 2) << 1) - 1.0);
    vec4 c = u_inv_proj * vec4(p, 1.0, 1.0);
    v_dir = u_cam_from_eye * (c.xyz / c.w);
    gl_Position = vec4(p, 0.0, 1.0);
}
"""
_FS = """
#version 330
uniform vec2 u_half_tan;       // tan of the frame's half width and half height
uniform float u_dim;
uniform float u_line_px;
uniform vec3 u_line_color;
in vec3 v_dir;
out vec4 f_color;
void main() {
    vec3 d = v_dir;
    float outside_px = 1e6;  // distance outside the frame edge, pixels (<= 0: inside)
    if (d.z < 0.0) {
        vec2 t = d.xy / -d.z;
        vec2 over = abs(t) - u_half_tan;
        vec2 px = over / max(fwidth(t), vec2(1e-9));
        outside_px = max(px.x, px.y);
    }
    if (outside_px <= 0.0) discard;
    if (outside_px <= u_line_px) f_color = vec4(u_line_color, 1.0);
    else f_color = vec4(0.0, 0.0, 0.0, 1.0 - u_dim);
}
"""


def frame_half_tangents(lens: Lens, aspect: float) -> tuple[float, float]:
    """tan of the half width and half height of a frame of ``aspect`` (w/h) cut across
    the sensor width (pure). 85 mm on Super35 (24.89 mm) at 16:9: vertical field 9.42 deg."""
    if not (math.isfinite(aspect) and aspect > 0):
        raise InputError(f"delivery aspect must be a positive number, got {aspect!r}")
    half_w = lens.sensor_width_mm / (2.0 * lens.focal_mm)
    return half_w, half_w / aspect


def look_through_pose(eye_to_world: Mat4, camera_to_world: Mat4) -> Mat4:
    """Eye-to-world for looking through a camera: the camera's position, the eye's rotation."""
    m = np.array(eye_to_world, dtype=np.float64)
    m[:3, 3] = np.asarray(camera_to_world, dtype=np.float64)[:3, 3]
    return m


class LookThroughMask:
    """Full-screen pass over an eye image: dims outside the camera frame, draws the frame line."""

    def __init__(self, ctx: moderngl.Context) -> None:
        self.ctx = ctx
        self._prog = ctx.program(vertex_shader=_VS, fragment_shader=_FS)
        self._vao = ctx.vertex_array(self._prog, [])

    def draw(
        self,
        fbo: moderngl.Framebuffer,
        eye_to_world: Mat4,
        proj: Mat4,
        camera_to_world: Mat4,
        lens: Lens,
        aspect: float,
    ) -> None:
        """Draw over ``fbo`` (the eye rendered with ``proj`` from ``eye_to_world``)."""
        moderngl = require("moderngl", "render", "rendering")

        half_w, half_h = frame_half_tangents(lens, aspect)
        eye_r = np.asarray(eye_to_world, dtype=np.float64)[:3, :3]
        cam_r = np.asarray(camera_to_world, dtype=np.float64)[:3, :3]
        p = self._prog
        set_uniform(p, "u_inv_proj", np.linalg.inv(np.asarray(proj, dtype=np.float64)))
        set_uniform(p, "u_cam_from_eye", cam_r.T @ eye_r)
        set_uniform(p, "u_half_tan", np.array([half_w, half_h]))
        set_uniform(p, "u_dim", DIM)
        set_uniform(p, "u_line_px", FRAME_LINE_PX)
        set_uniform(p, "u_line_color", np.array(FRAME_LINE_COLOR))
        ctx = self.ctx
        fbo.use()
        ctx.disable(moderngl.DEPTH_TEST)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA
        self._vao.render(moderngl.TRIANGLES, vertices=3)
        ctx.disable(moderngl.BLEND)
        ctx.enable(moderngl.DEPTH_TEST)

    def release(self) -> None:
        self._vao.release()
        self._prog.release()

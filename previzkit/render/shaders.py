"""GLSL 3.30 sources of previzkit's render programs, by name.

World frame: right-handed, y up, metres. Matrices arrive column-major (see
:func:`previzkit.render.drawable.gl_mat4`). Lighting: ``u_light_dir[i]`` is the
direction light i travels (unit), ``u_light_rad[i]`` its colour x intensity,
``u_ambient`` the ambient radiance; shading is two-sided Lambert. Programs are
specialised with ``#define``s (``NUM_LIGHTS``, ``TEXTURED``, ``VERTEX_COLOR``, ...)
so llvmpipe runs no branch or loop a mesh does not need.
"""

from __future__ import annotations

MAX_LIGHTS = 4

_LIGHTING = """
// NUM_LIGHTS directional lights (a compile-time constant: the loop unrolls)
#ifndef NUM_LIGHTS
#define NUM_LIGHTS 1
#endif
uniform vec3 u_light_dir[NUM_LIGHTS + 1];
uniform vec3 u_light_rad[NUM_LIGHTS + 1];
uniform vec3 u_ambient;

vec3 shade(vec3 base, vec3 n) {
    n = normalize(gl_FrontFacing ? n : -n);  // two-sided (mesh winding made consistent on load)
    vec3 light = u_ambient;
    for (int i = 0; i < NUM_LIGHTS; ++i) {
        light += u_light_rad[i] * max(dot(n, -u_light_dir[i]), 0.0);
    }
    return base * light;
}
"""

LIT_VS = """
#version 330
uniform mat4 u_model;
uniform mat4 u_view;
uniform mat4 u_proj;
uniform mat3 u_normal_matrix;
in vec3 in_position;
in vec3 in_normal;
out vec3 v_normal;
#ifdef TEXTURED
in vec2 in_uv;
out vec2 v_uv;
#endif
#ifdef VERTEX_COLOR
in vec4 in_color;
out vec4 v_color;
#endif
void main() {
    vec4 w = u_model * vec4(in_position, 1.0);
    v_normal = u_normal_matrix * in_normal;
#ifdef TEXTURED
    v_uv = in_uv;
#endif
#ifdef VERTEX_COLOR
    v_color = in_color;
#endif
    gl_Position = u_proj * (u_view * w);
}
"""

LIT_FS = (
    """
#version 330
uniform vec4 u_color;
in vec3 v_normal;
#ifdef TEXTURED
uniform sampler2D u_texture;
in vec2 v_uv;
#endif
#ifdef VERTEX_COLOR
in vec4 v_color;
#endif
out vec4 f_color;
"""
    + _LIGHTING
    + """
void main() {
    vec4 base = u_color;
#ifdef TEXTURED
    base *= texture(u_texture, v_uv);
#endif
#ifdef VERTEX_COLOR
    base *= v_color;
#endif
    f_color = vec4(shade(base.rgb, v_normal), base.a);
}
"""
)

GROUND_VS = """
#version 330
uniform mat4 u_view;
uniform mat4 u_proj;
in vec3 in_position;
out vec3 v_world;
void main() {
    v_world = in_position;
    gl_Position = u_proj * (u_view * vec4(in_position, 1.0));
}
"""

GROUND_FS = (
    """
#version 330
uniform vec2 u_stage_half;
uniform float u_grid;
uniform vec3 u_floor_color;
uniform vec3 u_grid_color;
uniform bool u_use_ground;
uniform sampler2D u_ground;
uniform float u_ground_tile;
in vec3 v_world;
out vec4 f_color;
"""
    + _LIGHTING
    + """
void main() {
    vec2 p = v_world.xz;
    bool inside = all(lessThanEqual(abs(p), u_stage_half));
    vec3 base = u_floor_color;
    if (u_use_ground) base = texture(u_ground, p / u_ground_tile).rgb;
    else if (!inside) discard;
    if (inside) {
        if (u_grid > 0.0) {
            vec2 g = p / u_grid;
            vec2 w = max(fwidth(g), vec2(1e-6));
            vec2 d = abs(fract(g - 0.5) - 0.5) / w;
            float line = 1.0 - min(min(d.x, d.y), 1.0);
            line *= 1.0 - smoothstep(0.25, 0.5, max(w.x, w.y));
            base = mix(base, u_grid_color, 0.85 * line);
        }
        vec2 e = (u_stage_half - abs(p)) / max(fwidth(p), vec2(1e-6));
        float border = 1.0 - clamp(min(e.x, e.y) - 1.0, 0.0, 1.0);
        base = mix(base, u_grid_color, border);
    }
    f_color = vec4(shade(base, vec3(0.0, 1.0, 0.0)), 1.0);
}
"""
)

GROUND_PROJECTION_VS = GROUND_VS

GROUND_PROJECTION_FS = """
#version 330
// the panorama's lower hemisphere projected onto the floor plane y = 0, as seen from
// where it was shot (u_capture_height above the origin): the ground out to the horizon
// (three.js GroundProjectedSkybox). Unlit: the panorama already holds its light.
const float PI = 3.14159265358979;
uniform sampler2D u_pano;
uniform float u_yaw;
uniform float u_capture_height;
uniform vec2 u_hole_half;  // the stage floor drawn on top: no fragment inside it
in vec3 v_world;
out vec4 f_color;
void main() {
    if (all(lessThan(abs(v_world.xz), u_hole_half))) discard;
    vec3 d = normalize(vec3(v_world.x, -u_capture_height, v_world.z));
    float u = 0.5 + (atan(d.x, -d.z) + u_yaw) / (2.0 * PI);
    float v = acos(clamp(d.y, -1.0, 1.0)) / PI;
    vec2 du = vec2(dFdx(u), dFdy(u));
    vec2 du2 = vec2(dFdx(fract(u + 0.5)), dFdy(fract(u + 0.5)));
    du = vec2(abs(du.x) < abs(du2.x) ? du.x : du2.x, abs(du.y) < abs(du2.y) ? du.y : du2.y);
    vec2 dv = vec2(dFdx(v), dFdy(v));
    f_color = vec4(textureGrad(u_pano, vec2(u, v), vec2(du.x, dv.x), vec2(du.y, dv.y)).rgb, 1.0);
}
"""

MARK_VS = """
#version 330
uniform mat4 u_view;
uniform mat4 u_proj;
in vec3 in_position;
in vec2 in_local;
in vec3 in_color;
out vec2 v_local;
out vec3 v_color;
void main() {
    v_local = in_local;
    v_color = in_color;
    gl_Position = u_proj * (u_view * vec4(in_position, 1.0));
}
"""

MARK_FS = """
#version 330
in vec2 v_local;
in vec3 v_color;
out vec4 f_color;
void main() {
    float r = length(v_local);
    float aa = max(fwidth(r), 1e-4);
    float ring = smoothstep(0.78 - aa, 0.78 + aa, r) * (1.0 - smoothstep(1.0 - aa, 1.0 + aa, r));
    vec2 a = abs(v_local);
    vec2 aw = max(fwidth(v_local), vec2(1e-4));
    float bar = max(1.0 - smoothstep(0.07 - aw.x, 0.07 + aw.x, a.x),
                    1.0 - smoothstep(0.07 - aw.y, 0.07 + aw.y, a.y));
    bar *= 1.0 - smoothstep(0.6 - aa, 0.6 + aa, r);
    float dot_ = 1.0 - smoothstep(0.14 - aa, 0.14 + aa, r);
    float disc = 0.22 * (1.0 - smoothstep(1.0 - aa, 1.0 + aa, r));
    float alpha = max(max(max(ring, bar), dot_), disc);
    if (alpha <= 0.003) discard;
    f_color = vec4(v_color, alpha);
}
"""

LINES_VS = """
#version 330
uniform mat4 u_view;
uniform mat4 u_proj;
in vec3 in_position;
in vec3 in_color;
out vec3 v_color;
void main() {
    v_color = in_color;
    gl_Position = u_proj * (u_view * vec4(in_position, 1.0));
}
"""

LINES_FS = """
#version 330
in vec3 v_color;
out vec4 f_color;
void main() { f_color = vec4(v_color, 1.0); }
"""

SKY_VS = """
#version 330
// one full-screen triangle at depth 1.0; the view direction is affine in NDC for a
// perspective projection (w of inverse(proj) * (x, y, 1, 1) is constant), so it is
// computed per vertex and interpolated
uniform mat4 u_inv_proj;
uniform mat3 u_cam_rot;
out vec3 v_dir;
void main() {
    vec2 p = vec2(float((gl_VertexID & 1) << 2) - 1.0, float((gl_VertexID & 2) << 1) - 1.0);
    vec4 c = u_inv_proj * vec4(p, 1.0, 1.0);
    v_dir = u_cam_rot * (c.xyz / c.w);
    gl_Position = vec4(p, 1.0, 1.0);
}
"""

SKY_FS = """
#version 330
const float PI = 3.14159265358979;
uniform sampler2D u_pano;
uniform float u_yaw;
in vec3 v_dir;
out vec4 f_color;
void main() {
    vec3 d = normalize(v_dir);
    float u = 0.5 + (atan(d.x, -d.z) + u_yaw) / (2.0 * PI);
    float v = acos(clamp(d.y, -1.0, 1.0)) / PI;
    // mip selection without a seam: u jumps by 1 where atan wraps, so take the
    // derivative of whichever of u and fract(u + 0.5) is continuous here
    vec2 du = vec2(dFdx(u), dFdy(u));
    vec2 du2 = vec2(dFdx(fract(u + 0.5)), dFdy(fract(u + 0.5)));
    du = vec2(abs(du.x) < abs(du2.x) ? du.x : du2.x, abs(du.y) < abs(du2.y) ? du.y : du2.y);
    vec2 dv = vec2(dFdx(v), dFdy(v));
    f_color = vec4(textureGrad(u_pano, vec2(u, v), vec2(du.x, dv.x), vec2(du.y, dv.y)).rgb, 1.0);
}
"""

PROGRAMS: dict[str, tuple[str, str]] = {
    "lit": (LIT_VS, LIT_FS),
    "ground": (GROUND_VS, GROUND_FS),
    "ground_projection": (GROUND_PROJECTION_VS, GROUND_PROJECTION_FS),
    "mark": (MARK_VS, MARK_FS),
    "lines": (LINES_VS, LINES_FS),
    "sky": (SKY_VS, SKY_FS),
}

# A textured (or flat) quad in the world: position and uv through one MVP matrix.
QUAD_VS = """
#version 330
uniform mat4 u_mvp;
in vec3 in_position;
in vec2 in_uv;
out vec2 v_uv;
void main() { v_uv = in_uv; gl_Position = u_mvp * vec4(in_position, 1.0); }
"""

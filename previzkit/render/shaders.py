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
// NUM_LIGHTS directional or spot lights (a compile-time constant: the loop unrolls)
#ifndef NUM_LIGHTS
#define NUM_LIGHTS 1
#endif
const float PI_L = 3.14159265358979;
uniform vec3 u_light_dir[NUM_LIGHTS + 1];
uniform vec3 u_light_rad[NUM_LIGHTS + 1];
uniform vec4 u_light_pos[NUM_LIGHTS + 1];   // xyz position (m), w = 1 for a spot light
uniform vec2 u_light_cone[NUM_LIGHTS + 1];  // cos of the outer and inner half angles
uniform vec3 u_ambient;
uniform vec3 u_camera_pos;
// the look (see previzkit.render.look), compiled in by #defines (llvmpipe runs both
// sides of a branch, so switches are variants): SHADOWS (maps of lights 0 and 1), IBL,
// LINEAR (colours are sRGB: decode before lighting), TONEMAP (no HDR target: tone map
// here), SPOTS (some light is a spot)
uniform vec2 u_shadow_on;                   // light 0, 1 has a shadow map
uniform mat4 u_shadow_mat[2];               // world -> shadow map [0, 1]^3
uniform sampler2DShadow u_shadow0;
uniform sampler2DShadow u_shadow1;
uniform vec3 u_sh[9];                       // irradiance SH (previzkit.render.ibl)
uniform sampler2D u_spec;                   // prefiltered specular equirect, lod = level
uniform float u_spec_levels;
uniform float u_env_yaw;
uniform float u_roughness;
uniform float u_exposure;                   // 2^EV

vec3 srgb_decode(vec3 c) {
    return mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c));
}
vec3 srgb_encode(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, c));
}
vec3 aces(vec3 x) {  // Narkowicz's ACES fit
    return clamp((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0);
}
vec3 finish(vec3 c) {  // radiance -> what the framebuffer holds
#ifdef TONEMAP
    c = srgb_encode(aces(c * u_exposure));
#endif
    return c;
}
vec3 albedo(vec3 c) {
#ifdef LINEAR
    c = srgb_decode(c);
#endif
    return c;
}

#ifdef SHADOWS
float shadow_tap(sampler2DShadow map, vec3 p, vec2 texel) {
    float s = 0.0;
    for (int x = -1; x <= 1; ++x)
        for (int y = -1; y <= 1; ++y)
            s += texture(map, vec3(p.xy + vec2(x, y) * texel, p.z));
    return s / 9.0;
}
float shadow_vis(int i, vec3 world, vec3 n, vec3 l) {
    // normal offset against acne on surfaces grazing the light; slope-scaled depth
    // bias is in the depth pass (polygon offset)
    vec3 p = world + n * 0.02 * (1.0 - max(dot(n, l), 0.0)) + n * 0.004;
    vec4 s = u_shadow_mat[i] * vec4(p, 1.0);
    vec3 q = s.xyz / s.w;
    if (s.w <= 0.0 || any(lessThan(q, vec3(0.0))) || any(greaterThan(q, vec3(1.0)))) return 1.0;
    if (i == 0) return shadow_tap(u_shadow0, q, 1.0 / vec2(textureSize(u_shadow0, 0)));
    return shadow_tap(u_shadow1, q, 1.0 / vec2(textureSize(u_shadow1, 0)));
}
#endif
vec2 equirect(vec3 d) {
    return vec2(0.5 + (atan(d.x, -d.z) + u_env_yaw) / (2.0 * PI_L),
                acos(clamp(d.y, -1.0, 1.0)) / PI_L);
}
vec3 sh_irradiance(vec3 n) {
    return u_sh[0] * 0.282095
         + (u_sh[1] * n.y + u_sh[2] * n.z + u_sh[3] * n.x) * 0.488603
         + (u_sh[4] * n.x * n.y + u_sh[5] * n.y * n.z + u_sh[7] * n.x * n.z) * 1.092548
         + u_sh[6] * 0.315392 * (3.0 * n.z * n.z - 1.0)
         + u_sh[8] * 0.546274 * (n.x * n.x - n.y * n.y);
}

vec3 shade(vec3 base, vec3 n, vec3 world) {
    n = normalize(gl_FrontFacing ? n : -n);  // two-sided (mesh winding made consistent on load)
    base = albedo(base);
    vec3 light = u_ambient;
    vec3 spec = vec3(0.0);
#ifdef IBL
    {  // the environment replaces the flat ambient
        light = max(sh_irradiance(n), vec3(0.0)) / PI_L;
        vec3 v = normalize(u_camera_pos - world);
        float nv = clamp(dot(n, v), 1e-3, 1.0);
        vec3 r = reflect(-v, n);
        // Karis' analytic environment BRDF, dielectric F0 = 0.04
        const vec4 c0 = vec4(-1.0, -0.0275, -0.572, 0.022);
        const vec4 c1 = vec4(1.0, 0.0425, 1.04, -0.04);
        vec4 rr = u_roughness * c0 + c1;
        float a004 = min(rr.x * rr.x, exp2(-9.28 * nv)) * rr.x + rr.y;
        vec2 ab = vec2(-1.04, 1.04) * a004 + rr.zw;
        vec3 env = textureLod(u_spec, equirect(r), u_roughness * (u_spec_levels - 1.0)).rgb;
        spec = env * (0.04 * ab.x + ab.y);
    }
#endif
    for (int i = 0; i < NUM_LIGHTS; ++i) {
        vec3 l = -u_light_dir[i];
        vec3 rad = u_light_rad[i];
#ifdef SPOTS
        if (u_light_pos[i].w > 0.5) {  // spot: inverse square, soft cone edge
            vec3 to = u_light_pos[i].xyz - world;
            float d2 = max(dot(to, to), 1e-4);
            l = to * inversesqrt(d2);
            rad *= smoothstep(u_light_cone[i].x, u_light_cone[i].y, dot(-l, u_light_dir[i])) / d2;
        }
#endif
        float ndl = max(dot(n, l), 0.0);
#ifdef SHADOWS
        if (i < 2 && u_shadow_on[i] > 0.5 && ndl > 0.0) {
            ndl *= shadow_vis(i, world, n, l);
        }
#endif
        light += rad * ndl;
    }
    return base * light + spec;
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
out vec3 v_world;
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
    v_world = w.xyz;
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
in vec3 v_world;
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
    f_color = vec4(finish(shade(base.rgb, v_normal, v_world)), base.a);
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
    f_color = vec4(finish(shade(base, vec3(0.0, 1.0, 0.0), v_world)), 1.0);
}
"""
)

PANO_SAMPLE = """
// the panorama seen in direction d (world, unit): u from atan2 about +y turned by
// u_yaw, v = 0 straight up; SKY_RADIANCE / SKY_TONEMAP as the skybox's variants
const float PI = 3.14159265358979;
vec3 srgb_encode(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, c));
}
vec3 aces(vec3 x) {
    return clamp((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0);
}
uniform sampler2D u_pano;  // linear radiance
uniform float u_yaw;
// variants: SKY_RADIANCE (the texture holds sRGB display values: make them
// radiance), SKY_TONEMAP (no HDR target: tone map here); neither: the texel as it is
uniform float u_exposure;
vec3 pano_color(vec3 d) {
    float u = 0.5 + (atan(d.x, -d.z) + u_yaw) / (2.0 * PI);
    float v = acos(clamp(d.y, -1.0, 1.0)) / PI;
    // mip selection without a seam: u jumps by 1 where atan wraps, so take the
    // derivative of whichever of u and fract(u + 0.5) is continuous here
    vec2 du = vec2(dFdx(u), dFdy(u));
    vec2 du2 = vec2(dFdx(fract(u + 0.5)), dFdy(fract(u + 0.5)));
    du = vec2(abs(du.x) < abs(du2.x) ? du.x : du2.x, abs(du.y) < abs(du2.y) ? du.y : du2.y);
    vec2 dv = vec2(dFdx(v), dFdy(v));
    vec3 c = textureGrad(u_pano, vec2(u, v), vec2(du.x, dv.x), vec2(du.y, dv.y)).rgb;
#ifdef SKY_RADIANCE
    {  // display values: the radiance that the tone curve maps back to the pixel's value
        vec3 y = clamp(mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c)), 0.0, 0.999);
        vec3 a = 2.51 - 2.43 * y, b = 0.03 - 0.59 * y, k = -0.14 * y;
        c = (-b + sqrt(b * b - 4.0 * a * k)) / (2.0 * a);
    }
#endif
#ifdef SKY_TONEMAP
    c = srgb_encode(aces(c * u_exposure));  // no HDR target: the tone curve here
#endif
    return c;
}
"""

GROUND_PROJECTION_VS = GROUND_VS

GROUND_PROJECTION_FS = (
    """
#version 330
// the panorama's lower hemisphere projected onto the floor plane y = 0, as seen from
// where it was shot (u_capture_height above the origin): the ground out to the horizon
// (three.js GroundProjectedSkybox). Unlit: the panorama already holds its light.
"""
    + PANO_SAMPLE
    + """
uniform float u_capture_height;
uniform vec2 u_hole_half;  // the stage floor drawn on top: no fragment inside it
in vec3 v_world;
out vec4 f_color;
void main() {
    if (all(lessThan(abs(v_world.xz), u_hole_half))) discard;
    f_color = vec4(pano_color(normalize(vec3(v_world.x, -u_capture_height, v_world.z))), 1.0);
}
"""
)

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
uniform bool u_hdr;        // an HDR target: write the radiance that tone maps to the colour
uniform float u_exposure;
vec3 display(vec3 c) {
    if (!u_hdr) return c;
    vec3 y = clamp(mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c)), 0.0, 0.999);
    vec3 a = 2.51 - 2.43 * y, b = 0.03 - 0.59 * y, k = -0.14 * y;
    return (-b + sqrt(b * b - 4.0 * a * k)) / (2.0 * a) / u_exposure;
}
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
    f_color = vec4(display(v_color), alpha);
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
uniform bool u_hdr;        // an HDR target: write the radiance that tone maps to the colour
uniform float u_exposure;
vec3 display(vec3 c) {
    if (!u_hdr) return c;
    vec3 y = clamp(mix(c / 12.92, pow((c + 0.055) / 1.055, vec3(2.4)), step(0.04045, c)), 0.0, 0.999);
    vec3 a = 2.51 - 2.43 * y, b = 0.03 - 0.59 * y, k = -0.14 * y;
    return (-b + sqrt(b * b - 4.0 * a * k)) / (2.0 * a) / u_exposure;
}
void main() { f_color = vec4(display(v_color), 1.0); }
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

SKY_FS = (
    """
#version 330
"""
    + PANO_SAMPLE
    + """
in vec3 v_dir;
out vec4 f_color;
void main() { f_color = vec4(pano_color(normalize(v_dir)), 1.0); }
"""
)

DEPTH_VS = """
#version 330
uniform mat4 u_model;
uniform mat4 u_light_vp;
in vec3 in_position;
void main() { gl_Position = u_light_vp * (u_model * vec4(in_position, 1.0)); }
"""

DEPTH_FS = """
#version 330
void main() {}
"""

# full-screen triangle: the resolved HDR image (and its depth) into the target,
# exposure, ACES fit, sRGB encode, blended (premultiplied) over what the target holds
TONEMAP_VS = """
#version 330
void main() {
    vec2 p = vec2(float((gl_VertexID & 1) << 2) - 1.0, float((gl_VertexID & 2) << 1) - 1.0);
    gl_Position = vec4(p, 0.0, 1.0);
}
"""

TONEMAP_FS = """
#version 330
uniform sampler2D u_hdr;
uniform sampler2D u_depth;
uniform ivec2 u_origin;
uniform float u_exposure;
out vec4 f_color;
vec3 aces(vec3 x) {
    return clamp((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0);
}
vec3 srgb_encode(vec3 c) {
    c = clamp(c, 0.0, 1.0);
    return mix(c * 12.92, 1.055 * pow(c, vec3(1.0 / 2.4)) - 0.055, step(0.0031308, c));
}
#ifdef DOF
// depth of field: a gathered circle of confusion from the depth (thin lens, mm)
uniform vec2 u_proj_z;          // the projection's [2][2] and [2][3]: depth -> distance
uniform float u_focus_mm;
uniform float u_aperture_mm;    // focal / f-stop
uniform float u_focal_mm;
uniform float u_px_per_mm;      // image pixels per mm of sensor
const float MAX_COC_PX = 16.0;
const int TAPS = 16;  // a golden-angle spiral: taps evenly over the disc's area
float coc_px(float depth) {  // radius in pixels
    float d = u_proj_z.y / ((depth * 2.0 - 1.0) + u_proj_z.x) * 1000.0;
    float c = u_aperture_mm * abs(d - u_focus_mm) / max(d, 1.0)
            * u_focal_mm / max(u_focus_mm - u_focal_mm, 1e-3);
    return min(0.5 * c * u_px_per_mm, MAX_COC_PX);
}
vec4 gather(ivec2 p) {
    ivec2 last = textureSize(u_hdr, 0) - 1;
    float z = texelFetch(u_depth, p, 0).r;
    float r = coc_px(z);
    vec4 sum = texelFetch(u_hdr, p, 0);
    float total = 1.0;
    // scatter as gather: search as far as the widest blur, each tap weighted by
    // whether its own circle reaches here (an in-focus pixel keeps only itself)
    float reach = max(r, MAX_COC_PX);
    for (int i = 0; i < TAPS; ++i) {
        float a = float(i) * 2.39996323;
        vec2 o = vec2(cos(a), sin(a)) * sqrt((float(i) + 0.5) / float(TAPS)) * reach;
        ivec2 q = clamp(p + ivec2(round(o)), ivec2(0), last);
        float zq = texelFetch(u_depth, q, 0).r;
        float cq = coc_px(zq);
        if (zq > z) cq = min(cq, r);  // a blurred background does not spill over the front
        float w = clamp(cq - length(o) + 1.0, 0.0, 1.0);
        sum += w * texelFetch(u_hdr, q, 0);
        total += w;
    }
    return sum / total;
}
#endif
void main() {
    ivec2 p = ivec2(gl_FragCoord.xy) - u_origin;
#ifdef DOF
    vec4 c = gather(p);
#else
    vec4 c = texelFetch(u_hdr, p, 0);  // premultiplied: cleared transparent
#endif
    if (c.a <= 0.0) discard;
    vec3 rad = max(c.rgb, vec3(0.0)) / c.a;
    f_color = vec4(srgb_encode(aces(rad * u_exposure)) * c.a, c.a);
    gl_FragDepth = texelFetch(u_depth, p, 0).r;
}
"""

PROGRAMS: dict[str, tuple[str, str]] = {
    "depth": (DEPTH_VS, DEPTH_FS),
    "tonemap": (TONEMAP_VS, TONEMAP_FS),
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

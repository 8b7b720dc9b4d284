"""Render benchmark: stereo 2 x 1920x1080 of an 80k-triangle set, previzkit's Renderer
against a bare moderngl draw of the same mesh (one program, one VAO, same framebuffer
size, same readback), in the same process.

Two pairs: the plain look (``Look.off()``: Lambert + ambient straight into RGBA8)
against the bare draw, and previzkit's default look (shadow map, HDR 4x MSAA, tone
map) against bare moderngl doing the same passes (a 2048^2 depth pass from the light,
the shaded pass with a 3x3 sampler2DShadow PCF into an RGBA16F 4x MSAA target, resolve,
an ACES + sRGB full-screen pass into RGBA8): each ratio is previzkit's overhead, and
the two bare figures show what the look itself costs.

    python3 benchmarks/render.py [--frames 20] [--width 1920 --height 1080]

Frames are timed one by one, interleaved across the renderers so each sees the same
background load; prints median ms and fps, quartiles, the ratio of medians
previzkit / bare (goal: <= 1.3) and the median of per-frame paired ratios. Two previzkit figures: the same mesh alone (ground, marks and
frustums hidden: the like-for-like comparison) and the full set (floor with grid,
panorama skybox, marks and a camera frustum on top).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from previzkit.core.geometry import look_at, view_matrix
from previzkit.model.setfile import parse_set
from previzkit.render.headless import create_context, describe
from previzkit.render.look import Look
from previzkit.render.procedural import sky_panorama
from previzkit.render.renderer import Renderer, stereo_eyes

BARE_VS = """
#version 330
uniform mat4 u_mvp;
uniform mat4 u_model;
in vec3 in_position;
in vec3 in_normal;
out vec3 v_normal;
void main() {
    v_normal = mat3(u_model) * in_normal;
    gl_Position = u_mvp * vec4(in_position, 1.0);
}
"""
BARE_FS = """
#version 330
uniform vec3 u_light_dir;
uniform vec3 u_color;
in vec3 v_normal;
out vec4 f_color;
void main() {
    float d = max(dot(normalize(v_normal), -u_light_dir), 0.0);
    f_color = vec4(u_color * (0.3 + 0.85 * d), 1.0);
}
"""


LOOK_VS = """
#version 330
uniform mat4 u_mvp;
uniform mat4 u_light;
in vec3 in_position;
in vec3 in_normal;
out vec3 v_normal;
out vec3 v_world;
void main() {
    v_normal = in_normal;
    v_world = in_position;
    gl_Position = u_mvp * vec4(in_position, 1.0);
}
"""
LOOK_FS = """
#version 330
uniform vec3 u_light_dir;
uniform vec3 u_color;
uniform mat4 u_shadow_mat;
uniform sampler2DShadow u_shadow;
in vec3 v_normal;
in vec3 v_world;
out vec4 f_color;
void main() {
    vec3 n = normalize(v_normal);
    float d = max(dot(n, -u_light_dir), 0.0);
    vec4 s = u_shadow_mat * vec4(v_world + n * 0.01, 1.0);
    vec2 texel = 1.0 / vec2(textureSize(u_shadow, 0));
    float vis = 0.0;
    for (int x = -1; x <= 1; ++x)
        for (int y = -1; y <= 1; ++y)
            vis += texture(u_shadow, vec3(s.xy + vec2(x, y) * texel, s.z));
    f_color = vec4(u_color * (0.3 + 0.85 * d * vis / 9.0), 1.0);
}
"""
DEPTH_VS = """
#version 330
uniform mat4 u_light_vp;
in vec3 in_position;
void main() { gl_Position = u_light_vp * vec4(in_position, 1.0); }
"""
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
out vec4 f_color;
void main() {
    vec3 x = texelFetch(u_hdr, ivec2(gl_FragCoord.xy), 0).rgb;
    vec3 y = clamp((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0);
    f_color = vec4(pow(y, vec3(1.0 / 2.2)), 1.0);
}
"""


def make_mesh(folder: Path) -> tuple[Path, int]:
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=6, radius=1.0)  # 81,920 triangles
    sphere.apply_translation((0.0, 1.2, 0.0))
    path = folder / "sphere80k.ply"
    sphere.export(path)
    return path, len(sphere.faces)


class Bare:
    """The baseline: one program, one VAO, one framebuffer, two viewports, one readback."""

    def __init__(self, ctx, mesh_path: Path, width: int, height: int) -> None:
        from previzkit.render.mesh import load_mesh

        (part,) = load_mesh(mesh_path)
        self.ctx = ctx
        self.prog = ctx.program(vertex_shader=BARE_VS, fragment_shader=BARE_FS)
        self.vbo_p = ctx.buffer(part.positions.tobytes())
        self.vbo_n = ctx.buffer(part.normals.tobytes())
        self.ibo = ctx.buffer(part.indices.tobytes())
        self.vao = ctx.vertex_array(
            self.prog,
            [(self.vbo_p, "3f", "in_position"), (self.vbo_n, "3f", "in_normal")],
            index_buffer=self.ibo,
        )
        self.w, self.h = width, height
        self.color = ctx.renderbuffer((2 * width, height), 4)
        self.depth = ctx.depth_renderbuffer((2 * width, height))
        self.fbo = ctx.framebuffer(color_attachments=[self.color], depth_attachment=self.depth)
        d = np.array([-0.45, -1.0, -0.35])
        self.prog["u_light_dir"].value = tuple(d / np.linalg.norm(d))
        self.prog["u_color"].value = (0.8, 0.8, 0.8)
        self.prog["u_model"].write(np.eye(4, dtype="f4").tobytes())

    def frame(self, eyes) -> np.ndarray:
        import moderngl

        ctx, w, h = self.ctx, self.w, self.h
        self.fbo.use()
        self.fbo.clear(0.1, 0.1, 0.1, 1.0, depth=1.0)
        ctx.enable(moderngl.DEPTH_TEST)
        for i, eye in enumerate(eyes):
            self.fbo.viewport = (i * w, 0, w, h)
            mvp = eye.proj @ view_matrix(eye.camera_to_world)
            self.prog["u_mvp"].write(np.ascontiguousarray(mvp.T, dtype="f4").tobytes())
            self.vao.render()
        data = self.fbo.read(components=3, alignment=1)
        return np.frombuffer(data, np.uint8).reshape(h, 2 * w, 3)[::-1].copy()

    def release(self) -> None:
        for obj in (
            self.vao,
            self.vbo_p,
            self.vbo_n,
            self.ibo,
            self.fbo,
            self.color,
            self.depth,
            self.prog,
        ):
            obj.release()


class BareLook(Bare):
    """The look's passes in bare moderngl: a depth pass from the light into a 2048^2
    depth texture, the shaded pass with 3x3 PCF into an RGBA16F 4x MSAA target,
    resolve, a tone-map pass into RGBA8, one readback."""

    def __init__(self, ctx, mesh_path: Path, width: int, height: int) -> None:
        super().__init__(ctx, mesh_path, width, height)
        from previzkit.render.shadows import directional_shadow_matrix, map_matrix

        self.look = ctx.program(vertex_shader=LOOK_VS, fragment_shader=LOOK_FS)
        self.look_vao = ctx.vertex_array(
            self.look,
            [(self.vbo_p, "3f", "in_position"), (self.vbo_n, "3f", "in_normal")],
            index_buffer=self.ibo,
        )
        self.depth_prog = ctx.program(
            vertex_shader=DEPTH_VS, fragment_shader="#version 330\nvoid main() {}\n"
        )
        self.depth_vao = ctx.vertex_array(
            self.depth_prog, [(self.vbo_p, "3f", "in_position")], index_buffer=self.ibo
        )
        self.tone = ctx.program(vertex_shader=TONEMAP_VS, fragment_shader=TONEMAP_FS)
        self.tone_vao = ctx.vertex_array(self.tone, [])
        self.shadow = ctx.depth_texture((2048, 2048))
        self.shadow.compare_func = "<="
        self.shadow.filter = (ctx.LINEAR, ctx.LINEAR)
        self.shadow_fbo = ctx.framebuffer(depth_attachment=self.shadow)
        size = (2 * width, height)
        self.msaa = ctx.framebuffer(
            color_attachments=[ctx.renderbuffer(size, 4, samples=4, dtype="f2")],
            depth_attachment=ctx.depth_renderbuffer(size, samples=4),
        )
        self.resolved_tex = ctx.texture(size, 4, dtype="f2")
        self.resolved = ctx.framebuffer(color_attachments=[self.resolved_tex])
        d = np.array([-0.45, -1.0, -0.35])
        d = d / np.linalg.norm(d)
        pts = np.array([[x, y, z] for x in (-1, 1) for y in (0.2, 2.2) for z in (-1, 1)], float)
        self.light_vp = directional_shadow_matrix(d, pts)
        self.look["u_light_dir"].value = tuple(d)
        self.look["u_color"].value = (0.8, 0.8, 0.8)
        self.look["u_shadow_mat"].write(np.ascontiguousarray(map_matrix(self.light_vp).T, "f4"))
        self.look["u_shadow"].value = 3
        self.depth_prog["u_light_vp"].write(np.ascontiguousarray(self.light_vp.T, "f4"))

    def frame(self, eyes) -> np.ndarray:
        import moderngl

        ctx, w, h = self.ctx, self.w, self.h
        self.shadow_fbo.use()
        self.shadow_fbo.clear(depth=1.0)
        ctx.enable(moderngl.DEPTH_TEST)
        ctx.polygon_offset = (2.0, 4.0)
        self.depth_vao.render()
        ctx.polygon_offset = (0.0, 0.0)
        self.msaa.use()
        self.msaa.clear(0.1, 0.1, 0.1, 1.0, depth=1.0)
        self.shadow.use(3)
        for i, eye in enumerate(eyes):
            self.msaa.viewport = (i * w, 0, w, h)
            mvp = eye.proj @ view_matrix(eye.camera_to_world)
            self.look["u_mvp"].write(np.ascontiguousarray(mvp.T, dtype="f4").tobytes())
            self.look_vao.render()
        ctx.copy_framebuffer(self.resolved, self.msaa)
        self.fbo.use()
        self.fbo.viewport = (0, 0, 2 * w, h)
        ctx.disable(moderngl.DEPTH_TEST)
        self.resolved_tex.use(0)
        self.tone_vao.render(vertices=3)
        data = self.fbo.read(components=3, alignment=1)
        return np.frombuffer(data, np.uint8).reshape(h, 2 * w, 3)[::-1].copy()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=40, help="timed frames per renderer")
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    args = ap.parse_args()
    w, h = args.width, args.height

    ctx = create_context()
    print(f"GL: {describe(ctx)}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        mesh, tris = make_mesh(tmp)
        from PIL import Image

        Image.fromarray(sky_panorama(1024, 512)).save(tmp / "sky.png")
        mesh_only = parse_set(
            {
                "background": {"color": [0.1, 0.1, 0.1]},
                "props": [{"name": "sphere", "mesh": mesh.name}],
            },
            base_dir=tmp,
        )
        full = parse_set(
            {
                "stage": {"width": 12, "depth": 10, "grid": 1.0},
                "background": {"image": "sky.png"},
                "props": [{"name": "sphere", "mesh": mesh.name}],
                "marks": {"A": [-1.0, 1.0], "B": [1.0, 1.0]},
                "cameras": {
                    "A_35mm": {"lens": {"focal_mm": 35}, "position": [2, 1.6, 2], "target": "A"}
                },
            },
            base_dir=tmp,
        )
        head = look_at((0.0, 1.6, 3.2), (0.0, 1.2, 0.0))
        eyes = stereo_eyes(head, 0.063)

        bare = Bare(ctx, mesh, w, h)
        bare_look = BareLook(ctx, mesh, w, h)
        ours = Renderer(ctx, mesh_only, look=Look.off())
        ours.drawables.ground.visible = False
        ours_look = Renderer(ctx, mesh_only, look=Look(ibl=False))
        ours_look.drawables.ground.visible = False
        ours_full = Renderer(ctx, full)
        runs = {
            "bare moderngl": lambda: bare.frame(eyes),
            "previzkit, mesh only": lambda: ours.render_stereo(eyes, w, h),
            "bare moderngl + look": lambda: bare_look.frame(eyes),
            "previzkit look, mesh": lambda: ours_look.render_stereo(eyes, w, h),
            "previzkit look, full": lambda: ours_full.render_stereo(eyes, w, h),
        }
        for fn in runs.values():  # warm up: shader compile, first-touch allocations
            fn()
            fn()
        # frame-level interleaving (A B C, B C A, ...): each renderer's frames see the
        # same background load; per-frame times, medians and the paired ratio below
        times: dict[str, list[float]] = {name: [] for name in runs}
        names = list(runs)
        for i in range(args.frames):
            order = names[i % len(names) :] + names[: i % len(names)]
            for name in order:
                t0 = time.perf_counter()
                runs[name]()
                times[name].append(time.perf_counter() - t0)
        # same pixels where the content is the same (shading differs slightly)
        a, b = bare.frame(eyes), ours.render_stereo(eyes, w, h)
        covered = (np.abs(a.astype(int) - b.astype(int)).max(axis=2) > 40).mean()
        bare.release()
        ours.release()
        ours_look.release()
        ours_full.release()

    bare_t = times["bare moderngl"]
    base = statistics.median(bare_t)
    look_t = times["bare moderngl + look"]
    print(f"stereo 2 x {w}x{h}, {tris:,} triangles, readback to numpy, {args.frames} frames each")
    print(
        f"{'renderer':<24}{'median ms':>10}{'fps':>7}{'p25 ms':>8}{'p75 ms':>8}{'ratio':>8}{'paired':>8}"
    )
    for name, values in times.items():
        med = statistics.median(values)
        q = statistics.quantiles(values, n=4)
        ref = look_t if "look" in name else bare_t  # each against its bare counterpart
        base = statistics.median(ref)
        paired = statistics.median(v / b for v, b in zip(values, ref, strict=True))
        print(
            f"{name:<24}{1000 * med:>10.1f}{1 / med:>7.2f}{1000 * q[0]:>8.1f}{1000 * q[2]:>8.1f}"
            f"{med / base:>7.2f}x{paired:>7.2f}x"
        )
    mesh = times["previzkit, mesh only"]
    ratio = statistics.median(mesh) / statistics.median(bare_t)
    paired = statistics.median(v / b for v, b in zip(mesh, bare_t, strict=True))
    verdict = "meets" if ratio <= 1.3 else "misses"
    print(
        f"previzkit / bare, same mesh: {ratio:.2f}x (ratio of medians), {paired:.2f}x (median"
        f" of per-frame pairs) -> {verdict} the 1.3x goal"
    )
    look_mesh = times["previzkit look, mesh"]
    ratio = statistics.median(look_mesh) / statistics.median(look_t)
    paired = statistics.median(v / b for v, b in zip(look_mesh, look_t, strict=True))
    verdict = "meets" if ratio <= 1.3 else "misses"
    print(
        f"previzkit look / bare look passes, same mesh: {ratio:.2f}x (ratio of medians),"
        f" {paired:.2f}x (paired) -> {verdict} the 1.3x goal"
    )
    cost = statistics.median(look_t) / statistics.median(bare_t)
    ours_cost = statistics.median(look_mesh) / statistics.median(mesh)
    print(
        f"cost of the look (shadow + HDR 4x MSAA + tone map): bare {cost:.2f}x, previzkit {ours_cost:.2f}x"
    )
    print(f"(pixels differing by > 40 levels between the two mesh renders: {covered:.2%})")


if __name__ == "__main__":
    main()

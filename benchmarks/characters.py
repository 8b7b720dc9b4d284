"""Benchmark: GPU-skinned characters against a bare moderngl draw of the same triangles.

Run: ``python3 benchmarks/characters.py [--characters 8] [--frames 60]``.

In one process, on one EGL context, at 1920x1080 with a depth buffer:

- previzkit: N posed mannequins (a new pose every frame: forward kinematics, skin
  matrices, uniform upload, linear-blend skinning in the vertex shader);
- bare: the same N meshes already skinned (static vertex buffers), drawn by a minimal
  moderngl program with the same lighting;
- cpu-skin: the alternative design, numpy LBS every frame and a vertex-buffer upload.

The three run interleaved frame by frame. It prints milliseconds per frame (median,
``ctx.finish()`` included) and the ratios
against the bare draw, plus the per-character CPU cost of ``set_pose`` and the time
to export a 1000-frame animation.
"""

from __future__ import annotations

import argparse
import math
import platform
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

BARE_VS = """
#version 330
uniform mat4 u_mvp;
in vec3 in_position;
in vec3 in_normal;
out vec3 v_normal;
void main() { v_normal = in_normal; gl_Position = u_mvp * vec4(in_position, 1.0); }
"""
BARE_FS = """
#version 330
uniform vec3 u_light_dir;
uniform vec4 u_color;
in vec3 v_normal;
out vec4 f_color;
void main() {
    float ndl = max(dot(normalize(v_normal), -u_light_dir), 0.0);
    f_color = vec4(u_color.rgb * (0.3 + 0.85 * ndl), 1.0);
}
"""


def poses(skeleton, n_frames: int, n_chars: int):
    from previzkit.core.geometry import quat_from_axis_angle
    from previzkit.core.types import SkeletonPose

    out = []
    for f in range(n_frames):
        row = []
        for c in range(n_chars):
            t = f / 24.0 + c
            row.append(
                SkeletonPose(
                    root=skeleton.rest_pose().root,
                    rotations={
                        "left_upper_arm": quat_from_axis_angle((0, 0, 1), np.sin(t)),
                        "right_forearm": quat_from_axis_angle((0, 1, 0), np.cos(t)),
                        "left_upper_leg": quat_from_axis_angle((1, 0, 0), 0.5 * np.sin(2 * t)),
                        "spine": quat_from_axis_angle((0, 1, 0), 0.3 * np.sin(t)),
                    },
                )
            )
        out.append(row)
    return out


def timed(fn, frames: int, ctx) -> float:
    times = []
    for f in range(frames):
        t0 = time.perf_counter()
        fn(f)
        ctx.finish()
        times.append(time.perf_counter() - t0)
    return statistics.median(times[2:]) * 1000.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--characters", type=int, default=8)
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--width", type=int, default=1920)
    ap.add_argument("--height", type=int, default=1080)
    args = ap.parse_args()

    import moderngl

    from previzkit.core.geometry import look_at, translation, view_matrix
    from previzkit.model.camera import Lens, perspective_from_lens
    from previzkit.model.skeleton import default_skeleton
    from previzkit.render.character import Character
    from previzkit.render.drawable import FrameUniforms, gl_mat4
    from previzkit.render.gltf_export import export_animation_glb
    from previzkit.render.mannequin import mannequin_mesh

    ctx = moderngl.create_standalone_context(backend="egl")
    w, h, n = args.width, args.height, args.characters
    sk = default_skeleton()
    mesh = mannequin_mesh(sk)
    chars = [
        Character(
            ctx,
            mesh,
            sk,
            placement=translation(
                ((i % 4) * 1.2 - 1.8, 0.0, -(i // 4) * 1.5), math.radians(15.0 * i)
            ),
        )
        for i in range(n)
    ]
    anim = poses(sk, args.frames, n)
    c2w = look_at((0.0, 1.6, 6.0), (0.0, 1.0, -1.0))
    view, proj = view_matrix(c2w), perspective_from_lens(Lens(28.0), w / h)
    frame = FrameUniforms(view=view, proj=proj, camera_position=c2w[:3, 3])
    color = ctx.renderbuffer((w, h), 4)
    depth = ctx.depth_renderbuffer((w, h))
    fbo = ctx.framebuffer([color], depth)
    fbo.use()
    ctx.enable(moderngl.DEPTH_TEST)

    def skinned(f):
        fbo.clear(0.1, 0.1, 0.1, 1.0, depth=1.0)
        for ch, pose in zip(chars, anim[f], strict=True):
            ch.set_pose(pose)
            ch.draw(ctx, frame)

    # bare: pre-skinned static buffers, minimal program
    prog = ctx.program(vertex_shader=BARE_VS, fragment_shader=BARE_FS)
    prog["u_mvp"].write(gl_mat4(proj @ view))
    prog["u_light_dir"].value = tuple(frame.light_direction)
    prog["u_color"].value = (0.75, 0.72, 0.68, 1.0)
    ibo = ctx.buffer(mesh.indices.astype(np.uint32).tobytes())
    bare_vaos, bare_vbos = [], []
    for ch in chars:
        ch.set_pose(anim[0][chars.index(ch)])
        data = np.hstack([ch.cpu_vertices().astype(np.float32), mesh.normals]).astype(np.float32)
        vbo = ctx.buffer(data.tobytes())
        bare_vbos.append(vbo)
        bare_vaos.append(ctx.vertex_array(prog, [(vbo, "3f 3f", "in_position", "in_normal")], ibo))

    def bare(f):
        fbo.clear(0.1, 0.1, 0.1, 1.0, depth=1.0)
        for vao in bare_vaos:
            vao.render()

    def cpu_skin(f):
        fbo.clear(0.1, 0.1, 0.1, 1.0, depth=1.0)
        for ch, pose, vbo, vao in zip(chars, anim[f], bare_vbos, bare_vaos, strict=True):
            ch.set_pose(pose)
            vbo.write(np.hstack([ch.cpu_vertices(), mesh.normals]).astype(np.float32).tobytes())
            vao.render()

    for fn in (bare, skinned, cpu_skin):  # warm up shaders and buffers
        timed(fn, 3, ctx)
    # interleaved frame by frame so that load from other processes hits all three alike;
    # llvmpipe renders on the CPU, so process CPU time is reported too (steadier than wall
    # time on a machine shared with other jobs)
    keys = ("bare", "skinned", "cpu")
    wall: dict[str, list[float]] = {k: [] for k in keys}
    cpu: dict[str, list[float]] = {k: [] for k in keys}
    for f in range(args.frames):
        for key, fn in zip(keys, (bare, skinned, cpu_skin), strict=True):
            t0, c0 = time.perf_counter(), time.process_time()
            fn(f)
            ctx.finish()
            wall[key].append(time.perf_counter() - t0)
            cpu[key].append(time.process_time() - c0)
    t = {k: statistics.median(wall[k]) * 1000.0 for k in keys}
    c = {k: statistics.median(cpu[k]) * 1000.0 for k in keys}
    assert ctx.error == "GL_NO_ERROR", ctx.error

    t0, c0 = time.perf_counter(), time.process_time()
    reps = 200
    for i in range(reps):
        chars[0].set_pose(anim[i % len(anim)][0])
    t_pose = (time.perf_counter() - t0) / reps * 1e6
    c_pose = (time.process_time() - c0) / reps * 1e6

    long_take = [anim[i % len(anim)][0] for i in range(1000)]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        out = export_animation_glb(Path(tmp) / "take.glb", long_take, fps=24.0)
        t_export = time.perf_counter() - t0
        size = out.stat().st_size

    tris = len(mesh.indices) * n
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, GL: {ctx.info['GL_RENDERER']}"
    )
    print(f"{n} mannequins, {tris} triangles, {w}x{h}, median of {args.frames} frames")
    labels = {
        "bare": "bare moderngl (pre-skinned, static)",
        "skinned": "previzkit GPU skinning (pose/frame)",
        "cpu": "numpy LBS + upload (alternative)",
    }
    for k in keys:
        print(
            f"  {labels[k]:36s} {t[k]:7.2f} ms wall ({1000 / t[k]:5.1f} fps, "
            f"{t[k] / t['bare']:.2f}x bare)  {c[k]:7.2f} ms CPU ({c[k] / c['bare']:.2f}x bare)"
        )
    print(
        f"  set_pose (FK + skin matrices) per character: {t_pose:.0f} us wall, {c_pose:.0f} us CPU"
    )
    print(f"  export 1000-frame animation .glb: {t_export * 1000:.0f} ms, {size / 1024:.0f} KiB")
    for obj in (*bare_vaos, *bare_vbos, ibo, prog, fbo, color, depth):
        obj.release()
    for ch in chars:
        ch.release()


if __name__ == "__main__":
    main()

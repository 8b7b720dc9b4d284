"""Benchmark: what the director's eyes cost, offscreen at a headset's eye size.

Run: ``python3 benchmarks/xr.py [--frames 16] [--size 1832x1920] [--set ...sample.yaml]``.

In one process, on one EGL context (llvmpipe on a machine without a GPU), two eyes of
``--size`` each, the sample set, unpaced. The rows run interleaved, one frame of each
per round, so they see the same frames and the same machine load:

- bare: the Renderer's ``render_view`` for both eyes into a plain framebuffer and
  ``ctx.finish()``, with no previzkit loop: the baseline for the ratios;
- before: the plain scene loop as it was: no HUD, no MSAA, no timer queries;
- the breakdown, each row adding one thing, all with GL timer queries: scene at
  samples 0 and at 4 (the MSAA cost, resolve included), + HUD (controllers, rays,
  teleport arc, wrist panel), + viewfinder with the camera moving (the set rendered at
  640x400 through the camera every frame and shown on its monitor), after (= the same
  with the camera still: ``update(..., version=)`` is free when nothing changed), and
  + look-through (scene + the look-through mask + HUD; no monitor while looking through).

Every row's source waits for the GPU in end_frame (``finish``, booked as submit), so
a row's total is all its work and none of the next row's. Columns: cpu (previzkit
issuing the frame), gpu (timer queries, read two frames late), submit, total; medians
over the frames after the first two (warm-up), ratios against bare, and the CPU model.
On llvmpipe the "GPU" is the same CPU cores: gpu and cpu overlap, and a resolve or a
read of a render target waits for the rasteriser, so cpu holds most of the GPU time.
"""

from __future__ import annotations

import argparse
import inspect
import math
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder is sys.path[0] and "import xr" (pyopenxr) would
# find this very file: drop the folder and make the checkout importable instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(REPO))
WARMUP = 2

from benchmarks.machine import cpu_model  # noqa: E402 (after the sys.path fix)


def _median(values: list[float]) -> float:
    v = sorted(x for x in values[WARMUP:] if math.isfinite(x))
    return v[len(v) // 2] * 1000 if v else math.nan


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=16)
    ap.add_argument("--size", default="1832x1920", help="per eye, WxH pixels")
    ap.add_argument("--set", default=str(REPO / "previzkit/assets/sets/sample.yaml"))
    args = ap.parse_args()
    w, h = (int(x) for x in args.size.lower().split("x"))
    frames = max(args.frames, WARMUP + 1)

    import numpy as np

    from previzkit.core.geometry import look_at, translation
    from previzkit.model.camera import Lens
    from previzkit.render.headless import create_context, describe
    from previzkit.render.hud import Hud, HudState
    from previzkit.render.renderer import Renderer
    from previzkit.render.viewfinder import Viewfinder
    from previzkit.xr.loop import FrameLoop, OffscreenSource

    ctx = create_context()
    renderer = Renderer(ctx, args.set)
    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores; GL: {describe(ctx)}")
    print(f"two eyes of {w}x{h}, {args.set}, {frames} frames (first {WARMUP} left out)\n")

    # bare: the same renderer with no loop
    color, depth = ctx.texture((w, h), 4), ctx.depth_texture((w, h))
    fbo = ctx.framebuffer([color], depth)
    probe = OffscreenSource(ctx, (8, 8))
    views = probe.views(probe.wait_frame(), np.eye(4))
    probe.close()
    bare: list[float] = []

    def bare_frame() -> None:
        t0 = time.perf_counter()
        for v in views:
            renderer.render_view(fbo, v.view, v.proj)
        ctx.finish()
        bare.append(time.perf_counter() - t0)

    hud = Hud(ctx)
    vf_moving = Viewfinder(ctx, renderer, (640, 400))  # the block session's size
    vf_still = Viewfinder(ctx, renderer, (640, 400))
    left = look_at((-0.2, 1.25, 2.6), (0.4, 0.0, 0.8))
    right = look_at((0.25, 1.3, 2.55), (0.5, 1.0, 0.0))
    state = HudState(
        left_aim=left,
        right_aim=right,
        left_grip=left,
        right_grip=right,
        teleport=True,
        panel_lines=["tool: teleport", "lens 35 mm  vfov 20.1 deg", "shot 1A", "idle", "saved"],
    )
    camera = look_at((0.0, 1.5, 5.0), (0.0, 1.0, 0.0))
    lens = Lens(35.0)
    monitor = translation((0.1, 1.35, 2.5))
    step = [0]

    def with_hud(eye, target, view):
        hud.draw(target, view.view, view.proj, state)

    def with_vf_moving(eye, target, view):
        if eye == 0:  # the camera pans a little every frame: a render each time
            step[0] += 1
            pan = translation((0.0, 0.0, 0.0), 0.002 * step[0])
            vf_moving.update(pan @ camera, lens, 16 / 9)
        hud.draw(target, view.view, view.proj, state)
        vf_moving.draw(target, view.view, view.proj, monitor)

    # older Viewfinders (a baseline checkout) have no version: they render every call
    versioned = "version" in inspect.signature(Viewfinder.update).parameters

    def with_vf_still(eye, target, view):
        if eye == 0:
            kw = {"version": 0} if versioned else {}  # the set did not change
            vf_still.update(camera, lens, 16 / 9, **kw)
        hud.draw(target, view.view, view.proj, state)
        vf_still.draw(target, view.view, view.proj, monitor)

    src0 = OffscreenSource(ctx, (w, h), rate_hz=None, samples=0, finish=True)
    src4 = OffscreenSource(ctx, (w, h), rate_hz=None, samples=4, finish=True)
    through = FrameLoop(src4, renderer, overlay=with_hud)
    through.mapper.camera = look_at((0.0, 1.6, 3.0), (0.0, 1.2, 0.0))
    through.mapper.lens = Lens(50.0)
    through.mapper.looking_through = True
    loops = {
        "before": FrameLoop(src0, renderer, gpu_timing=False),
        "scene s0": FrameLoop(src0, renderer),
        "scene s4": FrameLoop(src4, renderer),
        "+ HUD": FrameLoop(src4, renderer, overlay=with_hud),
        "+ vf move": FrameLoop(src4, renderer, overlay=with_vf_moving),
        "after": FrameLoop(src4, renderer, overlay=with_vf_still),
        "+ lookthr": through,
    }
    for _ in range(frames):  # interleaved: one frame of each row per round
        bare_frame()
        for loop in loops.values():
            loop.step()
            ctx.finish()  # nothing left over for the next row (finish=True: a no-op)
    bare_ms = _median(bare)

    print(
        f"{'':10s} {'cpu':>8s} {'gpu':>8s} {'submit':>8s} {'total':>8s} {'/bare':>7s}  (ms, median)"
    )
    print(f"{'bare':10s} {'':8s} {'':8s} {'':8s} {bare_ms:8.1f} {1.0:6.2f}x")
    for name, loop in loops.items():
        if loop._timer is not None:
            loop._timer.flush()
        t = [x for x in loop.stats.timings if x.rendered]
        parts = [_median([getattr(x, p) for x in t]) for p in ("cpu", "gpu", "submit", "total")]
        cells = " ".join(f"{p:8.1f}" for p in parts)
        print(f"{name:10s} {cells} {parts[-1] / bare_ms:6.2f}x")
    renders = [getattr(v, "renders", frames) for v in (vf_moving, vf_still)]
    print(
        f"\nviewfinder renders: moving {renders[0]}/{frames} frames, still {renders[1]}/{frames};"
        f" HUD panel uploads {hud.panel.uploads}"
    )
    for src in (src0, src4):
        src.close()
    hud.release()
    vf_moving.release()
    vf_still.release()
    renderer.release()
    fbo.release(), color.release(), depth.release()


if __name__ == "__main__":
    main()

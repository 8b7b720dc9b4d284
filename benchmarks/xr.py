"""Benchmark: what the director's eyes cost, offscreen at a headset's eye size.

Run: ``python3 benchmarks/xr.py [--frames 20] [--size 1832x1920] [--set ...sample.yaml]``.

In one process, on one EGL context (llvmpipe on a machine without a GPU), two eyes of
``--size`` each, the sample set, unpaced:

- bare: the Renderer's ``render_view`` for both eyes into a plain framebuffer and
  ``ctx.finish()``, with no previzkit loop: the baseline for the ratios;
- before: the plain scene loop as it was: no HUD, no MSAA, the GPU's work waited for
  in end_frame (``ctx.finish``) and so booked as submit;
- after: scene + HUD (controllers, rays, teleport arc, wrist panel) + the viewfinder
  rendered and shown on its monitor + 4x MSAA resolved, with the split: wait (pacing),
  cpu (previzkit issuing the frame), gpu (GL timer queries, read two frames late),
  submit (end_frame, which no longer waits for the GPU).

Prints means over the frames after the first two (warm-up), ratios against bare, and
the CPU model. On llvmpipe the "GPU" is the same CPU cores, so gpu and cpu overlap.
"""

from __future__ import annotations

import argparse
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


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    import platform

    return platform.processor() or platform.machine()


def _mean(values: list[float]) -> float:
    v = [x for x in values[WARMUP:] if math.isfinite(x)]
    return sum(v) / len(v) * 1000 if v else math.nan


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=20)
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
    bare = []
    for _ in range(frames):
        t0 = time.perf_counter()
        for v in views:
            renderer.render_view(fbo, v.view, v.proj)
        ctx.finish()
        bare.append(time.perf_counter() - t0)
    bare_ms = _mean(bare)

    # before: the plain scene loop, GPU waited for in end_frame
    src = OffscreenSource(ctx, (w, h), rate_hz=None, samples=0, finish=True)
    before = FrameLoop(src, renderer, gpu_timing=False).run(frames=frames)
    src.close()

    # after: scene + HUD + viewfinder + MSAA 4, GPU timed with queries
    hud, vf = Hud(ctx), Viewfinder(ctx, renderer, (960, 540))
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
    monitor = translation((0.1, 1.35, 2.5))

    def overlay(eye, target, view):
        if eye == 0:
            vf.update(camera, Lens(35.0), 16 / 9)
        hud.draw(target, view.view, view.proj, state)
        vf.draw(target, view.view, view.proj, monitor)

    src = OffscreenSource(ctx, (w, h), rate_hz=None, samples=4, finish=False)
    after = FrameLoop(src, renderer, overlay=overlay, gpu_timing=True).run(frames=frames)
    src.close()
    hud.release()
    vf.release()

    def row(name, st):
        t = [x for x in st.timings if x.rendered]
        parts = [
            _mean([getattr(x, p) for x in t]) for p in ("wait", "cpu", "gpu", "submit", "total")
        ]
        cells = " ".join(f"{p:9.1f}" for p in parts)
        print(f"{name:8s} {cells} {parts[-1] / bare_ms:8.2f}x")

    print(
        f"{'':8s} {'wait':>9s} {'cpu':>9s} {'gpu':>9s} {'submit':>9s} {'total':>9s} {'/bare':>9s}  (ms)"
    )
    print(f"{'bare':8s} {'':9s} {'':9s} {'':9s} {'':9s} {bare_ms:9.1f} {1.0:8.2f}x")
    row("before", before)
    row("after", after)
    renderer.release()
    fbo.release(), color.release(), depth.release()


if __name__ == "__main__":
    main()

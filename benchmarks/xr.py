"""Benchmark: the OpenXR frame loop's time, split into previzkit's work and the runtime's wait.

Run: ``python3 benchmarks/xr.py [--frames 60] [--set previzkit/assets/sets/sample.yaml]``.

In one process, on one EGL context, against the active OpenXR runtime (Monado's
simulated HMD + null compositor when ``XR_RUNTIME_JSON`` is unset and the cached
build from scripts/setup.d/30-monado.sh exists):

- headset/pattern: the bare test pattern through the whole OpenXR loop;
- headset/set: the sample set through the whole OpenXR loop;
- render only (baseline): after each headset frame, its eye views rendered again into
  a plain framebuffer with no OpenXR call (interleaved; taken out of the headset
  figures): the render cost alone.

Each eye's GL work is waited for before its image is released (``gpu_sync``), so it
counts as previzkit's time rather than hiding in xrEndFrame.

Per frame: ``wait`` = blocked in xrWaitFrame (runtime pacing), ``app`` = previzkit's
work (input sync, events, views, acquire, render both eyes, release), ``submit`` =
xrBeginFrame + xrEndFrame. Prints medians (ms) and ratios: app share of the frame,
and headset app time over the render-only baseline (the cost of OpenXR's swapchain and
action calls on top of rendering).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Run as a script, this file's folder is sys.path[0] and "import xr" (pyopenxr) would
# find this very file: drop the folder and make the checkout importable instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]
sys.path.insert(0, str(REPO))
MONADO = Path("/var/cache/previzkit/monado-25.0.0/share/openxr/1/openxr_monado.json")


def _monado_env() -> None:
    if "XR_RUNTIME_JSON" in os.environ or not MONADO.exists():
        return
    run_dir = tempfile.mkdtemp(prefix="previzkit-xdg-")
    os.chmod(run_dir, 0o700)
    os.environ.update(
        XR_RUNTIME_JSON=str(MONADO),
        XRT_COMPOSITOR_NULL="1",
        SIMULATED_ENABLE="1",
        SIMULATED_LEFT="simple",
        SIMULATED_RIGHT="simple",
        XDG_RUNTIME_DIR=os.environ.get("XDG_RUNTIME_DIR") or run_dir,
        XRT_LOG="error",
    )


def _median(stats, part: str) -> float:
    rows = [getattr(t, part) * 1000 for t in stats.timings if t.rendered][3:]  # skip warm-up
    return statistics.median(rows) if rows else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--set", default=str(REPO / "previzkit/assets/sets/sample.yaml"))
    args = ap.parse_args()
    _monado_env()

    from previzkit.render.headless import create_context, describe
    from previzkit.xr.app import xr_loop
    from previzkit.xr.instance import XRInstance

    ctx = create_context()
    inst = XRInstance()
    info = inst.info
    size = info.view_sizes[0]
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; GL: {describe(ctx)}"
    )
    print(
        f"runtime: {info.runtime_name} {info.runtime_version}; system: {info.system_name}; eyes {size[0]}x{size[1]}"
    )
    from previzkit.xr.app import open_renderer

    # Baseline, interleaved frame by frame (the machine is shared): after each headset
    # frame, the same eye views are rendered again into a plain framebuffer with no
    # OpenXR call; that time is measured and taken out of the headset frame's figures.
    color, depth = ctx.texture(size, 4), ctx.depth_texture(size)
    fbo = ctx.framebuffer([color], depth)
    rows, base_ms = {}, {}
    for name, set_path in (("headset/pattern", None), ("headset/set", args.set)):
        base_ms[name] = []
        with xr_loop(set_path, ctx=ctx, instance=inst, gpu_sync=True) as loop:
            twin = open_renderer(ctx, set_path)

            def replay(eye, src, loop=loop, twin=twin, out=base_ms[name]):
                if eye != len(loop.last_views) - 1:
                    return
                ctx.finish()  # the loop's own last eye first
                t0 = time.perf_counter()
                for v in loop.last_views:
                    twin.render_view(fbo, v.view, v.proj)
                    ctx.finish()
                out.append((time.perf_counter() - t0) * 1000)

            loop.on_eye = replay
            st = loop.run(frames=args.frames, timeout_s=args.frames * 3)
            twin.release()
        rendered = [t for t in st.timings if t.rendered]
        for t, b in zip(rendered, base_ms[name], strict=False):
            t.app -= b / 1000
            t.total -= b / 1000
        rows[name] = st
    inst.close()
    base = {k: statistics.median(v[3:]) for k, v in base_ms.items()}

    n = args.frames - 3
    print(
        f"\n{'loop':18s} {'frame':>8s} {'wait':>8s} {'app':>8s} {'submit':>8s}  app/frame  (ms, median of {n})"
    )
    for name, st in rows.items():
        total, wait, app, sub = (_median(st, p) for p in ("total", "wait", "app", "submit"))
        print(f"{name:18s} {total:8.2f} {wait:8.2f} {app:8.2f} {sub:8.2f}  {app / total:8.1%}")
    print()
    for name in rows:
        app = _median(rows[name], "app")
        print(
            f"{name}: render only {base[name]:.2f} ms; previzkit's loop / render only "
            f"{app / base[name]:.2f}x (OpenXR acquire/wait/release, action sync, locate: "
            f"{app - base[name]:+.2f} ms/frame)"
        )
    fps = 1000 / _median(rows["headset/set"], "total")
    print(f"headset/set: {fps:.1f} fps; the null compositor paces at 20 Hz (50 ms)")


if __name__ == "__main__":
    main()

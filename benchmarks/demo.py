"""Benchmark of `previzkit demo`, `previzkit previz` and `previzkit batch`: time per
pipeline step, plus ratios measured in this process against a baseline:

- `previzkit previz` on the bundled sample (stand-in sets built from the kit of parts)
  vs `previzkit demo` (the bundled sets), same sizes, same run;
- recording with the retarget cache vs the plain stage loop (retargeting every
  frame), on the same takes;
- batch capture on a Dask LocalCluster (2 workers) vs serially, on the same takes.

    python3 benchmarks/demo.py            # the --quick demo (about a minute)
    python3 benchmarks/demo.py --full     # the default demo (a few minutes)
    python3 benchmarks/demo.py --full --previz-only   # demo and previz rows only
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import tempfile
import time
from pathlib import Path


def _record_ratio(work: Path, takes: int) -> tuple[float, float, int]:
    from previzkit.core.resources import asset_path, assets_dir
    from previzkit.model.setfile import load_set
    from previzkit.production import coverage, record
    from previzkit.render.headless import create_context
    from previzkit.script import plan_shots, read_script
    from previzkit.script.locations import assets_exists
    from previzkit.takes.store import TakeStore

    script = read_script(asset_path("scripts", "sample.fountain"))
    plan = plan_shots(script, exists=assets_exists())
    sp = plan.scenes[-1]
    plan = dataclasses.replace(plan, scenes=[sp])
    specs = record.take_specs(script, plan, takes, scale=0.5, handle_s=0.5)
    full = coverage.scene_set(
        load_set(assets_dir() / sp.set_file), sp, assets_dir(), sky_size=(512, 256)
    )
    clips = record.load_clips([asset_path("motion", "mara.pzt"), asset_path("motion", "jonas.pzt")])
    ctx = create_context()
    times = []
    for cached in (False, True):
        cache = {} if cached else None
        with TakeStore(work / f"rec_{cached}") as store:
            t = time.perf_counter()
            for s in specs:
                poses = record.write_take_poses(s, clips, work / f"{s.shot}_{s.take}.pzt")
                one = dataclasses.replace(full, cameras={s.shot: full.cameras[s.shot]})
                record.record_take(
                    ctx, one, store, s, poses, sp.axis, (384, 216), retarget_cache=cache
                )
            times.append(time.perf_counter() - t)
    ctx.release()
    return times[0], times[1], sum(s.frames for s in specs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--full", action="store_true", help="the default demo, not --quick")
    ap.add_argument("--previz-only", action="store_true", help="only the demo and previz rows")
    args = ap.parse_args()

    from previzkit.batch.runner import run_batch
    from previzkit.core.resources import asset_path
    from previzkit.production.demo import DemoOptions, run_demo
    from previzkit.production.previz import run_previz

    work = Path(tempfile.mkdtemp(prefix="previzkit-bench-"))
    try:
        opts = DemoOptions() if args.full else DemoOptions.quick()
        t = time.perf_counter()
        result = run_demo(work / "demo", opts)
        wall = time.perf_counter() - t
        print(
            f"demo ({'full' if args.full else '--quick'}), {os.cpu_count()} CPUs: "
            f"{result.takes} takes, {result.frames} frames at {opts.size[0]}x{opts.size[1]}, "
            f"cut {result.clips} clips {result.cut_seconds:.1f} s"
        )
        print(f"{'step':<12}{'s':>8}{'share':>8}")
        for step, s in result.seconds.items():
            print(f"{step:<12}{s:8.1f}{s / wall:8.0%}")
        print(
            f"{'total':<12}{wall:8.1f}   record {result.frames / result.seconds['record']:.0f} frames/s"
        )

        t = time.perf_counter()
        pv = run_previz(asset_path("scripts", "sample.fountain"), work / "previz", opts)
        pv_wall = time.perf_counter() - t
        steps = ", ".join(f"{k} {v:.1f}" for k, v in pv.seconds.items())
        print(
            f"previz on the sample (stand-in sets), same sizes: {pv.takes} takes, "
            f"{pv.frames} frames, cut {pv.clips} clips; {pv_wall:.1f} s ({steps}); "
            f"ratio to the demo {pv_wall / wall:.2f}x"
        )
        if args.previz_only:
            return

        plain, cached, frames = _record_ratio(work, 2)
        print(
            f"record scene 3 x2 takes ({frames} frames): plain stage loop {plain:.1f} s, "
            f"retarget cache {cached:.1f} s, ratio {plain / cached:.2f}x"
        )

        project = work / "demo" / "project"
        takes = [("3", s, k) for s in ("3-A", "3-E", "3-F") for k in (1, 2)]
        a, b = work / "cap_serial", work / "cap_dask"
        shutil.copytree(project, a)
        shutil.copytree(project, b)
        t = time.perf_counter()
        run_batch("capture", a, scheduler="serial", takes=takes)
        serial = time.perf_counter() - t
        t = time.perf_counter()
        rep = run_batch("capture", b, workers=2, takes=takes)
        dask_s = time.perf_counter() - t
        print(
            f"batch capture {len(takes)} takes: serial {serial:.1f} s, LocalCluster(2) "
            f"{dask_s:.1f} s (cluster start included), ratio {serial / dask_s:.2f}x; "
            f"{rep.count('ok')} ok"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Benchmark: the stage loop's frame time offscreen with one actor, split by stage, and
pose-to-frame latency p50/p99.

Run: ``python3 benchmarks/stage.py [--frames 60] [--size 1280x720] [--set previzkit/assets/sets/sample.yaml]``.

In one process, on one EGL context, the sample set through its default camera with one
stand-in actor (:mod:`previzkit.stage.synth`, driving ALEX):

- loop (no plate): poll, retarget, render, readback, present, record (an H.264 take,
  encoded in its writer thread: "record" is the hand-over);
- loop (plate): the same over a 1280x720 H.264 camera plate, composited with
  ``previzkit.composite.over`` (sky and floor off);
- baseline: ``Renderer.render_image`` of the same camera and size, interleaved frame by
  frame with the loop frames (the render alone, readback included).

Prints per-stage medians and p99 (ms) and ratios against the baseline. Then latency:
the track played in real time at 30 fps (capture instant = when the pose is released)
and, with ``--stream``, poses published by another process over pyzmq on 127.0.0.1:
capture -> received -> rendered -> presented, p50/p99. On a GPU machine the
capture->presented figure is motion-to-photon for the offscreen output and is compared
with the 20 ms comfort limit.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PUBLISHER = """
import sys, time
sys.path.insert(0, {repo!r})
from previzkit.capture.stream import PosePublisher
from previzkit.model.skeleton import default_skeleton
from previzkit.stage.synth import pose_landmarks, wave_pose
sk = default_skeleton(1.75)
with PosePublisher("tcp://127.0.0.1:0") as pub:
    print("endpoint", pub.endpoint, flush=True)
    pub.wait_for_subscribers(1, timeout=30)
    t0 = time.monotonic(); i = 0
    while time.monotonic() - t0 < {seconds}:
        t = time.monotonic() - t0
        pub.publish(pose_landmarks(sk, wave_pose(sk, t), 0, t), frame=i, fps=30.0)
        i += 1
        time.sleep(max(0.0, t0 + i / 30 - time.monotonic()))
"""


def _ms(values: list[float]) -> tuple[float, float]:
    import numpy as np

    if not values:
        return float("nan"), float("nan")
    return float(np.median(values) * 1000), float(np.percentile(values, 99) * 1000)


def _plate(path: Path, frames: int, size: tuple[int, int]) -> Path:
    import av
    import numpy as np

    w, h = size
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        base = np.zeros((h, w, 3), np.uint8)
        base[..., 1] = 140
        base[..., 0] = np.linspace(20, 90, w, dtype=np.uint8)[None, :]
        for i in range(frames):
            img = base.copy()
            x = (i * 11) % (w - 40)
            img[:, x : x + 40] = 230
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def frame_times(ctx, set_path, track, plate, size, frames, out_dir, warmup=5):
    """Per-stage times of the loop and of the interleaved render-only baseline."""
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.plate import PlateReader
    from previzkit.stage.sink import RecorderSink, ThreadedSink
    from previzkit.stage.sources import TrackSource
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore

    w, h = size
    tag = "plate" if plate else "noplate"
    store = TakeStore(out_dir / f"bench_{tag}")
    rec = Recorder(store, "1", "1-A", rate="30", start_tc="01:00:00:00", size=(w, h))
    sink = ThreadedSink(RecorderSink(rec))
    reader = PlateReader(plate, size) if plate else None
    loop = StageLoop(
        ctx, set_path, TrackSource(track, loop=True), StageOptions(w, h), plate=reader, sinks=[sink]
    )
    base: list[float] = []
    try:
        cam = loop.options.camera
        for i in range(warmup + frames):
            loop.step()
            t = time.perf_counter()
            loop.renderer.render_image(cam, w, h)
            if i >= warmup:
                base.append(time.perf_counter() - t)
        recs = loop.stats.frames[warmup:]
    finally:
        loop.close()
        store.close()
    return recs, base


def latency(ctx, set_path, source, size, frames):
    from previzkit.stage.loop import StageLoop, StageOptions

    w, h = size
    loop = StageLoop(ctx, set_path, source, StageOptions(w, h, fps=30.0, realtime=True))
    try:
        while loop.index < frames:
            loop.step()
        return loop.stats
    finally:
        loop.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--size", default="1280x720")
    ap.add_argument("--set", default=str(REPO / "previzkit" / "assets" / "sets" / "sample.yaml"))
    ap.add_argument("--stream", action="store_true", help="also measure the pose stream path")
    args = ap.parse_args()
    w, h = (int(x) for x in args.size.lower().split("x"))

    from previzkit.render.headless import create_context, describe
    from previzkit.stage.latency import WORK
    from previzkit.stage.sources import StreamSource, TrackSource
    from previzkit.stage.synth import write_wave_track

    tmp = Path(tempfile.mkdtemp(prefix="previzkit-stage-bench-"))
    track = write_wave_track(tmp / "actor.pzt", 90)
    plate = _plate(tmp / "plate.mp4", 90, (w, h))
    ctx = create_context()
    print(
        f"machine: {platform.machine()}, {platform.processor() or platform.system()}; GL: {describe(ctx)}"
    )
    print(f"set {Path(args.set).name}, {w}x{h}, one actor, {args.frames} frames after 5 warm-up\n")
    for plate_path in (None, plate):
        recs, base = frame_times(ctx, args.set, track, plate_path, (w, h), args.frames, tmp)
        label = "loop over a plate" if plate_path else "loop, no plate"
        total = [sum(r.work.values()) for r in recs]
        print(f"{label}: per stage, ms (median / p99)")
        for name in WORK:
            p50, p99 = _ms([r.work[name] for r in recs if name in r.work])
            print(f"  {name:<10}{p50:8.2f} {p99:8.2f}")
        p50, p99 = _ms(total)
        b50, b99 = _ms(base)
        print(f"  {'frame':<10}{p50:8.2f} {p99:8.2f}   ({1000 / p50:.1f} fps)")
        print(
            f"  baseline render_image {b50:.2f} / {b99:.2f} ms; loop frame / baseline = "
            f"{statistics.median(total) / statistics.median(base):.2f}x\n"
        )

    sources = [("track in real time", TrackSource(track, realtime=True, loop=True))]
    proc = None
    if args.stream:
        proc = subprocess.Popen(
            [sys.executable, "-c", PUBLISHER.format(repo=str(REPO), seconds=args.frames / 30 + 30)],
            stdout=subprocess.PIPE,
            text=True,
        )
        endpoint = proc.stdout.readline().split()[1]
        sources.append(("pose stream (another process)", StreamSource(endpoint)))
    try:
        for label, src in sources:
            stats = latency(ctx, args.set, src, (w, h), args.frames)
            print(f"latency, {label}, 30 fps real time: ms (p50 / p99)")
            for name, (p50, p99, n) in stats.summary().items():
                if "->" in name:
                    print(f"  {name:<22}{p50:8.2f} {p99:8.2f}   n={n}")
            m2p = stats.summary()["capture->presented"][0]
            print(
                f"  motion-to-photon (offscreen) p50 {m2p:.1f} ms vs 20 ms comfort limit: "
                f"{'within' if m2p <= 20 else 'over'} ({m2p / 20:.2f}x)\n"
            )
    finally:
        if proc is not None:
            proc.kill()
            proc.wait()
    ctx.release()


if __name__ == "__main__":
    main()

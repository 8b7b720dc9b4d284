"""Soak: the stage loop offscreen, fed by a live pose publisher in another process,
for a long time; memory (RSS) and frame time reported, memory growth checked.

Run: ``python3 benchmarks/soak.py [--seconds 3600] [--size 320x180] [--fps 30]
[--json soak.json]`` (the CI test, tests/reliability/test_soak.py, runs 120 s;
``PREVIZKIT_SOAK_SECONDS`` sets its length).

The loop renders the sample set (props, sky, two mannequins) in real time at ``fps``
through headless EGL; a child process publishes two waving actors at the same rate
on 127.0.0.1 (ZeroMQ). Reported:

- frames rendered, and output frames dropped: frame slots of the real-time clock that
  got no frame because the loop ran late (a gap of more than 1.5 frame periods between
  two presented frames counts its missing slots), and the longest gap between two
  presented frames (a stall, whatever the machine's speed);
- pose messages received, lost (sequence gaps) and malformed;
- frame work time p50 / p99, median of the first minute against the last (a third of
  the run each when it is shorter than three minutes): the ratio is the figure;
- RSS after warm-up, at the end, the peak, and the growth (median of the last five
  samples over the median of the five after warm-up; warm-up is 15 % of the run, at
  least 10 s): under 5 % passes.
"""

from __future__ import annotations

import argparse
import array
import json
import math
import os
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLE_SET = ROOT / "previzkit" / "assets" / "sets" / "sample.yaml"


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def publish(seconds: float, fps: float, actors: int = 2) -> None:
    """Child process: bind tcp://127.0.0.1:0, print ``endpoint ADDR``, wait for a
    subscriber, publish ``actors`` waving poses at ``fps`` for ``seconds``."""
    import numpy as np

    from previzkit.capture.stream import PosePublisher
    from previzkit.core.geometry import quat_from_axis_angle
    from previzkit.core.types import Pose, SkeletonPose
    from previzkit.model.kinematics import landmark_positions
    from previzkit.model.skeleton import default_skeleton

    sk = default_skeleton(1.75)
    with PosePublisher("tcp://127.0.0.1:0") as pub:
        print("endpoint", pub.endpoint, flush=True)
        if not pub.wait_for_subscribers(1, timeout=60):
            sys.exit("no subscriber")
        t0 = time.monotonic()
        i = 0
        while (now := time.monotonic()) - t0 < seconds:
            for a in range(actors):
                ang = math.radians(30 + 35 * math.sin(4 * math.pi * (now - t0) + a))
                sp = SkeletonPose(
                    root=(0.0, float(sk.offsets[0, 1]), 0.0),
                    rotations={
                        "left_upper_arm": tuple(quat_from_axis_angle((0, 0, 1), ang)),
                        "right_upper_arm": tuple(quat_from_axis_angle((0, 0, 1), 1.2)),
                    },
                )
                lm = landmark_positions(sk, sp)
                world = ((lm - (lm[23] + lm[24]) / 2) * np.array([1.0, -1.0, -1.0])).astype("f4")
                img = np.zeros((33, 3), np.float32)
                img[:, :2] = 320 + world[:, :2] * 200
                img[:, 2] = 1.0
                pub.publish(Pose(now, a, img, world, 0.99), frame=i, fps=fps, size=(640, 480))
            i += 1
            delay = t0 + i / fps - time.monotonic()
            if delay > 0:
                time.sleep(delay)


@dataclass
class SoakResult:
    seconds: float
    fps: float
    size: tuple[int, int]
    frames: int
    frames_dropped: int
    longest_gap_s: float
    poses_received: int
    poses_lost: int
    poses_malformed: int
    frame_ms_p50: float
    frame_ms_p99: float
    frame_ms_first_minute: float
    frame_ms_last_minute: float
    rss_warm_mb: float
    rss_end_mb: float
    rss_peak_mb: float
    growth: float
    rss_samples: list[tuple[float, float]] = field(default_factory=list)  # (s, MB)

    def format(self) -> str:
        return "\n".join(
            [
                f"soak {self.seconds:.0f} s at {self.fps:g} fps, {self.size[0]}x{self.size[1]}, "
                f"sample set, 2 live actors",
                f"frames rendered       {self.frames}  (dropped slots: {self.frames_dropped}, "
                f"longest gap {1000 * self.longest_gap_s:.0f} ms)",
                f"poses received        {self.poses_received}  (lost {self.poses_lost}, "
                f"malformed {self.poses_malformed})",
                f"frame work p50 / p99  {self.frame_ms_p50:.1f} / {self.frame_ms_p99:.1f} ms",
                f"frame work, last minute / first minute  "
                f"{self.frame_ms_last_minute / max(self.frame_ms_first_minute, 1e-9):.3f}",
                f"RSS warm / end / peak {self.rss_warm_mb:.1f} / {self.rss_end_mb:.1f} / "
                f"{self.rss_peak_mb:.1f} MB",
                f"RSS growth            {100 * self.growth:+.2f} %  (limit 5 %)",
            ]
        )


def run_soak(ctx, seconds: float, size=(320, 180), fps: float = 30.0, progress=None) -> SoakResult:
    """Run the stage loop on ``ctx`` (a moderngl context) for ``seconds`` in real time."""
    import gc

    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.sources import StreamSource

    proc = subprocess.Popen(
        [sys.executable, __file__, "--publish", str(seconds + 30), "--fps", str(fps)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline().split()
        if not line or line[0] != "endpoint":
            raise RuntimeError(f"publisher did not start: {proc.stderr.read()}")
        source = StreamSource(line[1], actors=[0, 1])
        opts = StageOptions(size[0], size[1], realtime=True, fps=fps)
        samples: list[tuple[float, float]] = []
        with StageLoop(ctx, SAMPLE_SET, source, opts, actors={0: "ALEX", 1: "SAM"}) as loop:
            end = time.monotonic() + 60
            while source.stats is None or source.stats.received == 0:  # the stream is up
                loop.step()
                if time.monotonic() > end:
                    raise RuntimeError("no pose arrived from the publisher in 60 s")
            first = loop.index
            t0 = time.monotonic()
            next_sample = 0.0
            work = array.array("d")  # ms per frame (8 bytes each: 0.9 MB an hour)
            dropped = 0
            longest_gap = 0.0
            last = None
            while (el := time.monotonic() - t0) < seconds:
                loop.step()
                rec = loop.stats.frames[-1]
                work.append(sum(rec.work.values()) * 1000)
                if last is not None:  # slots of the real-time clock that got no frame
                    dropped += max(0, round((rec.presented - last) * fps) - 1)
                    longest_gap = max(longest_gap, rec.presented - last)
                last = rec.presented
                if el >= next_sample:
                    gc.collect()
                    samples.append((el, rss_bytes() / 2**20))
                    next_sample += 1.0
                    if progress is not None:
                        progress(int(el), int(seconds))
            elapsed = time.monotonic() - t0
            frames = loop.index - first
            st = source.stats
    finally:
        proc.kill()
        proc.wait()
    warm = max(10.0, 0.15 * seconds)
    after = [m for t, m in samples if t >= warm]
    base = statistics.median(after[:5]) if len(after) >= 5 else samples[0][1]
    end = statistics.median(after[-5:]) if len(after) >= 5 else samples[-1][1]
    per_min = min(int(60 * fps), max(1, len(work) // 3))  # a minute, or a third of a short run
    q = statistics.quantiles(work, n=100)
    return SoakResult(
        seconds=elapsed,
        fps=fps,
        size=tuple(size),
        frames=frames,
        frames_dropped=dropped,
        longest_gap_s=longest_gap,
        poses_received=st.received,
        poses_lost=st.dropped,
        poses_malformed=st.malformed,
        frame_ms_p50=q[49],
        frame_ms_p99=q[98],
        frame_ms_first_minute=statistics.median(work[:per_min]),
        frame_ms_last_minute=statistics.median(work[-per_min:]),
        rss_warm_mb=base,
        rss_end_mb=end,
        rss_peak_mb=max(m for _, m in samples),
        growth=(end - base) / base,
        rss_samples=samples,
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seconds", type=float, default=3600.0)
    ap.add_argument("--size", default="320x180")
    ap.add_argument("--fps", type=float, default=30.0)
    ap.add_argument("--json", type=Path, help="write the result (with RSS samples) here")
    ap.add_argument("--publish", type=float, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.publish is not None:
        publish(a.publish, a.fps)
        return
    import moderngl

    w, h = (int(v) for v in a.size.lower().split("x"))
    ctx = moderngl.create_standalone_context(backend="egl")
    from previzkit.core.progress import bar

    with bar("soak", total=int(a.seconds), unit="s") as progress:
        r = run_soak(ctx, a.seconds, (w, h), a.fps, progress=progress)
    print(r.format())
    if a.json:
        a.json.write_text(json.dumps(asdict(r), indent=1))
    sys.exit(0 if r.growth < 0.05 else 1)


if __name__ == "__main__":
    main()

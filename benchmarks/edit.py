"""Shot detection benchmark: previzkit's ContentDetector vs PySceneDetect, same run.

Videos are generated here with PyAV (moving textures, hard cuts, dissolves and fades at
known frames). For each detector: precision / recall / F1 over all videos (a detection
matches a true cut within 2 frames, or half a transition's length), wall time (best
of ``--repeat`` runs per video, detectors interleaved so both see the same machine
load) and CPU time (all threads of this process, decoder threads included: steadier
than wall time on a shared machine). Prints a table and the speed ratios.

    python3 benchmarks/edit.py [--videos 6] [--size 640x360] [--repeat 2]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path

from previzkit.edit.detectors import detect_video, score_cuts
from previzkit.edit.synthetic import Transition, write_synthetic_video

KINDS = [("cut", 0), ("cut", 0), ("dissolve", 12), ("fade", 16), ("dissolve", 24), ("fade", 10)]


def make_videos(folder: Path, n: int, width: int, height: int) -> list[tuple]:
    out = []
    for seed in range(n):
        rng = random.Random(seed)
        lengths = [rng.randint(30, 110) for _ in range(10)]
        trans = [Transition(*rng.choice(KINDS)) for _ in range(9)]
        v = write_synthetic_video(
            folder / f"v{seed}.mp4", lengths, trans, width=width, height=height, seed=seed
        )
        tol = [2 if t.kind == "cut" else max(2, t.frames // 2) for t in trans]
        out.append((v, tol))
    return out


def run_ours(path: Path) -> list[int]:
    return detect_video(path).cuts


def run_pyscenedetect(path: Path, detector: str = "content") -> list[int]:
    from scenedetect import AdaptiveDetector, ContentDetector, detect

    det = ContentDetector() if detector == "content" else AdaptiveDetector()
    return [s[0].frame_num for s in detect(str(path), det)][1:]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=6)
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    import os

    import scenedetect

    detectors = {
        "previzkit content": run_ours,
        "PySceneDetect ContentDetector": run_pyscenedetect,
        "PySceneDetect AdaptiveDetector": lambda p: run_pyscenedetect(p, "adaptive"),
    }
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        videos = make_videos(Path(tmp), args.videos, w, h)
        frames = sum(v.frames for v, _ in videos)
        print(
            f"{len(videos)} videos, {frames} frames at {w}x{h}, "
            f"{sum(len(v.cuts) for v, _ in videos)} true shot starts "
            f"(generated in {time.perf_counter() - t0:.1f} s); "
            f"PySceneDetect {scenedetect.__version__}; {os.cpu_count()} CPUs"
        )
        totals = {name: [0.0, 0, 0, 0, 0.0] for name in detectors}  # wall, hits, det, truth, cpu
        for v, tol in videos:
            for name, fn in detectors.items():
                best = best_cpu = float("inf")
                for _ in range(args.repeat):
                    t, c = time.perf_counter(), time.process_time()
                    cuts = fn(v.path)
                    best = min(best, time.perf_counter() - t)
                    best_cpu = min(best_cpu, time.process_time() - c)
                p, r, _ = score_cuts(cuts, v.cuts, tol)
                tot = totals[name]
                tot[0] += best
                tot[1] += round(r * len(v.cuts))
                tot[2] += len(cuts)
                tot[3] += len(v.cuts)
                tot[4] += best_cpu
    print(
        f"{'detector':<32} {'precision':>9} {'recall':>7} {'F1':>6} {'wall s':>7} {'fps':>6} {'cpu s':>6}"
    )
    for name, (t, hits, det, truth, cpu) in totals.items():
        p = hits / det if det else 1.0
        r = hits / truth if truth else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(f"{name:<32} {p:9.3f} {r:7.3f} {f1:6.3f} {t:7.2f} {frames / t:6.0f} {cpu:6.2f}")
    ours, theirs = totals["previzkit content"], totals["PySceneDetect ContentDetector"]
    print(
        f"speed vs PySceneDetect ContentDetector: wall {theirs[0] / ours[0]:.2f}x, "
        f"CPU {theirs[4] / ours[4]:.2f}x (above 1: previzkit faster); "
        f"load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()

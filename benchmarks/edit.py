"""Shot detection benchmark: previzkit's detectors vs PySceneDetect, same run, same videos.

Four sets of videos, each with known shot starts:

- ``previz``: the quick demo's cut (``previzkit demo --quick``, or ``--demo DIR`` of an
  earlier run) rendered at ``--size`` with burn-ins on and off; truth from its OTIO
  (clip and slate starts in record frames). The adaptive detector was tuned on the
  demo's own 320x180 previz.mp4 renders.
- ``real, tuning clips``: reels cut from real footage (previzkit.edit.footage; Debian
  packages, scripts/setup.d/65-footage.sh) of the clips the adaptive detector was tuned
  on (vtest, cockatoo, ball), seeds 0-3.
- ``real, held out``: reels of clips never used for tuning (city, ball_vp9, tree, phone,
  realshort), seeds from 200: reported, not tuned on.
- ``generated``: previzkit.edit.synthetic's moving textures (the original benchmark).

Reels hold hard cuts, dissolves and fades, and distractors that are no cut (white
flashes of 1-3 frames, brightness jumps, fast pans). For each detector: precision /
recall / F1 (a detection matches a true start within 2 frames, or half a transition),
detections inside a distractor (``fp@dis``), frames per second (wall time, best of
``--repeat`` per video, detectors interleaved so all see the same load) and CPU
seconds (all threads of this process). Speed ratios are against PySceneDetect's
ContentDetector in the same process.

    python3 benchmarks/edit.py [--size 640x360] [--repeat 2] [--reels 6] [--demo DIR]
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the checkout: benchmarks.*

from benchmarks.machine import cpu_model
from previzkit.edit.detectors import detect_video, get_detector, score_cuts
from previzkit.edit.detectors.truth import cut_shot_starts
from previzkit.edit.footage import (
    FOOTAGE,
    HELD_OUT_CLIPS,
    TUNE_CLIPS,
    footage_path,
    random_reel,
    write_reel,
)
from previzkit.edit.synthetic import Transition, write_synthetic_video

KINDS = [("cut", 0), ("cut", 0), ("dissolve", 12), ("fade", 16), ("dissolve", 24), ("fade", 10)]


@dataclass
class Video:
    path: Path
    frames: int
    cuts: list[int]
    tolerance: list[int]
    distractors: list[tuple[str, int, int]] = field(default_factory=list)


def generated_videos(folder: Path, n: int, width: int, height: int) -> list[Video]:
    out = []
    for seed in range(n):
        rng = random.Random(seed)
        lengths = [rng.randint(30, 110) for _ in range(10)]
        trans = [Transition(*rng.choice(KINDS)) for _ in range(9)]
        v = write_synthetic_video(
            folder / f"gen{seed}.mp4", lengths, trans, width=width, height=height, seed=seed
        )
        tol = [2 if t.kind == "cut" else max(2, t.frames // 2) for t in trans]
        out.append(Video(v.path, v.frames, v.cuts, tol))
    return out


def reels(folder: Path, clips: tuple[str, ...], seeds: range, width: int, height: int):
    have = tuple(c for c in clips if footage_path(c) is not None)
    if len(have) < 2:
        missing = sorted({FOOTAGE[c].package for c in clips if c not in have})
        print(f"  (skipped: footage missing; apt-get install {' '.join(missing)})")
        return []
    out = []
    for seed in seeds:
        r = write_reel(
            folder / f"reel{seed}.mp4",
            random_reel(have, seed, shots=12),
            width=width,
            height=height,
        )
        t = r.truth
        out.append(Video(r.path, t.frames, t.cuts, t.tolerance, t.distractors))
    return out


def previz_renders(folder: Path, demo: Path | None, width: int, height: int) -> list[Video]:
    from previzkit.edit.render import RenderOptions, render_cut

    if demo is None:
        demo = folder / "demo"
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "previzkit", "demo", "--quick", "-o", str(demo)],
            check=True,
            capture_output=True,
        )
        print(f"  (quick demo made in {time.perf_counter() - t0:.0f} s)")
    cut = demo / "cut.otio"
    truth = cut_shot_starts(cut)
    out = []
    for burn in (True, False):
        path = folder / f"previz_{'burn' if burn else 'clean'}.mp4"
        render_cut(cut, path, RenderOptions(width, height, burn_ins=burn))
        frames = detect_video(path, get_detector("content")).frames
        out.append(Video(path, frames, truth, [2] * len(truth)))
    return out


def run_ours(name: str) -> Callable[[Path], list[int]]:
    return lambda path: detect_video(path, get_detector(name)).cuts


def run_pyscenedetect(detector: str) -> Callable[[Path], list[int]]:
    def run(path: Path) -> list[int]:
        from scenedetect import AdaptiveDetector, ContentDetector, detect

        det = ContentDetector() if detector == "content" else AdaptiveDetector()
        return [s[0].frame_num for s in detect(str(path), det)][1:]

    return run


DETECTORS = {
    "previzkit auto (adaptive)": run_ours("auto"),
    "previzkit content": run_ours("content"),
    "PySceneDetect ContentDetector": run_pyscenedetect("content"),
    "PySceneDetect AdaptiveDetector": run_pyscenedetect("adaptive"),
}


def score(videos: list[Video], repeat: int) -> dict[str, list[float]]:
    """name -> [wall s, hits, detections, truths, cpu s, detections inside distractors]."""
    totals = {name: [0.0, 0, 0, 0, 0.0, 0] for name in DETECTORS}
    for v in videos:
        for name, fn in DETECTORS.items():
            best = best_cpu = float("inf")
            for _ in range(repeat):
                t, c = time.perf_counter(), time.process_time()
                cuts = fn(v.path)
                best = min(best, time.perf_counter() - t)
                best_cpu = min(best_cpu, time.process_time() - c)
            _p, r, _ = score_cuts(cuts, v.cuts, v.tolerance)
            tot = totals[name]
            tot[0] += best
            tot[1] += round(r * len(v.cuts))
            tot[2] += len(cuts)
            tot[3] += len(v.cuts)
            tot[4] += best_cpu
            tot[5] += sum(any(a - 1 <= c <= b + 1 for _, a, b in v.distractors) for c in cuts)
    return totals


def print_table(title: str, videos: list[Video], totals: dict[str, list[float]]) -> None:
    frames = sum(v.frames for v in videos)
    cuts = sum(len(v.cuts) for v in videos)
    dis = sum(len(v.distractors) for v in videos)
    print(
        f"\n{title}: {len(videos)} videos, {frames} frames, {cuts} shot starts, {dis} distractors"
    )
    print(
        f"  {'detector':<31} {'precision':>9} {'recall':>7} {'F1':>6} {'fp@dis':>6} "
        f"{'fps':>6} {'cpu s':>6} {'speed':>6}"
    )
    ref = totals["PySceneDetect ContentDetector"][0]
    for name, (t, hits, det, truth, cpu, in_dis) in totals.items():
        p = hits / det if det else 1.0
        r = hits / truth if truth else 1.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        print(
            f"  {name:<31} {p:9.3f} {r:7.3f} {f1:6.3f} {int(in_dis):6d} "
            f"{frames / t:6.0f} {cpu:6.2f} {ref / t:5.2f}x"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--videos", type=int, default=6, help="generated videos")
    ap.add_argument("--reels", type=int, default=6, help="held-out real-footage reels")
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--demo", type=Path, help="an earlier `previzkit demo --quick -o DIR`")
    ap.add_argument(
        "--only", nargs="*", default=["previz", "tuning", "held", "generated"], help="sets to run"
    )
    args = ap.parse_args()
    w, h = (int(x) for x in args.size.split("x"))
    import scenedetect

    print(
        f"PySceneDetect {scenedetect.__version__}; {cpu_model()}, {os.cpu_count()} CPUs; "
        f"{args.size}; wall time best of {args.repeat}; speed = PySceneDetect "
        "ContentDetector's time / this one's (above 1: faster)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sets = {
            "previz": (
                "previz render (quick demo's cut, burn-ins on and off; tuned on its 320x180 render)",
                lambda: previz_renders(root / "previz", args.demo, w, h),
            ),
            "tuning": (
                f"real footage, tuning clips ({', '.join(TUNE_CLIPS)}; seeds 0-3)",
                lambda: reels(root / "tune", TUNE_CLIPS, range(4), w, h),
            ),
            "held": (
                f"real footage, HELD OUT ({', '.join(HELD_OUT_CLIPS)}; seeds "
                f"200-{199 + args.reels})",
                lambda: reels(root / "held", HELD_OUT_CLIPS, range(200, 200 + args.reels), w, h),
            ),
            "generated": (
                "generated (moving textures)",
                lambda: generated_videos(root / "gen", args.videos, w, h),
            ),
        }
        for key in args.only:
            title, make = sets[key]
            (root / key).mkdir(parents=True, exist_ok=True)
            videos = make()
            if videos:
                print_table(title, videos, score(videos, args.repeat))
    print(f"\nload average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

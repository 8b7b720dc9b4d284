"""What tracking that survives costs per frame, against the board tracker's own frame in
the same process (``BoardTracker.track`` on a 1280x720 plate of OpenCV's board warped
onto a floor): the pose filter's step, the board + FreeD fusion's offset update, the
virtual layer's fade and the TRACKING LOST badge (only while lost), and the plate
motion meter that ``--freed-delay auto`` runs until it has measured the delay.

Calls are interleaved round by round so a shared machine's load hits every variant
alike. Run: ``python3 benchmarks/tracking.py [--rounds N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

W, H = 1280, 720


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=200)
    args = ap.parse_args()

    from benchmarks.machine import cpu_model
    from previzkit.model.camera import Lens
    from previzkit.overlay.tracking.badge import draw_lost_badge, fade_layer
    from previzkit.overlay.tracking.charuco import BoardDef, BoardTracker, Calibration
    from previzkit.overlay.tracking.delay import MotionMeter
    from previzkit.overlay.tracking.filter import CameraFilter
    from previzkit.overlay.tracking.fusion import blend_offset
    from tests.helpers.board_plate import film, handheld_path

    board = BoardDef(position=(-0.21, 0.0, -0.15))
    cal = Calibration.from_lens(Lens(28.0, 24.89, 14.0, 2.0), W, H)
    poses = handheld_path(np.arange(16) / 30, (0.0, 1.2, 1.4), (0.0, 0.0, 0.0))
    plates = film(board, cal, poses)
    tracker = BoardTracker(board, cal)
    flt = CameraFilter()
    meter = MotionMeter()
    rgba = np.random.default_rng(0).integers(0, 255, (H, W, 4), dtype=np.uint8)
    zbuf = np.ones((H, W), np.float32)
    image = plates[0].copy()
    offset = np.eye(4)
    k = 0

    def track() -> None:
        tracker.track(plates[k % len(plates)])

    def step() -> None:
        flt.step(k / 30, poses[k % len(poses)] if k % 5 else None)

    def fuse() -> None:
        blend_offset(offset, poses[k % len(poses)] @ np.linalg.inv(poses[0]), 0.1)

    def fade() -> None:
        fade_layer(rgba, zbuf, 0.5)

    def badge() -> None:
        draw_lost_badge(image)

    def motion() -> None:
        meter(plates[k % len(plates)])

    variants: dict[str, Callable[[], None]] = {
        "board track (baseline)": track,
        "pose filter step": step,
        "fusion offset update": fuse,
        "fade (while fading only)": fade,
        "TRACKING LOST badge": badge,
        "motion meter (auto delay)": motion,
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for k in range(args.rounds + 5):
        for name, fn in variants.items():
            t0 = time.perf_counter()
            fn()
            if k >= 5:  # warm-up
                times[name].append(time.perf_counter() - t0)
    base = statistics.median(times["board track (baseline)"])
    print(f"tracking costs per frame at {W}x{H}, {args.rounds} rounds, {cpu_model()}")
    for name, ts in times.items():
        med = statistics.median(ts)
        print(f"  {name:28s} {med * 1e3:8.3f} ms  {med / base:7.4f}x the board track")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""What live characters and the actor's body depth cost the AR overlay, at 1280x720.

1. Overlay frame (sample set, fixed camera, green key, one plane) with the characters
   in their rest pose vs driven by the shipped walk mocap (``--pose walk.pzt``: a new
   track frame each plate frame, retargeted through the stage loop), interleaved frame
   by frame in one process.
2. The actor's depth per pixel on a real photo (OpenCV's basketball1.png, scaled to
   1280x720): MediaPipe pose (lite) on the plate + the body's capsules rasterised, vs
   the one-plane depth (free), split into pose and capsules.

Run: ``python3 benchmarks/overlay_live.py [--frames N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

W, H = 1280, 720
PHOTO = Path("/usr/share/doc/opencv-doc/examples/data/basketball1.png")


def _ms(values: list[float]) -> str:
    return (
        f"{statistics.median(values) * 1e3:7.2f} ms p50, {np.percentile(values, 99) * 1e3:7.2f} p99"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=30)
    args = ap.parse_args()

    import cv2

    from previzkit.capture.pose import PoseEstimator
    from previzkit.core.resources import asset_path
    from previzkit.model.camera import Lens, perspective_from_lens
    from previzkit.model.setfile import load_set
    from previzkit.overlay.actor_depth import actor_depth_map, body_capsules, capsule_depth
    from previzkit.overlay.compositor import FixedCamera, Overlay, OverlayOptions
    from previzkit.render.headless import create_context

    ctx = create_context()
    set_def = load_set(asset_path("sets", "sample.yaml"))
    cam = set_def.camera(set_def.default_camera)
    pose, lens = cam.camera_to_world(), cam.lens
    plate = np.empty((H, W, 3), np.uint8)
    plate[:] = (40, 200, 60)
    plate[120:700, 560:720] = (200, 150, 120)
    walk = asset_path("motion", "library", "walk.pzt")
    opts = dict(width=W, height=H, matte="green", actor_depth_m=4.0)
    variants = {
        "rest pose": Overlay(ctx, set_def, FixedCamera(pose, lens), OverlayOptions(**opts)),
        "walk.pzt": Overlay(
            ctx, set_def, FixedCamera(pose, lens), OverlayOptions(**opts), poses=walk
        ),
    }
    times: dict[str, list[dict[str, float]]] = {k: [] for k in variants}
    for i in range(args.frames + 3):
        for k, ov in variants.items():
            frame = ov.process(plate, i / 30.0)
            if i >= 3:  # warm-up: shader builds, JIT
                times[k].append(frame.timings)
    for ov in variants.values():
        ov.close()
    ctx.release()
    print(f"overlay at {W}x{H}, {args.frames} frames, sample set, green key")
    base = statistics.median(sum(r.values()) for r in times["rest pose"])
    for k, rows in times.items():
        total = [sum(r.values()) for r in rows]
        parts = "  ".join(
            f"{s} {statistics.median(r[s] for r in rows) * 1e3:6.2f}" for s in rows[0]
        )
        print(f"  {k:10s}: {_ms(total)} = {statistics.median(total) / base:4.2f}x | {parts}")

    img = cv2.cvtColor(cv2.imread(str(PHOTO)), cv2.COLOR_BGR2RGB)
    photo = np.ascontiguousarray(
        cv2.resize(img[40:340, 0:534], (W, H), interpolation=cv2.INTER_AREA)
    )
    proj = perspective_from_lens(Lens(35.0), W / H, 0.05, 500.0)
    pose_s, caps_s = [], []
    with PoseEstimator("lite", mode="video") as est:
        for i in range(args.frames + 3):
            t = time.perf_counter()
            found = est.detect(photo, i / 30.0)
            t1 = time.perf_counter()
            caps = body_capsules(found[0], W, H, proj, 4.0)
            actor_depth_map(capsule_depth(caps, W, H, proj), 4.0)
            t2 = time.perf_counter()
            if i >= 3:
                pose_s.append(t1 - t)
                caps_s.append(t2 - t1)
    print(f"actor depth per pixel on {PHOTO.name} at {W}x{H} ({len(caps)} capsules):")
    print(f"  MediaPipe pose (lite): {_ms(pose_s)}")
    print(f"  capsules -> depth map: {_ms(caps_s)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

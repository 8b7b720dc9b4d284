"""AR overlay frame time at 1280x720, split by stage (track, render, readback, matte,
composite), against a baseline run in the same process: the renderer's own
``render_image`` of the same set and camera (render + colour readback, no tracking,
no depth, no matte, no composite). Also the take recorder's cost per frame (journal +
fragmented H.264 of the composite and the plate).

Sample set (previzkit/assets/sets/sample.yaml: props, two mannequins, panorama sky), a green
screen plate with an actor block, tracking from a ChArUco board rendered into the plate
(BoardCamera) and from a fixed set camera; and the person-segmentation matte (MediaPipe,
no green screen) in place of the keyer. Frames are interleaved one by one so a
shared machine's load hits every variant alike. Run:
``python3 benchmarks/overlay.py [--frames N] [--backend auto|numpy|numba]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

W, H = 1280, 720


def _plate(board_view: np.ndarray | None) -> np.ndarray:
    plate = np.empty((H, W, 3), np.uint8)
    plate[:] = (40, 200, 60)
    if board_view is not None:  # the board on the studio floor, keyed like the screen
        mask = board_view.mean(axis=-1) < 200
        plate[mask] = board_view[mask]
    plate[120:700, 560:720] = (200, 150, 120)  # the actor
    return plate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--backend", default="auto")
    args = ap.parse_args()

    from previzkit.composite import get_backend
    from previzkit.model.setfile import load_set
    from previzkit.overlay.compositor import BoardCamera, FixedCamera, Overlay, OverlayOptions
    from previzkit.overlay.tracking.board_drawable import BoardDrawable
    from previzkit.overlay.tracking.charuco import BoardDef, Calibration
    from previzkit.render.headless import create_context
    from previzkit.render.renderer import Renderer
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore

    ctx = create_context()
    set_def = load_set(ROOT / "previzkit" / "assets" / "sets" / "sample.yaml")
    cam = set_def.camera(set_def.default_camera)
    pose, lens = cam.camera_to_world(), cam.lens
    board = BoardDef(square_m=0.2, marker_m=0.15, position=(-0.7, 0.003, 2.4))
    with Renderer(ctx, ROOT / "previzkit" / "assets" / "sets" / "sample.yaml") as film:
        film.drawables.skybox.visible = False
        film.drawables.ground.visible = False
        film.show_frustums = film.show_marks = False
        film.drawables.add(BoardDrawable(ctx, board))
        board_view = film.render_image((pose, lens), W, H, samples=4)
    plate = _plate(board_view)
    backend = get_backend(args.backend).name
    opts = dict(width=W, height=H, matte="green", actor_depth_m=4.0, backend=backend)
    variants = {
        "fixed": Overlay(ctx, set_def, FixedCamera(pose, lens), OverlayOptions(**opts)),
        "board": Overlay(
            ctx,
            set_def,
            BoardCamera(board, Calibration.from_lens(lens, W, H)),
            OverlayOptions(**opts),
        ),
    }
    seg = dict(opts, matte="segment")
    variants["segment"] = Overlay(ctx, set_def, FixedCamera(pose, lens), OverlayOptions(**seg))
    baseline = Renderer(ctx, set_def)
    base_times: list[float] = []
    stage_times = {k: [] for k in variants}
    with tempfile.TemporaryDirectory() as tmp:
        store = TakeStore(Path(tmp) / "proj")
        rec = Recorder(
            store, "1", "1-A", rate="24", start_tc="00:00:00:00", size=(W, H), plate_size=(W, H)
        )
        rec.start()
        rec_times: list[float] = []
        for i in range(args.frames + 3):
            t = time.perf_counter()
            baseline.render_image((pose, lens), W, H)
            dt = time.perf_counter() - t
            frames = {k: ov.process(plate) for k, ov in variants.items()}
            t = time.perf_counter()
            f = frames["board"]
            rec.frame(f.image, plate=plate, camera=(pose[:3, 3], (0, 0, 0, 1), lens))
            rt = time.perf_counter() - t
            if i >= 3:  # warm-up: shader builds, JIT, first allocations
                base_times.append(dt)
                rec_times.append(rt)
                for k, fr in frames.items():
                    stage_times[k].append(fr.timings)
        t = time.perf_counter()
        rec.stop()
        stop_s = time.perf_counter() - t
        store.close()
    for ov in variants.values():
        ov.close()
    baseline.release()

    base = statistics.median(base_times) * 1e3
    print(f"overlay at {W}x{H}, {args.frames} frames, composite backend {backend}")
    print(f"baseline renderer.render_image: {base:7.2f} ms (median)")
    for k, rows in stage_times.items():
        total = [sum(r.values()) for r in rows]
        med = statistics.median(total) * 1e3
        parts = "  ".join(
            f"{s} {statistics.median(r[s] for r in rows) * 1e3:6.2f}" for s in rows[0]
        )
        p99 = float(np.percentile(total, 99)) * 1e3
        print(
            f"overlay ({k:7s}): {med:7.2f} ms p50, {p99:7.2f} ms p99 = {med / base:4.2f}x "
            f"baseline | {parts}"
        )
    rec_ms = statistics.median(rec_times) * 1e3
    print(
        f"recorder.frame (journal + H.264 overlay + H.264 plate): {rec_ms:7.2f} ms "
        f"= {rec_ms / base:4.2f}x baseline; stop (replay + close) {stop_s * 1e3:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

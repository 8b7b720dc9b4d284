"""AR overlay frame time at 1280x720, split by stage (track, render, readback, matte,
composite), against a baseline run in the same process: the renderer's own
``render_image`` of the same set and camera (render + colour readback, no tracking,
no depth, no matte, no composite). Also the take recorder's cost per frame (journal +
fragmented H.264 of the composite and the plate).

Sample set (previzkit/assets/sets/sample.yaml: props, two mannequins, panorama sky), a green
screen plate with an actor block, tracking from a ChArUco board rendered into the plate
(BoardCamera: the plates dolly 2 cm a frame, so the camera moves every frame) and from a
fixed set camera; and the person-segmentation matte (MediaPipe,
no green screen) in place of the keyer; ``fixed, full render`` renders the whole set
every frame (``reuse_static=False``, what a moving camera costs). Frames are
interleaved one by one so a shared machine's load hits every variant alike. The first
frame after construction is timed apart (``first``: shader builds, kernel loading;
``build``: the construction, which warms up since issue 22).

``--code DIR`` imports previzkit from another checkout (``git worktree add /tmp/old
REV``), so the same benchmark measures the code before a change; compare the ratios
to the baseline, which absorb the machine's load. Run:
``python3 benchmarks/overlay.py [--frames N] [--backend auto|numpy|numba] [--code DIR]``.
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
sys.path.insert(0, str(ROOT))  # benchmarks.machine; --code DIR goes in front of it

W, H = 1280, 720
MOVES = 6  # plates of a dollying camera, cycled


def _plate(board_view: np.ndarray | None) -> np.ndarray:
    plate = np.empty((H, W, 3), np.uint8)
    plate[:] = (40, 200, 60)
    if board_view is not None:  # the board on the studio wall (drawn over magenta)
        v = board_view.astype(np.int16)
        mask = ~((v[..., 0] > 240) & (v[..., 1] < 15) & (v[..., 2] > 240))
        plate[mask] = board_view[mask]
    plate[120:700, 560:720] = (200, 150, 120)  # the actor
    return plate


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=30)
    ap.add_argument("--backend", default="auto")
    ap.add_argument("--code", type=Path, help="Import previzkit from this checkout.")
    args = ap.parse_args()
    if args.code is not None:
        sys.path.insert(0, str(args.code.resolve()))
    import previzkit
    from benchmarks.machine import cpu_model
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
    # on a wall left of the actor, facing the camera (tracked within 1.5 cm every frame)
    board = BoardDef(
        square_m=0.2, marker_m=0.15, position=(-2.3, 1.5, -1.0), orientation=(1.0, 0, 0, 0)
    )
    bare = Path(tempfile.mkdtemp()) / "bare.yaml"  # the board alone, over magenta
    bare.write_text(
        "name: bare\nbackground: {color: [1.0, 0.0, 1.0]}\n"
        "lights:\n  - {type: ambient, color: [1, 1, 1]}\n"
    )
    with Renderer(ctx, bare) as film:
        film.drawables.ground.visible = False
        film.show_frustums = film.show_marks = False
        film.drawables.add(BoardDrawable(ctx, board))
        # a slow dolly (2 cm a frame): the board-tracked camera moves every frame and
        # renders the whole set; fixed cameras ignore it
        moves = [pose.copy() for _ in range(MOVES)]
        for i, m in enumerate(moves):
            m[:3, 3] += m[:3, 0] * 0.02 * i
        plates = [_plate(film.render_image((m, lens), W, H, samples=4)) for m in moves]
    plate = plates[0]
    backend = get_backend(args.backend).name
    opts = dict(width=W, height=H, matte="green", actor_depth_m=4.0, backend=backend)
    reuse = "reuse_static" in OverlayOptions.__dataclass_fields__  # since issue 22
    specs = {
        "fixed": (FixedCamera(pose, lens), opts),
        "board": (BoardCamera(board, Calibration.from_lens(lens, W, H)), opts),
        "segment": (FixedCamera(pose, lens), dict(opts, matte="segment")),
    }
    if reuse:
        specs["fixed, full render"] = (FixedCamera(pose, lens), dict(opts, reuse_static=False))
    variants, first_s, build_s = {}, {}, {}
    for k, (tracker, o) in specs.items():
        t = time.perf_counter()
        variants[k] = Overlay(ctx, set_def, tracker, OverlayOptions(**o))
        build_s[k] = time.perf_counter() - t
        t = time.perf_counter()
        variants[k].process(plate)
        first_s[k] = time.perf_counter() - t
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
            plate = plates[i % MOVES]
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
    lost = {k: ov.lost for k, ov in variants.items()}
    for ov in variants.values():
        ov.close()
    baseline.release()

    base = statistics.median(base_times) * 1e3
    print(f"previzkit from {Path(previzkit.__file__).parent}; CPU {cpu_model()}")
    print(f"overlay at {W}x{H}, {args.frames} frames, composite backend {backend}")
    print(f"baseline renderer.render_image: {base:7.2f} ms (median)")
    for k in specs:
        print(
            f"first frame ({k:18s}): {first_s[k] * 1e3:7.1f} ms after a "
            f"{build_s[k] * 1e3:6.0f} ms construction"
        )
    for k, rows in stage_times.items():
        total = [sum(r.values()) for r in rows]
        med = statistics.median(total) * 1e3
        parts = "  ".join(
            f"{s} {statistics.median(r[s] for r in rows) * 1e3:6.2f}" for s in rows[0]
        )
        p99 = float(np.percentile(total, 99)) * 1e3
        print(
            f"overlay ({k:18s}): {med:7.2f} ms p50, {p99:7.2f} ms p99 = {med / base:4.2f}x "
            f"baseline | {parts}" + (f" | tracking lost {lost[k]}" if lost[k] else "")
        )
    rec_ms = statistics.median(rec_times) * 1e3
    print(
        f"recorder.frame (journal + H.264 overlay + H.264 plate): {rec_ms:7.2f} ms "
        f"= {rec_ms / base:4.2f}x baseline; stop (replay + close) {stop_s * 1e3:.0f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

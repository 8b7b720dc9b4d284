"""Capture benchmark: pose + filter + publish vs MediaPipe alone, and pose stream latency.

Run: ``python3 benchmarks/capture.py [--frames N] [--models lite,full,heavy]``

1. Frames per second of previzkit's capture loop (MultiPersonPose + One Euro +
   PosePublisher to a live subscriber) at 640x480 and 1280x720, one actor and two,
   for each model, next to MediaPipe alone (one PoseLandmarker in video mode on the
   same frames) measured in the same process. Frames are real photos (scikit-image's
   astronaut; astronaut + cameraman side by side for two actors) moving across the
   frame. Ratios are what to compare across machines.
2. Pose stream latency across two processes on loopback: N messages at a steady
   rate, p50 / p99 / max of (receive time - send time), and whether any was lost.
3. Finding people on real footage (``--people``; Debian's opencv-doc photos and
   vtest.avi): ``find_people`` per still and ``MultiPersonPose`` per video frame, in ms
   and per person found, against one PoseLandmarker call on the same image (image mode
   for stills, video mode for the video), measured alternately in the same process;
   ratios total and per person.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def moving_frames(photo: np.ndarray, n: int, w: int, h: int) -> list[np.ndarray]:
    from PIL import Image

    frames = []
    for i in range(n):
        s = min(0.85 * h / photo.shape[0], 0.9 * w / photo.shape[1]) * (1 + 0.002 * i)
        im = np.asarray(
            Image.fromarray(photo).resize(
                (int(photo.shape[1] * s), int(photo.shape[0] * s)), Image.BILINEAR
            )
        )
        canvas = np.full((h, w, 3), 40, np.uint8)
        ox = int(0.05 * w + 2 * i) % max(1, w - im.shape[1] - 1) if w > im.shape[1] else 0
        oy = int(0.05 * h)
        a = im[: h - oy, : w - ox]
        canvas[oy : oy + a.shape[0], ox : ox + a.shape[1]] = a
        frames.append(canvas)
    return frames


def mediapipe_alone(model: str, frames: list[np.ndarray], fps: float) -> tuple[float, float]:
    """(median wall s, mean CPU s) per frame of one PoseLandmarker (video mode) alone."""
    import mediapipe as mp
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    from previzkit.capture.models import model_path

    opts = vision.PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model_path(model))),
        running_mode=vision.RunningMode.VIDEO,
    )
    times, cpu = [], []
    with vision.PoseLandmarker.create_from_options(opts) as lm:
        for i, f in enumerate(frames):
            t0, c0 = time.perf_counter(), time.process_time()
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=f)
            lm.detect_for_video(image, int(i * 1000 / fps))
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
    return statistics.median(times[2:]), float(np.mean(cpu[2:]))


def previzkit_loop(
    model: str, frames: list[np.ndarray], fps: float, people: int, pub, threads: bool | None
) -> tuple[float, float, float, int]:
    """(median wall s, mean wall s, mean CPU s) per frame and the people found on the
    last frame, of the multi-person pose + One Euro + publish. Means include the periodic search for
    new actors."""
    from previzkit.capture.filters import ActorFilters
    from previzkit.capture.multi import MultiPersonPose

    filters = ActorFilters()
    times, cpu = [], []
    found = 0
    with MultiPersonPose(model, max_people=people, threads=threads) as multi:
        for i, f in enumerate(frames):
            t0, c0 = time.perf_counter(), time.process_time()
            poses = filters(multi.process(f, i / fps))
            for p in poses:
                pub.publish(p, frame=i, fps=fps, size=(f.shape[1], f.shape[0]))
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            found = len(poses)
    return statistics.median(times[2:]), float(np.mean(times[2:])), float(np.mean(cpu[2:])), found


OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")


def _vtest(start: int, n: int) -> list[np.ndarray]:
    import cv2

    cap = cv2.VideoCapture(str(OPENCV_DATA / "vtest.avi"))
    out = []
    for i in range(start + n):
        ok, bgr = cap.read()
        if not ok:
            break
        if i >= start:
            out.append(np.ascontiguousarray(bgr[:, :, ::-1]))
    return out


def people_on_real_footage(model: str, rounds: int, frames: int) -> None:
    """Part 3: time per image and per person found, against MediaPipe alone."""
    from PIL import Image

    from previzkit.capture.multi import MultiPersonPose, find_people
    from previzkit.capture.people import PeopleDetector
    from previzkit.capture.pose import PoseEstimator

    if not (OPENCV_DATA / "vtest.avi").is_file():
        print(f"people: skipped, {OPENCV_DATA} missing (Debian's opencv-doc)")
        return
    stills = {}
    for name in ("basketball1.png", "basketball2.png"):
        with Image.open(OPENCV_DATA / name) as im:
            stills[name] = np.ascontiguousarray(np.asarray(im.convert("RGB")))
    for i in (0, 199):
        stills[f"vtest.avi#{i}"] = _vtest(i, 1)[0]
    print(
        f"\nfinding people, {model}, stills (median of {rounds}; MediaPipe alone = one "
        "PoseLandmarker call, image mode, on the same image)"
    )
    print(
        f"{'image':16} {'size':>9} {'people':>6} | {'MediaPipe ms':>12} | {'previzkit ms':>12} "
        f"{'/person':>8} | {'ratio':>6} {'/person':>8}"
    )
    with PoseEstimator(model, mode="image") as est:
        det = PeopleDetector()
        for name, img in stills.items():
            est.detect(img)
            base, ours, found = [], [], 0
            for _ in range(rounds):
                t0 = time.perf_counter()
                est.detect(img)
                base.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                found = len(find_people(est, img, max_people=10, detector=det))
                ours.append(time.perf_counter() - t0)
            b, o = statistics.median(base), statistics.median(ours)
            per = o / max(found, 1)
            print(
                f"{name:16} {img.shape[1]:>4}x{img.shape[0]:<4} {found:>6} | {b * 1000:12.1f} | "
                f"{o * 1000:12.1f} {per * 1000:8.1f} | {o / b:6.2f} {per / b:8.2f}",
                flush=True,
            )
    video = _vtest(0, frames)
    mp_times = []
    with PoseEstimator(model, mode="video") as est:
        for i, f in enumerate(video):
            t0 = time.perf_counter()
            est.detect(f, i / 10)
            mp_times.append(time.perf_counter() - t0)
    ours_t, counts = [], []
    with MultiPersonPose(model, max_people=8, search_every=5) as multi:
        for i, f in enumerate(video):
            t0 = time.perf_counter()
            counts.append(len(multi.process(f, i / 10)))
            ours_t.append(time.perf_counter() - t0)
    b, o = float(np.mean(mp_times[1:])), float(np.mean(ours_t[1:]))
    people = float(np.mean(counts))
    print(
        f"vtest.avi frames 0-{len(video) - 1} (768x576, MultiPersonPose max_people=8, search every "
        f"5 frames): {o * 1000:.1f} ms/frame, {people:.1f} people/frame, "
        f"{o / people * 1000:.1f} ms/person; MediaPipe alone (video mode, one person) "
        f"{b * 1000:.1f} ms/frame; ratio {o / b:.2f}, per person {o / people / b:.2f}"
    )


SUBSCRIBER = textwrap.dedent(
    """
    import json, sys, time
    from previzkit.capture.stream import PoseSubscriber
    sub = PoseSubscriber(sys.argv[1])
    print("ready", flush=True)
    lat = []
    n = int(sys.argv[2])
    while len(lat) < n:
        m = sub.receive(timeout=10.0)
        if m is None:
            break
        lat.append(time.time() - m.wall)
    print(json.dumps({"lat": lat, "dropped": sub.stats.dropped}), flush=True)
    """
)


def stream_latency(n: int, rate: float) -> dict:
    from previzkit.capture.stream import PosePublisher
    from previzkit.core.types import Pose

    rng = np.random.default_rng(0)
    pose = Pose(
        0.0, 0, rng.random((33, 3)).astype(np.float32), rng.random((33, 3)).astype(np.float32)
    )
    with PosePublisher("tcp://127.0.0.1:0") as pub:
        proc = subprocess.Popen(
            [sys.executable, "-c", SUBSCRIBER, pub.endpoint, str(n)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout.readline().strip() == "ready"
        assert pub.wait_for_subscribers(1, 10.0)
        time.sleep(0.1)
        start = time.perf_counter()
        for i in range(n):
            pose.timestamp = i / rate
            pub.publish(pose, frame=i)
            nxt = start + (i + 1) / rate
            while time.perf_counter() < nxt:
                time.sleep(max(0.0, nxt - time.perf_counter() - 0.0005))
        out = json.loads(proc.stdout.readline())
        proc.wait(timeout=20)
    lat = np.array(out["lat"]) * 1000
    return {
        "sent": n,
        "received": len(lat),
        "dropped": out["dropped"],
        "p50_ms": float(np.percentile(lat, 50)),
        "p99_ms": float(np.percentile(lat, 99)),
        "max_ms": float(lat.max()),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=90, help="frames per configuration")
    ap.add_argument("--models", default="lite,full,heavy")
    ap.add_argument("--sizes", default="640x480,1280x720")
    ap.add_argument("--rounds", type=int, default=3, help="alternating rounds per setting")
    ap.add_argument("--messages", type=int, default=2000, help="pose stream messages")
    ap.add_argument("--rate", type=float, default=500.0, help="pose stream messages/s")
    ap.add_argument(
        "--threads",
        choices=["auto", "on", "off"],
        default="auto",
        help="actor lanes side by side in threads (auto: on with >= 2 cores)",
    )
    ap.add_argument("--actors", default="1,2", help="actor counts to run")
    ap.add_argument("--stream-only", action="store_true", help="only the latency part")
    ap.add_argument("--people", action="store_true", help="only part 3 (finding people)")
    ap.add_argument("--people-frames", type=int, default=60, help="vtest frames in part 3")
    args = ap.parse_args()

    from benchmarks.machine import cpu_model

    print(f"CPU: {cpu_model()}, {os.cpu_count()} cores")
    if args.people:
        for model in args.models.split(","):
            people_on_real_footage(model, args.rounds, args.people_frames)
        return 0

    from skimage import data

    from previzkit.capture.models import ModelNotFound, model_path
    from previzkit.capture.stream import PosePublisher, PoseSubscriber

    lat = stream_latency(args.messages, args.rate)
    print(
        f"pose stream, 2 processes, loopback, {lat['sent']} msgs at {args.rate:.0f}/s: "
        f"received {lat['received']}, dropped {lat['dropped']}, "
        f"p50 {lat['p50_ms']:.3f} ms, p99 {lat['p99_ms']:.3f} ms, max {lat['max_ms']:.3f} ms "
        f"(goal p99 < 2 ms)"
    )

    if args.stream_only:
        return 0
    threads = {"auto": None, "on": True, "off": False}[args.threads]
    astronaut = data.astronaut()
    pair = np.concatenate([astronaut, np.repeat(data.camera()[:, :, None], 3, 2)], axis=1)
    fps = 30.0
    print()
    print(
        f"{'model':6} {'size':>9} {'actors':>6} | {'MediaPipe alone':>19} | "
        f"{'previzkit pose+filter+publish':>33} | {'CPU ratio':>15}"
    )
    print(
        f"{'':6} {'':>9} {'':>6} | {'wall ms':>9} {'CPU ms':>9} | {'wall ms':>9} {'CPU ms':>9} "
        f"{'fps':>6} {'found':>5} | {'total':>6} {'/actor':>7}"
    )
    pub = PosePublisher("tcp://127.0.0.1:0")
    sub = PoseSubscriber(pub.endpoint)
    pub.wait_for_subscribers(1, 5.0)
    for model in args.models.split(","):
        try:
            model_path(model)
        except ModelNotFound as exc:
            print(f"{model:6} skipped: {exc}")
            continue
        for size in args.sizes.split(","):
            w, h = (int(v) for v in size.split("x"))
            wanted = {int(a) for a in args.actors.split(",")}
            for people, photo in ((1, astronaut), (2, pair)):
                if people not in wanted:
                    continue
                frames = moving_frames(photo, args.frames, w, h)
                # alternate the two, several rounds: other work on a shared machine
                # then loads both alike; medians over the rounds
                base_wall, base_cpu, walls, means, cpus = [], [], [], [], []
                for _ in range(args.rounds):
                    bw, bc = mediapipe_alone(model, frames, fps)
                    med, mean, cpu, found = previzkit_loop(model, frames, fps, people, pub, threads)
                    base_wall.append(bw)
                    base_cpu.append(bc)
                    walls.append(med)
                    means.append(mean)
                    cpus.append(cpu)
                    while sub.receive(0.0) is not None:
                        pass
                bw, bc, med, mean, cpu = (
                    statistics.median(v) for v in (base_wall, base_cpu, walls, means, cpus)
                )
                print(
                    f"{model:6} {size:>9} {people:>6} | {bw * 1000:9.1f} {bc * 1000:9.1f} | "
                    f"{med * 1000:9.1f} {cpu * 1000:9.1f} {1 / mean:6.1f} {found:>5} | "
                    f"{cpu / bc:6.2f} {cpu / bc / people:7.2f}",
                    flush=True,
                )
    sub.close()
    pub.close()
    print(
        "\nwall ms: median per frame; CPU ms: mean process CPU time per frame (all threads,"
        " searches for new actors included); fps = 1 / mean wall time; ratio = previzkit"
        " CPU / MediaPipe-alone CPU, and that per actor (MediaPipe runs its landmark model"
        " once per person either way; goal < 1.10)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

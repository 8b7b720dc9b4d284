"""Grounded capture, measured: the metric root against mocap ground truth, height kept
on a climb and a jump, planted feet and occluded limbs on a real walker.

Run: ``PYTHONPATH=. python3 benchmarks/capture_motion.py`` (the walker needs opencv-doc's
vtest.avi and MediaPipe; it is skipped, saying so, without them).

1. Root solver: shipped mocap (CMU climb and jump, DeepMimic walk and run, CMU walk
   curve) placed 5 m from a 1080p, 60-degree camera 1.5 m up and tilted 8 degrees down,
   landmarks projected with 2 px of noise; error of the solved hip centre per frame
   (median / 95th percentile / max, cm), with the floor given and fitted to the feet.
2. Height kept: the hips' rise on the climb (frames 100-160 against 0-10) and the jump's
   apex, exported skeleton against the mocap.
3. A real walker (vtest.avi, 10 fps, 2x crop following him, MediaPipe full): planted-
   foot speed in the exported motion (median over contact frames, cm/s) with and
   without foot locking, and the share of frames with a limb left at the rest pose,
   retargeted clip against frame by frame (what the exporters did before).
"""

from __future__ import annotations

import os
import time

import numpy as np

from benchmarks.machine import cpu_model
from previzkit.capture.retarget import retarget, retarget_clip
from previzkit.capture.root import ground_motion
from previzkit.model.contacts import contact_ranges, foot_skate
from previzkit.model.kinematics import landmark_positions
from tests.helpers.grounded import (
    CAMERA,
    GROUND,
    INTRINSICS_ONLY,
    LIMBS,
    VTEST,
    mocap_seen_by,
    vtest_walker,
)


def _cm(err: np.ndarray) -> str:
    a, b, c = np.percentile(err, [50, 95, 100]) * 100
    return f"{a:4.1f} / {b:4.1f} / {c:4.1f}"


def root_solver() -> None:
    print("1. root solver, 5 m from the camera, 2 px noise: hip error cm (median / p95 / max)")
    for clip in ("climb", "jump_forward", "walk", "walk_curve", "run"):
        poses, truth, _ = mocap_seen_by(clip, CAMERA, GROUND)
        t = time.perf_counter()
        given = ground_motion(poses, CAMERA)
        ms = (time.perf_counter() - t) * 1000 / len(poses)
        fitted = ground_motion(poses, INTRINSICS_ONLY)
        g = fitted.ground
        print(
            f"   {clip:13s} {len(poses):4d} frames  floor given {_cm(np.linalg.norm(given.root - truth, axis=1))}"
            f"  floor from feet {_cm(np.linalg.norm(fitted.root - truth, axis=1))}"
            f" (camera {g.height_m:.2f} m, {g.tilt_deg:.1f} deg; truth 1.50 m, 8.0 deg)"
            f"  {ms:.2f} ms/frame"
        )


def heights() -> None:
    print("2. height kept (exported hips, m)")
    for clip, top, start in (
        ("climb", slice(100, 160), slice(0, 10)),
        ("jump_forward", None, slice(0, 5)),
    ):
        poses, truth, _ = mocap_seen_by(clip, CAMERA, GROUND)
        for name, cam in (("floor given", CAMERA), ("floor from feet", INTRINSICS_ONLY)):
            _, out = retarget_clip(poses, camera=cam)
            y = np.array([p.root[1] for p in out])
            if top is None:
                want, got = (
                    truth[:, 1].max() - np.median(truth[start, 1]),
                    y.max() - np.median(y[start]),
                )
            else:
                want = np.median(truth[top, 1]) - np.median(truth[start, 1])
                got = np.median(y[top]) - np.median(y[start])
            print(
                f"   {clip:13s} {name:16s} rise {got:.3f} m, mocap {want:.3f} m ({(got / want - 1) * 100:+.1f}%)"
            )


def _skate(skeleton, poses, motion, within: bool) -> dict[str, float]:
    lm = np.stack([landmark_positions(skeleton, p) for p in poses])
    ranges = {f: contact_ranges(motion.contacts[:, k]) for k, f in enumerate(("left", "right"))}
    return foot_skate(lm, motion.fps, ranges, within=within)


def _rest_share(poses) -> float:
    rest = [[abs(p.rotations.get(n, (0, 0, 0, 1))[3]) > 1 - 1e-9 for n in LIMBS] for p in poses]
    return float(np.mean(np.any(rest, axis=1)) * 100)


def walker() -> None:
    if not VTEST.is_file():
        print(f"3. real walker: skipped, {VTEST} is missing (apt install opencv-doc)")
        return
    t = time.perf_counter()
    poses, camera = vtest_walker()
    t_pose = time.perf_counter() - t
    t = time.perf_counter()
    motion = ground_motion(poses, camera)
    sk, locked = retarget_clip(poses, camera=camera)
    t_clip = time.perf_counter() - t
    _, free = retarget_clip(poses, sk, camera=camera, lock=False)
    live = [retarget(p, sk) for p in poses]
    g = motion.ground
    hips = np.linalg.norm(np.gradient(motion.root[:, [0, 2]], motion.times, axis=0), axis=1)
    fmt = lambda d: " / ".join(f"{v:.1f}" for v in d.values())  # noqa: E731
    print(
        f"3. real walker, vtest.avi: {len(poses)} frames posed in {t_pose:.1f} s (MediaPipe full, 2x crop)"
    )
    print(
        f"   floor from his feet: camera {g.height_m:.2f} m up, tilted {g.tilt_deg:.1f} deg; "
        f"feet planted in {motion.contacts.mean() * 100:.0f}% of foot-frames; hips median {np.median(hips):.2f} m/s"
    )
    print(
        f"   planted foot speed, left / right cm/s, steps within contacts: locked {fmt(_skate(sk, locked, motion, True))}"
        f", unlocked {fmt(_skate(sk, free, motion, True))}"
    )
    print(
        f"   same, central differences (straddle a 10 fps lift-off): locked {fmt(_skate(sk, locked, motion, False))}"
        f", unlocked {fmt(_skate(sk, free, motion, False))}"
    )
    print(
        f"   frames with a limb at the rest pose: clip {_rest_share(locked):.1f}%, frame by frame {_rest_share(live):.1f}%"
    )
    print(
        f"   ground + retarget of the clip: {t_clip:.2f} s ({t_clip / len(poses) * 1000:.1f} ms/frame)"
    )


def main() -> None:
    print(f"capture_motion: {cpu_model()}, {os.cpu_count()} CPUs")
    root_solver()
    heights()
    walker()


if __name__ == "__main__":
    main()

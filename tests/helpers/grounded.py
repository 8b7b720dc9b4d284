"""Real motion seen through a known camera, for the grounded-capture tests and benchmark.

- :func:`mocap_seen_by`: a shipped mocap clip (``assets/motion/library``, CMU and
  DeepMimic captures) placed in front of a known camera and projected to pixels with
  Gaussian pixel noise: the poses MediaPipe would report, and the ground truth.
- :func:`vtest_walker`: MediaPipe on OpenCV's ``vtest.avi`` (a real street scene,
  768x576, 10 fps), through a 2x-upscaled crop window that follows one walker.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from previzkit.capture.root import Ground
from previzkit.core.types import Pose
from previzkit.model.capture_camera import CaptureCamera

# the camera of the synthetic checks (mocap seen 5 m away) and the limbs checked for
# the rest pose; shared by tests/capture/test_grounded_motion.py and benchmarks/capture_motion.py
CAMERA = CaptureCamera.from_hfov(1920, 1080, 60.0, height_m=1.5, tilt_deg=8.0)
INTRINSICS_ONLY = CaptureCamera.from_hfov(1920, 1080, 60.0)
GROUND = Ground(1.5, 8.0)
LIMBS = [
    f"{s}_{b}"
    for s in ("left", "right")
    for b in ("upper_arm", "forearm", "upper_leg", "lower_leg")
]

VTEST = Path("/usr/share/doc/opencv-doc/examples/data/vtest.avi")


def mocap_seen_by(
    clip_id: str,
    camera: CaptureCamera,
    ground: Ground,
    distance_m: float = 5.0,
    noise_px: float = 2.0,
    seed: int = 0,
) -> tuple[list[Pose], np.ndarray, np.ndarray]:
    """(poses, (F, 3) true hip centre, (F, 33, 3) true landmarks), truths in the set
    frame of ``ground`` (camera above the origin): the clip starts ``distance_m`` in front
    of the camera, facing it."""
    from previzkit.production.library import load_library

    clip = load_library().get(clip_id)
    lm = clip.landmarks().copy()
    lm[:, :, 2] -= distance_m
    cam_pts = (lm - np.array([0.0, ground.height_m, 0.0])) @ ground.rotation()  # R^T
    hips = cam_pts[:, [23, 24]].mean(axis=1)
    rng = np.random.default_rng(seed)
    u = camera.focal_px * cam_pts[..., 0] / cam_pts[..., 2] + camera.cx
    v = camera.focal_px * cam_pts[..., 1] / cam_pts[..., 2] + camera.cy
    u = u + rng.normal(0.0, noise_px, u.shape)
    v = v + rng.normal(0.0, noise_px, v.shape)
    poses = []
    for i in range(len(lm)):
        img = np.c_[u[i], v[i], np.full(33, 0.95)].astype(np.float32)
        poses.append(Pose(i / clip.fps, 0, img, (cam_pts[i] - hips[i]).astype(np.float32)))
    return poses, (lm[:, 23] + lm[:, 24]) / 2, lm


def vtest_walker(
    model: str = "full", start: int = 60, frames: int = 150
) -> tuple[list[Pose], CaptureCamera]:
    """The man in jeans who walks away from the camera from frame ``start`` (he enters
    at the right, hips near (634, 289) px): poses in the full frame's pixels, and the
    camera (60 degrees assumed: vtest's lens is not documented)."""
    import cv2

    from previzkit.capture.pose import PoseEstimator
    from previzkit.media.video import VideoReader

    half, scale = 100, 2
    cx, cy, vx, vy = 632.0, 285.0, 0.0, 0.0
    poses: list[Pose] = []
    with PoseEstimator(model, mode="video") as est, VideoReader(VTEST) as video:
        for frame in video.frames():
            i, rgb = frame.index, frame.image
            if i >= start + frames:
                break
            if i < start:
                continue
            cx, cy = cx + vx, cy + vy
            x0 = round(min(max(cx - half, 0), rgb.shape[1] - 2 * half))
            y0 = round(min(max(cy - half, 0), rgb.shape[0] - 2 * half))
            crop = rgb[y0 : y0 + 2 * half, x0 : x0 + 2 * half]
            crop = cv2.resize(crop, (2 * half * scale,) * 2, interpolation=cv2.INTER_CUBIC)
            found = est.detect(np.ascontiguousarray(crop), frame.time)
            if not found:
                continue
            p = found[0]
            img = p.image.copy()
            img[:, 0] = x0 + img[:, 0] / scale
            img[:, 1] = y0 + img[:, 1] / scale
            hx, hy = img[[23, 24], :2].mean(axis=0)
            if abs(hx - cx) > 30 or abs(hy - cy) > 30:  # someone else: skip the frame
                continue
            vx, vy = 0.5 * vx + 0.5 * (hx - cx + vx), 0.5 * vy + 0.5 * (hy - cy + vy)
            cx, cy = float(hx), float(hy)
            poses.append(Pose(frame.time, 0, img, p.world, p.confidence))
    return poses, CaptureCamera.from_hfov(768, 576, 60.0, assumed=True)

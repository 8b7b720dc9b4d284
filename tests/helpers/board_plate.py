"""A handheld plate of a ChArUco board on a textured floor, made without previzkit's
renderer: OpenCV's own board image and a noise floor texture warped by a known camera
path with ``cv2.warpPerspective``, sensor noise, then H.264 through PyAV and decoded back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from previzkit.overlay.tracking.charuco import CV_TO_GL, BoardDef, Calibration

FLOOR_HALF_M = 5.0  # the textured floor spans x, z in [-5, 5] m
FLOOR_PX_PER_M = 200


def floor_texture(seed: int = 0) -> np.ndarray:
    """Concrete-like gray floor (uint8), features at several scales for optical flow."""
    import cv2

    rng = np.random.default_rng(seed)
    n = int(2 * FLOOR_HALF_M * FLOOR_PX_PER_M)
    tex = np.zeros((n, n), np.float32)
    for scale, amp in ((64, 40.0), (12, 30.0), (2, 20.0)):
        small = rng.normal(0, 1, (n // scale + 1, n // scale + 1)).astype(np.float32)
        tex += amp * cv2.resize(small, (n, n), interpolation=cv2.INTER_LINEAR)
    return np.clip(tex + 120, 30, 220).astype(np.uint8)


def _homography(k: np.ndarray, camera_to_world: np.ndarray, plane_to_world: np.ndarray):
    """Image-from-plane-pixels homography: ``plane_to_world`` (4, 3) maps (u, v, 1)."""
    world_to_cv = CV_TO_GL @ np.linalg.inv(camera_to_world)
    return k @ (world_to_cv @ plane_to_world)[:3]


def film(
    board: BoardDef,
    calibration: Calibration,
    poses: list[np.ndarray],
    noise: float = 3.0,
    seed: int = 0,
    px_per_square: int = 48,
    shutter: float = 0.0,
) -> list[np.ndarray]:
    """RGB uint8 frames (calibration's size) of ``board`` on the floor seen from each
    camera-to-world pose (set frame). The floor is the plane y = 0. ``shutter`` > 0
    adds motion blur: a line as long as that fraction of the image centre's motion
    since the previous pose (0.5 = a 180 degree shutter)."""
    import cv2

    w, h = calibration.width, calibration.height
    k = calibration.camera_matrix
    floor = floor_texture(seed)
    s = 1.0 / FLOOR_PX_PER_M
    floor_to_world = np.array(
        [[s, 0, -FLOOR_HALF_M + s / 2], [0, 0, 0], [0, s, -FLOOR_HALF_M + s / 2], [0, 0, 1.0]]
    )
    board_img = board.image(px_per_square)
    b = board.square_m / px_per_square
    board_to_world = board.board_to_set() @ np.array(
        [[b, 0, b / 2], [0, b, b / 2], [0, 0, 0], [0, 0, 1.0]]
    )
    ones = np.full(board_img.shape, 255, np.uint8)
    cv2.setRNGSeed(seed + 1)
    grain = np.empty((h, w), np.float32)
    out = []
    prev_centre = None
    for pose in poses:
        hf = _homography(k, pose, floor_to_world)
        hb = _homography(k, pose, board_to_world)
        g = cv2.warpPerspective(floor, hf, (w, h), flags=cv2.INTER_LINEAR).astype(np.float32)
        bw = cv2.warpPerspective(board_img, hb, (w, h), flags=cv2.INTER_LINEAR).astype(np.float32)
        mask = cv2.warpPerspective(ones, hb, (w, h), flags=cv2.INTER_LINEAR)
        mask = mask.astype(np.float32) * np.float32(1 / 255)
        g += (bw - g) * mask
        centre = _floor_point_at_centre(pose)
        if shutter > 0 and prev_centre is not None:
            g = _blur_along(g, _image_motion(k, pose, prev_centre) * shutter)
        prev_centre = centre
        cv2.randn(grain, 0.0, noise)
        g += grain
        gray = np.clip(g, 0, 255).astype(np.uint8)
        out.append(cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB))
    return out


def _floor_point_at_centre(pose: np.ndarray) -> np.ndarray:
    """Where the camera's optical axis meets the floor (or a point 3 m ahead)."""
    o, d = pose[:3, 3], -pose[:3, 2]
    s = -o[1] / d[1] if d[1] < -1e-6 else 3.0
    return o + d * min(s, 20.0)


def _image_motion(k: np.ndarray, pose: np.ndarray, point: np.ndarray) -> np.ndarray:
    """Pixels from the image centre to ``point`` seen through ``pose``: how far the
    scene at the previous frame's centre moved."""
    c = (CV_TO_GL @ np.linalg.inv(pose) @ np.array([*point, 1.0]))[:3]
    u = k @ c
    return u[:2] / u[2] - k[:2, 2]


def _blur_along(gray: np.ndarray, motion: np.ndarray) -> np.ndarray:
    """Box motion blur along ``motion`` (px, x right, y down) of its length."""
    import cv2

    length = float(np.hypot(*motion))
    if length < 1.5:
        return gray
    n = int(np.ceil(length)) | 1
    kernel = np.zeros((n, n), np.float32)
    c = n // 2
    dx, dy = motion / length * length / 2
    cv2.line(kernel, (round(c - dx), round(c - dy)), (round(c + dx), round(c + dy)), 1.0, 1)
    return cv2.filter2D(gray, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REPLICATE)


def h264_round_trip(frames: list[np.ndarray], path: Path, fps: int = 30) -> list[np.ndarray]:
    """Encode ``frames`` to H.264 (PyAV, CRF 23, preset veryfast) and decode them back (RGB uint8)."""
    import av

    from tests.helpers.media import write_video

    write_video(path, frames, fps, {"crf": "23", "preset": "veryfast"})
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3 - 2 * x)


def handheld_path(
    times: Iterable[float],
    eye: tuple[float, float, float],
    target: tuple[float, float, float],
    away: Callable[[float], tuple[float, float]] | None = None,
    shake_m: float = 0.006,
    shake_deg: float = 0.4,
) -> list[np.ndarray]:
    """Camera-to-world poses at ``times`` (seconds) of a handheld camera looking from
    ``eye`` at ``target`` with hand shake (a few Hz); ``away(t)`` gives (pan degrees, sideways metres) to turn
    and walk away from the target (0, 0 = on it)."""
    from previzkit.core.geometry import axis_rotation, look_at

    poses = []
    for t in times:
        pan, side = away(t) if away is not None else (0.0, 0.0)
        shake = shake_m * np.array(
            [np.sin(2.1 * t * 6.28), np.sin(1.3 * t * 6.28 + 1), np.sin(2.9 * t * 6.28 + 2)]
        )
        e = np.array(eye) + np.array([side, 0, 0]) + shake
        m = look_at(e, np.array(target) + np.array([side, 0, 0]))
        wob = np.radians(shake_deg) * np.array(
            [np.sin(3.1 * t * 6.28), np.sin(2.3 * t * 6.28 + 0.5), np.sin(1.7 * t * 6.28 + 1.5)]
        )
        r = axis_rotation(1, np.radians(pan)) @ m[:3, :3]  # pan about the vertical
        r = r @ axis_rotation(0, wob[0]) @ axis_rotation(1, wob[1]) @ axis_rotation(2, wob[2])
        m[:3, :3] = r
        poses.append(m)
    return poses

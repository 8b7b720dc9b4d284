"""MediaPipe PoseLandmarker (Tasks API) behind a small, always-closed wrapper.

Output per person: :class:`previzkit.core.types.Pose` with ``image`` (33, 3) = x, y in
pixels of the input frame (row 0 at the top) and visibility in [0, 1], ``world``
(33, 3) in metres in MediaPipe's hip-centred frame (x to the image's right, y down,
z away from the camera), ``confidence`` = mean landmark presence.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.capture.models import model_path
from previzkit.core.errors import InputError, ModelNotFound, ShapeError
from previzkit.core.optional import require
from previzkit.core.types import Pose
from previzkit.model.landmarks import LANDMARK_NAMES

__all__ = ["LANDMARK_NAMES", "NUM_LANDMARKS", "PoseEstimator", "check_image"]

NUM_LANDMARKS = 33


def check_image(image: npt.NDArray, what: str = "image") -> npt.NDArray[np.uint8]:
    """Validate an RGB uint8 (H, W, 3) frame; contiguous copy only when needed."""
    img = np.asarray(image)
    if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
        raise ShapeError(f"{what} must be RGB uint8 (H, W, 3), got {img.dtype} {img.shape}")
    if img.shape[0] < 8 or img.shape[1] < 8:
        raise ShapeError(f"{what} is too small for pose: {img.shape[1]}x{img.shape[0]} px")
    return img if img.flags.c_contiguous else np.ascontiguousarray(img)


@contextlib.contextmanager
def _quiet_native_logs():
    """Silence MediaPipe/LiteRT's native INFO/WARNING lines (written straight to fd 2)
    while a landmarker loads; ``PREVIZKIT_MEDIAPIPE_LOGS=1`` or debug logging keeps them."""
    import logging
    import os
    import sys

    if os.environ.get("PREVIZKIT_MEDIAPIPE_LOGS") or logging.getLogger().isEnabledFor(
        logging.DEBUG
    ):
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def resolve_model(model: str | Path) -> Path:
    """A variant name (lite, full, heavy) or a path to a ``.task`` bundle."""
    if isinstance(model, str) and model in ("lite", "full", "heavy"):
        return model_path(model)
    path = Path(model)
    if path.suffix == ".task" or path.exists():
        if not path.is_file():
            raise ModelNotFound(f"pose model bundle {path} not found")
        return path
    raise InputError(f"pose model {model!r} is neither lite, full, heavy nor a .task file")


class PoseEstimator:
    """One MediaPipe PoseLandmarker.

    ``mode`` is ``"video"`` (frames in time order; MediaPipe tracks the person between
    frames and skips its detector) or ``"image"`` (independent stills). Confidences are
    MediaPipe's (detection, presence, tracking), each in [0, 1]. Always :meth:`close`
    it (or use ``with``): MediaPipe complains at interpreter exit otherwise.
    """

    def __init__(
        self,
        model: str | Path = "lite",
        *,
        mode: str = "video",
        num_poses: int = 1,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
    ) -> None:
        if mode not in ("video", "image"):
            raise InputError(f"pose mode must be 'video' or 'image', got {mode!r}")
        if not (isinstance(num_poses, int) and num_poses >= 1):
            raise InputError(f"num_poses must be a positive integer, got {num_poses!r}")
        for name, v in (
            ("min_detection_confidence", min_detection_confidence),
            ("min_presence_confidence", min_presence_confidence),
            ("min_tracking_confidence", min_tracking_confidence),
        ):
            if not 0.0 <= float(v) <= 1.0:
                raise InputError(f"{name} must be in [0, 1], got {v!r}")
        vision = require("mediapipe.tasks.python.vision", "capture", "pose detection")
        BaseOptions = require(
            "mediapipe.tasks.python.core.base_options", "capture", "pose detection"
        ).BaseOptions

        self.model_path = resolve_model(model)
        self.mode = mode
        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_path=str(self.model_path)),
            running_mode=vision.RunningMode.VIDEO if mode == "video" else vision.RunningMode.IMAGE,
            num_poses=num_poses,
            min_pose_detection_confidence=float(min_detection_confidence),
            min_pose_presence_confidence=float(min_presence_confidence),
            min_tracking_confidence=float(min_tracking_confidence),
        )
        with _quiet_native_logs():
            self._landmarker = vision.PoseLandmarker.create_from_options(options)
        self._last_ms = -1
        self._warm = False

    def detect(self, image: npt.NDArray[np.uint8], timestamp: float = 0.0) -> list[Pose]:
        """Poses found in an RGB uint8 (H, W, 3) frame at ``timestamp`` (s).

        In video mode timestamps must increase; equal or earlier ones are nudged 1 ms on.
        Returned poses have ``actor_id`` -1 (ids come from the tracker).
        """
        mp = require("mediapipe", "capture", "pose detection")

        if self._landmarker is None:
            raise InputError("PoseEstimator is closed")
        img = check_image(image)
        mp_image = mp.Image(image_format=mp.ImageFormat.SRGB, data=img)
        if not self._warm:  # the first inference logs a few native warnings too
            self._warm = True
            with _quiet_native_logs():
                return self._detect(mp_image, img, timestamp)
        return self._detect(mp_image, img, timestamp)

    def _detect(self, mp_image, img, timestamp: float) -> list[Pose]:
        if self.mode == "video":
            ms = max(round(timestamp * 1000.0), self._last_ms + 1)
            self._last_ms = ms
            result = self._landmarker.detect_for_video(mp_image, ms)
        else:
            result = self._landmarker.detect(mp_image)
        return poses_from_result(result, img.shape[1], img.shape[0], timestamp)

    def close(self) -> None:
        if self._landmarker is not None:
            with _quiet_native_logs():
                self._landmarker.close()
            self._landmarker = None

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # pragma: no cover - safety net
        # no module globals here (contextlib may already be gone at interpreter exit)
        try:  # noqa: SIM105
            self.close()
        except Exception:
            pass


def poses_from_result(result, width: int, height: int, timestamp: float) -> list[Pose]:
    """Convert a PoseLandmarkerResult to :class:`Pose` objects in pixel coordinates."""
    poses = []
    for lms, wlms in zip(result.pose_landmarks, result.pose_world_landmarks, strict=True):
        a = np.array(
            [(p.x, p.y, p.visibility or 0.0, p.presence or 0.0) for p in lms], dtype=np.float32
        )
        w = np.array([(p.x, p.y, p.z) for p in wlms], dtype=np.float32)
        image = a[:, :3].copy()
        image[:, 0] *= width
        image[:, 1] *= height
        poses.append(
            Pose(
                timestamp=float(timestamp),
                actor_id=-1,
                image=image,
                world=w,
                confidence=float(a[:, 3].mean()),
                flags=np.zeros(NUM_LANDMARKS, np.uint8),
            )
        )
    return poses

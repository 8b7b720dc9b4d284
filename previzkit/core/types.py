"""Type aliases and small data types shared across areas.

Frames: right-handed, y up, metres, seconds. A camera looks down its local -z with +y
up (OpenGL and OpenXR conventions). Quaternions are (x, y, z, w) like OpenXR's
XrQuaternionf. Images are numpy arrays (H, W, C), row 0 at the top.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

import numpy as np
import numpy.typing as npt

Vec3 = npt.NDArray[np.float64]  # (3,)
Quat = npt.NDArray[np.float64]  # (4,) x, y, z, w
Mat3 = npt.NDArray[np.float64]  # (3, 3) rotation, column vectors: v' = R @ v
Mat4 = npt.NDArray[np.float64]  # (4, 4), column vectors: p' = M @ p
ImageU8 = npt.NDArray[np.uint8]  # (H, W, C)
ImageF32 = npt.NDArray[np.float32]  # (H, W, C) or (H, W)

CommandT = TypeVar("CommandT", bound=Callable[..., object])  # a command a decorator adds options to


@dataclass(frozen=True)
class Pose3D:
    """A rigid pose: position (m) and orientation quaternion (x, y, z, w), in a parent frame."""

    position: tuple[float, float, float] = (0.0, 0.0, 0.0)
    orientation: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 1.0)


@dataclass
class Pose:
    """One actor's MediaPipe pose at one instant (see docs/design.md).

    ``image`` holds the 33 landmarks' (x, y) in pixels of the source frame and their
    visibility in [0, 1]: shape (33, 3). ``world`` holds (x, y, z) in metres in
    MediaPipe's hip-centred frame (y down as MediaPipe gives it): shape (33, 3).
    Optional, from :mod:`previzkit.capture.root`: ``root``, the hip centre (x, y, z) in
    metres in the capture camera's frame (OpenCV: x right, y down, z forward), and
    ``contacts``, (left, right) True where that foot is planted; None when not known.
    """

    timestamp: float  # seconds, monotonic
    actor_id: int
    image: npt.NDArray[np.float32]  # (33, 3): x px, y px, visibility
    world: npt.NDArray[np.float32]  # (33, 3): metres
    confidence: float = 1.0
    timecode: str = ""
    flags: npt.NDArray[np.uint8] | None = None  # (33,) 1 where a landmark was held (dropout)
    root: tuple[float, float, float] | None = None  # m, capture camera frame
    contacts: tuple[bool, bool] | None = None  # (left, right) foot planted


@dataclass
class SkeletonPose:
    """Joint rotations for the previzkit humanoid skeleton plus root position.

    ``rotations`` maps joint name -> local rotation quaternion (x, y, z, w) relative to
    the joint's rest orientation; ``root`` is the hips' position in the set frame (m).
    """

    root: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotations: dict[str, tuple[float, float, float, float]] = field(default_factory=dict)

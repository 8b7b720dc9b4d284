"""Board and FreeD tracking together: FreeD carries the camera (every frame, low noise,
no line of sight needed), the board seen in the plate measures where FreeD's frame sits
in the set and corrects its offset and drift.

Each frame the board is seen with a FreeD packet, the offset ``O = B F^-1`` (set from
tracker frame: ``B`` the board's camera-to-world, ``F`` FreeD's) is measured; the kept
offset follows it with a low-pass (``blend`` per frame) and snaps to it when they differ
by more than ``snap_m`` / ``snap_rad`` (a re-placed tracker, a first sighting). The
camera is then ``O F``. Without FreeD packets the board alone places the camera;
without either the tracker says so (None) and the pose filter predicts.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError
from previzkit.overlay.tracking.filter import matrix_to_rotvec, rotvec_to_matrix


def blend_offset(kept: np.ndarray, measured: np.ndarray, amount: float) -> np.ndarray:
    """``kept`` moved ``amount`` (0..1) of the way to ``measured`` (4x4 rigid transforms):
    rotation along the geodesic, translation linearly."""
    out = np.eye(4)
    d = matrix_to_rotvec(measured[:3, :3] @ kept[:3, :3].T)
    out[:3, :3] = rotvec_to_matrix(amount * d) @ kept[:3, :3]
    out[:3, 3] = kept[:3, 3] + amount * (measured[:3, 3] - kept[:3, 3])
    return out


class FusedCamera:
    """A :class:`~previzkit.overlay.compositor.CameraTracker` from a board tracker and a
    FreeD tracker (``BoardCamera``, ``FreeDCamera``; see module doc). ``noise`` is the
    (position m, angle rad) 1-sigma noise of this frame's answer for the pose filter."""

    def __init__(
        self,
        board: Any,
        freed: Any,
        blend: float = 0.1,
        snap_m: float = 0.05,
        snap_rad: float = math.radians(1.0),
        freed_noise: tuple[float, float] = (0.002, 0.001),
    ) -> None:
        if not 0 < blend <= 1:
            raise InputError(f"fused tracking blend {blend}: must be in (0, 1]")
        self.board = board
        self.freed = freed
        self.blend = float(blend)
        self.snap_m = float(snap_m)
        self.snap_rad = float(snap_rad)
        self.freed_noise = freed_noise
        self.offset: np.ndarray | None = None  # set from FreeD's frame, 4x4
        self.noise: tuple[float, float] | None = None
        self.source = ""  # "freed+board", "freed", "board" or "" this frame

    def plate_for_overlay(self, plate: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        return self.board.plate_for_overlay(plate)

    def update(self, plate: npt.NDArray[np.uint8]) -> tuple[np.ndarray, Any] | None:
        f = self.freed.update(plate)
        b = self.board.update(plate)
        if b is not None and f is not None:
            measured = b[0] @ np.linalg.inv(f[0])
            if self.offset is None:
                self.offset = measured
            else:
                d = measured[:3, 3] - self.offset[:3, 3]
                a = matrix_to_rotvec(measured[:3, :3] @ self.offset[:3, :3].T)
                far = np.linalg.norm(d) > self.snap_m or np.linalg.norm(a) > self.snap_rad
                self.offset = measured if far else blend_offset(self.offset, measured, self.blend)
        if f is not None:
            self.source = "freed+board" if b is not None else "freed"
            self.noise = self.freed_noise
            off = np.eye(4) if self.offset is None else self.offset
            return off @ f[0], f[1]
        self.source = "board" if b is not None else ""
        self.noise = None
        return b

    def close(self) -> None:
        self.freed.close()
        self.board.close()

"""Tracked camera sources for the stage loop: where the camera is for each plate frame.

A :class:`CameraSource` gives the camera's pose (camera-to-world 4x4, set frame:
metres, right-handed, y up, looking down -z) and lens for a plate frame, or None when
it cannot tell that frame (the loop then keeps the last good pose). The overlay's
ChArUco board and FreeD trackers (:mod:`previzkit.overlay.compositor`) satisfy it; this
module holds the protocol and the camera that does not move, so the stage loop needs
nothing from the overlay.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt


@runtime_checkable
class CameraSource(Protocol):
    """Gives the camera's pose (camera-to-world 4x4, set frame) and lens for a plate
    frame (uint8 (H, W, 3) RGB, row 0 at the top), or None when it cannot tell this
    frame. A source may also have ``plate_for_overlay(plate) -> plate``: the plate
    remapped to the renderer's pinhole (lens distortion removed); the loop uses it
    when present."""

    def update(self, plate: npt.NDArray[np.uint8]) -> tuple[np.ndarray, Any] | None: ...

    def close(self) -> None: ...


class FixedCamera:
    """A camera that does not move: a set camera's pose (camera-to-world 4x4) and lens."""

    def __init__(self, camera_to_world: np.ndarray, lens: Any) -> None:
        self.pose = (np.asarray(camera_to_world, np.float64), lens)

    def update(self, plate: npt.NDArray[np.uint8]) -> tuple[np.ndarray, Any]:
        return self.pose

    def close(self) -> None:
        pass

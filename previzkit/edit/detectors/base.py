"""The shot-boundary detector interface.

A detector sees frames one by one (``process_frame``) as their Y, U, V planes and
returns the frames where a new shot starts, either as it goes or at the end
(``post_process``). Detectors do no I/O: :func:`previzkit.edit.detectors.detect_video`
owns decoding.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Planes = tuple[npt.NDArray[np.uint8], npt.NDArray[np.uint8], npt.NDArray[np.uint8]]


@runtime_checkable
class ShotDetector(Protocol):
    """Finds shot boundaries in a stream of frames."""

    def process_frame(self, index: int, planes: Planes) -> list[int]:
        """Take frame ``index`` as (Y (H, W), U (H/2, W/2), V (H/2, W/2)) uint8 planes
        (BT.601/709 4:2:0, as decoded); return shot starts now certain."""
        ...

    def post_process(self, frames: int) -> list[int]:
        """After the last of ``frames`` frames: return the remaining shot starts."""
        ...

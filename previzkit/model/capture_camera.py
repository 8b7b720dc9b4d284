"""The camera that filmed a capture: pinhole intrinsics and, when known, where it stood.

Pixels: x to the right, y down, row 0 at the top (the source frame's). The camera
frame of a capture is OpenCV's (x right, y down, z forward along the optical axis,
metres); :mod:`previzkit.capture.root` maps it into the set frame (y up).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from previzkit.core.errors import InputError

DEFAULT_HFOV_DEG = 60.0
"""Horizontal field of view assumed when nothing better is known (a phone's main
camera in landscape, or a 35 mm lens on Super 35, is 55-65 degrees)."""


@dataclass(frozen=True)
class CaptureCamera:
    """Intrinsics of the capture camera (pixels of a ``width`` x ``height`` frame).

    ``focal_px``: focal length in pixels; ``cx``, ``cy``: principal point (px).
    ``height_m``: the lens's height above the floor (m) and ``tilt_deg``: its pitch
    below the horizon (degrees, positive looking down), both ``None`` when unknown
    (the floor is then found from the actor's foot contacts). ``assumed`` is True when
    the focal length is the default guess, not a measured or given one.
    """

    width: int
    height: int
    focal_px: float
    cx: float
    cy: float
    height_m: float | None = None
    tilt_deg: float | None = None
    assumed: bool = False

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0:
            raise InputError(
                f"capture camera: frame size must be positive, got {self.width}x{self.height}"
            )
        if not (math.isfinite(self.focal_px) and self.focal_px > 0):
            raise InputError(
                f"capture camera: focal length must be positive pixels, got {self.focal_px!r}"
            )
        if self.height_m is not None and not (math.isfinite(self.height_m) and self.height_m > 0):
            raise InputError(
                f"capture camera: height must be positive metres, got {self.height_m!r}"
            )
        if self.tilt_deg is not None and not (-90.0 < self.tilt_deg < 90.0):
            raise InputError(
                f"capture camera: tilt must be within (-90, 90) degrees, got {self.tilt_deg!r}"
            )

    @classmethod
    def from_hfov(
        cls,
        width: int,
        height: int,
        hfov_deg: float = DEFAULT_HFOV_DEG,
        *,
        height_m: float | None = None,
        tilt_deg: float | None = None,
        assumed: bool = False,
    ) -> CaptureCamera:
        """Centred principal point and the focal length that spans ``hfov_deg``."""
        if not 1.0 < hfov_deg < 179.0:
            raise InputError(
                f"capture camera: field of view must be within (1, 179) degrees, got {hfov_deg!r}"
            )
        focal = width / 2.0 / math.tan(math.radians(hfov_deg) / 2.0)
        return cls(width, height, focal, width / 2.0, height / 2.0, height_m, tilt_deg, assumed)

    @property
    def hfov_deg(self) -> float:
        return math.degrees(2.0 * math.atan(self.width / 2.0 / self.focal_px))

    def to_meta(self) -> dict[str, Any]:
        """A plain dict for a pose track's ``meta["camera"]``."""
        return {
            "width": self.width,
            "height": self.height,
            "focal_px": self.focal_px,
            "cx": self.cx,
            "cy": self.cy,
            "height_m": self.height_m,
            "tilt_deg": self.tilt_deg,
            "assumed": self.assumed,
        }

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> CaptureCamera:
        try:
            return cls(
                int(meta["width"]),
                int(meta["height"]),
                float(meta["focal_px"]),
                float(meta["cx"]),
                float(meta["cy"]),
                None if meta.get("height_m") is None else float(meta["height_m"]),
                None if meta.get("tilt_deg") is None else float(meta["tilt_deg"]),
                bool(meta.get("assumed", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"capture camera: bad track metadata {meta!r}: {exc}") from exc

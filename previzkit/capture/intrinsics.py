"""The capture camera from what is known: a still's EXIF, the user's flags, a track's meta.

Precedence (highest first): flags given on the command line (``--fov``/``--focal-px``,
``--camera-height``, ``--camera-tilt``), then the file's metadata (a still's EXIF) or,
for an existing track, its ``meta["camera"]``, then the default guess
(:data:`previzkit.model.capture_camera.DEFAULT_HFOV_DEG` horizontal, ``assumed=True``).

EXIF (stills, read with Pillow): ``FocalLengthIn35mmFilm`` (mm, full-frame equivalent,
taken on the 43.27 mm diagonal: ``focal_px = f35 / 43.27 * diagonal_px``), else
``FocalLength`` (mm) with ``FocalPlaneXResolution``/``FocalPlaneResolutionUnit``
(sensor pixels per unit), scaled from the sensor's ``PixelXDimension`` to the frame.
Both are independent of the image's rotation. Videos carry no standard focal length
metadata and are not read. A ChArUco lens calibration is read by
``previzkit.overlay.tracking.charuco``, a layer above capture; it is not used here.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from previzkit.core.errors import InputError
from previzkit.model.capture_camera import CaptureCamera
from previzkit.model.pose_track import PoseTrack

FULL_FRAME_DIAGONAL_MM = math.hypot(36.0, 24.0)  # 43.27 mm
_EXIF_IFD = 0x8769
_FOCAL_LENGTH = 0x920A
_FOCAL_35MM = 0xA405
_FOCAL_PLANE_X_RES = 0xA20E
_FOCAL_PLANE_UNIT = 0xA210
_PIXEL_X = 0xA002
_PIXEL_Y = 0xA003
_UNIT_MM = {2: 25.4, 3: 10.0, 4: 1.0, 5: 0.001}  # inch, cm, mm, um


def _number(value: Any) -> float | None:
    try:
        v = float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    return v if math.isfinite(v) and v > 0 else None


def focal_px_from_exif(exif: dict[int, Any], width: int, height: int) -> float | None:
    """Focal length (px of a ``width`` x ``height`` frame) from Exif IFD tags, or None."""
    f35 = _number(exif.get(_FOCAL_35MM))
    if f35 is not None:
        return f35 / FULL_FRAME_DIAGONAL_MM * math.hypot(width, height)
    f_mm = _number(exif.get(_FOCAL_LENGTH))
    res = _number(exif.get(_FOCAL_PLANE_X_RES))
    unit_mm = _UNIT_MM.get(int(exif.get(_FOCAL_PLANE_UNIT, 2) or 2))
    if f_mm is None or res is None or unit_mm is None:
        return None
    sensor_px = f_mm * res / unit_mm  # in the sensor's own pixels
    px, py = _number(exif.get(_PIXEL_X)), _number(exif.get(_PIXEL_Y))
    scale = max(width, height) / max(px, py) if px is not None and py is not None else 1.0
    return sensor_px * scale


def camera_from_file(path: str | Path, width: int, height: int) -> CaptureCamera | None:
    """The capture camera of a still from its EXIF focal length (centred principal
    point), or None when the file is not an image Pillow reads or carries none."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        return None
    try:
        with Image.open(path) as im:
            exif = dict(im.getexif().get_ifd(_EXIF_IFD))
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    focal = focal_px_from_exif(exif, width, height)
    if focal is None:
        return None
    return CaptureCamera(width, height, focal, width / 2.0, height / 2.0)


def track_camera(track: PoseTrack) -> CaptureCamera:
    """A track's ``meta["camera"]``, or the default guess for its frame size."""
    meta = track.meta.get("camera")
    if isinstance(meta, dict):
        return CaptureCamera.from_meta(meta)
    return CaptureCamera.from_hfov(track.width, track.height, assumed=True)


def with_flags(
    base: CaptureCamera,
    *,
    fov_deg: float | None = None,
    focal_px: float | None = None,
    height_m: float | None = None,
    tilt_deg: float | None = None,
) -> CaptureCamera:
    """``base`` with what the user gave replacing what it had: ``fov_deg`` (horizontal,
    degrees) or ``focal_px`` (pixels), the lens's ``height_m`` above the floor (m) and
    its ``tilt_deg`` below the horizon (degrees). A given focal length is not assumed."""
    if fov_deg is not None and focal_px is not None:
        raise InputError("capture camera: give --fov or --focal-px, not both")
    cam = base
    if fov_deg is not None:
        cam = CaptureCamera.from_hfov(
            base.width, base.height, fov_deg, height_m=base.height_m, tilt_deg=base.tilt_deg
        )
    elif focal_px is not None:
        cam = CaptureCamera(
            base.width, base.height, focal_px, base.cx, base.cy, base.height_m, base.tilt_deg
        )
    if height_m is not None:
        cam = replace(cam, height_m=height_m)
    if tilt_deg is not None:
        cam = replace(cam, tilt_deg=tilt_deg)
    return cam

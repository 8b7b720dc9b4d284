"""Garbage mattes: the part of the frame where the key may find foreground, given as a
polygon (normalised 0..1 or pixel coordinates) or a mask image. Outside it the matte is
always 0 (background): rigs, light stands, the edge of the screen.

Pure computation apart from reading a mask image (:func:`garbage_mask`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from previzkit.core.errors import InputError

UNITS = ("normalized", "pixels")


@dataclass(frozen=True)
class GarbageMatte:
    """``polygon``: (x, y) vertices, row 0 at the top, in ``units`` (``"normalized"``:
    0..1 of the frame's width/height, ``"pixels"``: pixel coordinates, (0, 0) the top
    left corner of the top left pixel); or ``image``: a mask file (white = keep, black =
    always background; resized to the plate). Exactly one of the two."""

    polygon: tuple[tuple[float, float], ...] | None = None
    units: str = "normalized"
    image: Path | None = None

    def __post_init__(self) -> None:
        if (self.polygon is None) == (self.image is None):
            raise InputError("garbage matte: give exactly one of a polygon or a mask image")
        if self.units not in UNITS:
            raise InputError(f"garbage matte units: expected one of {UNITS}, got {self.units!r}")
        if self.polygon is not None:
            try:
                pts = tuple((float(x), float(y)) for x, y in self.polygon)
            except (TypeError, ValueError):
                raise InputError(
                    f"garbage matte polygon: expected [[x, y], ...] numbers, got {self.polygon!r}"
                ) from None
            if len(pts) < 3:
                raise InputError(f"garbage matte polygon: needs >= 3 points, got {len(pts)}")
            if not all(np.isfinite(pts).ravel()):
                raise InputError("garbage matte polygon: coordinates must be finite")
            object.__setattr__(self, "polygon", pts)
        if self.image is not None:
            object.__setattr__(self, "image", Path(self.image))


def parse_polygon(text: str) -> tuple[tuple[float, float], ...]:
    """``"x,y x,y x,y ..."`` (spaces or semicolons between points) -> vertices."""
    pts = []
    for part in text.replace(";", " ").split():
        xy = part.split(",")
        try:
            if len(xy) != 2:
                raise ValueError
            pts.append((float(xy[0]), float(xy[1])))
        except ValueError:
            raise InputError(
                f"garbage polygon {text!r}: expected points 'x,y x,y x,y', bad {part!r}"
            ) from None
    if len(pts) < 3:
        raise InputError(f"garbage polygon {text!r}: needs >= 3 points 'x,y x,y x,y'")
    return tuple(pts)


def polygon_mask(
    points: tuple[tuple[float, float], ...] | list[tuple[float, float]], width: int, height: int
) -> np.ndarray:
    """uint8 (height, width): 255 where a pixel's centre lies inside the polygon (pixel
    coordinates; even-odd rule), else 0. One scanline per row."""
    pts = np.asarray(points, np.float64)
    x0, y0 = pts[:, 0], pts[:, 1]
    x1, y1 = np.roll(x0, -1), np.roll(y0, -1)
    out = np.zeros((height, width), np.uint8)
    centres = np.arange(width) + 0.5
    for row in range(height):
        yc = row + 0.5
        hit = (y0 > yc) != (y1 > yc)
        if not hit.any():
            continue
        xs = np.sort(x0[hit] + (yc - y0[hit]) * (x1[hit] - x0[hit]) / (y1[hit] - y0[hit]))
        inside = np.searchsorted(xs, centres, side="right") % 2 == 1
        out[row, inside] = 255
    return out


def garbage_mask(g: GarbageMatte, width: int, height: int) -> np.ndarray:
    """The garbage matte as a uint8 (height, width) mask: 255 = may be foreground,
    0 = always background."""
    if g.polygon is not None:
        pts = g.polygon
        if g.units == "normalized":
            pts = tuple((x * width, y * height) for x, y in pts)
        return polygon_mask(pts, width, height)
    from previzkit.media.image import read_mask

    assert g.image is not None  # one of the two, checked in __post_init__
    m = read_mask(g.image)
    if m.shape != (height, width):
        from previzkit.composite.ops import resize

        m = resize(np.ascontiguousarray(m[..., None]), width, height, backend="numpy")[..., 0]
    return np.ascontiguousarray(m)

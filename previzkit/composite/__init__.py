"""Compositing kernels: premultiplied over, chroma key, depth composite, CDL, 3D LUTs,
resize/letterbox; one interface over numpy (reference), Numba and CuPy backends.

Importing this package imports neither numba nor cupy; a backend loads on first use.
"""

from previzkit.composite.backends import available_backends, get_backend, unavailable_backends
from previzkit.composite.formulas import letterbox_rect, plane_depth, zbuffer_to_depth
from previzkit.composite.lut import Lut, format_cube, load_cube, parse_cube
from previzkit.composite.ops import (
    apply_cdl,
    apply_lut,
    depth_composite,
    despill,
    estimate_screen_color,
    key,
    key_despill_over,
    key_matte,
    letterbox,
    over,
    refine_matte,
    resize,
)
from previzkit.composite.params import CDL, KeyParams

__all__ = [
    "CDL",
    "KeyParams",
    "Lut",
    "apply_cdl",
    "apply_lut",
    "available_backends",
    "depth_composite",
    "despill",
    "estimate_screen_color",
    "format_cube",
    "get_backend",
    "key",
    "key_despill_over",
    "key_matte",
    "letterbox",
    "letterbox_rect",
    "load_cube",
    "over",
    "parse_cube",
    "plane_depth",
    "refine_matte",
    "resize",
    "unavailable_backends",
    "zbuffer_to_depth",
]

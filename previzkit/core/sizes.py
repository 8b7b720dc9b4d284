"""Image sizes given on the command line: ``WIDTHxHEIGHT`` in pixels, capped.

The caps are what every GL implementation previzkit runs on allows and what memory
holds: :data:`MAX_SIDE` is OpenGL 4.5's smallest allowed ``GL_MAX_TEXTURE_SIZE`` and
``GL_MAX_RENDERBUFFER_SIZE`` (16384; Mesa llvmpipe reports exactly that), and
:data:`MAX_PIXELS` (8192x8192) keeps one RGBA8 frame at 256 MiB, a float32 RGBA
buffer at 1 GiB.
"""

from __future__ import annotations

import re

from previzkit.core.errors import InputError

_SIZE = re.compile(r"^(\d+)x(\d+)$")

#: Widest or tallest image (pixels): GL 4.5's minimum maximum texture/renderbuffer size.
MAX_SIDE = 16384
#: Most pixels in one image: 8192x8192 (256 MiB as RGBA8).
MAX_PIXELS = 8192 * 8192


def check_size(width: int, height: int, option: str = "--size") -> tuple[int, int]:
    """Refuse a size over :data:`MAX_SIDE` a side or :data:`MAX_PIXELS` in all, naming
    ``option``; returns ``(width, height)``."""
    if width > MAX_SIDE or height > MAX_SIDE:
        raise InputError(
            f"{option} {width}x{height}: at most {MAX_SIDE} pixels a side "
            "(the largest texture every OpenGL 4.5 renderer allows)"
        )
    if width * height > MAX_PIXELS:
        raise InputError(
            f"{option} {width}x{height}: at most {MAX_PIXELS // 1_000_000} megapixels "
            f"({width * height * 4 / 2**30:.1f} GiB a frame as RGBA8)"
        )
    return width, height


def parse_size(
    text: str, option: str = "--size", example: str = "1920x1080", even: bool = False
) -> tuple[int, int]:
    """``'1920x1080'`` -> ``(1920, 1080)``: both positive (and even, for H.264 yuv420p),
    within :func:`check_size`'s caps.

    Raises :class:`InputError` naming ``option`` and the text given.
    """
    m = _SIZE.match(str(text).strip().lower())
    w, h = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    if w <= 0 or h <= 0:
        raise InputError(f"{option} must look like {example}, got {text!r}")
    if even and (w % 2 or h % 2):
        raise InputError(f"{option} must have an even width and height, got {text!r}")
    return check_size(w, h, option)

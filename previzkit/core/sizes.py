"""Image sizes given on the command line: ``WIDTHxHEIGHT`` in pixels."""

from __future__ import annotations

import re

from previzkit.core.errors import InputError

_SIZE = re.compile(r"^(\d+)x(\d+)$")


def parse_size(
    text: str, option: str = "--size", example: str = "1920x1080", even: bool = False
) -> tuple[int, int]:
    """``'1920x1080'`` -> ``(1920, 1080)``: both positive (and even, for H.264 yuv420p).

    Raises :class:`InputError` naming ``option`` and the text given.
    """
    m = _SIZE.match(str(text).strip().lower())
    w, h = (int(m.group(1)), int(m.group(2))) if m else (0, 0)
    if w <= 0 or h <= 0:
        raise InputError(f"{option} must look like {example}, got {text!r}")
    if even and (w % 2 or h % 2):
        raise InputError(f"{option} must have an even width and height, got {text!r}")
    return w, h

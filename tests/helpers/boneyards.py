"""A Fountain screenplay full of boneyards (``/* ... */``), shared by the scaling test
and benchmarks/script.py: comments inline, on lines of their own and over many lines."""

from __future__ import annotations

_UNIT = (
    "INT. ROOM - DAY\n\n"
    "/* a cut line */ Action here.\n\n"
    "BOB\nHi /* not said */ there.\n\n"
    "/* a\nlong\ncut */\n"
    "/* x *//* y *//* z */\n"
)


def boneyard_script(size: int) -> str:
    """About ``size`` characters of scenes, about a third of them in boneyards."""
    return _UNIT * max(1, size // len(_UNIT))

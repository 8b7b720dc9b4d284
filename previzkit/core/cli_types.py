"""Shared click parameter types: the one way every command checks its numbers.

:class:`Finite` is a float option that refuses NaN and infinities (which
``click.FloatRange`` lets through) and checks a range; :data:`FRAMES` a frame count
with a cap; :data:`CRF` and :data:`X264_PRESET` x264's settings; :data:`MSAA` a sample
count. A bad value ends the command with one ``error:`` line naming the option, exit 2
(:func:`previzkit.cli.main` prints click's parameter errors that way).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import click

#: The most frames one command will make or read (about 4.6 days at 25 fps).
MAX_FRAMES = 10_000_000


if TYPE_CHECKING:  # generic from click 8.2; a plain class at run time (click 8.1 too)
    _FloatType = click.ParamType[float]
else:
    _FloatType = click.ParamType


class Finite(_FloatType):
    """A finite float within ``[lo, hi]`` (``lo_open``/``hi_open``: the bound excluded)."""

    name = "number"

    def __init__(
        self,
        lo: float | None = None,
        hi: float | None = None,
        *,
        lo_open: bool = False,
        hi_open: bool = False,
    ) -> None:
        self.lo, self.hi, self.lo_open, self.hi_open = lo, hi, lo_open, hi_open

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        """``value`` as a float, or a click error that says the allowed range."""
        try:
            x = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(x):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        too_low = self.lo is not None and (x <= self.lo if self.lo_open else x < self.lo)
        too_high = self.hi is not None and (x >= self.hi if self.hi_open else x > self.hi)
        if too_low or too_high:
            self.fail(f"{value!r} is not in {self._range()}", param, ctx)
        return x

    def _range(self) -> str:
        lo = "-inf" if self.lo is None else f"{self.lo:g}"
        hi = "inf" if self.hi is None else f"{self.hi:g}"
        return f"{'(' if self.lo_open else '['}{lo}, {hi}{')' if self.hi_open else ']'}"


#: A frame rate in frames per second: finite, above 0, at most 1000.
FPS = Finite(0, 1000, lo_open=True)
#: A frame count: at least 1, at most :data:`MAX_FRAMES`.
FRAMES = click.IntRange(1, MAX_FRAMES)
#: x264's constant rate factor (0 lossless .. 51 worst).
CRF = click.IntRange(0, 51)
#: x264's speed presets.
X264_PRESET = click.Choice(
    [
        "ultrafast",
        "superfast",
        "veryfast",
        "faster",
        "fast",
        "medium",
        "slow",
        "slower",
        "veryslow",
        "placebo",
    ]
)
#: Multisample anti-aliasing samples (0: off).
MSAA = click.IntRange(0, 16)

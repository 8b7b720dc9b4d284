"""Parameters of the keyer and of the ASC CDL: frozen, validated dataclasses.

Frozen so that derived tables (the Cb/Cr matte table, CDL tables) are cached on the
parameters themselves, not recomputed per frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from previzkit.core.errors import InputError

SCREENS = {"green": (0, 177, 64), "blue": (0, 71, 187)}


def _finite(name: str, v: float) -> float:
    v = float(v)
    if not math.isfinite(v):
        raise InputError(f"{name}: must be finite, got {v}")
    return v


@dataclass(frozen=True)
class KeyParams:
    """A chroma key in 8-bit full-range BT.709 YCbCr.

    ``screen`` is ``"green"`` or ``"blue"``; ``key_color`` (R, G, B 0..255) overrides
    the screen's nominal colour (sample it from the plate, see ``estimate_screen_color``).
    The matte is the Cb/Cr distance from the screen in units of the key's own chroma
    (its distance from grey): below ``tolerance`` alpha is 0, it ramps to 1 over
    ``softness``; then ``clip_black``/``clip_white`` (0..1) stretch it. The screen is
    not one colour but the key colour at ``screen_min``..``screen_max`` times its
    chroma (a shadowed or dimmer screen has less chroma, a hotspot more, with the same
    hue): the distance is to that segment, divided by the chroma of its nearest point,
    so a shadow keys like the lit screen and black stays 1 away (foreground).
    ``screen_min = screen_max = 1`` is the plain distance keyer.
    ``spill`` (0..1) pulls the screen channel down to the mean of the other two.
    ``choke`` (pixels, negative grows) and ``blur`` (box radius, pixels, two passes)
    refine the matte.
    """

    screen: str = "green"
    key_color: tuple[int, int, int] | None = None
    tolerance: float = 0.1
    softness: float = 0.2
    screen_min: float = 0.5
    screen_max: float = 1.5
    clip_black: float = 0.0
    clip_white: float = 1.0
    spill: float = 1.0
    choke: int = 0
    blur: int = 0

    def __post_init__(self) -> None:
        if self.screen not in SCREENS:
            raise InputError(f"screen: expected one of {sorted(SCREENS)}, got {self.screen!r}")
        if self.key_color is not None:
            kc = tuple(int(c) for c in self.key_color)
            if len(kc) != 3 or not all(0 <= c <= 255 for c in kc):
                raise InputError(f"key_color: expected (R, G, B) in 0..255, got {self.key_color}")
            object.__setattr__(self, "key_color", kc)
        for name in (
            "tolerance",
            "softness",
            "screen_min",
            "screen_max",
            "clip_black",
            "clip_white",
            "spill",
        ):
            _finite(name, getattr(self, name))
        if self.tolerance < 0:
            raise InputError(f"tolerance: must be >= 0, got {self.tolerance}")
        if self.softness < 0:
            raise InputError(f"softness: must be >= 0, got {self.softness}")
        if not 0.1 <= self.screen_min <= 1.0:
            raise InputError(f"screen_min: must be in 0.1..1, got {self.screen_min}")
        if not 1.0 <= self.screen_max <= 4.0:
            raise InputError(f"screen_max: must be in 1..4, got {self.screen_max}")
        if not 0.0 <= self.clip_black < self.clip_white <= 1.0:
            raise InputError(
                f"clip_black/clip_white: need 0 <= clip_black < clip_white <= 1, "
                f"got {self.clip_black}, {self.clip_white}"
            )
        if not 0.0 <= self.spill <= 1.0:
            raise InputError(f"spill: must be in 0..1, got {self.spill}")
        if int(self.choke) != self.choke or abs(self.choke) > 64:
            raise InputError(f"choke: expected an integer in -64..64 pixels, got {self.choke}")
        if int(self.blur) != self.blur or not 0 <= self.blur <= 64:
            raise InputError(f"blur: expected an integer radius in 0..64 pixels, got {self.blur}")
        object.__setattr__(self, "choke", int(self.choke))
        object.__setattr__(self, "blur", int(self.blur))

    @property
    def color(self) -> tuple[int, int, int]:
        """The key colour (R, G, B), 0..255."""
        return self.key_color if self.key_color is not None else SCREENS[self.screen]

    @property
    def spill_channel(self) -> int:
        """Index of the channel that spills: the key colour's dominant one (1 green, 2 blue)."""
        c = self.color
        return max(range(3), key=lambda i: c[i])


@dataclass(frozen=True)
class CDL:
    """An ASC CDL (v1.2): per channel ``out = clamp(in * slope + offset) ** power``, then
    saturation about Rec.709 luma, clamped to 0..1. Values apply to 0..1 code values."""

    slope: tuple[float, float, float] = (1.0, 1.0, 1.0)
    offset: tuple[float, float, float] = (0.0, 0.0, 0.0)
    power: tuple[float, float, float] = (1.0, 1.0, 1.0)
    saturation: float = 1.0

    def __post_init__(self) -> None:
        for name in ("slope", "offset", "power"):
            v = getattr(self, name)
            try:
                t = tuple(_finite(name, x) for x in v)
            except TypeError:
                raise InputError(f"{name}: expected three numbers (R, G, B), got {v!r}") from None
            if len(t) != 3:
                raise InputError(f"{name}: expected three numbers (R, G, B), got {v!r}")
            object.__setattr__(self, name, t)
        if any(s < 0 for s in self.slope):
            raise InputError(f"slope: must be >= 0, got {self.slope}")
        if any(p <= 0 for p in self.power):
            raise InputError(f"power: must be > 0, got {self.power}")
        sat = _finite("saturation", self.saturation)
        if sat < 0:
            raise InputError(f"saturation: must be >= 0, got {sat}")
        object.__setattr__(self, "saturation", sat)

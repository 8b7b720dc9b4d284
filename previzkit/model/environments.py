"""The shipped environment presets: 18 real 360° HDR panoramas (CC0, Poly Haven via
@pmndrs/assets; see assets/README.md) usable as a set's sky and light.

Pure data (the set-file parser validates ``background.environment`` against it); the
pixels are read by :func:`previzkit.render.environments.environment_radiance`. Each
file is ``assets/environments/<name>.exr``: 512x256 equirect, linear radiance.
``kind`` and ``time`` were decided by looking at each panorama; ``mean`` is the
solid-angle-weighted mean luminance (Rec.709 Y) and ``peak`` the brightest pixel's,
both in the file's linear units, after the park and sunrise suns are mended
(:func:`previzkit.render.environments.repair_lost_channels`).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from previzkit.core.errors import InputError
from previzkit.core.resources import asset_path

Kind = Literal["exterior", "interior"]
Time = Literal["night", "dawn", "dusk", "day"]


@dataclass(frozen=True)
class EnvironmentPreset:
    """One shipped panorama: ``name``, ``kind`` of place, ``time`` of day, what it shows,
    and its mean/peak luminance (linear, solid-angle weighted mean)."""

    name: str
    kind: Kind
    time: Time
    description: str
    mean: float
    peak: float

    @property
    def path(self) -> Path:
        """The preset's .exr file in the assets folder."""
        return asset_path("environments", f"{self.name}.exr")


PRESETS: dict[str, EnvironmentPreset] = {
    p.name: p
    for p in (
        EnvironmentPreset("apartment", "interior", "day", "empty flat, sun through a window", 0.7216, 14.05),
        EnvironmentPreset("bridge", "interior", "day", "glass footbridge over a city street", 0.4082, 93.63),
        EnvironmentPreset("city", "exterior", "day", "city square under high cloud", 0.5584, 10.17),
        EnvironmentPreset("dawn", "exterior", "dawn", "rocky hills before sunrise", 0.8402, 45.94),
        EnvironmentPreset("esplanade", "interior", "day", "shopping arcade under a skylight", 0.8435, 24600.0),
        EnvironmentPreset("forest", "exterior", "day", "pine forest slope", 0.49, 39.54),
        EnvironmentPreset("hall", "interior", "day", "ballroom with chandeliers", 0.8043, 373.4),
        EnvironmentPreset("lab", "interior", "day", "old laboratory with tall windows", 0.5653, 38.24),
        EnvironmentPreset("lobby", "interior", "day", "museum lobby, strip lights", 0.8397, 740.7),
        EnvironmentPreset("night", "exterior", "night", "savanna under stars", 0.08436, 15.49),
        EnvironmentPreset("park", "exterior", "day", "grass field, clear sky, sun", 0.6807, 11800.0),
        EnvironmentPreset("sky", "exterior", "day", "clouds over open sea", 0.7841, 22500.0),
        EnvironmentPreset("studio", "interior", "day", "photo studio, softbox and cyclorama", 2.232, 3482.0),
        EnvironmentPreset("sunrise", "exterior", "dawn", "meadow at sunrise, low sun", 0.6255, 15008.0),
        EnvironmentPreset("sunset", "exterior", "dusk", "Venice piazza, low evening sun", 0.466, 244.7),
        EnvironmentPreset("venice", "exterior", "dusk", "Venice waterfront at dusk", 0.6459, 6.819),
        EnvironmentPreset("warehouse", "interior", "day", "empty warehouse, lamps and skylights", 0.8143, 201.8),
        EnvironmentPreset("workshop", "interior", "day", "industrial workshop, painted floor", 0.8347, 851.4),
    )
}  # fmt: skip


def environment_preset(name: str, where: str = "environment") -> EnvironmentPreset:
    """The preset called ``name``; the error names ``where`` and lists the valid names."""
    try:
        return PRESETS[name]
    except KeyError:
        close = difflib.get_close_matches(name, PRESETS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise InputError(
            f"{where}: unknown environment preset {name!r}{hint}; presets: {', '.join(PRESETS)}"
        ) from None


__all__ = ["PRESETS", "EnvironmentPreset", "environment_preset"]

"""The stateful keyer a frame loop holds: a :class:`KeyPreset` applied to plate after
plate, with the screen colour estimated from the plate (once, or every frame when
asked) and the garbage matte rasterised once per plate size.

The pure pieces are :func:`previzkit.composite.key_matte`, :func:`~previzkit.composite.key`,
:func:`~previzkit.composite.estimate_screen_color`, :func:`shadow_pass` and
:func:`previzkit.composite.garbage.garbage_mask`.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from previzkit.composite.backends import Backend, get_backend
from previzkit.composite.garbage import garbage_mask
from previzkit.composite.key_preset import KeyPreset
from previzkit.composite.params import KeyParams

# Rec.709 luma weights in 8-bit fixed point (sum 256), applied to sRGB code values.
_LUMA8 = (54, 183, 19)


def shadow_pass(
    plate: np.ndarray, matte: np.ndarray, key_color: tuple[int, int, int], strength: float = 1.0
) -> np.ndarray:
    """How much darker than the key colour the screen is, where it is screen: uint8
    (H, W) ``255 * strength * max(0, 1 - luma / key luma) * (1 - matte / 255)``
    (255 = black), luma the Rec.709 weights on sRGB code values in 8-bit fixed point.
    ``plate`` uint8 RGB (H, W, 3); ``matte`` uint8 (H, W), 255 = foreground."""
    r, g, b = _LUMA8
    y = plate[..., 0].astype(np.uint16) * np.uint16(r)
    y += plate[..., 1].astype(np.uint16) * np.uint16(g)
    y += plate[..., 2].astype(np.uint16) * np.uint16(b)
    y8 = (y >> np.uint16(8)).astype(np.uint8)
    ky = max((r * key_color[0] + g * key_color[1] + b * key_color[2]) >> 8, 1)
    dark = np.clip(1.0 - np.arange(256) / ky, 0.0, 1.0) * 255.0 * float(strength)
    table = np.rint(dark).astype(np.uint16)  # per 8-bit luma: the darkening, 0..255
    s = table[y8] * (np.uint16(255) - matte.astype(np.uint16))  # <= 255 * 255
    return ((s.astype(np.uint32) * 257 + 32768) >> 16).astype(np.uint8)  # ~ round(s / 255)


def as_preset(key: KeyPreset | KeyParams | None, screen: str = "green") -> KeyPreset:
    """A :class:`KeyPreset` from a preset, bare :class:`KeyParams`, or None (the
    ``screen``'s defaults, its colour estimated from the plate)."""
    if isinstance(key, KeyPreset):
        return key
    if isinstance(key, KeyParams):
        return KeyPreset(key)
    if key is None:
        return KeyPreset(KeyParams(screen=screen))
    raise TypeError(f"key: expected a KeyPreset or KeyParams, got {type(key).__name__}")


class Keyer:
    """Keys plates with ``preset``: :meth:`key` gives the premultiplied actor layer and
    its matte."""

    def __init__(self, preset: KeyPreset | None = None, *, backend: str | Backend = "auto") -> None:
        self.preset = preset or KeyPreset()
        self.backend = get_backend(backend)  # resolved once: "auto" looks up the registry
        self.params: KeyParams | None = (
            self.preset.params if self.preset.params.key_color is not None else None
        )
        self._garbage: np.ndarray | None = None
        self._garbage_size: tuple[int, int] | None = None

    def params_for(self, plate: np.ndarray) -> KeyParams:
        """The key parameters for this plate: the preset's, with the screen colour
        estimated from ``plate`` on the first call (every call with ``estimate="every"``)
        when the preset gives none. Until a plate shows enough screen to estimate it,
        the screen's nominal colour is used and the next plate is tried."""
        p = self.preset
        if p.params.key_color is not None:
            return p.params
        if self.params is None or p.estimate == "every":
            from previzkit.composite.ops import estimate_screen_color
            from previzkit.core.errors import InputError

            try:
                color = estimate_screen_color(plate, p.params.screen)
            except InputError:  # no screen in view yet: the nominal colour, try again
                return self.params or p.params
            self.params = dataclasses.replace(p.params, key_color=color)
        return self.params

    def garbage_for(self, width: int, height: int) -> np.ndarray | None:
        """The garbage matte for a ``width`` x ``height`` plate (uint8, 255 = keep), or
        None without one; rasterised once per size."""
        g = self.preset.garbage
        if g is None:
            return None
        if self._garbage_size != (width, height):
            self._garbage = garbage_mask(g, width, height)
            self._garbage_size = (width, height)
        return self._garbage

    def matte(self, plate: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The matte of uint8 RGB ``plate``: uint8 (H, W), 255 = foreground, 0 outside
        the garbage matte (also after a negative choke or a blur)."""
        from previzkit.composite.ops import key_matte

        params = self.params_for(plate)
        g = self.garbage_for(plate.shape[1], plate.shape[0])
        m = key_matte(plate, params, g, out, backend=self.backend)
        if g is not None and (params.choke < 0 or params.blur):
            np.minimum(m, g, out=m)
        return m

    def key(self, plate: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(layer, matte)``: the despilled actor premultiplied by its matte, uint8
        RGBA (H, W, 4), and the matte (uint8 (H, W)). With ``shadow_pass`` the layer's
        alpha also carries the screen's shadows (black, premultiplied) where it is screen."""
        from previzkit.composite.ops import key

        m = self.matte(plate)
        params = self.params_for(plate)
        layer = key(plate, params, matte=m, backend=self.backend)
        strength = self.preset.shadow_pass
        if strength > 0:
            s = shadow_pass(plate, m, params.color, strength)
            g = self.garbage_for(plate.shape[1], plate.shape[0])
            if g is not None:
                np.minimum(s, g, out=s)
            np.add(layer[..., 3], s, out=layer[..., 3])  # matte + shadow <= 255 by construction
        return layer, m

"""How the renderer shades and finishes a frame: shadows, image-based lighting, HDR
with a filmic tone map, MSAA. :class:`Look` is per :class:`~previzkit.render.renderer.Renderer`
and may be changed between renders (``renderer.look = Look.off()``).

:func:`aces` and :func:`inverse_aces` are the tone curve on the CPU (tests, the clear
colour: a solid background keeps its set-file colour through the tone map).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from previzkit.core.errors import InputError


@dataclass(frozen=True)
class Look:
    """``shadows``: shadow maps for the shadow-casting lights (``shadow_size`` texels
    square). ``ibl``: the set's environment panorama lights the scene (SH diffuse and a
    prefiltered specular, ``roughness`` for every material) instead of the flat ambient.
    ``hdr``: render linear radiance into a float target with ``msaa`` samples (capped
    at the GL's), then expose (the set's ``background.exposure_ev``), tone map (ACES
    fit) and sRGB-encode into the output; set-file colours and textures are sRGB.
    ``f_stop``: depth of field (HDR only) of a lens at this aperture focused at the
    camera lens's ``focus_m`` (:meth:`Renderer.render_image`; None: everything sharp).
    ``Look.off()`` is the plain look: Lambert + ambient straight into the output."""

    shadows: bool = True
    ibl: bool = True
    hdr: bool = True
    msaa: int = 4
    shadow_size: int = 2048
    roughness: float = 0.6
    f_stop: float | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.msaa, int) or self.msaa < 0:
            raise InputError(f"Look.msaa must be an integer >= 0, got {self.msaa!r}")
        if not isinstance(self.shadow_size, int) or not 64 <= self.shadow_size <= 8192:
            raise InputError(
                f"Look.shadow_size must be an integer in [64, 8192], got {self.shadow_size!r}"
            )
        if self.f_stop is not None and not (
            isinstance(self.f_stop, int | float) and 0.5 <= self.f_stop <= 64
        ):
            raise InputError(
                f"Look.f_stop must be None or a number in [0.5, 64], got {self.f_stop!r}"
            )
        if not 0.0 <= self.roughness <= 1.0:
            raise InputError(f"Look.roughness must be in [0, 1], got {self.roughness!r}")

    @classmethod
    def realtime(cls, software: bool) -> Look:
        """The look a real-time loop (stage, headset) starts with: the full look on a
        GPU; on a software rasterizer (``software``, e.g. llvmpipe) the plain look, as
        the full one costs about 10x a plain frame there (docs/render.md) and would take
        the loop far below its frame rate. Offline renders keep the full look."""
        return cls.off() if software else cls()

    @classmethod
    def off(cls) -> Look:
        """No shadows, no IBL, no HDR or MSAA of its own: the renderer's first look."""
        return cls(shadows=False, ibl=False, hdr=False, msaa=0)


def aces(x: np.ndarray) -> np.ndarray:
    """Narkowicz's ACES fit of linear values (>= 0) to [0, 1]."""
    x = np.asarray(x, np.float64)
    return np.clip((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0)


def inverse_aces(y: np.ndarray) -> np.ndarray:
    """The linear value :func:`aces` maps to ``y`` (in [0, 0.999])."""
    y = np.clip(np.asarray(y, np.float64), 0.0, 0.999)
    a = 2.51 - 2.43 * y
    b = 0.03 - 0.59 * y
    c = -0.14 * y
    return (-b + np.sqrt(b * b - 4 * a * c)) / (2 * a)


def srgb_decode(c: np.ndarray) -> np.ndarray:
    c = np.asarray(c, np.float64)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


__all__ = ["Look", "aces", "inverse_aces", "srgb_decode"]

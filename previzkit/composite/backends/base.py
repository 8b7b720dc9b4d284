"""The kernel interface every backend implements.

Arguments arrive validated by :mod:`previzkit.composite.ops` (shapes, dtypes, ``out``
preallocated); kernels write into ``out`` and allocate nothing per frame. Images are
(H, W, C), row 0 at the top; colour is premultiplied RGBA where alpha is present;
mattes are uint8 (H, W), 255 = foreground; depth is float32 metres in front of the
camera (+inf = empty).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import numpy.typing as npt

from previzkit.composite.lut import Lut
from previzkit.composite.params import CDL, KeyParams


class Backend(ABC):
    """One implementation of the compositing kernels."""

    name: str = "?"
    #: Higher is preferred by ``get_backend("auto")``.
    priority: int = 0

    def asarray(self, a: np.ndarray) -> np.ndarray:
        """Bring ``a`` to where this backend computes (identity on the CPU)."""
        return a

    def empty(self, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
        """An uninitialised array where this backend computes."""
        return np.empty(shape, dtype)

    def is_native(self, a: object) -> bool:
        """Whether ``a`` is an array this backend computes on without copying."""
        return isinstance(a, np.ndarray)

    def to_host(self, src: np.ndarray, dst: np.ndarray) -> None:
        """Copy a result computed here into the caller's ``dst`` (no-op when the same)."""
        if src is not dst:
            np.copyto(dst, src)

    def scratch(self, tag: str, shape: tuple[int, ...], dtype: npt.DTypeLike) -> np.ndarray:
        """A work buffer reused across calls of the same shape (no per-frame allocation)."""
        cache = self.__dict__.setdefault("_scratch", {})
        key = (tag, tuple(shape), np.dtype(dtype).str)
        buf = cache.get(key)
        if buf is None:
            if len(cache) > 32:
                cache.clear()
            buf = cache[key] = self.empty(shape, np.dtype(dtype))
        return buf

    @abstractmethod
    def over(self, fg: np.ndarray, bg: np.ndarray, out: np.ndarray) -> None:
        """Premultiplied ``fg`` (H, W, 4) over ``bg`` (H, W, 3|4) into ``out`` (like bg)."""

    @abstractmethod
    def key_matte(
        self,
        plate: np.ndarray,
        table: np.ndarray,
        garbage: np.ndarray | None,
        out: np.ndarray,
        params: KeyParams | None = None,
    ) -> None:
        """Matte of uint8 RGB ``plate`` via the (256, 256) Cb/Cr ``table``, times ``garbage``."""

    @abstractmethod
    def refine_matte(self, alpha: np.ndarray, choke: int, blur: int, out: np.ndarray) -> None:
        """Choke (erode > 0, dilate < 0; square window) then box-blur twice (radius ``blur``)."""

    @abstractmethod
    def key_rgba(
        self, plate: np.ndarray, alpha: np.ndarray, channel: int, spill: float, out: np.ndarray
    ) -> None:
        """Despilled ``plate`` premultiplied by ``alpha`` into uint8 RGBA ``out``."""

    @abstractmethod
    def despill_over(
        self,
        plate: np.ndarray,
        alpha: np.ndarray,
        bg: np.ndarray,
        channel: int,
        spill: float,
        out: np.ndarray,
    ) -> None:
        """Despilled ``plate`` with matte ``alpha`` over ``bg`` into ``out``."""

    @abstractmethod
    def key_despill_over(
        self,
        plate: np.ndarray,
        table: np.ndarray,
        garbage: np.ndarray | None,
        bg: np.ndarray,
        channel: int,
        spill: float,
        out: np.ndarray,
        matte_out: np.ndarray | None,
        params: KeyParams | None = None,
    ) -> None:
        """Key, despill and composite in one pass (the fused hot path). ``params`` lets a
        backend compute the matte arithmetically instead of through ``table``."""

    @abstractmethod
    def depth_composite(
        self,
        colors: tuple[np.ndarray, ...],
        depths: tuple[np.ndarray | float, ...],
        bg: np.ndarray,
        out: np.ndarray,
    ) -> int:
        """Per pixel, layers sorted near to far (ties: lower index in front) composited
        over ``bg``; returns the number of NaN depth samples met (0 when valid)."""

    @abstractmethod
    def cdl(self, img: np.ndarray, cdl: CDL, out: np.ndarray) -> None:
        """ASC CDL on RGB(A) ``img`` (uint8 or float32; alpha passes through)."""

    @abstractmethod
    def lut(self, img: np.ndarray, lut: Lut, out: np.ndarray) -> None:
        """Shaper then trilinear 3D LUT on RGB(A) ``img`` (alpha passes through)."""

    @abstractmethod
    def resize(
        self,
        img: np.ndarray,
        out: np.ndarray,
        region: tuple[int, int, int, int] | None = None,
        fill: np.ndarray | None = None,
    ) -> None:
        """Bilinear resample of ``img`` into ``out`` or into its ``region`` (x, y, w, h),
        pixel centres aligned; the rest of ``out`` becomes ``fill`` (one value per
        channel, ``out``'s dtype; letterbox bars) or, without it, is left as it is."""

    @staticmethod
    def fill_outside(out: np.ndarray, region: tuple[int, int, int, int], fill: np.ndarray) -> None:
        """``out`` outside ``region`` (x, y, w, h) set to ``fill`` (the bars of a letterbox)."""
        x, y, w, h = region
        out[:y] = fill
        out[y + h :] = fill
        out[y : y + h, :x] = fill
        out[y : y + h, x + w :] = fill

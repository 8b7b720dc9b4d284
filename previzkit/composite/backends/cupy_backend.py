"""CuPy GPU kernels (CUDA C in :mod:`cupy_source`, compiled by NVRTC on first use).

Registers only when cupy imports and ``cupy.cuda.is_available()`` is True. Accepts CuPy
arrays (results stay on the GPU) or numpy arrays (copied over and back, for
convenience; the real-time loop should keep its frames on the device).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from previzkit.core.errors import BackendUnavailable

try:
    import cupy as cp
except ImportError as exc:  # pragma: no cover - depends on the machine
    raise BackendUnavailable(
        f"cupy does not import ({exc}); pip install 'previzkit[gpu]'"
    ) from None


def _probe() -> None:
    try:
        ok = bool(cp.cuda.is_available())
    except Exception as exc:  # pragma: no cover - driver-specific failures
        raise BackendUnavailable(f"cupy: CUDA failed to initialise ({exc})") from None
    if not ok:
        raise BackendUnavailable(
            "cupy imports but finds no CUDA device (cupy.cuda.is_available() is False)"
        )


_probe()

from previzkit.composite.backends.base import Backend  # noqa: E402
from previzkit.composite.backends.cupy_source import CUDA_SOURCE, KERNELS  # noqa: E402
from previzkit.composite.formulas import bilinear_axis, cdl_table  # noqa: E402
from previzkit.composite.lut import Lut  # noqa: E402
from previzkit.composite.params import CDL  # noqa: E402

BLOCK = 256


class CupyBackend(Backend):
    name = "cupy"
    priority = 20

    def __init__(self) -> None:
        self._module: Any = None
        self._consts: dict = {}

    # memory -------------------------------------------------------------------------
    def is_native(self, a: object) -> bool:
        return isinstance(a, cp.ndarray)

    def asarray(self, a):
        if a is None:
            return None
        return cp.ascontiguousarray(cp.asarray(a))

    def empty(self, shape, dtype):
        return cp.empty(shape, dtype)

    def to_host(self, src, dst) -> None:
        if src is dst:
            return
        if isinstance(dst, cp.ndarray):
            dst[...] = src
        else:
            dst[...] = cp.asnumpy(src)

    def _const(self, key, make):
        """Device copies of per-parameter tables, cached on the parameter object."""
        hit = self._consts.get(key)
        if hit is None:
            if len(self._consts) > 64:
                self._consts.clear()
            hit = self._consts[key] = make()
        return hit

    # launch -------------------------------------------------------------------------
    def _k(self, name: str):
        if self._module is None:
            self._module = cp.RawModule(code=CUDA_SOURCE, options=("--std=c++14",))
            self._kernels = {k: self._module.get_function(k) for k in KERNELS}
        return self._kernels[name]

    def _run(self, name: str, n: int, *args) -> None:
        self._k(name)(((n + BLOCK - 1) // BLOCK,), (BLOCK,), args)

    def _out(self, out):
        """A contiguous target: ``out`` itself, or a scratch copied back by ``_done``."""
        return out if out.flags.c_contiguous else self.scratch("contig", out.shape, out.dtype)

    @staticmethod
    def _done(tmp, out) -> None:
        if tmp is not out:
            out[...] = tmp

    # kernels ------------------------------------------------------------------------
    def over(self, fg, bg, out):
        fg, bg = self.asarray(fg), self.asarray(bg)
        o = self._out(out)
        n, nch = bg.shape[0] * bg.shape[1], bg.shape[2]
        if bg.dtype == np.uint8:
            self._run("over_u8", n, fg, bg, o, np.int64(n), np.int32(nch))
        elif bg.dtype == np.float32:
            self._run("over_f32", n, fg, bg, o, np.int64(n), np.int32(nch))
        else:  # float16 through float32
            f32 = fg.astype(cp.float32)
            b32 = bg.astype(cp.float32)
            self._run("over_f32", n, f32, b32, b32, np.int64(n), np.int32(nch))
            o[...] = b32.astype(cp.float16)
        self._done(o, out)

    def key_matte(self, plate, table, garbage, out, params=None):
        plate, table = self.asarray(plate), self.asarray(table)
        g = self.asarray(garbage) if garbage is not None else plate
        o = self._out(out)
        n = plate.shape[0] * plate.shape[1]
        self._run("key_matte", n, plate, table, g, np.int32(garbage is not None), o, np.int64(n))
        self._done(o, out)

    def refine_matte(self, alpha, choke, blur, out):
        from cupyx.scipy import ndimage

        a = self.asarray(alpha)
        if choke:
            size = 2 * abs(choke) + 1
            f = ndimage.minimum_filter if choke > 0 else ndimage.maximum_filter
            a = f(a, size=size, mode="nearest")
        if blur:
            a = a.astype(cp.float32)
            for _ in range(2):
                a = ndimage.uniform_filter(a, size=2 * blur + 1, mode="nearest")
            a = cp.clip(cp.rint(a), 0, 255).astype(cp.uint8)
        out[...] = a

    def key_rgba(self, plate, alpha, channel, spill, out):
        plate, alpha = self.asarray(plate), self.asarray(alpha)
        o = self._out(out)
        n = plate.shape[0] * plate.shape[1]
        self._run("key_rgba", n, plate, alpha, np.int32(channel), np.float32(spill), o, np.int64(n))
        self._done(o, out)

    def despill_over(self, plate, alpha, bg, channel, spill, out):
        plate, alpha, bg = self.asarray(plate), self.asarray(alpha), self.asarray(bg)
        o = self._out(out)
        n = plate.shape[0] * plate.shape[1]
        self._run(
            "despill_over",
            n,
            plate,
            alpha,
            bg,
            np.int32(bg.shape[2]),
            np.int32(channel),
            np.float32(spill),
            o,
            np.int64(n),
        )
        self._done(o, out)

    def key_despill_over(
        self, plate, table, garbage, bg, channel, spill, out, matte_out, params=None
    ):
        plate, table, bg = self.asarray(plate), self.asarray(table), self.asarray(bg)
        g = self.asarray(garbage) if garbage is not None else plate
        o = self._out(out)
        m = self._out(matte_out) if matte_out is not None else plate
        n = plate.shape[0] * plate.shape[1]
        self._run(
            "key_despill_over",
            n,
            plate,
            table,
            g,
            np.int32(garbage is not None),
            bg,
            np.int32(bg.shape[2]),
            np.int32(channel),
            np.float32(spill),
            o,
            m,
            np.int32(matte_out is not None),
            np.int64(n),
        )
        self._done(o, out)
        if matte_out is not None:
            self._done(m, matte_out)

    def depth_composite(self, colors, depths, bg, out):
        colors = [self.asarray(c) for c in colors]
        maps = [None if isinstance(d, float) else self.asarray(d) for d in depths]
        consts = cp.asarray([d if isinstance(d, float) else np.nan for d in depths], cp.float32)
        cptr = cp.asarray([c.data.ptr for c in colors], cp.uint64)
        dptr = cp.asarray([0 if d is None else d.data.ptr for d in maps], cp.uint64)
        bg = self.asarray(bg)
        o = self._out(out)
        n = bg.shape[0] * bg.shape[1]
        nan = cp.zeros(1, cp.int32)
        name = "depth_u8" if bg.dtype == np.uint8 else "depth_f32"
        self._run(
            name,
            n,
            cptr,
            dptr,
            consts,
            np.int32(len(colors)),
            bg,
            np.int32(bg.shape[2]),
            o,
            np.int64(n),
            nan,
        )
        count = int(nan.get()[0])
        if not count:
            self._done(o, out)
        return count

    def cdl(self, img, cdl: CDL, out):
        img = self.asarray(img)
        o = self._out(out)
        n, nch = img.shape[0] * img.shape[1], img.shape[2]
        if img.dtype == np.uint8:
            t = self._const(("cdl", cdl), lambda: cp.asarray(cdl_table(cdl)))
            self._run(
                "cdl_u8", n, img, t, np.float32(cdl.saturation), np.int32(nch), o, np.int64(n)
            )
        else:
            sop = self._const(
                ("sop", cdl),
                lambda: cp.asarray(np.array([*cdl.slope, *cdl.offset, *cdl.power], np.float32)),
            )
            self._run(
                "cdl_f32", n, img, sop, np.float32(cdl.saturation), np.int32(nch), o, np.int64(n)
            )
        self._done(o, out)

    def lut(self, img, lut: Lut, out):
        img = self.asarray(img)
        o = self._out(out)
        n, nch = img.shape[0] * img.shape[1], img.shape[2]
        key = lut
        cube = self._const(
            ("cube", key),
            lambda: cp.asarray(
                lut.cube if lut.cube is not None else np.zeros((2, 2, 2, 3), np.float32)
            ),
        )
        size = 0 if lut.cube is None else lut.cube.shape[0]
        if img.dtype == np.uint8 and lut.cube is not None:
            ti = self._const(("ti", key), lambda: cp.asarray(lut.uint8_taps[0]))
            tf = self._const(("tf", key), lambda: cp.asarray(lut.uint8_taps[1]))
            self._run("lut_u8", n, img, cube, np.int32(size), ti, tf, np.int32(nch), o, np.int64(n))
        else:
            shaper = self._const(
                ("shaper", key),
                lambda: cp.asarray(
                    lut.shaper if lut.shaper is not None else np.zeros((2, 3), np.float32)
                ),
            )
            m = 0 if lut.shaper is None else lut.shaper.shape[0]
            dom = self._const(
                ("dom", key),
                lambda: cp.asarray(
                    np.concatenate(
                        [lut.shaper_min, lut.shaper_max, lut.domain_min, lut.domain_max]
                    ).astype(np.float32)
                ),
            )
            if img.dtype == np.uint8:  # shaper-only LUT on uint8: float path, then round
                f = img.astype(cp.float32) / 255.0
                r = cp.empty_like(f)
                self._run(
                    "lut_f32",
                    n,
                    f,
                    cube,
                    np.int32(size),
                    shaper,
                    np.int32(m),
                    dom,
                    np.int32(nch),
                    r,
                    np.int64(n),
                )
                r[..., :3] = cp.clip(r[..., :3], 0.0, 1.0) * 255.0
                if nch == 4:
                    r[..., 3] = f[..., 3] * 255.0
                o[...] = cp.clip(cp.rint(r), 0, 255).astype(cp.uint8)
            else:
                self._run(
                    "lut_f32",
                    n,
                    img,
                    cube,
                    np.int32(size),
                    shaper,
                    np.int32(m),
                    dom,
                    np.int32(nch),
                    o,
                    np.int64(n),
                )
        self._done(o, out)

    def resize(self, img, out, region=None, fill=None):
        if region is not None:
            if fill is not None:
                self.fill_outside(out, region, self.asarray(fill))
            x, y, w, h = region
            out = out[y : y + h, x : x + w]
        img = self.asarray(img)
        o = self._out(out)
        h, w = out.shape[:2]
        ax = [
            self._const(
                ("axis", img.shape[0], h, i),
                lambda i=i: cp.asarray(bilinear_axis(img.shape[0], h)[i]),
            )
            for i in range(3)
        ]
        bx = [
            self._const(
                ("axis", img.shape[1], w, i),
                lambda i=i: cp.asarray(bilinear_axis(img.shape[1], w)[i]),
            )
            for i in range(3)
        ]
        name = "resize_u8" if img.dtype == np.uint8 else "resize_f32"
        self._run(
            name,
            h * w,
            img,
            np.int32(img.shape[1]),
            np.int32(img.shape[2]),
            *ax,
            *bx,
            o,
            np.int32(h),
            np.int32(w),
        )
        self._done(o, out)


BACKEND = CupyBackend()

"""Numba CPU kernels (``@njit(parallel=True, cache=True)``), one per op, mirroring the
numpy reference: rows in parallel, integer arithmetic with exact rounding for uint8
(``round(t / 255)`` as ``(t + 128 + ((t + 128) >> 8)) >> 8``), tables for per-value
work (the Cb/Cr matte, CDL curves, LUT lattice taps) computed once per parameter set.
"""

from __future__ import annotations

import numpy as np

from previzkit.errors import BackendUnavailable

try:
    import numba
    from numba import njit, prange
except ImportError as exc:  # pragma: no cover - depends on the machine
    raise BackendUnavailable(f"numba does not import ({exc}); pip install 'previzkit[composite]'")

from previzkit.composite.backends.base import Backend
from previzkit.composite.formulas import (
    CB_COEF,
    CR_COEF,
    FIX_BIAS,
    LUMA709,
    bilinear_axis,
    cdl_table,
)
from previzkit.composite.lut import Lut, lattice_coords
from previzkit.composite.params import CDL

_JIT = {"parallel": True, "cache": True, "nogil": True, "error_model": "numpy", "fastmath": False}
CB_R, CB_G, CB_B = CB_COEF
CR_R, CR_G, CR_B = CR_COEF
LR, LG, LB = (np.float32(v) for v in LUMA709)


@njit(inline="always")
def _div255(t):
    t = t + 128
    return (t + (t >> 8)) >> 8


@njit(inline="always")
def _u8f(v):
    """float -> uint8, rounded half to even, clipped."""
    v = np.rint(v)
    if v < 0:
        return np.uint8(0)
    if v > 255:
        return np.uint8(255)
    return np.uint8(v)


# --- over ---------------------------------------------------------------------------


@njit(**_JIT)
def _over_u8(fg, bg, out):
    h, w, n = bg.shape
    for y in prange(h):
        for x in range(w):
            ia = np.int32(255) - np.int32(fg[y, x, 3])
            for c in range(n):
                v = np.int32(fg[y, x, c]) + _div255(np.int32(bg[y, x, c]) * ia)
                out[y, x, c] = np.uint8(min(v, 255))


@njit(**_JIT)
def _over_f(fg, bg, out):
    h, w, n = bg.shape
    for y in prange(h):
        for x in range(w):
            ia = np.float32(1.0) - np.float32(fg[y, x, 3])
            for c in range(n):
                out[y, x, c] = np.float32(fg[y, x, c]) + np.float32(bg[y, x, c]) * ia


# --- key ----------------------------------------------------------------------------


@njit(inline="always")
def _cbcr(r, g, b):
    cb = (CB_R * r + CB_G * g + CB_B * b + FIX_BIAS) >> 16
    cr = (CR_R * r + CR_G * g + CR_B * b + FIX_BIAS) >> 16
    return min(cb, 255), min(cr, 255)


@njit(**_JIT)
def _key_matte(plate, table, garbage, use_garbage, out):
    h, w, _ = plate.shape
    for y in prange(h):
        for x in range(w):
            cb, cr = _cbcr(np.int32(plate[y, x, 0]), np.int32(plate[y, x, 1]), np.int32(plate[y, x, 2]))
            a = np.int32(table[cb, cr])
            if use_garbage:
                a = _div255(a * np.int32(garbage[y, x]))
            out[y, x] = a


@njit(inline="always")
def _despill_px(r, g, b, channel, spill):
    """Despilled (r, g, b) as int32, mirroring the reference's float rounding."""
    if channel == 1:
        lim = (np.float32(r) + np.float32(b)) * np.float32(0.5)
        ex = np.float32(g) - lim
        if ex > 0:
            g = np.int32(np.rint(np.float32(g) - spill * ex))
    elif channel == 2:
        lim = (np.float32(r) + np.float32(g)) * np.float32(0.5)
        ex = np.float32(b) - lim
        if ex > 0:
            b = np.int32(np.rint(np.float32(b) - spill * ex))
    else:
        lim = (np.float32(g) + np.float32(b)) * np.float32(0.5)
        ex = np.float32(r) - lim
        if ex > 0:
            r = np.int32(np.rint(np.float32(r) - spill * ex))
    return r, g, b


@njit(**_JIT)
def _key_rgba(plate, alpha, channel, spill, out):
    h, w, _ = plate.shape
    s = np.float32(spill)
    for y in prange(h):
        for x in range(w):
            r, g, b = _despill_px(np.int32(plate[y, x, 0]), np.int32(plate[y, x, 1]), np.int32(plate[y, x, 2]), channel, s)
            a = np.int32(alpha[y, x])
            out[y, x, 0] = _div255(r * a)
            out[y, x, 1] = _div255(g * a)
            out[y, x, 2] = _div255(b * a)
            out[y, x, 3] = a


@njit(inline="always")
def _blend_px(out, bg, y, x, r, g, b, a):
    ia = np.int32(255) - a
    out[y, x, 0] = _div255(r * a + np.int32(bg[y, x, 0]) * ia)
    out[y, x, 1] = _div255(g * a + np.int32(bg[y, x, 1]) * ia)
    out[y, x, 2] = _div255(b * a + np.int32(bg[y, x, 2]) * ia)
    if bg.shape[2] == 4:
        out[y, x, 3] = _div255(np.int32(255) * a + np.int32(bg[y, x, 3]) * ia)


@njit(**_JIT)
def _despill_over(plate, alpha, bg, channel, spill, out):
    h, w, _ = plate.shape
    s = np.float32(spill)
    for y in prange(h):
        for x in range(w):
            r, g, b = _despill_px(np.int32(plate[y, x, 0]), np.int32(plate[y, x, 1]), np.int32(plate[y, x, 2]), channel, s)
            _blend_px(out, bg, y, x, r, g, b, np.int32(alpha[y, x]))


@njit(**_JIT)
def _key_despill_over(plate, table, garbage, use_garbage, bg, channel, spill, out, matte, use_matte):
    h, w, _ = plate.shape
    s = np.float32(spill)
    for y in prange(h):
        for x in range(w):
            r0 = np.int32(plate[y, x, 0])
            g0 = np.int32(plate[y, x, 1])
            b0 = np.int32(plate[y, x, 2])
            cb, cr = _cbcr(r0, g0, b0)
            a = np.int32(table[cb, cr])
            if use_garbage:
                a = _div255(a * np.int32(garbage[y, x]))
            if use_matte:
                matte[y, x] = a
            r, g, b = _despill_px(r0, g0, b0, channel, s)
            _blend_px(out, bg, y, x, r, g, b, a)


# --- matte refinement ---------------------------------------------------------------


@njit(**_JIT)
def _minmax_rows(src, dst, k, erode):
    """Horizontal min (erode) or max filter of width 2k+1, edges repeated."""
    h, w = src.shape
    for y in prange(h):
        for x in range(w):
            v = src[y, x]
            for dx in range(-k, k + 1):
                xx = min(max(x + dx, 0), w - 1)
                s = src[y, xx]
                v = min(v, s) if erode else max(v, s)
            dst[y, x] = v


@njit(**_JIT)
def _minmax_cols(src, dst, k, erode):
    h, w = src.shape
    for y in prange(h):
        for x in range(w):
            dst[y, x] = src[y, x]
        for dy in range(-k, k + 1):
            yy = min(max(y + dy, 0), h - 1)
            for x in range(w):
                s = src[yy, x]
                dst[y, x] = min(dst[y, x], s) if erode else max(dst[y, x], s)


@njit(**_JIT)
def _box_rows(src, dst, r):
    """Horizontal mean of width 2r+1 (edges repeated), float32 running sum."""
    h, w = src.shape
    inv = np.float32(1.0) / np.float32(2 * r + 1)
    for y in prange(h):
        acc = np.float32(0.0)
        for dx in range(-r, r + 1):
            acc += np.float32(src[y, min(max(dx, 0), w - 1)])
        for x in range(w):
            dst[y, x] = acc * inv
            acc += np.float32(src[y, min(x + r + 1, w - 1)]) - np.float32(src[y, max(x - r, 0)])


@njit(**_JIT)
def _box_cols(src, dst, r):
    h, w = src.shape
    inv = np.float32(1.0) / np.float32(2 * r + 1)
    for y in prange(h):
        for x in range(w):
            dst[y, x] = 0.0
        for dy in range(-r, r + 1):
            yy = min(max(y + dy, 0), h - 1)
            for x in range(w):
                dst[y, x] += src[yy, x]
        for x in range(w):
            dst[y, x] *= inv


@njit(**_JIT)
def _to_u8(src, dst):
    h, w = src.shape
    for y in prange(h):
        for x in range(w):
            dst[y, x] = _u8f(src[y, x])


@njit(**_JIT)
def _copy2(src, dst):
    h, w = src.shape
    for y in prange(h):
        for x in range(w):
            dst[y, x] = src[y, x]


# --- depth ----------------------------------------------------------------------------


@njit(**_JIT)
def _depth_u8(colors, depths, consts, nl, bg, out):
    h, w, n = bg.shape
    nan = 0
    for y in prange(h):
        dv = np.empty(nl, np.float32)
        order = np.empty(nl, np.int64)
        row_nan = 0
        for x in range(w):
            for i in range(nl):
                d = consts[i]
                if np.isnan(d):
                    d = depths[i][y, x]
                if np.isnan(d):
                    row_nan += 1
                dv[i] = d
                # insertion sort, stable: near first, ties keep layer order
                j = i
                while j > 0 and dv[order[j - 1]] > d:
                    order[j] = order[j - 1]
                    j -= 1
                order[j] = i
            for c in range(n):
                out[y, x, c] = bg[y, x, c]
            for k in range(nl - 1, -1, -1):
                col = colors[order[k]]
                ia = np.int32(255) - np.int32(col[y, x, 3])
                for c in range(n):
                    v = np.int32(col[y, x, c]) + _div255(np.int32(out[y, x, c]) * ia)
                    out[y, x, c] = np.uint8(min(v, 255))
        nan += row_nan
    return nan


@njit(**_JIT)
def _depth_f(colors, depths, consts, nl, bg, out):
    h, w, n = bg.shape
    nan = 0
    for y in prange(h):
        dv = np.empty(nl, np.float32)
        order = np.empty(nl, np.int64)
        row_nan = 0
        for x in range(w):
            for i in range(nl):
                d = consts[i]
                if np.isnan(d):
                    d = depths[i][y, x]
                if np.isnan(d):
                    row_nan += 1
                dv[i] = d
                j = i
                while j > 0 and dv[order[j - 1]] > d:
                    order[j] = order[j - 1]
                    j -= 1
                order[j] = i
            for c in range(n):
                out[y, x, c] = bg[y, x, c]
            for k in range(nl - 1, -1, -1):
                col = colors[order[k]]
                ia = np.float32(1.0) - col[y, x, 3]
                for c in range(n):
                    out[y, x, c] = col[y, x, c] + out[y, x, c] * ia
        nan += row_nan
    return nan


# --- colour ---------------------------------------------------------------------------


@njit(inline="always")
def _sat(r, g, b, sat):
    luma = LR * r + LG * g + LB * b
    r = min(max(luma + sat * (r - luma), np.float32(0.0)), np.float32(1.0))
    g = min(max(luma + sat * (g - luma), np.float32(0.0)), np.float32(1.0))
    b = min(max(luma + sat * (b - luma), np.float32(0.0)), np.float32(1.0))
    return r, g, b


@njit(**_JIT)
def _cdl_u8(img, table, sat, out):
    h, w, n = img.shape
    s = np.float32(sat)
    for y in prange(h):
        for x in range(w):
            r, g, b = _sat(table[img[y, x, 0], 0], table[img[y, x, 1], 1], table[img[y, x, 2], 2], s)
            out[y, x, 0] = _u8f(r * np.float32(255.0))
            out[y, x, 1] = _u8f(g * np.float32(255.0))
            out[y, x, 2] = _u8f(b * np.float32(255.0))
            if n == 4:
                out[y, x, 3] = img[y, x, 3]


@njit(inline="always")
def _sop(v, slope, offset, power):
    v = v * slope + offset
    v = min(max(v, np.float32(0.0)), np.float32(1.0))
    return v**power


@njit(**_JIT)
def _cdl_f(img, slope, offset, power, sat, out):
    h, w, n = img.shape
    s = np.float32(sat)
    for y in prange(h):
        for x in range(w):
            r = _sop(img[y, x, 0], slope[0], offset[0], power[0])
            g = _sop(img[y, x, 1], slope[1], offset[1], power[1])
            b = _sop(img[y, x, 2], slope[2], offset[2], power[2])
            r, g, b = _sat(r, g, b, s)
            out[y, x, 0] = r
            out[y, x, 1] = g
            out[y, x, 2] = b
            if n == 4:
                out[y, x, 3] = img[y, x, 3]


@njit(inline="always")
def _trilinear(cube, ir, ig, ib, fr, fg, fb, c):
    one = np.float32(1.0)
    c00 = cube[ir, ig, ib, c] * (one - fr) + cube[ir + 1, ig, ib, c] * fr
    c10 = cube[ir, ig + 1, ib, c] * (one - fr) + cube[ir + 1, ig + 1, ib, c] * fr
    c01 = cube[ir, ig, ib + 1, c] * (one - fr) + cube[ir + 1, ig, ib + 1, c] * fr
    c11 = cube[ir, ig + 1, ib + 1, c] * (one - fr) + cube[ir + 1, ig + 1, ib + 1, c] * fr
    c0 = c00 * (one - fg) + c10 * fg
    c1 = c01 * (one - fg) + c11 * fg
    return c0 * (one - fb) + c1 * fb


@njit(**_JIT)
def _lut_u8(img, cube, taps_i, taps_f, out):
    h, w, n = img.shape
    for y in prange(h):
        for x in range(w):
            vr = img[y, x, 0]
            vg = img[y, x, 1]
            vb = img[y, x, 2]
            ir, ig, ib = taps_i[vr, 0], taps_i[vg, 1], taps_i[vb, 2]
            fr, fg, fb = taps_f[vr, 0], taps_f[vg, 1], taps_f[vb, 2]
            for c in range(3):
                v = _trilinear(cube, ir, ig, ib, fr, fg, fb, c)
                out[y, x, c] = _u8f(v * np.float32(255.0))
            if n == 4:
                out[y, x, 3] = img[y, x, 3]


@njit(**_JIT)
def _lut_f(img, cube, shaper, use_shaper, smin, smax, dmin, dmax, out):
    h, w, n = img.shape
    size = cube.shape[0]
    m = shaper.shape[0]
    for y in prange(h):
        for x in range(w):
            ii = np.empty(3, np.int64)
            ff = np.empty(3, np.float32)
            for c in range(3):
                v = np.float64(img[y, x, c])
                if use_shaper:
                    p = min(max((v - smin[c]) / (smax[c] - smin[c]), 0.0), 1.0) * (m - 1)
                    i0 = min(int(np.floor(p)), m - 2)
                    f = p - i0
                    v = shaper[i0, c] * (1.0 - f) + shaper[i0 + 1, c] * f
                p = min(max((v - dmin[c]) / (dmax[c] - dmin[c]), 0.0), 1.0) * (size - 1)
                i0 = min(int(np.floor(p)), size - 2)
                ii[c] = i0
                ff[c] = np.float32(p - i0)
            for c in range(3):
                out[y, x, c] = _trilinear(cube, ii[0], ii[1], ii[2], ff[0], ff[1], ff[2], c)
            if n == 4:
                out[y, x, 3] = img[y, x, 3]


@njit(**_JIT)
def _shaper_only_f(img, shaper, smin, smax, out):
    h, w, n = img.shape
    m = shaper.shape[0]
    for y in prange(h):
        for x in range(w):
            for c in range(3):
                v = np.float64(img[y, x, c])
                p = min(max((v - smin[c]) / (smax[c] - smin[c]), 0.0), 1.0) * (m - 1)
                i0 = min(int(np.floor(p)), m - 2)
                f = p - i0
                out[y, x, c] = shaper[i0, c] * (1.0 - f) + shaper[i0 + 1, c] * f
            if n == 4:
                out[y, x, 3] = img[y, x, 3]


@njit(**_JIT)
def _table_u8(img, table, out):
    """Per-channel 256-entry uint8 table (a shaper-only LUT on uint8)."""
    h, w, n = img.shape
    for y in prange(h):
        for x in range(w):
            for c in range(3):
                out[y, x, c] = table[img[y, x, c], c]
            if n == 4:
                out[y, x, 3] = img[y, x, 3]


# --- resize ---------------------------------------------------------------------------


@njit(**_JIT)
def _resize(img, y0, y1, wy, x0, x1, wx, out, oy, ox, is_u8):
    """Bilinear into ``out[oy:oy+h, ox:ox+w]`` (h, w = len(y0), len(x0))."""
    h = y0.shape[0]
    w = x0.shape[0]
    n = out.shape[2]
    one = np.float32(1.0)
    for y in prange(h):
        a = y0[y]
        b = y1[y]
        fy = wy[y]
        for x in range(w):
            l = x0[x]
            r = x1[x]
            fx = wx[x]
            for c in range(n):
                top = np.float32(img[a, l, c]) * (one - fx) + np.float32(img[a, r, c]) * fx
                bot = np.float32(img[b, l, c]) * (one - fx) + np.float32(img[b, r, c]) * fx
                v = top * (one - fy) + bot * fy
                if is_u8:
                    out[oy + y, ox + x, c] = _u8f(v)
                else:
                    out[oy + y, ox + x, c] = v


MAX_LAYERS = 8


class NumbaBackend(Backend):
    """Kernels compile once per dtype for C-contiguous arrays (cached on disk); other
    layouts are copied to contiguous scratch first, so CI compiles few variants."""

    name = "numba"
    priority = 10

    def __init__(self) -> None:
        self.threads = numba.get_num_threads()

    def _c(self, a, tag):
        """``a`` itself when C-contiguous, else a contiguous copy in reused scratch."""
        if a is None or a.flags.c_contiguous:
            return a
        buf = self.scratch("in." + tag, a.shape, a.dtype)
        np.copyto(buf, a)
        return buf

    def _o(self, out, tag="out"):
        return out if out.flags.c_contiguous else self.scratch(tag, out.shape, out.dtype)

    @staticmethod
    def _done(tmp, out):
        if tmp is not out:
            np.copyto(out, tmp)

    def over(self, fg, bg, out):
        fg, bg, o = self._c(fg, "fg"), self._c(bg, "bg"), self._o(out)
        if bg.dtype == np.uint8:
            _over_u8(fg, bg, o)
        elif bg.dtype == np.float32:
            _over_f(fg, bg, o)
        else:  # float16: numba has no half arithmetic on the CPU -> float32 strips
            strip = max(1, 65536 // bg.shape[1])
            for y in range(0, bg.shape[0], strip):
                rows = slice(y, min(y + strip, bg.shape[0]))
                n = rows.stop - rows.start
                f = self.scratch("f16.fg", (strip, fg.shape[1], 4), np.float32)[:n]
                b = self.scratch("f16.bg", (strip, *bg.shape[1:]), np.float32)[:n]
                np.copyto(f, fg[rows])
                np.copyto(b, bg[rows])
                _over_f(f, b, b)
                np.copyto(o[rows], b, casting="same_kind")
        self._done(o, out)

    def key_matte(self, plate, table, garbage, out):
        plate, garbage, o = self._c(plate, "plate"), self._c(garbage, "garbage"), self._o(out)
        _key_matte(plate, table, _g(garbage), garbage is not None, o)
        self._done(o, out)

    def refine_matte(self, alpha, choke, blur, out):
        shape = alpha.shape
        a, o = self._c(alpha, "alpha"), self._o(out)
        if not choke and not blur:
            _copy2(a, o)
        if choke:
            t = self.scratch("choke", shape, np.uint8)
            _minmax_rows(a, t, abs(choke), choke > 0)
            _minmax_cols(t, o, abs(choke), choke > 0)
            a = o
        if blur:
            f1 = self.scratch("blur1", shape, np.float32)
            f2 = self.scratch("blur2", shape, np.float32)
            _box_rows(a, f1, blur)
            _box_cols(f1, f2, blur)
            _box_rows(f2, f1, blur)
            _box_cols(f1, f2, blur)
            _to_u8(f2, o)
        self._done(o, out)

    def key_rgba(self, plate, alpha, channel, spill, out):
        plate, alpha, o = self._c(plate, "plate"), self._c(alpha, "alpha"), self._o(out)
        _key_rgba(plate, alpha, channel, spill, o)
        self._done(o, out)

    def despill_over(self, plate, alpha, bg, channel, spill, out):
        plate, alpha, bg = self._c(plate, "plate"), self._c(alpha, "alpha"), self._c(bg, "bg")
        o = self._o(out)
        _despill_over(plate, alpha, bg, channel, spill, o)
        self._done(o, out)

    def key_despill_over(self, plate, table, garbage, bg, channel, spill, out, matte_out):
        plate, garbage, bg = self._c(plate, "plate"), self._c(garbage, "garbage"), self._c(bg, "bg")
        o = self._o(out)
        m = None if matte_out is None else self._o(matte_out, "matte")
        _key_despill_over(
            plate, table, _g(garbage), garbage is not None, bg, channel, spill, o,
            _g(m), m is not None,
        )
        self._done(o, out)
        if m is not None:
            self._done(m, matte_out)

    def depth_composite(self, colors, depths, bg, out):
        n = len(colors)
        if n > MAX_LAYERS:
            raise ValueError(f"numba depth_composite: at most {MAX_LAYERS} layers, got {n}")
        consts = np.full(MAX_LAYERS, np.nan, np.float32)
        cols, maps = [], []
        dummy_c = self.scratch("depth.dummy." + bg.dtype.str, (1, 1, 4), bg.dtype)
        dummy_d = self.scratch("depth.dummy.d", (1, 1), np.float32)
        for i in range(MAX_LAYERS):
            if i >= n:
                cols.append(dummy_c)
                maps.append(dummy_d)
                continue
            cols.append(self._c(colors[i], f"c{i}"))
            d = depths[i]
            if isinstance(d, float):
                consts[i] = d
                maps.append(dummy_d)
            else:
                maps.append(self._c(d, f"d{i}"))
        bg, o = self._c(bg, "bg"), self._o(out)
        kern = _depth_u8 if bg.dtype == np.uint8 else _depth_f
        nan = int(kern(tuple(cols), tuple(maps), consts, n, bg, o))
        self._done(o, out)
        return nan

    def cdl(self, img, cdl: CDL, out):
        img, o = self._c(img, "img"), self._o(out)
        if img.dtype == np.uint8:
            _cdl_u8(img, cdl_table(cdl), cdl.saturation, o)
        else:
            f = np.float32
            _cdl_f(img, np.array(cdl.slope, f), np.array(cdl.offset, f), np.array(cdl.power, f),
                   cdl.saturation, o)
        self._done(o, out)

    def lut(self, img, lut: Lut, out):
        img, o = self._c(img, "img"), self._o(out)
        d = np.float64
        if img.dtype == np.uint8:
            if lut.cube is None:
                _table_u8(img, _shaper_u8(lut), o)
            else:
                ti, tf = lut.uint8_taps
                _lut_u8(img, lut.cube, ti, tf, o)
        elif lut.cube is None:
            _shaper_only_f(img, lut.shaper.astype(d), lut.shaper_min.astype(d),
                           lut.shaper_max.astype(d), o)
        else:
            shaper = lut.shaper if lut.shaper is not None else np.zeros((2, 3), np.float32)
            _lut_f(img, lut.cube, shaper.astype(d), lut.shaper is not None,
                   lut.shaper_min.astype(d), lut.shaper_max.astype(d),
                   lut.domain_min.astype(d), lut.domain_max.astype(d), o)
        self._done(o, out)

    def resize(self, img, out, region=None):
        img = self._c(img, "img")
        x, y, w, h = region if region is not None else (0, 0, out.shape[1], out.shape[0])
        y0, y1, wy = bilinear_axis(img.shape[0], h)
        x0, x1, wx = bilinear_axis(img.shape[1], w)
        o = self._o(out)
        if o is not out:
            np.copyto(o, out)
        _resize(img, y0, y1, wy, x0, x1, wx, o, y, x, img.dtype == np.uint8)
        self._done(o, out)


def _g(a):
    """A placeholder 2D array for an absent optional argument (numba needs a type)."""
    return a if a is not None else _DUMMY


_DUMMY = np.zeros((1, 1), np.uint8)


_SHAPER_U8: dict[Lut, np.ndarray] = {}  # keyed by identity (Lut has eq=False)


def _shaper_u8(lut: Lut) -> np.ndarray:
    t = _SHAPER_U8.get(lut)
    if t is None:
        x = np.repeat((np.arange(256, dtype=np.float64) / 255.0)[:, None], 3, axis=1)
        t = np.clip(np.rint(np.clip(lut.apply_shaper(x), 0, 1) * 255), 0, 255).astype(np.uint8)
        _SHAPER_U8.clear()
        _SHAPER_U8[lut] = t
    return t


_ = lattice_coords  # re-exported for symmetry with the reference

BACKEND = NumbaBackend()

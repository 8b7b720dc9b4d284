"""Numba CPU kernels (``@njit(parallel=True, cache=True)``), one per op, mirroring the
numpy reference: rows in parallel, integer arithmetic with exact rounding for uint8
(``round(t / 255)`` as ``(t + 128 + ((t + 128) >> 8)) >> 8``), tables for per-value
work (the Cb/Cr matte, CDL curves, LUT lattice taps) computed once per parameter set.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal, TypedDict

import numpy as np

from previzkit.core.errors import BackendUnavailable

try:
    import numba
    from llvmlite import ir
    from numba import njit, prange, types
    from numba.extending import intrinsic
except ImportError as exc:  # pragma: no cover - depends on the machine
    raise BackendUnavailable(
        f"numba does not import ({exc}); pip install 'previzkit[composite]'"
    ) from None

from previzkit.composite.backends.base import Backend
from previzkit.composite.formulas import (
    CB_COEF,
    CR_COEF,
    FIX_BIAS,
    LUMA709,
    bilinear_axis,
    cdl_table,
    matte_coeffs,
)
from previzkit.composite.lut import Lut, lattice_coords
from previzkit.composite.params import CDL


class _JitOptions(TypedDict):
    parallel: bool
    cache: bool
    nogil: bool
    error_model: Literal["python", "numpy"]
    fastmath: bool


_JIT: _JitOptions = {
    "parallel": True,
    "cache": True,
    "nogil": True,
    "error_model": "numpy",
    "fastmath": False,
}
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


# Kernels are a parallel loop over rows calling a serial row function on flat row
# views: inside a serial loop LLVM knows indices are non-negative, so it vectorizes
# (a prange body cannot prove it and stays scalar). uint8 maths is float32 rounded
# with +0.5: every quotient is m / 255 with integer m, at least 1/510 from a tie, far
# more than float32's error, so results equal the reference's exactly.

_H = np.float32(0.5)
_K = np.float32(1.0 / 255.0)


@njit(cache=True)
def _over_row_u8(f, b, o, w, n):
    if n == 3:
        for x in range(w):
            ia = (np.float32(255.0) - np.float32(f[4 * x + 3])) * _K
            for c in range(3):
                v = np.float32(f[4 * x + c]) + np.float32(b[3 * x + c]) * ia + _H
                o[3 * x + c] = np.uint8(min(v, np.float32(255.0)))
    else:
        for x in range(w):
            ia = (np.float32(255.0) - np.float32(f[4 * x + 3])) * _K
            for c in range(4):
                v = np.float32(f[4 * x + c]) + np.float32(b[4 * x + c]) * ia + _H
                o[4 * x + c] = np.uint8(min(v, np.float32(255.0)))


@njit(cache=True)
def _over_row_f(f, b, o, w, n):
    if n == 3:
        for x in range(w):
            ia = np.float32(1.0) - f[4 * x + 3]
            for c in range(3):
                o[3 * x + c] = f[4 * x + c] + b[3 * x + c] * ia
    else:
        for x in range(w):
            ia = np.float32(1.0) - f[4 * x + 3]
            for c in range(4):
                o[4 * x + c] = f[4 * x + c] + b[4 * x + c] * ia


@njit(**_JIT)
def _over_u8(fg, bg, out):
    h, w, n = bg.shape
    for y in prange(h):
        _over_row_u8(fg[y].reshape(w * 4), bg[y].reshape(w * n), out[y].reshape(w * n), w, n)


@njit(**_JIT)
def _over_f(fg, bg, out):
    h, w, n = bg.shape
    for y in prange(h):
        _over_row_f(fg[y].reshape(w * 4), bg[y].reshape(w * n), out[y].reshape(w * n), w, n)


# --- key ----------------------------------------------------------------------------
# Cb/Cr in float32 are exact: every partial sum is an integer below 2**24.


@njit(inline="always")
def _cbcr_f(r, g, b):
    cb = (
        np.float32(CB_R) * r + np.float32(CB_G) * g + np.float32(CB_B) * b + np.float32(FIX_BIAS)
    ) * np.float32(1.0 / 65536.0)
    cr = (
        np.float32(CR_R) * r + np.float32(CR_G) * g + np.float32(CR_B) * b + np.float32(FIX_BIAS)
    ) * np.float32(1.0 / 65536.0)
    return (
        np.float32(min(np.int32(cb), np.int32(255))),
        np.float32(min(np.int32(cr), np.int32(255))),
    )


@njit(inline="always")
def _alpha(r, g, b, k, table, use_table):
    """Matte 0..255 (float32, integral) of one pixel; ``k`` a tuple of 8 float32
    scalars (``matte_coeffs``; loaded before the loop: array loads there would block
    vectorization)."""
    cb, cr = _cbcr_f(r, g, b)
    if use_table:
        return np.float32(table[np.uint64(cb) * np.uint64(256) + np.uint64(cr)])
    dcb = cb - np.float32(128.0)
    dcr = cr - np.float32(128.0)
    along = dcb * k[0] + dcr * k[1]
    across = dcb * k[1] - dcr * k[0]
    t = min(max(along, k[6]), k[7])
    e = along - t
    d = np.sqrt(e * e + across * across) / t
    a = min(max((d - k[2]) * k[3], np.float32(0.0)), np.float32(1.0))
    a = min(max((a - k[4]) * k[5], np.float32(0.0)), np.float32(1.0))
    return np.float32(np.int32(a * np.float32(255.0) + _H))


@njit(inline="always")
def _ktuple(k):
    return (k[0], k[1], k[2], k[3], k[4], k[5], k[6], k[7])


@njit(inline="always")
def _garb(a, gv):
    return np.float32(np.int32(a * np.float32(gv) * _K + _H))


@njit(inline="always")
def _spill(s, o1, o2, amount):
    """The screen channel ``s`` pulled toward mean(o1, o2), rounded half to even."""
    ex = s - (o1 + o2) * _H
    return np.rint(s - amount * max(ex, np.float32(0.0)))


@njit(inline="always")
def _despill3(r, g, b, channel, amount):
    if channel == 1:
        g = _spill(g, r, b, amount)
    elif channel == 2:
        b = _spill(b, r, g, amount)
    else:
        r = _spill(r, g, b, amount)
    return r, g, b


@njit(cache=True)
def _key_matte_row(p, karr, table, use_table, gar, use_g, o, w):
    # Literal flags let LLVM fold the branches and vectorize the arithmetic matte
    # (with run-time flags in the loop it stays scalar: 2-4x slower than the table).
    if use_table:
        _key_matte_loop(p, karr, table, True, gar, use_g, o, w)
    elif use_g:
        _key_matte_loop(p, karr, table, False, gar, True, o, w)
    else:
        _key_matte_loop(p, karr, table, False, gar, False, o, w)


@njit(inline="always")
def _key_matte_loop(p, karr, table, use_table, gar, use_g, o, w):
    k = _ktuple(karr)
    for x in range(w):
        a = _alpha(
            np.float32(p[3 * x]),
            np.float32(p[3 * x + 1]),
            np.float32(p[3 * x + 2]),
            k,
            table,
            use_table,
        )
        if use_g:
            a = _garb(a, gar[x])
        o[x] = np.uint8(a)


@njit(**_JIT)
def _key_matte(plate, k, table, use_table, garbage, use_garbage, out):
    h, w, _ = plate.shape
    t = table.reshape(table.size)
    for y in prange(h):
        g = garbage[y] if use_garbage else garbage[0]
        _key_matte_row(plate[y].reshape(w * 3), k, t, use_table, g, use_garbage, out[y], w)


@njit(cache=True)
def _key_rgba_row(p, al, channel, amount, o, w):
    for x in range(w):
        r, g, b = _despill3(
            np.float32(p[3 * x]),
            np.float32(p[3 * x + 1]),
            np.float32(p[3 * x + 2]),
            channel,
            amount,
        )
        a = np.float32(al[x]) * _K
        o[4 * x] = np.uint8(r * a + _H)
        o[4 * x + 1] = np.uint8(g * a + _H)
        o[4 * x + 2] = np.uint8(b * a + _H)
        o[4 * x + 3] = al[x]


@njit(**_JIT)
def _key_rgba(plate, alpha, channel, spill, out):
    h, w, _ = plate.shape
    for y in prange(h):
        _key_rgba_row(
            plate[y].reshape(w * 3), alpha[y], channel, np.float32(spill), out[y].reshape(w * 4), w
        )


@njit(inline="always")
def _blend(o, b, x, n, r, g, bl, a):
    ak = a * _K
    ia = np.float32(1.0) - ak
    o[n * x] = np.uint8(r * ak + np.float32(b[n * x]) * ia + _H)
    o[n * x + 1] = np.uint8(g * ak + np.float32(b[n * x + 1]) * ia + _H)
    o[n * x + 2] = np.uint8(bl * ak + np.float32(b[n * x + 2]) * ia + _H)
    if n == 4:
        o[4 * x + 3] = np.uint8(a + np.float32(b[4 * x + 3]) * ia + _H)


@njit(inline="always")
def _kdo_loop(p, karr, table, use_table, gar, use_g, bgr, n, channel, amount, o, m, use_m, w):
    k = _ktuple(karr)
    for x in range(w):
        r = np.float32(p[3 * x])
        g = np.float32(p[3 * x + 1])
        b = np.float32(p[3 * x + 2])
        a = _alpha(r, g, b, k, table, use_table)
        if use_g:
            a = _garb(a, gar[x])
        if use_m:
            m[x] = np.uint8(a)
        r, g, b = _despill3(r, g, b, channel, amount)
        _blend(o, bgr, x, n, r, g, b, a)


@njit(cache=True)
def _kdo_row(p, k, table, use_table, gar, use_g, bgr, n, channel, amount, o, m, use_m, w):
    # Literal flags let LLVM fold the branches and vectorize the common cases.
    if use_table or channel == 0:
        _kdo_loop(p, k, table, use_table, gar, use_g, bgr, n, channel, amount, o, m, use_m, w)
    elif n == 3 and channel == 1 and not use_g and not use_m:
        _kdo_loop(p, k, table, False, gar, False, bgr, 3, 1, amount, o, m, False, w)
    elif n == 3 and channel == 1 and not use_g:
        _kdo_loop(p, k, table, False, gar, False, bgr, 3, 1, amount, o, m, True, w)
    elif n == 3 and channel == 2 and not use_g and not use_m:
        _kdo_loop(p, k, table, False, gar, False, bgr, 3, 2, amount, o, m, False, w)
    elif n == 4 and channel == 1 and not use_g and not use_m:
        _kdo_loop(p, k, table, False, gar, False, bgr, 4, 1, amount, o, m, False, w)
    else:
        _kdo_loop(p, k, table, False, gar, use_g, bgr, n, channel, amount, o, m, use_m, w)


@njit(**_JIT)
def _key_despill_over(
    plate, k, table, use_table, garbage, use_garbage, bg, channel, spill, out, matte, use_matte
):
    h, w, n = bg.shape
    t = table.reshape(table.size)
    s = np.float32(spill)
    for y in prange(h):
        g = garbage[y] if use_garbage else garbage[0]
        m = matte[y] if use_matte else matte[0]
        _kdo_row(
            plate[y].reshape(w * 3),
            k,
            t,
            use_table,
            g,
            use_garbage,
            bg[y].reshape(w * n),
            n,
            channel,
            s,
            out[y].reshape(w * n),
            m,
            use_matte,
            w,
        )


@njit(cache=True)
def _despill_over_row(p, al, bgr, n, channel, amount, o, w):
    for x in range(w):
        r, g, b = _despill3(
            np.float32(p[3 * x]),
            np.float32(p[3 * x + 1]),
            np.float32(p[3 * x + 2]),
            channel,
            amount,
        )
        _blend(o, bgr, x, n, r, g, b, np.float32(al[x]))


@njit(**_JIT)
def _despill_over(plate, alpha, bg, channel, spill, out):
    h, w, n = bg.shape
    for y in prange(h):
        _despill_over_row(
            plate[y].reshape(w * 3),
            alpha[y],
            bg[y].reshape(w * n),
            n,
            channel,
            np.float32(spill),
            out[y].reshape(w * n),
            w,
        )


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


# --- two-layer depth fast path (a rendered character and the keyed actor) --------------


@njit(cache=True)
def _depth2_row_u8(c0, c1, d0, d1, k0, k1, map0, map1, b, n, o, w):
    # Literal channel counts and flags let LLVM vectorize across pixels.
    if n == 3 and map0 and map1:
        return _depth2_loop(c0, c1, d0, d1, k0, k1, True, True, b, 3, o, w)
    if n == 3 and map0:
        return _depth2_loop(c0, c1, d0, d1, k0, k1, True, False, b, 3, o, w)
    if n == 3 and map1:
        return _depth2_loop(c0, c1, d0, d1, k0, k1, False, True, b, 3, o, w)
    return _depth2_loop(c0, c1, d0, d1, k0, k1, map0, map1, b, n, o, w)


@njit(inline="always")
def _depth2_loop(c0, c1, d0, d1, k0, k1, map0, map1, b, n, o, w):
    nan = 0
    for x in range(w):
        z0 = d0[x] if map0 else k0
        z1 = d1[x] if map1 else k1
        nan += np.isnan(z0) + np.isnan(z1)
        first = not z1 < z0  # ties (and NaN) put layer 0 in front
        # Both layers are loaded unconditionally and then selected: a load inside the
        # conditional cannot be speculated by LLVM, which kept the loop scalar (2.5x).
        a0 = np.float32(c0[4 * x + 3])
        a1 = np.float32(c1[4 * x + 3])
        fa = a0 if first else a1
        ba = a1 if first else a0
        fia = (np.float32(255.0) - fa) * _K
        bia = (np.float32(255.0) - ba) * _K
        for c in range(n):
            v0 = np.float32(c0[4 * x + c])
            v1 = np.float32(c1[4 * x + c])
            fc = v0 if first else v1
            bc = v1 if first else v0
            t = np.float32(
                np.int32(min(bc + np.float32(b[n * x + c]) * bia + _H, np.float32(255.0)))
            )
            o[n * x + c] = np.uint8(min(fc + t * fia + _H, np.float32(255.0)))
    return nan


@njit(**_JIT)
def _depth2_u8(c0, c1, d0, d1, k0, k1, map0, map1, bg, out):
    h, w, n = bg.shape
    nan = 0
    for y in prange(h):
        r0 = d0[y] if map0 else d0[0]
        r1 = d1[y] if map1 else d1[0]
        nan += _depth2_row_u8(
            c0[y].reshape(w * 4),
            c1[y].reshape(w * 4),
            r0,
            r1,
            k0,
            k1,
            map0,
            map1,
            bg[y].reshape(w * n),
            n,
            out[y].reshape(w * n),
            w,
        )
    return nan


# --- colour ---------------------------------------------------------------------------


@njit(inline="always")
def _sat(r, g, b, sat):
    luma = LR * r + LG * g + LB * b
    r = min(max(luma + sat * (r - luma), np.float32(0.0)), np.float32(1.0))
    g = min(max(luma + sat * (g - luma), np.float32(0.0)), np.float32(1.0))
    b = min(max(luma + sat * (b - luma), np.float32(0.0)), np.float32(1.0))
    return r, g, b


# uint8 CDL: slope/offset/power is a per-channel table of the 256 code values (scaled to
# 0..255, float32), saturation a 3x3 matrix ``(1 - s) * luma + s * I``. Each row goes in
# two passes: the table lookups into a float row (scalar: x86 without fast gathers), then
# the matrix, clamp and rounding over that row, which vectorizes.


@njit(cache=True)
def _cdl_row_u8(im, t, m, tmp, n, o, w):
    if n == 3:
        _cdl_loop_u8(im, t, m, tmp, 3, o, w)
    else:
        _cdl_loop_u8(im, t, m, tmp, 4, o, w)


@njit(inline="always")
def _cdl_loop_u8(im, t, m, tmp, n, o, w):
    for x in range(w):
        tmp[3 * x] = t[np.uint64(im[n * x])]
        tmp[3 * x + 1] = t[np.uint64(im[n * x + 1]) + np.uint64(256)]
        tmp[3 * x + 2] = t[np.uint64(im[n * x + 2]) + np.uint64(512)]
    m0, m1, m2, m3, m4, m5, m6, m7, m8 = m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]
    lo = np.float32(0.0)
    hi = np.float32(255.0)
    for x in range(w):
        r = tmp[3 * x]
        g = tmp[3 * x + 1]
        b = tmp[3 * x + 2]
        o[n * x] = np.uint8(min(max(m0 * r + m1 * g + m2 * b, lo), hi) + _H)
        o[n * x + 1] = np.uint8(min(max(m3 * r + m4 * g + m5 * b, lo), hi) + _H)
        o[n * x + 2] = np.uint8(min(max(m6 * r + m7 * g + m8 * b, lo), hi) + _H)
        if n == 4:
            o[4 * x + 3] = im[4 * x + 3]


@njit(**_JIT)
def _cdl_u8(img, table, mat, rows, out):
    """``table`` (768,) SOP x 255 per channel, ``mat`` (9,) saturation, ``rows`` one
    float32 scratch row (>= 3 W) per block of image rows (one block per thread)."""
    h, w, n = img.shape
    nb = rows.shape[0]
    for blk in prange(nb):
        tmp = rows[blk]
        for y in range(blk * h // nb, (blk + 1) * h // nb):
            _cdl_row_u8(img[y].reshape(w * n), table, mat, tmp, n, out[y].reshape(w * n), w)


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


@njit(cache=True)
def _lut_row_u8(im, flat, size, ti, tf, n, o, w):
    """Trilinear on the flattened cube ``flat`` ([r][g][b][3]) with unsigned offsets."""
    one = np.float32(1.0)
    sb = np.uint64(3)
    sg = np.uint64(3 * size)
    sr = np.uint64(3 * size * size)
    for x in range(w):
        vr = np.uint64(im[n * x])
        vg = np.uint64(im[n * x + 1])
        vb = np.uint64(im[n * x + 2])
        base = (
            np.uint64(ti[vr * np.uint64(3)]) * sr
            + np.uint64(ti[vg * np.uint64(3) + np.uint64(1)]) * sg
            + np.uint64(ti[vb * np.uint64(3) + np.uint64(2)]) * sb
        )
        fr = tf[vr * np.uint64(3)]
        fg = tf[vg * np.uint64(3) + np.uint64(1)]
        fb = tf[vb * np.uint64(3) + np.uint64(2)]
        for c in range(3):
            q = base + np.uint64(c)
            c00 = flat[q] * (one - fr) + flat[q + sr] * fr
            c10 = flat[q + sg] * (one - fr) + flat[q + sr + sg] * fr
            c01 = flat[q + sb] * (one - fr) + flat[q + sr + sb] * fr
            c11 = flat[q + sg + sb] * (one - fr) + flat[q + sr + sg + sb] * fr
            v = (c00 * (one - fg) + c10 * fg) * (one - fb) + (c01 * (one - fg) + c11 * fg) * fb
            v = min(max(v * np.float32(255.0), np.float32(0.0)), np.float32(255.0))
            o[n * x + c] = np.uint8(np.rint(v))
        if n == 4:
            o[4 * x + 3] = im[4 * x + 3]


@njit(**_JIT)
def _lut_u8(img, cube, taps_i, taps_f, out):
    h, w, n = img.shape
    size = cube.shape[0]
    flat = cube.reshape(cube.size)
    ti = taps_i.reshape(taps_i.size)
    tf = taps_f.reshape(taps_f.size)
    for y in prange(h):
        _lut_row_u8(img[y].reshape(w * n), flat, size, ti, tf, n, out[y].reshape(w * n), w)


@njit(**_JIT)
def _lut_f(img, cube, shaper, use_shaper, smin, smax, dmin, dmax, out):
    h, w, n = img.shape
    size = cube.shape[0]
    m = shaper.shape[0]
    for y in prange(h):
        ii = np.empty(3, np.int64)
        ff = np.empty(3, np.float32)
        for x in range(w):
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
# Separable, horizontal first: each source row the output needs is converted to float32
# (vectorized; uint8 gets its rounding +0.5 here) and resampled along x once (taps at
# gathered offsets: one 4-lane lerp per RGB(A) pixel, ``_lerp4``) into one of two float
# rows kept per block of output rows; each output row is then a blend of two such rows
# (contiguous, vectorizes). Upscaling 2x along y uses each resampled source row twice.
# Taps come from ``bilinear_axis``, cached per size.


@njit(inline="always", fastmath={"contract"})
def _hrow_loop(sf, xp, wp, dst, w, n):
    for x in range(w):
        j = np.uint64(xp[x])
        f = wp[x]
        for c in range(n):
            a = sf[j + np.uint64(c)]
            dst[n * x + c] = a + (sf[j + np.uint64(n + c)] - a) * f


@intrinsic
def _lerp4(typingctx, src, i, j, f, dst, k):
    """``dst[k:k+4] = src[i:i+4] + (src[j:j+4] - src[i:i+4]) * f`` as one 4-lane vector
    operation on float32 1D C arrays, unchecked: the caller guarantees the bounds.

    The per-pixel bilinear tap of RGB(A): numba leaves SLP vectorization off, so the
    channels of a pixel (a gather along x, which the loop vectorizer cannot do without
    fast gathers) would otherwise be three or four scalar lerps; this halves the
    horizontal pass. For RGB the fourth lane is spare and is overwritten by the next
    pixel (the buffers carry one element of padding)."""
    sig = types.void(src, i, j, f, dst, k)

    def codegen(context, builder, signature, args):
        src_v, i_v, j_v, f_v, dst_v, k_v = args
        sa = context.make_array(signature.args[0])(context, builder, src_v)
        da = context.make_array(signature.args[4])(context, builder, dst_v)
        vt = ir.VectorType(ir.FloatType(), 4)
        vp = vt.as_pointer()
        a = builder.load(builder.bitcast(builder.gep(sa.data, [i_v]), vp), align=4)
        b = builder.load(builder.bitcast(builder.gep(sa.data, [j_v]), vp), align=4)
        i32 = ir.IntType(32)
        fv = builder.insert_element(ir.Constant(vt, ir.Undefined), f_v, ir.Constant(i32, 0))
        zero4 = ir.Constant(ir.VectorType(i32, 4), [0, 0, 0, 0])
        fv = builder.shuffle_vector(fv, ir.Constant(vt, ir.Undefined), zero4)
        d = builder.fmul(builder.fsub(b, a), fv, flags=("contract",))
        r = builder.fadd(a, d, flags=("contract",))
        builder.store(r, builder.bitcast(builder.gep(da.data, [k_v]), vp), align=4)
        return context.get_dummy_value()

    return sig, codegen


@njit(inline="always")
def _hrow_vec4(sf, xp, wp, dst, w, n):
    for x in range(w):
        j = np.int64(xp[x])
        # numba's stub types the call with the intrinsic's typingctx parameter too
        _lerp4(sf, j, j + n, wp[x], dst, np.int64(n * x))  # type: ignore[call-arg]


@njit(cache=True, fastmath={"contract"})
def _hrow(src, sf, bias, xp, wp, n, dst, w):
    """Source row ``src`` (uint8 or float32) resampled along x into float32 ``dst``,
    plus ``bias``. ``sf`` holds the row as float32 plus zeros: the right tap of the last
    pixel, read only with weight 0 (``bilinear_axis`` clamps there), so one index array
    serves both taps. RGB(A) goes 4 lanes a pixel when ``sf`` and ``dst`` have the room
    (one element beyond the taps and the row: see ``NumbaBackend.resize``)."""
    m = src.shape[0]
    for i in range(m):
        sf[i] = np.float32(src[i]) + bias
    for i in range(m, sf.shape[0]):
        sf[i] = 0.0
    room = sf.shape[0] >= m + n + 1 and dst.shape[0] >= n * w + 1
    if n == 3 and room:
        _hrow_vec4(sf, xp, wp, dst, w, 3)
    elif n == 4 and room:
        _hrow_vec4(sf, xp, wp, dst, w, 4)
    elif n == 1:
        _hrow_loop(sf, xp, wp, dst, w, 1)
    else:
        _hrow_loop(sf, xp, wp, dst, w, n)


@njit(cache=True, fastmath={"contract"})
def _vrow(r0, r1, fy, o, m, is_u8):
    """Blend of two resampled rows; for uint8 they carry the +0.5 of rounding already
    (the weights sum to 1), so the loop is a multiply, an FMA and the conversion."""
    w1 = fy
    w0 = np.float32(1.0) - fy
    if is_u8:
        for i in range(m):
            o[i] = np.uint8(r0[i] * w0 + r1[i] * w1)
    else:
        for i in range(m):
            o[i] = r0[i] * w0 + r1[i] * w1


@njit(cache=True)
def _copy_row(src, dst, lo, hi):
    for i in range(lo, hi):
        dst[i] = src[i]


@njit(**_JIT)
def _resize(img, y0, y1, wy, xp, wp, srcf, rows, out, rx, ry, rw, rh, fill, do_fill, is_u8):
    """Bilinear of ``img`` into ``out[ry:ry+rh, rx:rx+rw]``; with ``do_fill`` the rest
    of ``out`` becomes ``fill`` (a whole output row of the bar colour) in the same pass.
    Output rows go in ``rows.shape[0]`` blocks, each with its own scratch: ``srcf[blk]``
    (a source row as float32 + padding) and ``rows[blk]`` (two resampled source rows)."""
    hh, ww, n = out.shape
    win = img.shape[1]
    nb = rows.shape[0]
    m = rw * n
    bias = np.float32(0.5) if is_u8 else np.float32(0.0)
    for blk in prange(nb):
        sf = srcf[blk]
        tag0 = -1  # the source row held in rows[blk, 0] (-1: none)
        tag1 = -1
        for y in range(blk * hh // nb, (blk + 1) * hh // nb):
            orow = out[y].reshape(ww * n)
            if y < ry or y >= ry + rh:
                if do_fill:
                    _copy_row(fill, orow, 0, ww * n)
                continue
            if do_fill:
                _copy_row(fill, orow, 0, rx * n)
                _copy_row(fill, orow, (rx + rw) * n, ww * n)
            yy = y - ry
            a = y0[yy]
            b = y1[yy]
            if tag0 == a:
                sa = 0
            elif tag1 == a:
                sa = 1
            else:
                sa = 1 if tag0 == b else 0  # keep b where it is
                _hrow(img[a].reshape(win * n), sf, bias, xp, wp, n, rows[blk, sa], rw)
                if sa == 0:
                    tag0 = a
                else:
                    tag1 = a
            sb = sa
            if b != a:
                sb = 1 - sa
                if (tag1 if sb == 1 else tag0) != b:
                    _hrow(img[b].reshape(win * n), sf, bias, xp, wp, n, rows[blk, sb], rw)
                    if sb == 0:
                        tag0 = b
                    else:
                        tag1 = b
            _vrow(rows[blk, sa], rows[blk, sb], wy[yy], orow[rx * n : (rx + rw) * n], m, is_u8)


MAX_LAYERS = 8


class NumbaBackend(Backend):
    """Kernels compile once per dtype for C-contiguous arrays (cached on disk); other
    layouts are copied to contiguous scratch first, so CI compiles few variants."""

    name = "numba"
    priority = 10

    def __init__(self) -> None:
        self.threads = numba.get_num_threads()

    def _blocks(self, h):
        """Blocks of rows for kernels with per-block scratch rows: one per thread."""
        return max(1, min(h, numba.get_num_threads()))

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

    def key_matte(self, plate, table, garbage, out, params=None):
        plate, garbage, o = self._c(plate, "plate"), self._c(garbage, "garbage"), self._o(out)
        k, use_table = _matte_mode(params)
        _key_matte(plate, k, table, use_table, _g(garbage), garbage is not None, o)
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

    def key_despill_over(
        self, plate, table, garbage, bg, channel, spill, out, matte_out, params=None
    ):
        plate, garbage, bg = self._c(plate, "plate"), self._c(garbage, "garbage"), self._c(bg, "bg")
        o = self._o(out)
        m = None if matte_out is None else self._o(matte_out, "matte")
        k, use_table = _matte_mode(params)
        _key_despill_over(
            plate,
            k,
            table,
            use_table,
            _g(garbage),
            garbage is not None,
            bg,
            channel,
            spill,
            o,
            _g(m),
            m is not None,
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
        if n == 2 and bg.dtype == np.uint8:
            nan = int(
                _depth2_u8(
                    cols[0],
                    cols[1],
                    maps[0],
                    maps[1],
                    consts[0],
                    consts[1],
                    not isinstance(depths[0], float),
                    not isinstance(depths[1], float),
                    bg,
                    o,
                )
            )
            self._done(o, out)
            return nan
        kern = _depth_u8 if bg.dtype == np.uint8 else _depth_f
        nan = int(kern(tuple(cols), tuple(maps), consts, n, bg, o))
        self._done(o, out)
        return nan

    def cdl(self, img, cdl: CDL, out):
        img, o = self._c(img, "img"), self._o(out)
        if img.dtype == np.uint8:
            table, mat = _cdl_u8_tables(cdl)
            rows = self.scratch(
                "cdl.rows", (self._blocks(img.shape[0]), 3 * img.shape[1]), np.float32
            )
            _cdl_u8(img, table, mat, rows, o)
        else:
            f = np.float32
            _cdl_f(
                img,
                np.array(cdl.slope, f),
                np.array(cdl.offset, f),
                np.array(cdl.power, f),
                cdl.saturation,
                o,
            )
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
            assert lut.shaper is not None  # a Lut has a cube or a shaper
            _shaper_only_f(
                img, lut.shaper.astype(d), lut.shaper_min.astype(d), lut.shaper_max.astype(d), o
            )
        else:
            shaper = lut.shaper if lut.shaper is not None else np.zeros((2, 3), np.float32)
            _lut_f(
                img,
                lut.cube,
                shaper.astype(d),
                lut.shaper is not None,
                lut.shaper_min.astype(d),
                lut.shaper_max.astype(d),
                lut.domain_min.astype(d),
                lut.domain_max.astype(d),
                o,
            )
        self._done(o, out)

    def resize(self, img, out, region=None, fill=None):
        img = self._c(img, "img")
        hh, ww, n = out.shape
        x, y, w, h = region if region is not None else (0, 0, ww, hh)
        y0, y1, wy = bilinear_axis(img.shape[0], h)
        xp, wp = _x_taps(img.shape[1], w, n)
        o = self._o(out)
        if o is not out and fill is None and (w, h) != (ww, hh):
            np.copyto(o, out)  # the part outside the region is kept
        nb = self._blocks(hh)
        # + padding: the right tap of the last pixel, and a spare 4th lane for RGB
        srcf = self.scratch("resize.src", (nb, (img.shape[1] + 1) * n + 1), np.float32)
        rows = self.scratch("resize.rows", (nb, 2, w * n + 1), np.float32)
        if fill is None:
            frow, do_fill = self.scratch("resize.nofill", (1,), out.dtype), False
        else:
            frow, do_fill = _fill_row(np.asarray(fill, out.dtype), ww), True
        _resize(
            img, y0, y1, wy, xp, wp, srcf, rows, o, x, y, w, h, frow, do_fill, out.dtype == np.uint8
        )
        self._done(o, out)


@lru_cache(maxsize=32)
def _cdl_u8_tables(cdl: CDL) -> tuple[np.ndarray, np.ndarray]:
    """The uint8 CDL as float32 tables: slope/offset/power of every code value x 255,
    channel after channel (768,), and the saturation matrix (9,), row-major. Cached."""
    table = (cdl_table(cdl).astype(np.float64) * 255.0).T.reshape(-1).astype(np.float32)
    s = cdl.saturation
    mat = ((1.0 - s) * np.tile(np.asarray(LUMA709), (3, 1)) + s * np.eye(3)).reshape(-1)
    mat = mat.astype(np.float32)
    for a in (table, mat):
        a.flags.writeable = False
    return table, mat


_X_TAPS: dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]] = {}


def _x_taps(n_in: int, n_out: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per output pixel: the first element of its left source pixel (int32, i0 * n) and
    the weight of the right one (float32), from ``bilinear_axis``. Cached."""
    key = (n_in, n_out, n)
    hit = _X_TAPS.get(key)
    if hit is None:
        i0, _, w = bilinear_axis(n_in, n_out)
        hit = ((i0 * n).astype(np.int32), w)
        if len(_X_TAPS) > 64:
            _X_TAPS.clear()
        _X_TAPS[key] = hit
    return hit


_FILL_ROWS: dict[tuple[int, str, bytes], np.ndarray] = {}


def _fill_row(fill: np.ndarray, width: int) -> np.ndarray:
    """A whole output row of the bar colour ``fill`` (C,), cached."""
    key = (width, fill.dtype.str, fill.tobytes())
    row = _FILL_ROWS.get(key)
    if row is None:
        row = np.ascontiguousarray(np.tile(fill, width))
        if len(_FILL_ROWS) > 16:
            _FILL_ROWS.clear()
        _FILL_ROWS[key] = row
    return row


def _matte_mode(params):
    """Arithmetic matte coefficients, and whether to use the exact table instead: for
    near-step mattes, where float32 rounding of the distance could move a pixel by more
    than a level (the ramp's slope in levels per unit of distance times float32's
    ~5e-6 error on the distance stays under 0.1 level below 20000)."""
    if params is None:
        return _NO_COEFFS, True
    k = matte_coeffs(params)
    steep = 255.0 * float(k[3]) * float(k[5]) / float(k[6])  # d is divided by t >= screen_min
    return k, bool(steep > 20000.0)


_NO_COEFFS = np.ones(8, np.float32)


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

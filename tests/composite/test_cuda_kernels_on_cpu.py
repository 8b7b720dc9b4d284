"""The cupy backend's CUDA kernels, compiled as C++ with a small shim and run thread by
thread on the CPU, equal the numpy reference: checks the GPU code where no GPU is.

Arguments are laid out as cupy_backend.py passes them. Skipped without a C++ compiler.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess

import numpy as np
import pytest

import previzkit.composite as C
from previzkit.composite.backends.cupy_source import CUDA_SOURCE, KERNELS
from previzkit.composite.formulas import bilinear_axis, cdl_table, matte_table

SHIM = r"""
#include <cmath>
#include <algorithm>
struct Idx { unsigned x, y, z; };
static Idx blockIdx, threadIdx, blockDim;
extern "C" void set_thread(unsigned i) { blockIdx.x = i; threadIdx.x = 0; blockDim.x = 1; }
#define __global__
#define __device__
#define __forceinline__ inline
using std::min; using std::max; using std::isnan; using std::floor;
static inline int atomicAdd(int* p, int v) { int o = *p; *p += v; return o; }
"""


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    cxx = shutil.which("g++") or shutil.which("clang++")
    if cxx is None:
        pytest.skip("no C++ compiler (g++ or clang++) to run the CUDA source on the CPU")
    d = tmp_path_factory.mktemp("cuda_cpu")
    src = d / "kernels.cpp"
    src.write_text(SHIM + CUDA_SOURCE)
    so = d / "kernels.so"
    r = subprocess.run(
        [cxx, "-O1", "-shared", "-fPIC", "-std=c++14", str(src), "-o", str(so)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr[-3000:]
    lib = ctypes.CDLL(str(so))
    for k in KERNELS:
        getattr(lib, k).restype = None
    return lib


def _p(a):
    return ctypes.c_void_p(a.ctypes.data)


def _run(lib, name, n, *args):
    conv = []
    for a in args:
        if isinstance(a, np.ndarray):
            conv.append(_p(a))
        elif isinstance(a, np.int64):
            conv.append(ctypes.c_longlong(int(a)))
        elif isinstance(a, np.int32):
            conv.append(ctypes.c_int(int(a)))
        elif isinstance(a, np.float32):
            conv.append(ctypes.c_float(float(a)))
        else:
            raise TypeError(type(a))
    fn = getattr(lib, name)
    for i in range(n):
        lib.set_thread(i)
        fn(*conv)


def _img(rng, h, w, c, dtype=np.uint8):
    if dtype == np.uint8:
        return rng.integers(0, 256, (h, w, c), dtype=np.uint8)
    return rng.random((h, w, c), dtype=np.float32)


def _premul(rng, h, w, dtype=np.uint8):
    a = _img(rng, h, w, 4, dtype)
    if dtype == np.uint8:
        a[0, :, 3] = 0
        a[1, :, 3] = 255
        a[..., :3] = (a[..., :3].astype(np.uint32) * a[..., 3:] // 255).astype(np.uint8)
    else:
        a[..., :3] *= a[..., 3:]
    return a


def _within(got, ref, what):
    d = np.abs(got.astype(np.float64) - ref.astype(np.float64)).max()
    assert d <= (1 if got.dtype == np.uint8 else 1e-5), f"{what}: {d}"


H, W = 5, 7
i32, i64, f32 = np.int32, np.int64, np.float32


@pytest.mark.parametrize("nch", [3, 4])
def test_over(lib, nch):
    rng = np.random.default_rng(0)
    for dt, name in ((np.uint8, "over_u8"), (np.float32, "over_f32")):
        fg, bg = _premul(rng, H, W, dt), _img(rng, H, W, nch, dt)
        out = np.empty_like(bg)
        _run(lib, name, H * W, fg, bg, out, i64(H * W), i32(nch))
        _within(out, C.over(fg, bg, backend="numpy"), name)


@pytest.mark.parametrize("screen", ["green", "blue"])
def test_key_kernels(lib, screen):
    rng = np.random.default_rng(1)
    p = C.KeyParams(screen=screen, tolerance=0.2, softness=0.5, clip_black=0.1)
    plate = _img(rng, H, W, 3)
    plate[::2] = C.params.SCREENS[screen]
    plate[1, 1] = (10, 190, 70)
    garbage = _img(rng, H, W, 1)[..., 0].copy()
    table = np.ascontiguousarray(matte_table(p))
    n = H * W
    m = np.empty((H, W), np.uint8)
    _run(lib, "key_matte", n, plate, table, garbage, i32(1), m, i64(n))
    _within(m, C.key_matte(plate, p, garbage, backend="numpy"), "key_matte")
    rgba = np.empty((H, W, 4), np.uint8)
    _run(lib, "key_rgba", n, plate, m, i32(p.spill_channel), f32(p.spill), rgba, i64(n))
    _within(rgba, C.key(plate, p, matte=m, backend="numpy"), "key_rgba")
    for nch in (3, 4):
        bg = _img(rng, H, W, nch)
        out = np.empty_like(bg)
        _run(
            lib,
            "despill_over",
            n,
            plate,
            m,
            bg,
            i32(nch),
            i32(p.spill_channel),
            f32(p.spill),
            out,
            i64(n),
        )
        ref = C.key_despill_over(plate, bg, p, garbage, backend="numpy")
        _within(out, ref, "despill_over")
        out2, m2 = np.empty_like(bg), np.empty((H, W), np.uint8)
        _run(
            lib,
            "key_despill_over",
            n,
            plate,
            table,
            garbage,
            i32(1),
            bg,
            i32(nch),
            i32(p.spill_channel),
            f32(p.spill),
            out2,
            m2,
            i32(1),
            i64(n),
        )
        _within(out2, ref, "key_despill_over")
        _within(m2, m, "key_despill_over matte")


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_depth(lib, dtype):
    rng = np.random.default_rng(2)
    cols = [_premul(rng, H, W, dtype) for _ in range(3)]
    d0 = (rng.integers(1, 4, (H, W)) * 0.5).astype(np.float32)
    d2 = (rng.integers(1, 4, (H, W)) * 0.5).astype(np.float32)
    depths = [d0, 1.0, d2]
    bg = _img(rng, H, W, 3, dtype)
    out = np.empty_like(bg)
    cptr = np.array([c.ctypes.data for c in cols], np.uint64)
    dptr = np.array([0 if isinstance(d, float) else d.ctypes.data for d in depths], np.uint64)
    consts = np.array([d if isinstance(d, float) else np.nan for d in depths], np.float32)
    nan = np.zeros(1, np.int32)
    name = "depth_u8" if dtype == np.uint8 else "depth_f32"
    _run(lib, name, H * W, cptr, dptr, consts, i32(3), bg, i32(3), out, i64(H * W), nan)
    assert nan[0] == 0
    _within(out, C.depth_composite(list(zip(cols, depths, strict=True)), bg, backend="numpy"), name)
    d0[2, 3] = np.nan
    _run(lib, name, H * W, cptr, dptr, consts, i32(3), bg, i32(3), out, i64(H * W), nan)
    assert nan[0] == 1


@pytest.mark.parametrize("nch", [3, 4])
def test_cdl_and_lut(lib, nch):
    rng = np.random.default_rng(3)
    cdl = C.CDL(
        slope=(1.2, 0.9, 1.0), offset=(0.02, -0.05, 0), power=(0.8, 1.2, 1.0), saturation=0.7
    )
    n = H * W
    img = _img(rng, H, W, nch)
    out = np.empty_like(img)
    _run(
        lib,
        "cdl_u8",
        n,
        img,
        np.ascontiguousarray(cdl_table(cdl)),
        f32(cdl.saturation),
        i32(nch),
        out,
        i64(n),
    )
    _within(out, C.apply_cdl(img, cdl, backend="numpy"), "cdl_u8")
    imf = _img(rng, H, W, nch, np.float32)
    outf = np.empty_like(imf)
    sop = np.array([*cdl.slope, *cdl.offset, *cdl.power], np.float32)
    _run(lib, "cdl_f32", n, imf, sop, f32(cdl.saturation), i32(nch), outf, i64(n))
    _within(outf, C.apply_cdl(imf, cdl, backend="numpy"), "cdl_f32")

    lut = C.Lut(
        cube=np.clip(C.Lut.identity(5).cube ** 0.8 + rng.normal(0, 0.05, (5, 5, 5, 3)), 0, 1),
        shaper=(np.linspace(0, 1, 9)[:, None] ** np.array([0.5, 1, 2])).astype(np.float32),
        domain_min=(0, 0.05, 0),
    )
    ti, tf = (np.ascontiguousarray(a) for a in lut.uint8_taps)
    _run(lib, "lut_u8", n, img, lut.cube, i32(5), ti, tf, i32(nch), out, i64(n))
    _within(out, C.apply_lut(img, lut, backend="numpy"), "lut_u8")
    dom = np.concatenate([lut.shaper_min, lut.shaper_max, lut.domain_min, lut.domain_max])
    _run(
        lib,
        "lut_f32",
        n,
        imf,
        lut.cube,
        i32(5),
        lut.shaper,
        i32(9),
        dom.astype(np.float32),
        i32(nch),
        outf,
        i64(n),
    )
    _within(outf, C.apply_lut(imf, lut, backend="numpy"), "lut_f32")


@pytest.mark.parametrize(("oh", "ow", "nch"), [(9, 4, 3), (3, 11, 1), (5, 7, 4)])
def test_resize(lib, oh, ow, nch):
    rng = np.random.default_rng(4)
    for dt, name in ((np.uint8, "resize_u8"), (np.float32, "resize_f32")):
        img = _img(rng, H, W, nch, dt)
        out = np.empty((oh, ow, nch), dt)
        ay = [np.ascontiguousarray(a) for a in bilinear_axis(H, oh)]
        ax = [np.ascontiguousarray(a) for a in bilinear_axis(W, ow)]
        _run(lib, name, oh * ow, img, i32(W), i32(nch), *ay, *ax, out, i32(oh), i32(ow))
        _within(out, C.resize(img, ow, oh, backend="numpy"), name)

"""Compositing kernels: medians (ms) per op at 1080p and 2160p for numpy, OpenCV (the
baseline a user would reach for; Pillow where OpenCV has no such op), Numba, CuPy (where
a CUDA device is), and the memory-bandwidth floor (bytes moved / measured copy
bandwidth). One process. Run: ``python3 benchmarks/composite.py [--quick]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

import previzkit.composite as C
from previzkit.composite.formulas import letterbox_rect

SIZES = {"1080p": (1920, 1080), "2160p": (3840, 2160)}


def median_ms(fn, reps: int, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1e3


def _copy_kernel():
    """A parallel Numba copy in 64 KiB chunks (memcpy per chunk)."""
    from numba import njit, prange

    @njit(parallel=True, cache=True)
    def copy(src, dst):
        n = src.shape[0]
        chunk = 1 << 16
        for i in prange((n + chunk - 1) // chunk):
            lo = i * chunk
            hi = min(lo + chunk, n)
            dst[lo:hi] = src[lo:hi]

    return copy


def copy_bandwidth(copy) -> float:
    """Bytes/s of ``copy`` (read + write counted), 128 MiB buffers."""
    src = np.random.default_rng(0).integers(0, 255, 128 << 20, dtype=np.uint8)
    dst = np.empty_like(src)
    t = median_ms(lambda: copy(src, dst), 9) / 1e3
    return 2 * src.nbytes / t


# --- inputs -----------------------------------------------------------------------------


def plate_and_bg(w, h, rng):
    """A green-screen plate with an actor-like blob and a background frame."""
    yy, xx = np.mgrid[0:h, 0:w]
    plate = np.empty((h, w, 3), np.uint8)
    plate[...] = (18, 170, 62)
    noise = rng.integers(-12, 13, (h, w, 1), dtype=np.int16)
    plate = np.clip(plate + noise, 0, 255).astype(np.uint8)
    blob = ((xx - w / 2) / (w / 5)) ** 2 + ((yy - h / 2) / (h / 2.5)) ** 2 < 1
    plate[blob] = (190, 140, 120)
    bg = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    return plate, bg


def premul(w, h, rng):
    fg = rng.integers(0, 256, (h, w, 4), dtype=np.uint8)
    a = fg[..., 3]
    a[: h // 3] = 0
    a[h // 3 : 2 * h // 3] = 255
    fg[..., :3] = (fg[..., :3].astype(np.uint16) * a[..., None] // 255).astype(np.uint8)
    return fg


# --- OpenCV baselines (what a user would write) --------------------------------------


def cv_over(cv2, fg, bg, out):
    inv = cv2.bitwise_not(fg[..., 3].copy())
    inv3 = cv2.merge([inv, inv, inv])
    scaled = cv2.multiply(bg, inv3, scale=1 / 255)
    return cv2.add(cv2.cvtColor(fg, cv2.COLOR_RGBA2RGB), scaled, dst=out)


def cv_key_despill_over(cv2, plate, bg, out, key_cbcr, chroma, p):
    """The same screen-range key (previzkit.composite.formulas.matte_from_cbcr) in
    OpenCV calls: along/across the key's hue, clamp to the screen range, distance over
    the clamped chroma, ramp; then despill and blend."""
    ycrcb = cv2.cvtColor(plate, cv2.COLOR_RGB2YCrCb)
    cr = ycrcb[..., 1].astype(np.float32) - 128.0
    cb = ycrcb[..., 2].astype(np.float32) - 128.0
    ex, ey = (key_cbcr[0] - 128.0) / chroma**2, (key_cbcr[1] - 128.0) / chroma**2
    along = cv2.addWeighted(cb, ex, cr, ey, 0.0)
    across = cv2.addWeighted(cb, ey, cr, -ex, 0.0)
    t = cv2.min(cv2.max(along, p.screen_min), p.screen_max)
    d = cv2.divide(cv2.magnitude(cv2.subtract(along, t), across), t)
    a = cv2.min(cv2.max((d - p.tolerance) * (1 / p.softness), 0.0), 1.0)
    r, g, b = cv2.split(plate)
    lim = cv2.addWeighted(r, 0.5, b, 0.5, 0)
    g = cv2.min(g, lim)
    fgc = cv2.merge([r, g, b])
    return cv2.blendLinear(fgc, bg, a, 1.0 - a, dst=out)


def cv_depth(cv2, c1, d1, c2, d2, bg, out):
    near_is_1 = cv2.compare(d1, d2, cv2.CMP_LE)
    near = c2.copy()
    cv2.copyTo(c1, near_is_1, near)
    far = c1.copy()
    cv2.copyTo(c2, near_is_1, far)
    tmp = cv_over(cv2, far, bg, None)
    return cv_over(cv2, near, tmp, out)


def cv_cdl(cv2, img, cdl, out):
    from previzkit.composite.formulas import cdl_table

    lut = np.clip(np.rint(cdl_table(cdl) * 255), 0, 255).astype(np.uint8).reshape(256, 1, 3)
    sop = cv2.LUT(img, lut)
    s = cdl.saturation
    luma = np.array([0.2126, 0.7152, 0.0722])
    m = (1 - s) * np.tile(luma, (3, 1)) + s * np.eye(3)
    return cv2.transform(sop, m, dst=out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="1080p only, fewer repetitions")
    ap.add_argument("--ops", default="", help="comma-separated subset of ops")
    ap.add_argument("--rounds", type=int, default=9, help="interleaved rounds per op")
    ap.add_argument(
        "--threads",
        type=int,
        default=0,
        help="threads for both Numba and OpenCV (default: each library's own); "
        "--threads 1 compares the kernels per core, which a shared machine disturbs least",
    )
    args = ap.parse_args()
    import cv2
    import numba

    if args.threads:
        numba.set_num_threads(args.threads)
        cv2.setNumThreads(args.threads)

    backends = [b for b in ("numba", "cupy") if b in C.available_backends()]
    copy = _copy_kernel()
    bw = copy_bandwidth(copy)
    print(
        f"# copy bandwidth {bw / 1e9:.1f} GB/s (numba parallel copy, {numba.get_num_threads()} threads)"
    )
    print(
        f"# threads: numba {numba.get_num_threads()} ({numba.threading_layer()} layer, "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', 'unset')}), "
        f"OpenCV {cv2.getNumThreads()}"
    )
    print(f"# backends: {', '.join(['numpy', *backends])}; absent: {C.unavailable_backends()}")
    print("# floor: an op's bytes moved, copied by the same kernel in the same rounds")
    sizes = {"1080p": SIZES["1080p"]} if args.quick else SIZES
    only = set(filter(None, args.ops.split(",")))
    rows = []
    for label, (w, h) in sizes.items():
        for name, bpp, impls, base_label in build_ops(w, h, cv2):
            if only and name not in only:
                continue
            nbytes = int(bpp * w * h)
            src = np.ones(nbytes // 2, np.uint8)
            dst = np.empty_like(src)
            res = {"numpy": median_ms(impls["numpy"], 1 if label == "2160p" else 3, warmup=0)}
            runs = {"floor": lambda src=src, dst=dst: copy(src, dst), "baseline": impls["baseline"]}
            for b in backends:
                runs[b] = lambda b=b, f=impls["numpy"]: f(b)
            res.update(interleaved(runs, args.rounds))
            floor = res.pop("floor")
            rows.append((label, name, base_label, res, floor))
            print(_fmt(label, name, base_label, res, floor, backends), flush=True)
    print()
    print(
        f"| size | op | numpy | baseline | {' | '.join(backends)} | floor "
        f"| {' | '.join(b + '/floor' for b in backends)} "
        f"| {' | '.join('baseline/' + b for b in backends)} |"
    )
    print("|" + "---|" * (5 + 3 * len(backends)))
    for label, name, base_label, res, floor in rows:
        cells = [label, name, f"{res['numpy']:.1f}", f"{res['baseline']:.2f} ({base_label})"]
        cells += [f"{res[b]:.2f}" for b in backends]
        cells.append(f"{floor:.2f}")
        cells += [f"{res[b] / floor:.1f}x" for b in backends]
        cells += [f"{res['baseline'] / res[b]:.1f}x" for b in backends]
        print("| " + " | ".join(cells) + " |")
    return 0


def interleaved(runs: dict, rounds: int) -> dict[str, float]:
    """Median ms of each callable, run round-robin so that load from other processes
    falls on all of them alike."""
    for fn in runs.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in runs}
    for _ in range(rounds):
        for k, fn in runs.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) * 1e3 for k, v in times.items()}


def build_ops(w: int, h: int, cv2):
    """(name, bytes moved per output pixel, {numpy(backend), baseline}, baseline label)."""
    from PIL import Image, ImageFilter

    rng = np.random.default_rng(1)
    params = C.KeyParams(spill=1.0)  # the defaults: the screen-range keyer
    cdl = C.CDL(
        slope=(1.1, 1.0, 0.9), offset=(0.02, 0.0, -0.01), power=(1.0, 1.1, 0.95), saturation=0.8
    )
    ident = C.Lut.identity(33)
    lut = C.Lut(cube=np.clip(ident.cube ** np.float32(0.9), 0, 1))
    key_cb, key_cr = (float(v) for v in C.formulas.cbcr8(np.array(params.color, np.uint8)))
    chroma = float(np.hypot(key_cb - 128, key_cr - 128))
    pil_lut = ImageFilter.Color3DLUT(33, lut.cube.transpose(2, 1, 0, 3).reshape(-1, 3).tolist())
    plate, bg = plate_and_bg(w, h, rng)
    fg = premul(w, h, rng)
    fg2 = premul(w, h, rng)
    d1 = (rng.random((h, w), dtype=np.float32) * 4 + 1).astype(np.float32)
    d2 = np.full((h, w), 3.0, np.float32)
    out3 = np.empty((h, w, 3), np.uint8)
    small = np.ascontiguousarray(bg[::2, ::2])
    dci = rng.integers(0, 256, (h, int(w * 2048 / 1920), 3), dtype=np.uint8)
    rect = letterbox_rect(dci.shape[1], dci.shape[0], w, h)
    px = w * h
    return [
        (
            "over",
            10,
            {
                "numpy": lambda b="numpy": C.over(fg, bg, out3, backend=b),
                "baseline": lambda: cv_over(cv2, fg, bg, out3),
            },
            "OpenCV",
        ),
        (
            "key+despill+over",
            9,
            {
                "numpy": lambda b="numpy": C.key_despill_over(
                    plate, bg, params, out=out3, backend=b
                ),
                "baseline": lambda: cv_key_despill_over(
                    cv2, plate, bg, out3, (key_cb, key_cr), chroma, params
                ),
            },
            "OpenCV",
        ),
        (
            "depth (2 layers)",
            22,
            {
                "numpy": lambda b="numpy": C.depth_composite(
                    [(fg, d1), (fg2, d2)], bg, out3, backend=b
                ),
                "baseline": lambda: cv_depth(cv2, fg, d1, fg2, d2, bg, out3),
            },
            "OpenCV",
        ),
        (
            "cdl",
            6,
            {
                "numpy": lambda b="numpy": C.apply_cdl(bg, cdl, out3, backend=b),
                "baseline": lambda: cv_cdl(cv2, bg, cdl, out3),
            },
            "OpenCV",
        ),
        (
            "lut 33^3",
            6,
            {
                "numpy": lambda b="numpy": C.apply_lut(bg, lut, out3, backend=b),
                "baseline": lambda: Image.fromarray(bg).filter(pil_lut),
            },
            "Pillow",
        ),
        (
            "resize 2x up",
            3.75,
            {
                "numpy": lambda b="numpy": C.resize(small, w, h, out3, backend=b),
                "baseline": lambda: cv2.resize(
                    small, (w, h), dst=out3, interpolation=cv2.INTER_LINEAR
                ),
            },
            "OpenCV",
        ),
        (
            "letterbox DCI",
            3 + 3 * dci.shape[0] * dci.shape[1] / px,
            {
                "numpy": lambda b="numpy": C.letterbox(dci, w, h, out3, backend=b),
                "baseline": lambda: cv_letterbox(cv2, dci, out3, rect),
            },
            "OpenCV",
        ),
    ]


def cv_letterbox(cv2, src, out, rect):
    x, y, w, h = rect
    out[:y] = 0
    out[y + h :] = 0
    out[:, :x] = 0
    out[:, x + w :] = 0
    roi = out[y : y + h, x : x + w]
    cv2.resize(src, (w, h), dst=roi, interpolation=cv2.INTER_LINEAR)
    return out


def _fmt(label, name, base_label, res, floor, backends):
    parts = [
        f"{label:6s} {name:18s} numpy {res['numpy']:8.2f}  {base_label} {res.get('baseline', float('nan')):7.2f}"
    ]
    parts += [f"{b} {res[b]:7.2f} ({res[b] / floor:4.1f}x floor)" for b in backends]
    parts.append(f"floor {floor:5.2f} ms")
    return "  ".join(parts)


if __name__ == "__main__":
    sys.exit(main())

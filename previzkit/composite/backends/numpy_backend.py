"""The numpy reference: clear, float64, rounded once at the end of each step. The truth
the other backends are checked against."""

from __future__ import annotations

import numpy as np

from previzkit.composite.backends.base import Backend
from previzkit.composite.formulas import LUMA709, bilinear_axis, cbcr8, cdl_curve
from previzkit.composite.lut import Lut, lattice_coords
from previzkit.composite.params import CDL


def _u8(x: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(x), 0, 255).astype(np.uint8)


def _store(out: np.ndarray, v: np.ndarray) -> None:
    out[...] = _u8(v) if out.dtype == np.uint8 else v.astype(out.dtype)


def _despill(plate: np.ndarray, channel: int, spill: float) -> np.ndarray:
    """Despilled uint8 RGB: the screen channel pulled toward the mean of the other two."""
    f = plate.astype(np.float64)
    o1, o2 = (c for c in range(3) if c != channel)
    limit = (f[..., o1] + f[..., o2]) * 0.5
    f[..., channel] -= spill * np.maximum(0.0, f[..., channel] - limit)
    return _u8(f)


def _blend(c: np.ndarray, a: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """round((c * a + bg * (255 - a)) / 255) with an opaque 4th channel for RGBA bg."""
    a = a.astype(np.float64)[..., None]
    if bg.shape[2] == 4:
        c = np.concatenate([c, np.full((*c.shape[:2], 1), 255, np.uint8)], axis=2)
    return _u8((c.astype(np.float64) * a + bg.astype(np.float64) * (255.0 - a)) / 255.0)


class NumpyBackend(Backend):
    name = "numpy"
    priority = 0

    def over(self, fg, bg, out):
        a = fg[..., 3:4].astype(np.float64)
        n = bg.shape[2]
        if bg.dtype == np.uint8:
            v = fg[..., :n].astype(np.float64) + np.rint(
                bg.astype(np.float64) * (255.0 - a) / 255.0
            )
            out[...] = np.minimum(v, 255).astype(np.uint8)
        else:
            v = fg[..., :n].astype(np.float64) + bg.astype(np.float64) * (1.0 - a)
            out[...] = v.astype(out.dtype)

    def key_matte(self, plate, table, garbage, out, params=None):
        cb, cr = cbcr8(plate)
        a = table[cb, cr]
        if garbage is not None:
            a = _u8(a.astype(np.float64) * garbage / 255.0)
        out[...] = a

    def refine_matte(self, alpha, choke, blur, out):
        a = alpha.astype(np.float64)
        if choke:
            k = abs(choke)
            op = np.min if choke > 0 else np.max
            for axis in (0, 1):
                pad = [(0, 0), (0, 0)]
                pad[axis] = (k, k)
                p = np.pad(a, pad, mode="edge")
                a = op(np.lib.stride_tricks.sliding_window_view(p, 2 * k + 1, axis=axis), axis=-1)
        if blur:
            for _ in range(2):
                for axis in (0, 1):
                    pad = [(0, 0), (0, 0)]
                    pad[axis] = (blur, blur)
                    p = np.pad(a, pad, mode="edge")
                    w = np.lib.stride_tricks.sliding_window_view(p, 2 * blur + 1, axis=axis)
                    a = w.mean(axis=-1)
        out[...] = _u8(a)

    def key_rgba(self, plate, alpha, channel, spill, out):
        c = _despill(plate, channel, spill).astype(np.float64)
        out[..., :3] = _u8(c * alpha[..., None] / 255.0)
        out[..., 3] = alpha

    def despill_over(self, plate, alpha, bg, channel, spill, out):
        out[...] = _blend(_despill(plate, channel, spill), alpha, bg)

    def key_despill_over(
        self, plate, table, garbage, bg, channel, spill, out, matte_out, params=None
    ):
        a = np.empty(plate.shape[:2], np.uint8)
        self.key_matte(plate, table, garbage, a)
        if matte_out is not None:
            matte_out[...] = a
        out[...] = _blend(_despill(plate, channel, spill), a, bg)

    def depth_composite(self, colors, depths, bg, out):
        h, w = bg.shape[:2]
        d = np.stack([np.broadcast_to(np.float32(x), (h, w)) for x in depths])
        nan = int(np.isnan(d).sum())
        if nan:
            return nan
        col = np.stack(colors)  # (N, H, W, 4)
        order = np.argsort(d, axis=0, kind="stable")  # near first
        acc = bg.copy()
        for k in range(len(colors) - 1, -1, -1):
            layer = np.take_along_axis(col, order[k][None, :, :, None], axis=0)[0]
            self.over(layer, acc, acc)
        out[...] = acc
        return 0

    def cdl(self, img, cdl: CDL, out):
        scale = 255.0 if img.dtype == np.uint8 else 1.0
        v = cdl_curve(img[..., :3].astype(np.float64) / scale, cdl)
        luma = v @ np.asarray(LUMA709)
        v = np.clip(luma[..., None] + cdl.saturation * (v - luma[..., None]), 0.0, 1.0)
        _store(out[..., :3], v * scale)
        if img.shape[2] == 4:
            out[..., 3] = img[..., 3]

    def lut(self, img, lut: Lut, out):
        scale = 255.0 if img.dtype == np.uint8 else 1.0
        x = lut.apply_shaper(img[..., :3].astype(np.float64) / scale)
        if lut.cube is not None:
            i, f = lattice_coords(x, lut)
            f = f.astype(np.float64)
            cube = lut.cube.astype(np.float64)
            v = np.zeros(x.shape, np.float64)
            for dr in (0, 1):
                wr = f[..., 0] if dr else 1.0 - f[..., 0]
                for dg in (0, 1):
                    wg = f[..., 1] if dg else 1.0 - f[..., 1]
                    for db in (0, 1):
                        wb = f[..., 2] if db else 1.0 - f[..., 2]
                        corner = cube[i[..., 0] + dr, i[..., 1] + dg, i[..., 2] + db]
                        v += (wr * wg * wb)[..., None] * corner
            x = v
        if img.dtype == np.uint8:
            x = np.clip(x, 0.0, 1.0)
        _store(out[..., :3], x * scale)
        if img.shape[2] == 4:
            out[..., 3] = img[..., 3]

    def resize(self, img, out, region=None, fill=None):
        if region is not None:
            if fill is not None:
                self.fill_outside(out, region, fill)
            x, y, w, h = region
            out = out[y : y + h, x : x + w]
        h, w = out.shape[:2]
        y0, y1, wy = bilinear_axis(img.shape[0], h)
        x0, x1, wx = bilinear_axis(img.shape[1], w)
        f = img.astype(np.float64)
        wx = wx.astype(np.float64)[None, :, None]
        wy = wy.astype(np.float64)[:, None, None]
        top = f[y0][:, x0] * (1 - wx) + f[y0][:, x1] * wx
        bot = f[y1][:, x0] * (1 - wx) + f[y1][:, x1] * wx
        _store(out, top * (1 - wy) + bot * wy)


BACKEND = NumpyBackend()

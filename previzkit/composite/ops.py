"""The public compositing functions: check inputs at the door, then hand off to a backend.

Every function takes an optional preallocated ``out`` (and returns it), so the per-frame
hot path allocates nothing, and ``backend`` (``"auto"``, ``"numpy"``, ``"numba"``,
``"cupy"`` or a Backend). Images are numpy (or, for the cupy backend, CuPy) arrays
(H, W, C), row 0 at the top. Foregrounds are premultiplied RGBA. Mattes are uint8
(H, W), 255 = foreground. Depths are metres in front of the camera (+inf = empty).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from previzkit.composite.backends import Backend, get_backend
from previzkit.composite.checks import (
    check_depth,
    check_image,
    check_matte,
    check_out,
    check_same,
    is_array,
)
from previzkit.composite.formulas import letterbox_rect, matte_table
from previzkit.composite.lut import Lut
from previzkit.composite.params import CDL, SCREENS, KeyParams
from previzkit.core.errors import InputError, ShapeError
from previzkit.core.optional import require

U8 = (np.uint8,)
FLOATS = (np.uint8, np.float16, np.float32)


class _Call:
    """Moves arguments to the backend's memory and results back (a no-op on the CPU)."""

    def __init__(self, backend: str | Backend, names: Sequence[str], arrays: Sequence) -> None:
        self.b = get_backend(backend)
        for n, a in zip(names, arrays, strict=True):
            if (
                a is not None
                and not isinstance(a, (int, float, np.ndarray))
                and not self.b.is_native(a)
            ):
                raise ShapeError(
                    f"{n}: a device array cannot be used by the {self.b.name} backend; "
                    "pass a numpy array or backend='cupy'"
                )

    def dev(self, a):
        return None if a is None else self.b.asarray(a)

    def out(self, tag: str, out: np.ndarray) -> np.ndarray:
        return out if self.b.is_native(out) else self.b.scratch(tag, out.shape, out.dtype)


def _alloc(out, shape, dtype, what: str, like=None):
    if out is None:
        if like is not None and not isinstance(like, np.ndarray):  # a CuPy array in
            cupy = require("cupy", "gpu", "GPU compositing")

            return cupy.empty(shape, dtype)
        return np.empty(shape, dtype)
    return check_out(out, tuple(shape), np.dtype(dtype), what)


def over(
    fg: np.ndarray,
    bg: np.ndarray,
    out: np.ndarray | None = None,
    *,
    backend: str | Backend = "auto",
) -> np.ndarray:
    """Premultiplied ``fg`` (H, W, 4) over ``bg`` (H, W, 3 or 4), same dtype (uint8,
    float16 or float32): ``out = fg + bg * (1 - fg.alpha)``; uint8 rounds and clips,
    floats do not clip. ``out`` may be ``bg`` itself (in place)."""
    check_image("fg", fg, (4,), FLOATS)
    check_image("bg", bg, (3, 4), FLOATS)
    check_same("fg", fg, "bg", bg, channels=False)
    out = _alloc(out, bg.shape, bg.dtype, "over", bg)
    c = _Call(backend, ("fg", "bg", "out"), (fg, bg, out))
    o = c.out("over", out)
    c.b.over(c.dev(fg), c.dev(bg), o)
    c.b.to_host(o, out)
    return out


def _garbage(garbage, plate):
    if garbage is None:
        return None
    return check_matte("garbage", garbage, plate.shape[:2], f"plate {tuple(plate.shape)}")


def key_matte(
    plate: np.ndarray,
    params: KeyParams | None = None,
    garbage: np.ndarray | None = None,
    out: np.ndarray | None = None,
    *,
    backend: str | Backend = "auto",
) -> np.ndarray:
    """The key's matte of a uint8 RGB ``plate``: uint8 (H, W), 255 = foreground.
    ``garbage`` (uint8 (H, W), 0 = always background) multiplies it; the params'
    choke and blur refine it."""
    params = params or KeyParams()
    check_image("plate", plate, (3,), U8)
    garbage = _garbage(garbage, plate)
    out = _alloc(out, plate.shape[:2], np.uint8, "key_matte", plate)
    c = _Call(backend, ("plate", "garbage", "out"), (plate, garbage, out))
    o = c.out("matte", out)
    c.b.key_matte(c.dev(plate), c.b.asarray(matte_table(params)), c.dev(garbage), o, params)
    if params.choke or params.blur:
        c.b.refine_matte(o, params.choke, params.blur, o)
    c.b.to_host(o, out)
    return out


def refine_matte(
    alpha: np.ndarray,
    choke: int = 0,
    blur: int = 0,
    out: np.ndarray | None = None,
    *,
    backend: str | Backend = "auto",
) -> np.ndarray:
    """Choke a uint8 (H, W) matte by ``choke`` pixels (square window; negative grows
    it), then box-blur it twice with radius ``blur`` pixels (close to a Gaussian).
    Edges repeat. ``out`` may be ``alpha``."""
    if not is_array(alpha) or alpha.ndim != 2 or alpha.dtype != np.uint8:
        got = f"shape {tuple(alpha.shape)} {alpha.dtype}" if is_array(alpha) else type(alpha)
        raise ShapeError(f"alpha: expected a uint8 (H, W) matte, got {got}")
    KeyParams(choke=choke, blur=blur)  # validates the ranges
    out = _alloc(out, alpha.shape, np.uint8, "refine_matte", alpha)
    c = _Call(backend, ("alpha", "out"), (alpha, out))
    o = c.out("refine", out)
    c.b.refine_matte(c.dev(alpha), int(choke), int(blur), o)
    c.b.to_host(o, out)
    return out


def _matte_arg(matte, plate):
    return check_matte("matte", matte, plate.shape[:2], f"plate {tuple(plate.shape)}")


def key(
    plate: np.ndarray,
    params: KeyParams | None = None,
    garbage: np.ndarray | None = None,
    out: np.ndarray | None = None,
    *,
    matte: np.ndarray | None = None,
    backend: str | Backend = "auto",
) -> np.ndarray:
    """Key a uint8 RGB ``plate``: the despilled foreground premultiplied by its matte,
    uint8 RGBA (H, W, 4), ready for :func:`over` or :func:`depth_composite`. A given
    ``matte`` (uint8 (H, W)) is used instead of pulling one."""
    params = params or KeyParams()
    check_image("plate", plate, (3,), U8)
    out = _alloc(out, (*plate.shape[:2], 4), np.uint8, "key", plate)
    c = _Call(backend, ("plate", "out"), (plate, out))
    if matte is None:
        a = c.b.scratch("key.matte", plate.shape[:2], np.uint8)
        b_plate = c.dev(plate)
        c.b.key_matte(
            b_plate, c.b.asarray(matte_table(params)), c.dev(_garbage(garbage, plate)), a, params
        )
        if params.choke or params.blur:
            c.b.refine_matte(a, params.choke, params.blur, a)
    else:
        a = c.dev(_matte_arg(matte, plate))
    o = c.out("key", out)
    c.b.key_rgba(c.dev(plate), a, params.spill_channel, params.spill, o)
    c.b.to_host(o, out)
    return out


def despill(
    plate: np.ndarray,
    params: KeyParams | None = None,
    out: np.ndarray | None = None,
    *,
    backend: str | Backend = "auto",
) -> np.ndarray:
    """Spill suppression alone: the screen channel of uint8 RGB ``plate`` pulled toward
    the mean of the other two by ``params.spill`` (0..1). Returns uint8 RGB."""
    params = params or KeyParams()
    check_image("plate", plate, (3,), U8)
    out = _alloc(out, plate.shape, np.uint8, "despill", plate)
    c = _Call(backend, ("plate", "out"), (plate, out))
    ones = c.b.scratch("despill.ones", plate.shape[:2], np.uint8)
    ones[...] = 255
    rgba = c.b.scratch("despill.rgba", (*plate.shape[:2], 4), np.uint8)
    c.b.key_rgba(c.dev(plate), ones, params.spill_channel, params.spill, rgba)
    o = c.out("despill", out)
    o[...] = rgba[..., :3]
    c.b.to_host(o, out)
    return out


def key_despill_over(
    plate: np.ndarray,
    bg: np.ndarray,
    params: KeyParams | None = None,
    garbage: np.ndarray | None = None,
    out: np.ndarray | None = None,
    *,
    matte_out: np.ndarray | None = None,
    backend: str | Backend = "auto",
) -> np.ndarray:
    """Key the uint8 RGB ``plate``, suppress spill and composite it over ``bg``
    (uint8 RGB or RGBA, same size) in one pass; ``matte_out`` (uint8 (H, W)) receives
    the matte if given. With choke or blur the matte takes a second pass first."""
    params = params or KeyParams()
    check_image("plate", plate, (3,), U8)
    check_image("bg", bg, (3, 4), U8)
    check_same("bg", bg, "plate", plate, channels=False)
    garbage = _garbage(garbage, plate)
    if matte_out is not None:
        matte_out = check_out(matte_out, plate.shape[:2], np.dtype(np.uint8), "the matte")
    out = _alloc(out, bg.shape, np.uint8, "key_despill_over", bg)
    c = _Call(
        backend,
        ("plate", "bg", "garbage", "out", "matte_out"),
        (plate, bg, garbage, out, matte_out),
    )
    table = c.b.asarray(matte_table(params))
    o = c.out("kdo", out)
    m = None if matte_out is None else c.out("kdo.matte", matte_out)
    dplate = c.dev(plate)
    if params.choke or params.blur:
        a = m if m is not None else c.b.scratch("kdo.a", plate.shape[:2], np.uint8)
        c.b.key_matte(dplate, table, c.dev(garbage), a, params)
        c.b.refine_matte(a, params.choke, params.blur, a)
        c.b.despill_over(dplate, a, c.dev(bg), params.spill_channel, params.spill, o)
    else:
        c.b.key_despill_over(
            dplate,
            table,
            c.dev(garbage),
            c.dev(bg),
            params.spill_channel,
            params.spill,
            o,
            m,
            params,
        )
    c.b.to_host(o, out)
    if m is not None:
        assert matte_out is not None  # m exists exactly when matte_out does
        c.b.to_host(m, matte_out)
    return out


def depth_composite(
    layers: Sequence[tuple[np.ndarray, np.ndarray | float]],
    bg: np.ndarray,
    out: np.ndarray | None = None,
    *,
    backend: str | Backend = "auto",
) -> np.ndarray:
    """Composite premultiplied RGBA ``layers`` over ``bg`` per pixel in depth order.

    Each layer is ``(color, depth)``: color (H, W, 4) of ``bg``'s dtype (uint8 or
    float32); depth either a float32 (H, W) map or one number for a plane facing the
    camera, in metres in front of it (+inf where the layer is empty). E.g. a rendered
    character with its linearised depth buffer (:func:`zbuffer_to_depth`) and the
    keyed actor (:func:`key`) at the distance of their mark, or a per-pixel estimate.
    Ties go to the earlier layer. NaN depth raises :class:`ShapeError`.
    """
    check_image("bg", bg, (3, 4), (np.uint8, np.float32))
    if not len(layers):
        raise ShapeError("layers: expected at least one (color, depth) layer, got none")
    if len(layers) > 16:
        raise ShapeError(f"layers: at most 16 layers, got {len(layers)}")
    hw = bg.shape[:2]
    colors, depths = [], []
    for i, item in enumerate(layers):
        try:
            col, dep = item
        except (TypeError, ValueError):
            raise ShapeError(f"layers[{i}]: expected a (color, depth) pair") from None
        check_image(f"layers[{i}] color", col, (4,), (np.uint8, np.float32))
        check_same(f"layers[{i}] color", col, "bg", bg, channels=False)
        colors.append(col)
        depths.append(check_depth(f"layers[{i}] depth", dep, hw, f"bg {tuple(bg.shape)}"))
    out = _alloc(out, bg.shape, bg.dtype, "depth_composite", bg)
    arrays = [*colors, *(d for d in depths if not isinstance(d, float)), bg, out]
    c = _Call(backend, [f"layers[{i}]" for i in range(len(arrays) - 2)] + ["bg", "out"], arrays)
    o = c.out("depth", out)
    nan = c.b.depth_composite(
        tuple(c.dev(x) for x in colors),
        tuple(d if isinstance(d, float) else c.dev(d) for d in depths),
        c.dev(bg),
        o,
    )
    if nan:
        for i, d in enumerate(depths):
            if not isinstance(d, float):
                n = int(np.isnan(np.asarray(d if isinstance(d, np.ndarray) else d.get())).sum())
                if n:
                    raise ShapeError(f"layers[{i}] depth: {n} NaN pixel(s) of {hw[0]}x{hw[1]}")
    c.b.to_host(o, out)
    return out


def apply_cdl(
    img: np.ndarray,
    cdl: CDL,
    out: np.ndarray | None = None,
    *,
    backend: str | Backend = "auto",
) -> np.ndarray:
    """ASC CDL on RGB or RGBA ``img`` (uint8 or float32 0..1 code values); alpha passes
    through. ``out`` may be ``img``."""
    check_image("img", img, (3, 4), (np.uint8, np.float32))
    if not isinstance(cdl, CDL):
        raise InputError(f"cdl: expected a CDL, got {type(cdl).__name__}")
    out = _alloc(out, img.shape, img.dtype, "apply_cdl", img)
    c = _Call(backend, ("img", "out"), (img, out))
    o = c.out("cdl", out)
    c.b.cdl(c.dev(img), cdl, o)
    c.b.to_host(o, out)
    return out


def apply_lut(
    img: np.ndarray,
    lut: Lut,
    out: np.ndarray | None = None,
    *,
    backend: str | Backend = "auto",
) -> np.ndarray:
    """A .cube LUT (1D shaper and/or 3D cube, trilinear) on RGB or RGBA ``img`` (uint8
    or float32); alpha passes through; uint8 results clip to 0..255. ``out`` may be ``img``."""
    check_image("img", img, (3, 4), (np.uint8, np.float32))
    if not isinstance(lut, Lut):
        raise InputError(f"lut: expected a Lut (see load_cube), got {type(lut).__name__}")
    out = _alloc(out, img.shape, img.dtype, "apply_lut", img)
    c = _Call(backend, ("img", "out"), (img, out))
    o = c.out("lut", out)
    c.b.lut(c.dev(img), lut, o)
    c.b.to_host(o, out)
    return out


def _size(width: int, height: int) -> tuple[int, int]:
    if int(width) != width or int(height) != height or width < 1 or height < 1:
        raise InputError(f"width/height: expected positive integers, got {width}x{height}")
    if width > 32768 or height > 32768:
        raise InputError(f"width/height: {width}x{height} is larger than 32768")
    return int(width), int(height)


def resize(
    img: np.ndarray,
    width: int,
    height: int,
    out: np.ndarray | None = None,
    *,
    backend: str | Backend = "auto",
) -> np.ndarray:
    """Bilinear resize of ``img`` (H, W, C; uint8 or float32) to ``width`` x ``height``
    pixels, pixel centres aligned as OpenCV's INTER_LINEAR (no anti-aliasing)."""
    check_image("img", img, (1, 2, 3, 4), (np.uint8, np.float32))
    width, height = _size(width, height)
    out = _alloc(out, (height, width, img.shape[2]), img.dtype, "resize", img)
    c = _Call(backend, ("img", "out"), (img, out))
    o = c.out("resize", out)
    c.b.resize(c.dev(img), o)
    c.b.to_host(o, out)
    return out


def letterbox(
    img: np.ndarray,
    width: int,
    height: int,
    out: np.ndarray | None = None,
    *,
    color: float | Sequence[float] = 0,
    backend: str | Backend = "auto",
) -> np.ndarray:
    """Fit ``img`` inside ``width`` x ``height`` with its aspect ratio kept, centred,
    bars of ``color`` above/below or left/right (see :func:`letterbox_rect`)."""
    check_image("img", img, (1, 2, 3, 4), (np.uint8, np.float32))
    width, height = _size(width, height)
    out = _alloc(out, (height, width, img.shape[2]), img.dtype, "letterbox", img)
    x, y, w, h = letterbox_rect(img.shape[1], img.shape[0], width, height)
    fill = np.broadcast_to(np.asarray(color, dtype=np.float64), (img.shape[2],))
    if img.dtype == np.uint8 and (fill.min() < 0 or fill.max() > 255):
        raise InputError(f"color: {color} is outside 0..255 for a uint8 image")
    fill = fill.astype(img.dtype)
    c = _Call(backend, ("img", "out"), (img, out))
    o = c.out("letterbox", out)
    c.b.resize(c.dev(img), o, (x, y, w, h), fill)
    c.b.to_host(o, out)
    return out


def estimate_screen_color(plate: np.ndarray, screen: str = "green") -> tuple[int, int, int]:
    """The screen's colour in uint8 RGB ``plate`` (sRGB 0..255), a key colour for
    :class:`KeyParams` (``key_color``).

    Robust to an actor, props, spill and an uneven or shadowed screen: of the pixels
    where the ``screen`` channel dominates (by 24 levels over each other channel), the
    dominant hue is found (the fullest 6-degree bin of the Cb/Cr angle, with its two
    neighbours), and the median colour of the brighter half of those pixels is
    returned (shadows and fall-off are darker versions of the same hue; the keyer's
    ``screen_min`` covers them)."""
    check_image("plate", plate, (3,), U8)
    if screen not in SCREENS:
        raise InputError(f"screen: expected one of {sorted(SCREENS)}, got {screen!r}")
    from previzkit.composite.formulas import cbcr8

    ch = 1 if screen == "green" else 2
    f = np.asarray(plate[:: max(1, plate.shape[0] // 256), :: max(1, plate.shape[1] // 256)])
    f = f.reshape(-1, 3).astype(np.int32)
    others = [c for c in range(3) if c != ch]
    sel = f[(f[:, ch] > f[:, others[0]] + 24) & (f[:, ch] > f[:, others[1]] + 24)]
    if len(sel) < 16:
        raise InputError(f"plate: too few {screen}-screen pixels to estimate the key colour")
    cb, cr = cbcr8(sel)
    angle = np.degrees(np.arctan2(cr - 128.0, cb - 128.0)) % 360.0
    bins = (angle // 6).astype(np.int64) % 60
    counts = np.bincount(bins, minlength=60)
    mode = int(np.argmax(counts))
    near = (bins - mode + 60) % 60
    cluster = sel[(near <= 1) | (near >= 59)]
    luma = cluster @ np.array([2126, 7152, 722])
    bright = cluster[luma >= np.median(luma)]
    return tuple(int(v) for v in np.median(bright, axis=0))  # type: ignore[return-value]

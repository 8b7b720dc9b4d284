"""Every accelerated kernel equals the numpy reference within 1 uint8 level on random
and edge inputs: alpha 0 and 255, odd sizes, 1x1, non-contiguous views."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import previzkit.composite as C

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
sizes = st.integers(1, 23)
seeds = st.integers(0, 2**32 - 1)
views = st.booleans()


def _both(fn, backend):
    return fn("numpy"), fn(backend)


@SETTINGS
@given(
    h=sizes,
    w=sizes,
    seed=seeds,
    view=views,
    nch=st.sampled_from([3, 4]),
    dtype=st.sampled_from([np.uint8, np.float16, np.float32]),
    alpha=st.sampled_from(["mixed", "zero", "full", "random"]),
)
def test_over(backend, kit, h, w, seed, view, nch, dtype, alpha):
    rng = np.random.default_rng(seed)
    fg = kit.premultiplied(rng, h, w, dtype, view, alpha)
    bg = kit.image(rng, h, w, nch, dtype, view)
    ref, got = _both(lambda b: C.over(fg, bg, backend=b), backend)
    kit.assert_within(got, ref, what="over")
    # in place into bg, and into a non-contiguous out
    inplace = bg.copy()
    C.over(fg, inplace, inplace, backend=backend)
    kit.assert_within(inplace, ref, what="over in place")
    out = np.zeros((h, w, nch + 1), dtype)[..., :nch]
    C.over(fg, bg, out, backend=backend)
    kit.assert_within(out, ref, what="over into a view")


def _plate(rng, h, w, view, kit):
    """Random pixels mixed with screen greens/blues, so every part of the matte occurs."""
    p = kit.image(rng, h, w, 3, np.uint8, view)
    pick = rng.integers(0, 4, (h, w))
    green = np.clip(rng.normal((20, 180, 60), 25, (h, w, 3)), 0, 255).astype(np.uint8)
    blue = np.clip(rng.normal((20, 70, 190), 25, (h, w, 3)), 0, 255).astype(np.uint8)
    p[pick == 0] = green[pick == 0]
    p[pick == 1] = blue[pick == 1]
    return p


params_st = st.builds(
    C.KeyParams,
    screen=st.sampled_from(["green", "blue"]),
    tolerance=st.floats(0.0, 0.8),
    softness=st.floats(0.0, 0.8),
    spill=st.floats(0.0, 1.0),
    clip_black=st.sampled_from([0.0, 0.1]),
    clip_white=st.sampled_from([1.0, 0.9]),
)


@SETTINGS
@given(h=sizes, w=sizes, seed=seeds, view=views, params=params_st, garbage=st.booleans())
def test_key_matte_and_key(backend, kit, h, w, seed, view, params, garbage):
    rng = np.random.default_rng(seed)
    plate = _plate(rng, h, w, view, kit)
    g = kit.image(rng, h, w, 1)[..., 0] if garbage else None
    ref, got = _both(lambda b: C.key_matte(plate, params, g, backend=b), backend)
    kit.assert_within(got, ref, what="key_matte")
    ref, got = _both(lambda b: C.key(plate, params, g, backend=b), backend)
    kit.assert_within(got, ref, what="key")
    ref, got = _both(lambda b: C.despill(plate, params, backend=b), backend)
    kit.assert_within(got, ref, what="despill")


@SETTINGS
@given(
    h=sizes,
    w=sizes,
    seed=seeds,
    view=views,
    params=params_st,
    garbage=st.booleans(),
    nch=st.sampled_from([3, 4]),
    refine=st.sampled_from([(0, 0), (1, 0), (-2, 1), (0, 2)]),
)
def test_key_despill_over(backend, kit, h, w, seed, view, params, garbage, nch, refine):
    import dataclasses

    rng = np.random.default_rng(seed)
    params = dataclasses.replace(params, choke=refine[0], blur=refine[1])
    plate = _plate(rng, h, w, view, kit)
    bg = kit.image(rng, h, w, nch, np.uint8, view)
    g = kit.image(rng, h, w, 1)[..., 0] if garbage else None
    m_ref, m_got = np.empty((h, w), np.uint8), np.empty((h, w), np.uint8)
    ref = C.key_despill_over(plate, bg, params, g, matte_out=m_ref, backend="numpy")
    got = C.key_despill_over(plate, bg, params, g, matte_out=m_got, backend=backend)
    kit.assert_within(m_got, m_ref, what="matte")
    kit.assert_within(got, ref, tol=1, what="key_despill_over")


@SETTINGS
@given(h=sizes, w=sizes, seed=seeds, view=views, choke=st.integers(-3, 3), blur=st.integers(0, 4))
def test_refine_matte(backend, kit, h, w, seed, view, choke, blur):
    rng = np.random.default_rng(seed)
    a = kit.image(rng, h, w, 1, np.uint8, view)[..., 0]
    a[a > 128] = 255  # hard edges as keyed mattes have
    ref, got = _both(lambda b: C.refine_matte(a, choke, blur, backend=b), backend)
    kit.assert_within(got, ref, what="refine_matte")
    inplace = a.copy()
    C.refine_matte(inplace, choke, blur, inplace, backend=backend)
    kit.assert_within(inplace, ref, what="refine_matte in place")


@SETTINGS
@given(
    h=sizes,
    w=sizes,
    seed=seeds,
    view=views,
    n=st.integers(1, 3),
    dtype=st.sampled_from([np.uint8, np.float32]),
    nch=st.sampled_from([3, 4]),
    const=st.lists(st.booleans(), min_size=4, max_size=4),
)
def test_depth_composite(backend, kit, h, w, seed, view, n, dtype, nch, const):
    rng = np.random.default_rng(seed)
    layers = []
    for i in range(n):
        col = kit.premultiplied(rng, h, w, dtype, view)
        if const[i]:
            d = float(rng.choice([0.5, 2.0, np.inf, 2.0]))
        else:
            d = (rng.integers(1, 5, (h, w)) * 0.5).astype(np.float32)  # ties happen
            d[rng.random((h, w)) < 0.2] = np.inf
            if view:
                d = np.repeat(d, 2, axis=1)[:, ::2]
        layers.append((col, d))
    bg = kit.image(rng, h, w, nch, dtype, view)
    ref, got = _both(lambda b: C.depth_composite(layers, bg, backend=b), backend)
    kit.assert_within(got, ref, what="depth_composite")


cdl_st = st.builds(
    C.CDL,
    slope=st.tuples(*[st.floats(0.0, 2.0)] * 3),
    offset=st.tuples(*[st.floats(-0.3, 0.3)] * 3),
    power=st.tuples(*[st.floats(0.3, 3.0)] * 3),
    saturation=st.floats(0.0, 2.0),
)


@SETTINGS
@given(
    h=sizes,
    w=sizes,
    seed=seeds,
    view=views,
    cdl=cdl_st,
    nch=st.sampled_from([3, 4]),
    dtype=st.sampled_from([np.uint8, np.float32]),
)
def test_cdl(backend, kit, h, w, seed, view, cdl, nch, dtype):
    rng = np.random.default_rng(seed)
    img = kit.image(rng, h, w, nch, dtype, view)
    ref, got = _both(lambda b: C.apply_cdl(img, cdl, backend=b), backend)
    kit.assert_within(got, ref, what="cdl")


def _random_lut(rng, size, shaper):
    lut = C.Lut.identity(size)
    cube = np.clip(lut.cube + rng.normal(0, 0.1, lut.cube.shape), -0.1, 1.1).astype(np.float32)
    kw = {}
    if shaper:
        x = np.linspace(0, 1, 17)[:, None] ** np.array([0.5, 1.0, 2.0])
        kw = {"shaper": x.astype(np.float32), "shaper_min": (-0.1,) * 3, "shaper_max": (1.2,) * 3}
    return C.Lut(cube=cube, domain_min=(0.0, -0.05, 0.0), domain_max=(1.0, 1.0, 1.1), **kw)


@SETTINGS
@given(
    h=sizes,
    w=sizes,
    seed=seeds,
    view=views,
    size=st.sampled_from([2, 5, 17, 33]),
    shaper=st.booleans(),
    nch=st.sampled_from([3, 4]),
    dtype=st.sampled_from([np.uint8, np.float32]),
)
def test_lut(backend, kit, h, w, seed, view, size, shaper, nch, dtype):
    rng = np.random.default_rng(seed)
    lut = _random_lut(rng, size, shaper)
    img = kit.image(rng, h, w, nch, dtype, view)
    if dtype == np.float32:
        img = img * np.float32(1.3) - np.float32(0.1)  # outside the domain too
    ref, got = _both(lambda b: C.apply_lut(img, lut, backend=b), backend)
    kit.assert_within(got, ref, what="lut")


@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_shaper_only_lut(backend, kit, dtype):
    rng = np.random.default_rng(3)
    x = (np.linspace(0, 1, 9)[:, None] ** np.array([0.5, 1.0, 2.0])).astype(np.float32)
    lut = C.Lut(shaper=x)
    img = kit.image(rng, 7, 9, 3, dtype)
    ref, got = _both(lambda b: C.apply_lut(img, lut, backend=b), backend)
    kit.assert_within(got, ref, what="shaper lut")


@SETTINGS
@given(
    h=sizes,
    w=sizes,
    oh=st.integers(1, 40),
    ow=st.integers(1, 40),
    seed=seeds,
    view=views,
    nch=st.sampled_from([1, 3, 4]),
    dtype=st.sampled_from([np.uint8, np.float32]),
)
def test_resize_and_letterbox(backend, kit, h, w, oh, ow, seed, view, nch, dtype):
    rng = np.random.default_rng(seed)
    img = kit.image(rng, h, w, nch, dtype, view)
    ref, got = _both(lambda b: C.resize(img, ow, oh, backend=b), backend)
    kit.assert_within(got, ref, what="resize")
    ref, got = _both(lambda b: C.letterbox(img, ow, oh, backend=b), backend)
    kit.assert_within(got, ref, what="letterbox")


def test_one_by_one_everything(backend, kit):
    """1x1 images through every op."""
    px = np.array([[[10, 200, 40]]], np.uint8)
    fg = np.array([[[50, 60, 70, 128]]], np.uint8)
    for fn in (
        lambda b: C.over(fg, px, backend=b),
        lambda b: C.key_despill_over(px, px, backend=b),
        lambda b: C.key(px, backend=b),
        lambda b: C.depth_composite([(fg, 1.0), (fg, np.zeros((1, 1), np.float32))], px, backend=b),
        lambda b: C.apply_cdl(px, C.CDL(slope=(2, 1, 1)), backend=b),
        lambda b: C.apply_lut(px, C.Lut.identity(2), backend=b),
        lambda b: C.resize(px, 3, 2, backend=b),
    ):
        ref, got = _both(fn, backend)
        kit.assert_within(got, ref)


@pytest.mark.parametrize("saturation", [0.0, 0.8, 1.0, 2.0])
@pytest.mark.parametrize("nch", [3, 4])
def test_cdl_every_code_value(backend, kit, saturation, nch):
    """The uint8 CDL (tables + saturation matrix) on all 256 code values in every
    channel, grey and saturated, against the reference."""
    v = np.arange(256, dtype=np.uint8)
    img = np.stack([v, v[::-1], np.roll(v, 85), v][:nch], axis=-1)[None]
    img = np.concatenate([img, np.repeat(v[None, :, None], nch, axis=2)])  # greys too
    cdl = C.CDL(
        slope=(1.3, 0.9, 1.0),
        offset=(-0.05, 0.02, 0.0),
        power=(0.8, 1.2, 2.5),
        saturation=saturation,
    )
    ref, got = _both(lambda b: C.apply_cdl(img, cdl, backend=b), backend)
    kit.assert_within(got, ref, what="cdl every code value")
    if nch == 4:
        assert np.array_equal(np.asarray(got)[..., 3], img[..., 3])


@pytest.mark.parametrize("blocks", [1, 2, 3, 7])
@pytest.mark.parametrize(
    ("src", "dst"),
    [((37, 53), (74, 106)), ((54, 64), (51, 60)), ((9, 31), (40, 7)), ((1, 1), (5, 3))],
)
@pytest.mark.parametrize("dtype", [np.uint8, np.float32])
def test_resize_blocks_and_row_reuse(backend, kit, monkeypatch, blocks, src, dst, dtype):
    """Resize/letterbox with output rows split into any number of blocks (each keeps
    its own two resampled source rows, reused across output rows): 2x up, a DCI-like
    slight downscale, mixed up/down, 1x1; into a non-contiguous ``out`` view too."""
    from previzkit.composite.backends import get_backend

    b = get_backend(backend)
    if hasattr(b, "_blocks"):
        monkeypatch.setattr(b, "_blocks", lambda h: max(1, min(h, blocks)))
    rng = np.random.default_rng(blocks)
    img = kit.image(rng, *src, 3, dtype)
    ref, got = _both(lambda be: C.resize(img, dst[1], dst[0], backend=be), backend)
    kit.assert_within(got, ref, what="resize")
    color = (10, 200, 30) if dtype == np.uint8 else (0.1, 0.5, 1.0)
    ref, got = _both(
        lambda be: C.letterbox(img, dst[1] + 5, dst[0], color=color, backend=be), backend
    )
    kit.assert_within(got, ref, what="letterbox")
    big = np.full((dst[0] * 2, dst[1] + 9, 4), 7, dtype)
    view = big[::2, 3 : 3 + dst[1] + 5, :3]
    C.letterbox(img, dst[1] + 5, dst[0], view, color=color, backend=backend)
    kit.assert_within(view, ref, what="letterbox into a view")
    assert (big[1::2] == 7).all() and (big[..., 3] == 7).all()


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_numba_hrow_vector_and_scalar_paths_agree(n):
    """The 4-lane horizontal resize pass (RGB/RGBA, needs one element of padding in
    both buffers) equals the scalar loop it replaces, bit for bit."""
    nb = pytest.importorskip("previzkit.composite.backends.numba_backend")
    rng = np.random.default_rng(n)
    for win, wout in ((1, 5), (7, 3), (13, 26), (32, 30)):
        src = rng.integers(0, 256, win * n).astype(np.uint8)
        xp, wp = nb._x_taps(win, wout, n)
        roomy = np.full(wout * n + 1, np.nan, np.float32)
        tight = np.full(wout * n, np.nan, np.float32)
        nb._hrow(
            src, np.empty(win * n + n + 1, np.float32), np.float32(0.5), xp, wp, n, roomy, wout
        )
        nb._hrow(src, np.empty(win * n + n, np.float32), np.float32(0.5), xp, wp, n, tight, wout)
        np.testing.assert_array_equal(roomy[: wout * n], tight)
        assert np.isfinite(tight).all()


@pytest.mark.parametrize(
    "params",
    [
        # the steepest ramps the Numba kernels still compute arithmetically (slope just
        # under the table threshold), the default keyer, a hotspot-wide screen range
        C.KeyParams(tolerance=0.1, softness=0.026, screen_min=0.5),
        C.KeyParams(key_color=(35, 153, 66)),
        C.KeyParams(screen="blue", tolerance=0.05, softness=0.1, screen_min=0.2, screen_max=3.0),
    ],
)
def test_screen_range_matte_over_every_chroma(backend, kit, params):
    """Every 8-bit (Cb, Cr) a plate can reach at several brightnesses: the accelerated
    matte (arithmetic in Numba, the table on CUDA) equals the reference's within 1 level."""
    rng = np.random.default_rng(7)
    plate = rng.integers(0, 256, (256, 384, 3), dtype=np.uint8)
    ref, got = _both(lambda b: C.key_matte(plate, params, backend=b), backend)
    kit.assert_within(got, ref, what="key_matte")
    bg = np.zeros_like(plate)
    m_ref, m_got = np.empty(plate.shape[:2], np.uint8), np.empty(plate.shape[:2], np.uint8)
    C.key_despill_over(plate, bg, params, matte_out=m_ref, backend="numpy")
    C.key_despill_over(plate, bg, params, matte_out=m_got, backend=backend)
    kit.assert_within(m_got, m_ref, what="key_despill_over matte")

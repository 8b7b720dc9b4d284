"""Keying a synthetic green-screen plate with a known matte: SAD and gradient error
(alphamatting.com's metrics) are bounded, and no green cast remains on the edges."""

from __future__ import annotations

import numpy as np
import pytest

import previzkit.composite as C

H, W = 240, 320


def _synthetic_plate(screen="green", seed=0):
    """A plate made by compositing a textured 'actor' with a known soft matte over a
    noisy, slightly uneven screen, with screen light spilling onto the actor's edges."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float64)
    # Known matte: an ellipse body + a head, with a 6 px soft edge (motion blur / hair).
    body = np.hypot((xx - 160) / 60, (yy - 170) / 80)
    head = np.hypot((xx - 160) / 30, (yy - 70) / 34)
    dist_px = np.minimum((body - 1) * 60, (head - 1) * 30)
    alpha = np.clip(0.5 - dist_px / 6.0, 0, 1)
    # Foreground: skin/cloth texture, warm colours far from green and blue.
    fg = np.empty((H, W, 3))
    fg[..., 0] = 170 + 40 * np.sin(xx / 7) * np.cos(yy / 11)
    fg[..., 1] = 110 + 20 * np.sin(yy / 5)
    fg[..., 2] = 95 + 25 * np.cos(xx / 9)
    screen_rgb = np.array(C.params.SCREENS[screen], np.float64)
    shade = 0.9 + 0.1 * (xx / W)  # uneven lighting across the screen
    bg = screen_rgb * shade[..., None] + rng.normal(0, 3, (H, W, 3))
    # Spill: the screen colour bleeds into the foreground near its edge.
    edge = (alpha > 0) & (alpha < 1) | ((dist_px > -8) & (dist_px <= 0))
    spill_ch = 1 if screen == "green" else 2
    fg_spilled = fg.copy()
    fg_spilled[..., spill_ch] += np.where(edge, 60.0, 0.0)
    plate = alpha[..., None] * fg_spilled + (1 - alpha[..., None]) * bg
    return np.clip(np.rint(plate), 0, 255).astype(np.uint8), alpha, fg, edge


def _gradient_error(a, b):
    """alphamatting.com gradient error: sum of squared differences of Gaussian-derivative
    gradient magnitudes (sigma 1.4), on 0..1 mattes, divided by 1000."""
    from scipy.ndimage import gaussian_gradient_magnitude

    ga = gaussian_gradient_magnitude(a, 1.4)
    gb = gaussian_gradient_magnitude(b, 1.4)
    return float(((ga - gb) ** 2).sum()) / 1000.0


@pytest.mark.parametrize("screen", ["green", "blue"])
@pytest.mark.parametrize("backend", ["numpy", "auto"])
def test_matte_error_is_bounded(screen, backend):
    plate, alpha, _, _ = _synthetic_plate(screen)
    key_color = C.estimate_screen_color(plate, screen)
    params = C.KeyParams(
        screen=screen,
        key_color=key_color,
        tolerance=0.3,
        softness=0.4,
        clip_black=0.05,
        clip_white=0.95,
    )
    got = C.key_matte(plate, params, backend=backend).astype(np.float64) / 255.0
    sad = float(np.abs(got - alpha).sum()) / 1000.0  # alphamatting.com: SAD / 1000
    grad = _gradient_error(got, alpha)
    # The screen is solid background and the actor solid foreground:
    assert got[alpha == 0].mean() < 0.01
    assert got[alpha == 1].mean() > 0.99
    # Thresholds: ~1% of the 76,800-pixel frame's mass; an all-wrong edge scores ~10x.
    assert sad < 0.9, sad
    assert grad < 0.6, grad
    naive = (plate[..., 1 if screen == "green" else 2] < 120).astype(np.float64)
    assert sad < float(np.abs(naive - alpha).sum()) / 1000.0


@pytest.mark.parametrize("screen", ["green", "blue"])
def test_spill_is_removed_from_edge_pixels(screen):
    plate, alpha, _fg, edge = _synthetic_plate(screen)
    params = C.KeyParams(
        screen=screen,
        key_color=C.estimate_screen_color(plate, screen),
        tolerance=0.3,
        softness=0.4,
        spill=1.0,
    )
    rgba = C.key(plate, params).astype(np.float64)
    a = rgba[..., 3] / 255.0
    edge_fg = edge & (a > 0.5)
    assert edge_fg.sum() > 200
    un = rgba[..., :3][edge_fg] / a[edge_fg][:, None]  # un-premultiply
    ch = 1 if screen == "green" else 2
    others = [c for c in range(3) if c != ch]
    # No cast: the screen channel never exceeds the mean of the other two on the edges
    # (within the rounding of premultiplied uint8, at most 1 level per channel / alpha).
    excess = un[:, ch] - un[:, others].mean(axis=1)
    assert excess.max() <= 2.0, excess.max()
    despilled = C.despill(plate, params).astype(np.float64)[edge_fg]
    assert (despilled[:, ch] - despilled[:, others].mean(axis=1)).max() <= 0.5
    # ... while the plate itself had a strong cast there.
    raw = plate[edge_fg].astype(np.float64)
    assert (raw[:, ch] - raw[:, others].mean(axis=1)).mean() > 20
    # Interior colours away from the edge keep their hue (the red-dominant skin).
    inner = (alpha == 1) & ~edge
    assert np.abs(rgba[..., 0][inner] - plate[..., 0][inner]).max() <= 1


def test_composite_over_new_background_matches_ground_truth():
    plate, alpha, fg, _ = _synthetic_plate("green")
    params = C.KeyParams(key_color=C.estimate_screen_color(plate), tolerance=0.3, softness=0.4)
    new_bg = np.full((H, W, 3), (30, 40, 120), np.uint8)
    out = C.key_despill_over(plate, new_bg, params).astype(np.float64)
    truth = alpha[..., None] * fg + (1 - alpha[..., None]) * new_bg
    inner = (alpha == 0) | (alpha == 1)
    # Away from the soft edge, the composite is the ground truth within noise.
    assert np.abs(out - truth)[inner].mean() < 2.0


def test_garbage_matte_and_choke_blur():
    plate, _alpha, _, _ = _synthetic_plate("green")
    garbage = np.full((H, W), 255, np.uint8)
    garbage[:, :100] = 0  # a rig on the left of frame, masked out
    plate[50:60, 20:40] = (200, 50, 50)  # the rig itself
    params = C.KeyParams(key_color=C.estimate_screen_color(plate), tolerance=0.3, softness=0.4)
    m = C.key_matte(plate, params, garbage)
    assert m[:, :100].max() == 0
    assert C.key_matte(plate, params)[50:60, 20:40].min() == 255
    choked = C.key_matte(plate, C.KeyParams(**{**params.__dict__, "choke": 3}))
    grown = C.key_matte(plate, C.KeyParams(**{**params.__dict__, "choke": -3}))
    plain = C.key_matte(plate, params)
    assert (choked > 0).sum() < (plain > 0).sum() < (grown > 0).sum()
    blurred = C.key_matte(plate, C.KeyParams(**{**params.__dict__, "blur": 3}))
    edge_vals = lambda a: ((a > 0) & (a < 255)).sum()  # noqa: E731
    assert edge_vals(blurred) > edge_vals(plain)


# --- a real photograph over an uneven, shadowed screen (tests/helpers/photo_plate.py) ---

HAND_COLORS = ((0, 177, 64), (38, 168, 72), (30, 134, 58), (44, 193, 83), (60, 170, 60))


def test_estimated_screen_color_keys_within_1_5x_of_the_best_hand_set_key():
    """Defaults + the estimated colour against a sweep of hand-set colours, tolerances,
    softnesses and screen ranges (including the plain distance keyer)."""
    from tests.helpers.photo_plate import photo_plate, scores

    p = photo_plate()
    est = C.estimate_screen_color(p.plate)
    # the estimate is the lit screen's hue (hue angle of Cb/Cr within 3 degrees)
    cb, cr = C.formulas.cbcr8(np.array([est, (38, 168, 72)], np.uint8))
    ang = np.degrees(np.arctan2(cr - 128.0, cb - 128.0))
    assert abs(ang[0] - ang[1]) < 3.0, (est, ang)
    default = scores(C.key_matte(p.plate, C.KeyParams(key_color=est), backend="numpy"), p)
    best = min(
        scores(
            C.key_matte(
                p.plate,
                C.KeyParams(
                    key_color=col, tolerance=tol, softness=soft, screen_min=lo, screen_max=hi
                ),
                backend="numpy",
            ),
            p,
        )["sad"]
        for col in HAND_COLORS
        for tol in (0.05, 0.1, 0.2, 0.35)
        for soft in (0.15, 0.3)
        for lo, hi in ((0.5, 1.5), (1.0, 1.0))
    )
    assert default["sad"] <= 1.5 * best, (default, best)
    assert default["shadow_leak"] < 0.02, default
    assert default["hair_kept"] > 0.5, default


def test_shadows_on_the_screen_stay_background():
    """The plain distance keyer (screen_min = screen_max = 1) leaks a veil where the
    screen is shadowed; the screen range keys it out. The screen's nominal colour (a
    different hue from this screen's) leaks too: why the estimate is the default."""
    from tests.helpers.photo_plate import photo_plate, scores

    p = photo_plate()
    est = C.estimate_screen_color(p.plate)
    plain = C.KeyParams(key_color=est, tolerance=0.1, softness=0.2, screen_min=1, screen_max=1)
    ranged = C.KeyParams(key_color=est, tolerance=0.1, softness=0.2)
    s_plain = scores(C.key_matte(p.plate, plain, backend="numpy"), p)
    s_ranged = scores(C.key_matte(p.plate, ranged, backend="numpy"), p)
    assert s_plain["shadow_leak"] > 0.3, s_plain
    assert s_ranged["shadow_leak"] < 0.02, s_ranged
    assert s_ranged["sad"] < 0.5 * s_plain["sad"]
    nominal = scores(C.key_matte(p.plate, C.KeyParams(), backend="numpy"), p)
    assert nominal["sad"] > 2 * s_ranged["sad"], nominal
    # black stays foreground whatever the range: the navy uniform and the hat are solid
    solid = p.alpha == 1.0
    m = C.key_matte(p.plate, ranged, backend="numpy")
    assert (m[solid] == 255).mean() > 0.995

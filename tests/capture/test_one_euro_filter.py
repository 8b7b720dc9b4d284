"""One Euro filter: smoothing, speed adaptation, dropouts held and flagged (pure)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from previzkit.capture.filters import (
    OneEuroFilter,
    OneEuroParams,
    PoseFilter,
    one_euro,
    smoothing_factor,
)
from previzkit.core.errors import InputError, ShapeError
from previzkit.core.types import Pose

T = np.arange(120) / 30.0


def test_smoothing_factor_matches_the_paper():
    # alpha = 1 / (1 + tau / Te), tau = 1 / (2 pi fc)
    te, fc = 1 / 30, 1.0
    tau = 1 / (2 * np.pi * fc)
    assert smoothing_factor(te, fc) == pytest.approx(1 / (1 + tau / te))


@settings(max_examples=25, deadline=None)
@given(st.floats(-1e3, 1e3), st.floats(0.1, 10), st.floats(0, 1))
def test_a_constant_signal_passes_unchanged(c, min_cutoff, beta):
    out, held = one_euro(np.full(30, c), T[:30], OneEuroParams(min_cutoff, beta))
    assert np.allclose(out, c) and not held.any()


def test_jitter_is_reduced_at_rest():
    rng = np.random.default_rng(0)
    x = 100 + rng.normal(0, 2.0, 120)
    out, _ = one_euro(x, T, OneEuroParams(min_cutoff=1.0, beta=0.0))
    assert out[30:].std() < 0.5 * x[30:].std()


def test_beta_cuts_lag_in_motion():
    ramp = 300.0 * T  # 300 px/s
    slow, _ = one_euro(ramp, T, OneEuroParams(1.0, 0.0))
    fast, _ = one_euro(ramp, T, OneEuroParams(1.0, 0.05))
    lag_slow = (ramp - slow)[60:].mean()
    lag_fast = (ramp - fast)[60:].mean()
    assert lag_fast < 0.5 * lag_slow
    assert lag_fast < 10.0  # under one frame of motion (10 px)


def test_dropouts_are_held_and_flagged_never_extrapolated():
    x = 10.0 * T
    valid = np.ones(120, bool)
    valid[50:60] = False
    x_bad = x.copy()
    x_bad[50:60] = -999.0  # garbage while not visible
    out, held = one_euro(x_bad, T, OneEuroParams(5.0, 0.0), valid)
    assert held[50:60].all() and not held[:50].any() and not held[60:].any()
    assert np.all(out[50:60] == out[49])  # held at the last filtered value
    assert out[60] >= out[49]  # resumes from where it was, no jump to garbage


def test_a_landmark_never_seen_passes_through_flagged():
    f = OneEuroFilter(OneEuroParams())
    out, held = f(np.array([1.0, 2.0]), 0.0, np.array([True, False]))
    assert held.tolist() == [False, True] and out.tolist() == [1.0, 2.0]
    out, held = f(np.array([1.0, 5.0]), 1 / 30, np.array([True, False]))
    assert held.tolist() == [False, True] and out[1] == 5.0  # still nothing to hold
    out, held = f(np.array([1.0, 7.0]), 2 / 30, np.array([True, True]))
    assert held.tolist() == [False, False] and out[1] == 7.0  # first sighting: as measured


def test_pose_filter_flags_low_visibility_landmarks():
    rng = np.random.default_rng(1)
    pf = PoseFilter(min_visibility=0.5)
    for i in range(5):
        img = np.c_[rng.normal(100, 1, (33, 2)), np.full(33, 0.9)].astype(np.float32)
        if i == 4:
            img[15, 2] = 0.1  # left wrist drops out
            img[15, :2] = (0, 0)
        out = pf(Pose(i / 30, 0, img, rng.normal(0, 0.01, (33, 3)).astype(np.float32)))
    assert out.flags is not None and out.flags[15] == 1 and out.flags.sum() == 1
    assert out.image[15, 0] > 90  # held near 100, not the (0, 0) of the dropout
    assert out.image[15, 2] == pytest.approx(0.1)  # visibility reported as measured


def test_bad_parameters_and_shapes_are_refused():
    with pytest.raises(InputError, match="min_cutoff"):
        OneEuroParams(min_cutoff=0)
    with pytest.raises(InputError, match="beta"):
        OneEuroParams(beta=-1)
    with pytest.raises(InputError, match="d_cutoff"):
        OneEuroParams(d_cutoff=float("nan"))
    with pytest.raises(ShapeError, match=r"\(5,\).*\(4,\)"):
        one_euro(np.zeros(5), np.zeros(4))
    f = OneEuroFilter()
    f(np.zeros(3), 0.0)
    with pytest.raises(ShapeError, match="sample shape"):
        f(np.zeros(4), 0.1)
    with pytest.raises(InputError, match="min_visibility"):
        PoseFilter(min_visibility=2.0)

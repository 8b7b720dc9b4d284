"""Heads/tails from motion and audio; the scoring rules' order (pure)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.edit.scoring import TakeAnalysis, rank_takes, score_take
from previzkit.edit.synthetic import synthetic_actor_track
from previzkit.edit.trim import TrimRules, action_range, motion_energy
from previzkit.model.take import Take


def test_action_from_motion_with_handles():
    track = synthetic_actor_track(120, 24, (30, 90))
    motion = motion_energy(track, 24, 120)
    a, b, cin, cout = action_range(120, 24, motion, None, TrimRules(handles_s=0.5))
    assert abs(a - 30) <= 3 and abs(b - 90) <= 3
    assert (cin, cout) == (a - 12, b + 12)


def test_action_from_audio_and_clamped_handles():
    db = np.full(100, -70.0)
    db[5:40] = -12.0
    a, b, cin, cout = action_range(100, 25, None, db, TrimRules(handles_s=1.0))
    assert (a, b) == (pytest.approx(5, abs=3), pytest.approx(40, abs=3))
    assert cin == 0 and cout == b + 25


def test_no_signal_keeps_the_whole_take():
    assert action_range(50, 24) == (0, 50, 0, 50)
    assert action_range(50, 24, np.zeros(50)) == (0, 50, 0, 50)
    with pytest.raises(InputError, match="motion: 10 values for 50 frames"):
        action_range(50, 24, np.zeros(10))
    with pytest.raises(InputError, match="frames 0"):
        action_range(0, 24)


def _a(take, **kw):
    base = dict(
        fps=24.0, frames=100, action=(0, 96, 0, 100), confidence=0.9, dropouts=0.0, estimate_s=4.0
    )
    return TakeAnalysis(take, **(base | kw))


def test_rule_order():
    circled = _a(Take("1", "1-A", 1, circled=True), confidence=0.2)
    rated = _a(Take("1", "1-A", 2, rating=5))
    clean = _a(Take("1", "1-A", 3), confidence=1.0, mark_error_m=0.0)
    ranked = rank_takes([clean, rated, circled])
    assert [s.label for s in ranked] == ["1/1-A/1", "1/1-A/2", "1/1-A/3"]


def test_quality_marks_timing_and_recovery():
    good = score_take(_a(Take("1", "1-A", 1), mark_error_m=0.1))
    off_mark = score_take(_a(Take("1", "1-A", 2), mark_error_m=2.0))
    slow = score_take(_a(Take("1", "1-A", 3), action=(0, 24 * 8, 0, 24 * 8), mark_error_m=0.1))
    recovered = score_take(_a(Take("1", "1-A", 4, status="recovered"), mark_error_m=0.1))
    assert good.total > off_mark.total and good.total > slow.total and good.total > recovered.total
    assert good.parts["timing"] == pytest.approx(10.0)
    assert slow.parts["timing"] == pytest.approx(0.0)  # double the estimate
    assert off_mark.parts["marks"] == 0.0 and good.parts["marks"] == 20.0


def test_no_video_cannot_win():
    s = score_take(_a(Take("1", "1-A", 1, circled=True), has_video=False))
    assert s.total == -math.inf and "no video" in s.why[0]


def test_ties_go_to_the_later_take():
    ranked = rank_takes([_a(Take("1", "1-A", 1)), _a(Take("1", "1-A", 2))])
    assert ranked[0].label == "1/1-A/2"

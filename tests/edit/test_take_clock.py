"""A take's scene clock (meta ``timeline``): validation, scale and frame placement."""

from __future__ import annotations

import pytest

from previzkit.core.errors import InputError
from previzkit.edit.trim import TakeClock, script_times

# 1 s pre-roll, beats at scene 2..4 s played over take 1..3 s, 1 s post-roll
KNOTS = [[0.0, 1.0], [1.0, 2.0], [3.0, 4.0], [4.0, 5.0]]


def test_frame_inverts_the_timeline_and_scale_follows_the_script() -> None:
    clock = TakeClock.from_meta(KNOTS)
    assert clock.frame(3.0, 24.0, 96) == 48
    assert clock.frame(99.0, 24.0, 96) == 96  # past the end: clamped
    assert clock.scale(8.0, 16.0) == pytest.approx(0.25)
    assert script_times([1.0, 2.0]) == [(0.0, 1.0), (1.0, 3.0)]


@pytest.mark.parametrize(
    "raw",
    ["x", [[0, 1], [1, 2]], [[0, 1], [0, 2], [1, 3], [2, 4]], [[0, 3], [1, 2], [2, 4], [3, 5]]],
)
def test_bad_timelines_are_refused(raw: object) -> None:
    with pytest.raises(InputError):
        TakeClock.from_meta(raw)

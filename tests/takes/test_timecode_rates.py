"""SMPTE timecode at every rate, drop-frame boundaries, long timelines, bad input."""

from __future__ import annotations

import datetime as dt

import pytest

from previzkit.core.errors import TimecodeError
from previzkit.model import timecode as tc

ALL = ["23.976", "24", "25", "29.97", "30", "50", "59.94", "60"]


@pytest.mark.parametrize("rate", ALL)
def test_round_trip_at_every_rate(rate):
    r = tc.rate(rate)
    for n in [0, 1, r.nominal - 1, r.nominal, 1799, 1800, 17982, 17983, 107892, 172800]:
        label = tc.frames_to_timecode(n, rate)
        assert tc.timecode_to_frames(label, rate) == n, (rate, n, label)
        assert (";" in label) == r.drop_frame


@pytest.mark.parametrize("rate", ALL)
def test_one_hour_of_labels(rate):
    r = tc.rate(rate)
    frames = tc.timecode_to_frames("01:00:00;00" if r.drop_frame else "01:00:00:00", rate)
    if r.drop_frame:  # drop-frame keeps up with the clock: an hour of real time
        assert frames == round(3600 * r.fps)
    else:
        assert frames == 3600 * r.nominal


def test_drop_frame_boundary_2997():
    assert tc.frames_to_timecode(1799, "29.97") == "00:00:59;29"
    assert tc.frames_to_timecode(1800, "29.97") == "00:01:00;02"
    assert tc.timecode_to_frames("00:01:00;02", "29.97") == 1800
    # every tenth minute keeps its frames 00 and 01
    assert tc.frames_to_timecode(17981, "29.97") == "00:09:59;29"
    assert tc.frames_to_timecode(17982, "29.97") == "00:10:00;00"


def test_drop_frame_boundary_5994():
    assert tc.frames_to_timecode(3599, "59.94") == "00:00:59;59"
    assert tc.frames_to_timecode(3600, "59.94") == "00:01:00;04"
    assert tc.frames_to_timecode(35964, "59.94") == "00:10:00;00"


def test_non_drop_2997_counts_every_label():
    assert tc.frames_to_timecode(1800, "29.97", drop_frame=False) == "00:01:00:00"
    assert tc.timecode_to_frames("00:01:00:00", "29.97") == 1800  # ':' means non-drop


def test_two_hours_at_23976():
    assert tc.timecode_to_frames("02:00:00:00", "23.976") == 172800
    assert tc.frames_to_timecode(172800, "23.976") == "02:00:00:00"
    # 23.976 runs 0.1 % slow: two hours of labels last 7207.2 s of real time
    assert tc.frames_to_seconds(172800, "23.976") == pytest.approx(7207.2)


def test_matches_the_timecode_package():
    import timecode as lib

    for rate in ALL:
        for n in range(0, 40000, 997):
            t = lib.Timecode(rate if rate not in ("23.976",) else "23.976", frames=n + 1)
            if rate in ("29.97", "59.94"):
                assert tc.frames_to_timecode(n, rate) == str(t)


@pytest.mark.parametrize(
    "label,rate,why",
    [
        ("00:01:00;00", "29.97", "does not exist"),
        ("00:01:00;01", "29.97", "does not exist"),
        ("00:01:00;03", "59.94", "does not exist"),
        ("00:00:00:24", "24", "frames field"),
        ("00:60:00:00", "25", "minutes"),
        ("1:2:3", "25", "expected HH:MM:SS:FF"),
        ("00:00:00;00", "25", "drop-frame exists only"),
    ],
)
def test_bad_labels_name_the_label(label, rate, why):
    with pytest.raises(TimecodeError, match=why):
        tc.timecode_to_frames(label, rate)


def test_bad_rates():
    with pytest.raises(TimecodeError, match="unsupported"):
        tc.rate(48)
    with pytest.raises(TimecodeError, match="not a frame rate"):
        tc.rate("fast")
    with pytest.raises(TimecodeError, match="drop-frame exists only"):
        tc.rate("24", drop_frame=True)
    with pytest.raises(TimecodeError, match="non-negative"):
        tc.frames_to_timecode(-1, "24")


def test_rate_from_numbers():
    assert tc.rate(30000 / 1001).name == "29.97"
    assert tc.rate("24000/1001").name == "23.976"
    assert tc.rate(25).drop_frame is False


def test_from_the_clock():
    now = dt.datetime(2026, 11, 25, 10, 30, 15, 500000)
    assert tc.timecode_from_clock("25", now=now) == "10:30:15:12"
    # drop-frame follows real time: 37815.5 s x 29.97 = frame 1133332
    label = tc.timecode_from_clock("29.97", now=now)
    assert tc.timecode_to_frames(label, "29.97") == int(37815.5 * 30000 / 1001)
    assert label.startswith("10:30:15;")


def test_wraps_after_24_hours():
    r = tc.rate("25")
    assert tc.frames_to_timecode(r.frames_per_day + 5, "25") == "00:00:00:05"

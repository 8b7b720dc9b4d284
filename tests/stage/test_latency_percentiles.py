"""Latency accounting: intervals per frame, p50/p99 per stage in milliseconds."""

from __future__ import annotations

import math

import pytest

from previzkit.stage.latency import FrameRecord, LatencyStats, percentiles


def test_intervals_and_percentiles():
    st = LatencyStats()
    for i in range(100):
        st.add(
            FrameRecord(
                i,
                polled=10.0,
                captured=10.0,
                received=10.0 + 0.001 * (i + 1),
                rendered=10.2,
                presented=10.3,
                work={"render": 0.010, "composite": 0.002 * (i % 2)},
            )
        )
    st.add(FrameRecord(100, rendered=11.0, presented=11.01, work={"render": 0.01}))  # no pose
    s = st.summary()
    p50, p99, n = s["capture->received"]
    assert n == 100 and p50 == pytest.approx(50.5) and p99 == pytest.approx(99.01)
    assert s["capture->presented"][0] == pytest.approx(300.0)
    assert s["rendered->presented"][2] == 101
    assert s["render"][:2] == pytest.approx((10.0, 10.0))
    assert s["frame"][2] == 101
    text = st.format()
    assert text.splitlines()[0].split() == ["stage", "p50", "ms", "p99", "ms", "n"]
    assert "capture->received" in text


def test_empty_percentiles_are_nan_and_unknown_interval_is_named():
    assert all(math.isnan(v) for v in percentiles([]))
    with pytest.raises(KeyError, match="unknown latency interval 'x'"):
        LatencyStats().latencies("x")

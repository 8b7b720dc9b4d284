"""Latency accounting for the stage loop: per frame, when its pose was captured,
received, and when the frame was rendered and presented; p50/p99 per stage.

All instants are wall-clock seconds (``time.time()``), the clock the pose stream
carries across machines (``PoseMessage.wall``); durations are reported in
milliseconds. Per-frame work (poll, retarget, render, composite, present, record) is
timed with ``time.perf_counter`` and kept beside the latencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# latency intervals: (name, from instant, to instant)
INTERVALS: tuple[tuple[str, str, str], ...] = (
    ("capture->received", "captured", "received"),
    ("received->rendered", "received", "rendered"),
    ("rendered->presented", "rendered", "presented"),
    ("capture->presented", "captured", "presented"),
)
# per-frame work, in loop order
WORK: tuple[str, ...] = ("poll", "retarget", "render", "composite", "present", "record")


@dataclass
class FrameRecord:
    """One frame's instants (wall s; ``captured``/``received`` None when the frame had
    no new pose; ``polled`` when it took its inputs) and its work durations (s) by :data:`WORK` name."""

    index: int
    polled: float = 0.0  # when the frame took its inputs (poses, set-state edits)
    captured: float | None = None
    received: float | None = None
    rendered: float = 0.0
    presented: float = 0.0
    work: dict[str, float] = field(default_factory=dict)

    def interval(self, start: str, end: str) -> float | None:
        a, b = getattr(self, start), getattr(self, end)
        if a is None or b is None:
            return None
        return b - a


def percentiles(
    values_s: list[float] | np.ndarray, qs: tuple[float, ...] = (50, 99)
) -> list[float]:
    """Percentiles of ``values_s`` (seconds) in milliseconds; NaN when empty."""
    v = np.asarray(values_s, dtype=np.float64)
    if v.size == 0:
        return [float("nan")] * len(qs)
    return [float(np.percentile(v, q) * 1000.0) for q in qs]


@dataclass
class LatencyStats:
    """Frame records of a run; :meth:`summary` gives p50/p99 per stage in ms.

    A long run keeps only recent records, so memory stays flat (a soak test found the
    list growing ~1 KB a frame, 110 MB an hour at 30 fps): once there are more than
    ``2 * window`` records the oldest are dropped down to ``window`` (``window`` 0
    keeps all). ``total`` counts every frame added."""

    frames: list[FrameRecord] = field(default_factory=list)
    window: int = 4500  # 2.5 min at 30 fps
    total: int = 0

    def add(self, record: FrameRecord) -> None:
        self.frames.append(record)
        self.total += 1
        if self.window and len(self.frames) > 2 * self.window:
            del self.frames[: len(self.frames) - self.window]

    def __len__(self) -> int:
        return len(self.frames)

    def latencies(self, name: str) -> list[float]:
        """Seconds of interval ``name`` (one of :data:`INTERVALS`) over frames with a pose."""
        for n, a, b in INTERVALS:
            if n == name:
                return [x for f in self.frames if (x := f.interval(a, b)) is not None]
        raise KeyError(f"unknown latency interval {name!r} (known: {[i[0] for i in INTERVALS]})")

    def work(self, name: str) -> list[float]:
        """Seconds spent in work ``name`` (one of :data:`WORK`) per frame."""
        return [f.work[name] for f in self.frames if name in f.work]

    def frame_times(self) -> list[float]:
        """Seconds of work per frame (sum of its work durations)."""
        return [sum(f.work.values()) for f in self.frames]

    def summary(self) -> dict[str, tuple[float, float, int]]:
        """name -> (p50 ms, p99 ms, samples) for each latency interval, each work
        stage and the whole frame ("frame")."""
        out: dict[str, tuple[float, float, int]] = {}
        for name, _, _ in INTERVALS:
            v = self.latencies(name)
            out[name] = (*percentiles(v), len(v))  # type: ignore[assignment]
        for name in WORK:
            v = self.work(name)
            if v:
                out[name] = (*percentiles(v), len(v))  # type: ignore[assignment]
        v = self.frame_times()
        out["frame"] = (*percentiles(v), len(v))  # type: ignore[assignment]
        return out

    def format(self) -> str:
        """A table: stage, p50 ms, p99 ms, samples."""
        rows = [f"{'stage':<22}{'p50 ms':>9}{'p99 ms':>9}{'n':>7}"]
        for name, (p50, p99, n) in self.summary().items():
            rows.append(f"{name:<22}{p50:>9.2f}{p99:>9.2f}{n:>7d}")
        return "\n".join(rows)

"""The take's clock from LTC: decoded LTC words -> the timecode of any moment of the
signal, for stamping overlay frames, poses and takes (:mod:`previzkit.media.ltc`).

LTC words carry no checksum and the first one read out of silence can be garbled, so
the clock is the offset (label frame count minus the word's start in frames) that
most words agree on; a word that disagrees is dropped. Pure computation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from previzkit.core.errors import InputError, TimecodeError
from previzkit.model import timecode as tc


@dataclass(frozen=True)
class LtcClock:
    """Timecode at ``rate`` locked to a signal: frame ``offset + round(t * fps)`` at
    ``t`` seconds from the signal's start; ``words`` decoded, ``agree`` of them on the
    offset."""

    rate: tc.Rate
    offset: int
    words: int
    agree: int

    def frame_at(self, time_s: float) -> int:
        """0-based timecode frame count of the video frame at ``time_s`` seconds."""
        return (self.offset + round(time_s * float(self.rate.fps))) % self.rate.frames_per_day

    def timecode_at(self, time_s: float) -> str:
        """SMPTE label of the video frame at ``time_s`` seconds of the signal."""
        return tc.frames_to_timecode(self.frame_at(time_s), self.rate)


def ltc_clock(words: Sequence[Any], rate: str | float | tc.Rate, source: str = "LTC") -> LtcClock:
    """The :class:`LtcClock` of decoded :class:`~previzkit.media.ltc.LtcFrame` words at
    ``rate``. Raises :class:`InputError` naming ``source`` when there are none, when
    their drop-frame bit or length disagrees with ``rate``, or when no two agree."""
    r = tc.rate(rate)
    good = [w for w in words if not w.reverse]
    if not good:
        raise InputError(f"{source}: no LTC found (is timecode on that audio?)")
    df = Counter(w.drop_frame for w in good).most_common(1)[0][0]
    if df != r.drop_frame:
        kind = "drop-frame" if df else "non-drop"
        raise TimecodeError(f"{source}: the LTC is {kind}, the take's rate is {r.name}")
    fps = sorted(w.fps for w in good)[len(good) // 2]
    if abs(fps - r.nominal) > 0.04 * r.nominal:
        raise TimecodeError(
            f"{source}: the LTC runs at about {fps:.2f} fps, the take's rate is {r.name} (--rate)"
        )
    votes: Counter[int] = Counter()
    for w in good:
        try:
            n = tc.timecode_to_frames(w.label, r)
        except TimecodeError:
            continue  # a garbled word naming a label that does not exist
        votes[n - round(w.time_s * float(r.fps))] += 1
    if not votes:
        raise InputError(f"{source}: no valid LTC word")
    offset, agree = votes.most_common(1)[0]
    if agree < min(2, len(good)):
        raise InputError(f"{source}: LTC words do not agree with each other (noisy signal?)")
    return LtcClock(r, offset, len(good), agree)


def ltc_clock_from_file(path: str | Path, rate: str | float | tc.Rate) -> LtcClock:
    """The clock of the LTC on the first audio stream of ``path`` (a plate, a WAV)."""
    from previzkit.media.ltc import read_ltc

    r = tc.rate(rate)
    return ltc_clock(read_ltc(path, fps=float(r.fps)), r, source=str(path))

"""SMPTE timecode: frame counts <-> ``HH:MM:SS:FF`` strings, drop-frame included.

Rates: 23.976, 24, 25, 29.97, 30, 50, 59.94, 60 frames per second. Drop-frame
(``HH:MM:SS;FF``) applies to 29.97 and 59.94: frame numbers 00-01 (00-03 at 59.94)
are skipped at the start of every minute except every tenth, so the timecode keeps
up with the wall clock. 23.976 is always non-drop (it counts 24 frames per label
second and runs 0.1 % slower than the clock).

Frame counts here are 0-based (``00:00:00:00`` is frame 0). The arithmetic is done
by the ``timecode`` package (checked correct at the drop-frame boundaries in
``tests/takes/test_timecode_rates.py``); this module adds rate names, 0-based
frames, validation of labels that do not exist (``00:01:00;00`` at 29.97 DF) and
time-of-day timecode from the system clock.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from previzkit.core.errors import TimecodeError
from previzkit.core.optional import require

# name -> exact rate (frames per second)
RATES: dict[str, Fraction] = {
    "23.976": Fraction(24000, 1001),
    "24": Fraction(24),
    "25": Fraction(25),
    "29.97": Fraction(30000, 1001),
    "30": Fraction(30),
    "50": Fraction(50),
    "59.94": Fraction(60000, 1001),
    "60": Fraction(60),
}
DROP_FRAME_RATES = frozenset({"29.97", "59.94"})
_TC = re.compile(r"^(\d{1,2})[:.](\d{2})[:.](\d{2})([:;.,])(\d{2,3})$")


@dataclass(frozen=True)
class Rate:
    """A timecode rate: ``name`` (e.g. ``"29.97"``), exact ``fps``, ``nominal`` frames
    per label second (30 for 29.97) and whether labels use drop-frame counting."""

    name: str
    fps: Fraction
    nominal: int
    drop_frame: bool

    @property
    def dropped(self) -> int:
        """Frame numbers skipped per minute in drop-frame (2 at 29.97, 4 at 59.94)."""
        return self.nominal // 15 if self.drop_frame else 0

    @property
    def frames_per_day(self) -> int:
        """Frames in 24 hours of labels (where timecode wraps to 00:00:00:00)."""
        if not self.drop_frame:
            return self.nominal * 86400
        per_10min = self.nominal * 600 - self.dropped * 9
        return per_10min * 6 * 24


def rate(value: str | float | int | Fraction | Rate, drop_frame: bool | None = None) -> Rate:
    """The :class:`Rate` for a name (``"29.97"``), a number (29.97, 30000/1001) or a Rate.

    ``drop_frame`` defaults to True at 29.97 and 59.94 and must be False elsewhere.
    """
    if isinstance(value, Rate):
        if drop_frame is None or drop_frame == value.drop_frame:
            return value
        value = value.name
    name = _rate_name(value)
    if drop_frame is None:
        drop_frame = name in DROP_FRAME_RATES
    if drop_frame and name not in DROP_FRAME_RATES:
        raise TimecodeError(
            f"rate {name}: drop-frame exists only at {' and '.join(sorted(DROP_FRAME_RATES))}"
        )
    fps = RATES[name]
    return Rate(name, fps, round(fps), bool(drop_frame))


def _rate_name(value: str | float | int | Fraction) -> str:
    if isinstance(value, str):
        text = value.strip()
        if text in RATES:
            return text
        try:
            number = Fraction(text) if "/" in text else float(text)
        except (ValueError, ZeroDivisionError):
            raise TimecodeError(
                f"rate {value!r}: not a frame rate; use one of {', '.join(RATES)}"
            ) from None
    else:
        number = value
    for name, fps in RATES.items():
        if abs(float(number) - float(fps)) < 0.005:
            return name
    raise TimecodeError(f"rate {value!r}: unsupported; use one of {', '.join(RATES)}")


def _lib(r: Rate, **kw: Any) -> Any:  # the timecode package's object
    _timecode = require("timecode", "takes", "SMPTE timecode")

    return _timecode.Timecode(
        str(r.fps) if r.drop_frame or r.name == "23.976" else r.name,
        force_non_drop_frame=not r.drop_frame,
        **kw,
    )


def frames_to_timecode(
    frames: int, rate_: str | float | Fraction | Rate, drop_frame: bool | None = None
) -> str:
    """Label of 0-based frame ``frames`` at ``rate_``; wraps after 24 hours.

    >>> frames_to_timecode(1800, "29.97")
    '00:01:00;02'
    """
    r = rate(rate_, drop_frame)
    if int(frames) != frames or frames < 0:
        raise TimecodeError(f"frame count {frames!r}: must be a non-negative integer")
    n = int(frames) % r.frames_per_day
    return str(_lib(r, frames=n + 1))


def timecode_to_frames(
    tc: str, rate_: str | float | Fraction | Rate, drop_frame: bool | None = None
) -> int:
    """0-based frame number of label ``tc`` at ``rate_``.

    Without ``drop_frame``, a ``;`` (or ``,``) before the frames field means
    drop-frame and ``:`` non-drop. Labels that do not
    exist (frames >= the nominal rate, minutes or seconds >= 60, frames skipped by
    drop-frame) raise :class:`TimecodeError` naming the label.
    """
    m = _TC.match(tc.strip()) if isinstance(tc, str) else None
    if not m:
        raise TimecodeError(f"timecode {tc!r}: expected HH:MM:SS:FF (or HH:MM:SS;FF drop-frame)")
    hh, mm, ss, sep, ff = m.groups()
    h, mi, s, f = int(hh), int(mm), int(ss), int(ff)
    if drop_frame is None:  # SMPTE: ';' (or ',') before the frames marks drop-frame
        drop_frame = sep in ";,"
    r = rate(rate_, drop_frame)
    if mi >= 60 or s >= 60 or h >= 24:
        raise TimecodeError(f"timecode {tc!r}: hours < 24, minutes and seconds < 60")
    if f >= r.nominal:
        raise TimecodeError(f"timecode {tc!r}: frames field {f} >= {r.nominal} at {r.name}")
    if r.drop_frame and s == 0 and mi % 10 != 0 and f < r.dropped:
        raise TimecodeError(
            f"timecode {tc!r}: does not exist at {r.name} drop-frame "
            f"(frames 00-{r.dropped - 1:02d} are skipped at minute {mi:02d})"
        )
    label = f"{h:02d}:{mi:02d}:{s:02d}{';' if r.drop_frame else ':'}{f:02d}"
    return int(_lib(r, start_timecode=label).frames) - 1


def timecode_from_clock(
    rate_: str | float | Fraction | Rate,
    drop_frame: bool | None = None,
    now: _dt.datetime | None = None,
) -> str:
    """Time-of-day timecode from the system clock (or ``now``), local time.

    Drop-frame labels follow the clock (frames = seconds since midnight x fps);
    non-drop labels read the clock's hours, minutes and seconds, with the frame
    field from the fraction of the second.
    """
    r = rate(rate_, drop_frame)
    t = now or _dt.datetime.now()
    midnight = t.replace(hour=0, minute=0, second=0, microsecond=0)
    seconds = Fraction((t - midnight) // _dt.timedelta(microseconds=1), 1_000_000)
    if r.drop_frame:
        return frames_to_timecode(int(seconds * r.fps), r)
    return frames_to_timecode(int(seconds * r.nominal), r)


def seconds_to_frames(seconds: float, rate_: str | float | Fraction | Rate) -> int:
    """Nearest whole frame to ``seconds`` of real time at the rate's exact fps."""
    return round(Fraction(seconds) * rate(rate_).fps)


def frames_to_seconds(frames: int, rate_: str | float | Fraction | Rate) -> float:
    """Real time in seconds of ``frames`` frames at the rate's exact fps."""
    return float(frames / rate(rate_).fps)

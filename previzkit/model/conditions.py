"""Conditions of the environment GAN (kind of place x time of day) and the scene
heading -> condition rule. Pure Python (no torch): the set file, the script and genai share it.

Four conditions: ``night`` (exterior at night), ``dusk`` (exterior at dawn, sunrise,
dusk, sunset: a low sun or twilight), ``day`` (exterior in daylight) and ``interior``
(any INT. scene, whatever the time: the room's own lights dominate).
"""

from __future__ import annotations

import re

from previzkit.core.errors import InputError

CONDITIONS: tuple[str, ...] = ("night", "dusk", "day", "interior")

NIGHT_WORDS = frozenset({"NIGHT", "MIDNIGHT", "LATE"})
DUSK_WORDS = frozenset(
    {"DAWN", "DUSK", "SUNRISE", "SUNSET", "TWILIGHT", "EVENING", "MAGIC", "GOLDEN", "DAYBREAK"}
)
DAY_WORDS = frozenset({"DAY", "MORNING", "NOON", "AFTERNOON", "MIDDAY", "DAYTIME"})
_TIME_WORDS = NIGHT_WORDS | DUSK_WORDS | DAY_WORDS


def check_condition(name: str) -> str:
    """``name`` lower-cased if it is one of :data:`CONDITIONS`; InputError naming it otherwise."""
    key = str(name).strip().lower()
    if key not in CONDITIONS:
        raise InputError(f"condition: {name!r} is not one of {', '.join(CONDITIONS)}")
    return key


def condition_for_time(time: str, default: str = "day") -> str:
    """Exterior condition for a time of day (``"LATER THAT NIGHT"`` -> ``night``).

    The last time word wins (``"DAY INTO NIGHT"`` -> night); a time with no known word
    (``"CONTINUOUS"``) gives ``default``.
    """
    words = re.findall(r"[A-Z]+", str(time).upper())
    for w in reversed(words):
        if w in NIGHT_WORDS:
            return "night"
        if w in DUSK_WORDS:
            return "dusk"
        if w in DAY_WORDS:
            return "day"
    return check_condition(default)


def condition_for_heading(heading: str, default_time: str = "day") -> str:
    """Condition for a scene heading.

    ``"EXT. ROOFTOP - NIGHT"`` -> ``night``; ``"INT. WAREHOUSE - DAY"`` -> ``interior``;
    ``"EXT. PIER - DUSK"`` / ``"- SUNRISE"`` / ``"- EVENING"`` -> ``dusk``. A heading that
    starts ``INT`` (not ``INT./EXT.``) is ``interior``; otherwise the time of day after the
    last `` - `` decides, and a heading without one (``"EXT. FIELD"``,
    ``"EXT. FIELD - CONTINUOUS"``) gets ``default_time`` (an exterior condition).
    """
    text = str(heading).strip().upper()
    m = re.match(r"^\s*(I/E|INT\.?\s*/\s*EXT|EXT\.?\s*/\s*INT|INT|EXT|EST)\b\.?", text)
    prefix = re.sub(r"[\s.]", "", m.group(1)) if m else ""
    if prefix == "INT":
        return "interior"
    parts = re.split(r"\s+[-–—]+\s+", text)
    time = parts[-1] if len(parts) > 1 else ""
    if not any(w in _TIME_WORDS for w in re.findall(r"[A-Z]+", time)):
        return condition_for_time("", default_time)
    return condition_for_time(time, default_time)

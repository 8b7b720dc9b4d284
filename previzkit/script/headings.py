"""Scene heading parts: INT/EXT prefix, location and time of day (pure)."""

from __future__ import annotations

import re

from previzkit.script.inline import plain_text
from previzkit.script.model import Heading

# Prefixes per Fountain 1.1 (case-insensitive), followed by '.' or a space.
HEADING_RE = re.compile(r"^(int\.?/ext|int/ext|i/e|int|ext|est)[. ]", re.I)
_PREFIX_RE = re.compile(r"^(int\.?/ext\.?|i/e\.?|int\.?|ext\.?|est\.?)\s*", re.I)
_SPLIT_RE = re.compile(r"\s+[-–—]+\s+|\s+--?\s*|\s*--?\s+")

#: Words that start a time of day in a heading's last part ("NIGHT", "LATER THAT DAY").
TIMES_OF_DAY = frozenset(
    {
        "DAY",
        "NIGHT",
        "MORNING",
        "AFTERNOON",
        "EVENING",
        "DAWN",
        "DUSK",
        "SUNRISE",
        "SUNSET",
        "MIDNIGHT",
        "NOON",
        "TWILIGHT",
        "CONTINUOUS",
        "LATER",
        "MOMENTS",
        "SAME",
        "MAGIC",
    }
)


def _norm_prefix(prefix: str) -> str:
    p = prefix.upper().rstrip(".").replace(".", "")
    if p in {"INT/EXT", "I/E"}:
        return "INT/EXT"
    return p


def parse_heading(text: str) -> Heading:
    """Split a scene heading: ``"INT. WAREHOUSE - NIGHT"`` -> ("INT", "WAREHOUSE", "NIGHT").

    The time of day is the last dash-separated part when its first word is a known
    time (:data:`TIMES_OF_DAY`); otherwise the whole rest is the location.
    """
    body = " ".join(plain_text(text).split())
    int_ext = ""
    m = _PREFIX_RE.match(body)
    if m and HEADING_RE.match(body + " "):
        int_ext = _norm_prefix(m.group(1))
        body = body[m.end() :]
    parts = [p.strip() for p in _SPLIT_RE.split(body) if p.strip()]
    time = ""
    if len(parts) > 1:
        first = re.split(r"[\s(]", parts[-1].upper(), maxsplit=1)[0]
        if first in TIMES_OF_DAY:
            time = parts.pop().upper()
    location = " - ".join(parts).strip(" .-")
    return Heading(int_ext, location.upper(), time)

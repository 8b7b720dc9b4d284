"""The editor's notes on a clip, as markers: why a take was picked and what to know.

Pure: :func:`clip_markers` turns a take's record (circled, notes), the script lines the
clip covers and the scoring's reasons into :class:`ClipMarker` values; the assembly
adds them to each clip as OTIO markers (:func:`to_otio`) and each exporter writes them
in its format's terms (FCPXML ``<marker>``, FCP7 ``<marker>``, AAF
``DescriptiveMarker``, EDL ``* LOC:`` lines).

All markers sit on the clip's first frame (``frame``: source frames, the take's
timecode) with no duration; the kind says what they hold, the colour follows it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: marker kind -> OTIO marker colour
COLOURS = {"circled": "GREEN", "note": "YELLOW", "script": "PURPLE", "why": "BLUE"}


@dataclass(frozen=True)
class ClipMarker:
    """One marker: ``kind`` (circled, note, script, why), ``name`` (one short line),
    ``comment`` (the full text), ``frame`` (source frame it sits on)."""

    kind: str
    name: str
    comment: str
    frame: int

    @property
    def colour(self) -> str:
        """The OTIO marker colour of its kind."""
        return COLOURS[self.kind]


def _line_span(lines: list[int]) -> str:
    if not lines:
        return ""
    lo, hi = min(lines), max(lines)
    return f"L{lo}" if lo == hi else f"L{lo}-L{hi}"


def clip_markers(
    frame: int,
    scene: str,
    circled: bool,
    notes: str,
    lines: list[int],
    text: list[str],
    why: list[str],
    score: float | None = None,
    takes: int = 1,
) -> list[ClipMarker]:
    """The markers of a clip starting at source ``frame``: its take is ``circled``,
    has ``notes``; it covers script ``lines`` (line numbers of the Fountain file) of
    ``scene`` reading ``text``; ``why`` the scoring's reasons for picking the take,
    ``score`` its total among the shot's ``takes``."""
    out: list[ClipMarker] = []
    if circled:
        out.append(ClipMarker("circled", "Circled take", "The director circled this take.", frame))
    for note in (n.strip() for n in notes.splitlines()):
        if note:
            out.append(ClipMarker("note", f"Note: {note}"[:80], note, frame))
    if lines:
        span = _line_span(lines)
        body = " / ".join(text)
        out.append(
            ClipMarker("script", f"Script Sc{scene} {span}", f"Sc{scene} {span}: {body}", frame)
        )
    if why:
        head = f"Why: score {score:.1f} of {takes} takes" if score is not None else "Why"
        out.append(ClipMarker("why", head, "; ".join(why), frame))
    return out


def to_otio(marker: ClipMarker, rate: float) -> Any:
    """An OTIO Marker (colour by kind, the comment and kind in its metadata)."""
    import opentimelineio as otio

    m = otio.schema.Marker(
        name=marker.name,
        marked_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(marker.frame, rate), otio.opentime.RationalTime(0, rate)
        ),
        color=marker.colour,
        comment=marker.comment,
    )
    m.metadata["previzkit"] = {"kind": marker.kind, "comment": marker.comment}
    return m


def marker_comment(marker: Any) -> str:
    """The full text of an OTIO marker: previzkit's comment, else OTIO's (0.17+)
    ``comment``, else its name."""
    meta = marker.metadata.get("previzkit", {})
    return str(meta.get("comment") or getattr(marker, "comment", "") or marker.name)

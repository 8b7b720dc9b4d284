"""CMX 3600 EDL through OTIO's cmx_3600 adapter.

The adapter counts record timecode from zero and writes no FCM line; this exporter
starts the record side at the timeline's ``global_start_time`` (a leading gap, which
an EDL writes as nothing) and adds ``FCM: DROP FRAME`` / ``FCM: NON-DROP FRAME``.
It writes the video track's events; when the audio track carries the same clips (a
previzkit cut: each shot with its own sound) the events' channel is ``B`` (video and
audio 1) instead of ``V``.
Reel names (8 characters at most) come from :func:`~previzkit.edit.timeline.reel_table`:
each media file its own reel, the take's :func:`~previzkit.edit.timeline.reel_name`
where it fits, else a short ``R0001``; the reel table, one comment after the first
event on each reel (OTIO's reader refuses comments before the first event), maps each
reel to its clip and file (``* REEL 0010A01 = 1_1-A_T001 (1_1-A_T001.mp4)``), so a
shortened name can be traced. Clip markers become ``* LOC:`` lines (the adapter's, at
the marker's source timecode, in its colour) each followed by ``* COMMENT:`` with the
marker's full text.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from previzkit.core.errors import PrevizError
from previzkit.core.optional import require
from previzkit.edit.exporters.base import Exporter
from previzkit.edit.markers import marker_comment
from previzkit.edit.timeline import is_drop_frame, reel_table, timeline_rate
from previzkit.model import timecode as tc


def prepare(timeline: Any) -> Any:
    otio = require("opentimelineio", "edit", "EDL export")

    out = copy.deepcopy(timeline)
    reel_table(out)
    videos = [t for t in out.tracks if t.kind == otio.schema.TrackKind.Video]
    for track in list(out.tracks):
        if track.kind == otio.schema.TrackKind.Video and track is not videos[0]:
            out.tracks.remove(track)
    start = out.global_start_time
    if start is not None and start.value > 0:
        for track in out.tracks:
            track.insert(0, otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=start)))
    return out


_EVENT = re.compile(r"^(\d{3,}  \S+\s+)V    ( [CD] )", re.M)


def _audio_mirrors_video(timeline: Any) -> bool:
    """True when the first audio track holds the same clips at the same times as the
    first video track (a previzkit cut: each shot's picture with its own sound)."""
    otio = require("opentimelineio", "edit", "EDL export")

    videos, audios = timeline.video_tracks(), timeline.audio_tracks()
    if not videos or not audios:
        return False

    def layout(track: Any) -> list[tuple[str, Any, Any]]:
        return [
            (c.name, track.range_of_child(c), c.source_range)
            for c in track
            if isinstance(c, otio.schema.Clip)
        ]

    return layout(videos[0]) == layout(audios[0])


# OTIO's writer puts a dissolve's length one space after its "D" ("D 012    "); CMX
# 3600's columns want it in the duration field ("D    012 "), where pycmx and the
# NLEs read it (same line length)
_DISSOLVE = re.compile(r"^(\d{3,}  \S+\s+\S+\s+)D (\d{3})    (?=\d)", re.M)
_EVENT_LINE = re.compile(r"^\d{3,}\s+(\S+)\s")
COMMENT_CHARS = 120  # longest ``* COMMENT:`` text kept (Avid truncates long comment lines)


_LOC = re.compile(r"^\* LOC: (\S+)\s+(\S+)\s+(.*)$")


def _comment_lines(text: str, timeline: Any) -> str:
    """After the first event on each reel, ``* REEL <reel> = <clip> (<file>)`` (the reel
    table: OTIO's reader refuses comments before the first event); after each
    ``* LOC:`` line, ``* COMMENT:`` with that marker's full text (found by the LOC's
    timecode, colour and name: the adapter repeats a clip's LOC lines in a dissolve's
    event)."""
    rate = tc.rate(timeline_rate(timeline))
    table = {e.reel: f"* REEL {e.reel} = {e.clip} ({e.media})" for e in reel_table(timeline)}
    videos = timeline.video_tracks()
    comments: dict[tuple[int, str, str], str] = {}
    for clip in videos[0].find_clips() if videos else []:
        for m in clip.markers:
            at = round(m.marked_range.start_time.rescaled_to(float(rate.fps)).value)
            comments.setdefault((at, str(m.color).upper(), m.name.upper()), marker_comment(m))
    out = []
    for line in text.splitlines():
        out.append(line)
        event = _EVENT_LINE.match(line)
        if event and event.group(1) in table:
            out.append(table.pop(event.group(1)))
        loc = _LOC.match(line)
        if loc:
            try:
                at = tc.timecode_to_frames(loc.group(1), rate)
            except PrevizError:
                continue
            body = " ".join(comments.get((at, loc.group(2), loc.group(3).strip()), "").split())
            if len(body) > COMMENT_CHARS:
                body = body[: COMMENT_CHARS - 3] + "..."
            if body:
                out.append(f"* COMMENT: {body}")
    return "\n".join(out) + "\n"


def finish(text: str, timeline: Any) -> str:
    fcm = "FCM: DROP FRAME" if is_drop_frame(timeline_rate(timeline)) else "FCM: NON-DROP FRAME"
    if _audio_mirrors_video(timeline):  # picture and its sound: channel B (V + A1)
        text = _EVENT.sub(lambda m: f"{m.group(1)}B    {m.group(2)}", text)
    text = _DISSOLVE.sub(r"\1D    \2 ", text)
    text = _comment_lines(text, copy.deepcopy(timeline))
    head, sep, rest = text.partition("\n\n")
    if head.startswith("TITLE:") and sep:
        return f"{head}\n{fcm}\n\n{rest}"
    return f"{fcm}\n\n{text}"


EXPORTER = Exporter(
    "edl",
    "cmx_3600",
    (".edl",),
    "CMX 3600 EDL (Avid style, 8-character reels)",
    prepare=prepare,
    finish=finish,
    options={"style": "avid", "reelname_len": 8},
)

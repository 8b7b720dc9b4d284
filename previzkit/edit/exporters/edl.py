"""CMX 3600 EDL through OTIO's cmx_3600 adapter.

The adapter counts record timecode from zero and writes no FCM line; this exporter
starts the record side at the timeline's ``global_start_time`` (a leading gap, which
an EDL writes as nothing) and adds ``FCM: DROP FRAME`` / ``FCM: NON-DROP FRAME``.
Reel names (8 characters at most) come from each clip's ``metadata["cmx_3600"]["reel"]``.
"""

from __future__ import annotations

import copy
from typing import Any

from previzkit.edit.exporters.base import Exporter
from previzkit.edit.timeline import is_drop_frame, timeline_rate


def prepare(timeline: Any) -> Any:
    import opentimelineio as otio

    out = copy.deepcopy(timeline)
    videos = [t for t in out.tracks if t.kind == otio.schema.TrackKind.Video]
    for track in list(out.tracks):
        if track.kind == otio.schema.TrackKind.Video and track is not videos[0]:
            out.tracks.remove(track)
    start = out.global_start_time
    if start is not None and start.value > 0:
        for track in out.tracks:
            track.insert(0, otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=start)))
    return out


def finish(text: str, timeline: Any) -> str:
    fcm = "FCM: DROP FRAME" if is_drop_frame(timeline_rate(timeline)) else "FCM: NON-DROP FRAME"
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

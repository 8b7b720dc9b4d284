"""FCPXML (Final Cut Pro X) through the otio-fcpx-xml-adapter.

The adapter looks frame durations up by rate in a table keyed 23.98, 29.97, 59.94,
24, 25, 30, 50, 60; the exact NTSC rates (24000/1001, ...) are rewritten to those
keys on a copy. Frame counts are unchanged, so timecode stays exact.
"""

from __future__ import annotations

import copy
from typing import Any

from previzkit.edit.exporters.base import Exporter

_KEYS = {23.976: 23.98, 29.97: 29.97, 59.94: 59.94}


def _key(rate: float) -> float:
    for exact, key in _KEYS.items():
        if abs(rate - exact) < 0.01:
            return key
    return rate


def prepare(timeline: Any) -> Any:
    import opentimelineio as otio

    out = copy.deepcopy(timeline)

    def fix(rt: Any) -> Any:
        return otio.opentime.RationalTime(rt.value, _key(rt.rate))

    def fix_range(tr: Any) -> Any:
        return otio.opentime.TimeRange(fix(tr.start_time), fix(tr.duration))

    if out.global_start_time is not None:
        out.global_start_time = fix(out.global_start_time)
    for item in out.find_children():
        if getattr(item, "source_range", None) is not None:
            item.source_range = fix_range(item.source_range)
        ref = getattr(item, "media_reference", None)
        if ref is not None and ref.available_range is not None:
            ref.available_range = fix_range(ref.available_range)
    for track in out.tracks:
        if track.source_range is not None:
            track.source_range = fix_range(track.source_range)
    return out


EXPORTER = Exporter(
    "fcpxml", "fcpx_xml", (".fcpxml",), "Final Cut Pro X XML (FCPXML)", prepare=prepare
)

"""GStreamer Editing Services project (.xges) through OTIO's xges adapter.

GES plays a clip's ``inpoint`` as a time inside the media file, counted from the
file's first frame; OTIO's ``source_range`` is in the take's source timecode (the
take recorded at 10:02:00:00 starts its media there). The adapter writes the
source-timecode time as the inpoint, so GES would seek ten hours into a 3-second
file and play every clip from its head. The ``prepare`` step makes each clip's
source range file-relative: it subtracts the media's ``available_range`` start (the
file's start timecode) and starts the available range at 0.

The ``finish`` step fixes what the adapter writes as times and format:
- clip ``start`` / ``duration`` / ``inpoint`` are nanoseconds that the adapter
  rounds clip by clip, so record positions drift by a nanosecond per clip and can
  land just after the frame they start on; they are rewritten on the frame grid
  (frame f at ``floor(f * 1e9 / rate)`` ns, GStreamer's own rounding);
- the video track's restriction caps name 30 fps and no frame size whatever the cut
  (GES then renders 320x240); they get the cut's exact rate (``24000/1001`` at
  23.976) and the frame size of ``metadata["previzkit"]["width"/"height"]``, else of
  the first video clip's media file (read with PyAV when it is there).
GES needs absolute ``file://`` URIs: a relative media reference is kept as written.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from previzkit.core.errors import PrevizError
from previzkit.core.optional import require
from previzkit.edit.exporters.base import Exporter
from previzkit.edit.timeline import timeline_rate
from previzkit.model import timecode as tc

_NS = 1_000_000_000
_VIDEO = "4"  # GES_TRACK_TYPE_VIDEO


def file_relative(timeline: Any) -> Any:
    """A copy of ``timeline`` whose clips' source ranges count from their media's first
    frame (source range start minus the available range start, in frames)."""
    otio = require("opentimelineio", "edit", "xges export")

    out = copy.deepcopy(timeline)
    heads = []  # read every head first: clips may share one reference
    for clip in out.find_clips():
        avail = getattr(clip.media_reference, "available_range", None)
        if avail is not None and clip.source_range is not None:
            heads.append((clip, avail))
    for clip, avail in heads:
        head = avail.start_time
        src = clip.source_range
        clip.source_range = otio.opentime.TimeRange(src.start_time - head, src.duration)
        clip.media_reference.available_range = otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, head.rate), avail.duration
        )
    return out


def frame_ns(frame: int, rate: Fraction) -> int:
    """Nanoseconds of ``frame`` at ``rate`` fps, rounded down as GStreamer does."""
    return frame * _NS * rate.denominator // rate.numerator


def _on_grid(ns: int, rate: Fraction) -> int:
    return frame_ns(round(Fraction(ns) * rate / _NS), rate)


def frame_size(timeline: Any) -> tuple[int, int] | None:
    """The cut's frame size (pixels): its metadata's, else the first video clip's media
    file's; None when neither says."""
    meta = timeline.metadata.get("previzkit", {})
    if meta.get("width") and meta.get("height"):
        return int(meta["width"]), int(meta["height"])
    for track in timeline.video_tracks():
        for clip in track.find_clips():
            url = getattr(clip.media_reference, "target_url", "") or ""
            parsed = urlparse(url)
            path = Path(unquote(parsed.path) if parsed.scheme == "file" else url)
            if path.is_file():
                from previzkit.media.video import probe_video

                try:
                    info = probe_video(path)
                except PrevizError:  # unreadable media: GES's default size, still an export
                    return None
                return info.width, info.height
    return None


def finish(text: str, timeline: Any) -> str:
    rate = tc.rate(timeline_rate(timeline)).fps
    root = ET.fromstring(text)
    for clip in root.iter("clip"):
        start = int(clip.get("start", "0"))
        end = start + int(clip.get("duration", "0"))
        clip.set("start", str(_on_grid(start, rate)))
        clip.set("duration", str(_on_grid(end, rate) - _on_grid(start, rate)))
        clip.set("inpoint", str(_on_grid(int(clip.get("inpoint", "0")), rate)))
    caps = f"video/x-raw\\,\\ framerate\\=\\(fraction\\){rate.numerator}/{rate.denominator}"
    size = frame_size(timeline)
    if size is not None:
        caps += f"\\,\\ width\\=\\(int\\){size[0]}\\,\\ height\\=\\(int\\){size[1]}"
    for track in root.iter("track"):
        if track.get("track-type") == _VIDEO:
            track.set(
                "properties",
                f'properties, mixing=(boolean)true, restriction-caps=(string)"{caps}";',
            )
    return '<?xml version="1.0" ?>\n' + ET.tostring(root, encoding="unicode") + "\n"


EXPORTER = Exporter(
    "xges",
    "xges",
    (".xges",),
    "GStreamer Editing Services project (ges-launch-1.0 --load)",
    prepare=file_relative,
    finish=finish,
)

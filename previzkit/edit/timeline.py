"""The cut as an OpenTimelineIO timeline: how previzkit builds and reads it.

A cut has one video track ``V1`` and one audio track ``A1`` at the project rate;
``global_start_time`` is the record start (01:00:00:00 by default). Each clip shows a
range of one take's media (``source_range`` in the take's source timecode frames)
and carries ``metadata["previzkit"]``: scene, shot, take, take_id, heading, lines
(script text), estimate_s, score and why, and ``camera`` when the take has a camera
track (``track``: its camera.npz relative to the project, ``frames``, ``focal_mm``:
first and last). Slate cards between scenes are gaps with
``metadata["previzkit"]["slate"]``. Clip names read ``Sc<scene> Sh<shot> Tk<take>``;
CMX reel names (8 characters) come from the same three.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from previzkit.core.errors import InputError, MissingFileError
from previzkit.core.optional import require
from previzkit.edit.media_refs import absolutize, url_to_path
from previzkit.model import timecode as tc

DEFAULT_RECORD_START = "01:00:00:00"


def clip_name(scene: str, shot: str, take: int) -> str:
    """Editorial clip name identifying scene, shot and take."""
    return f"Sc{scene} Sh{shot} Tk{take}"


def reel_name(scene: str, shot: str, take: int) -> str:
    """A CMX 3600 reel name (at most 8 of A-Z 0-9): scene, shot letters, T, take."""
    clean = re.sub(r"[^A-Z0-9]", "", f"{scene}".upper()) + re.sub(
        r"[^A-Z0-9]", "", f"{shot}".upper()
    )
    take_part = f"T{take}"
    return (clean[: 8 - len(take_part)] + take_part)[:8]


def timeline_rate(timeline: Any) -> float:
    """The cut's frame rate (from its metadata, else its first track)."""
    meta = timeline.metadata.get("previzkit", {})
    if "rate" in meta:
        return float(tc.rate(meta["rate"]).fps)
    if timeline.global_start_time is not None:
        return float(timeline.global_start_time.rate)
    return float(timeline.tracks.duration().rate)


def is_drop_frame(rate: float) -> bool:
    """Whether editorial timecode at ``rate`` is drop-frame (29.97, 59.94)."""
    return tc.rate(rate).drop_frame


@dataclass
class CutClip:
    """One event of the cut as previzkit reads it back."""

    name: str
    media: str  # the media file's path (percent-encoding decoded), "" without one
    record_in: int  # frames from the record start
    source_in: int  # source timecode frames
    duration: int
    info: dict[str, Any] = field(default_factory=dict)
    slate: dict[str, Any] | None = None  # set for slate cards (no media)


def load_cut(path: str | Path) -> Any:
    """Read a cut (any format OTIO reads) as an OTIO Timeline.

    Media URLs relative to the cut file (how ``.otio`` cuts hold them) come back as
    absolute ``file://`` URLs resolved against the cut file's folder
    (:func:`previzkit.edit.media_refs.absolutize`); an ``.otioz`` bundle's stay
    relative to the bundle."""
    otio = require("opentimelineio", "edit", "reading cuts")

    src = Path(path)
    if not src.is_file():
        raise MissingFileError(f"cut {src}: no such file")
    if src.suffix.lower() == ".otio":
        _check_json(src)  # OTIO's C++ reader crashes the process on some broken JSON
    try:
        timeline = otio.adapters.read_from_file(str(src))
    except Exception as exc:  # adapters raise anything on malformed files (fuzzed)
        raise InputError(
            f"cut {src}: cannot be read by OpenTimelineIO ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(timeline, otio.schema.Timeline):
        raise InputError(f"cut {src}: holds a {type(timeline).__name__}, not a Timeline")
    if not timeline.video_tracks():
        raise InputError(f"cut {src}: has no video track")
    if src.suffix.lower() != ".otioz":
        absolutize(timeline, src.resolve().parent)
    return timeline


def _check_json(src: Path) -> None:
    """Refuse an ``.otio`` file that is not well-formed JSON, naming line and column
    (opentimelineio 0.18 segfaults on some, e.g. an object missing its closing brace)."""
    import json

    try:
        json.loads(src.read_bytes())
    except (ValueError, RecursionError) as exc:
        raise InputError(f"cut {src}: not valid OTIO JSON ({exc})") from None


def cut_events(timeline: Any) -> list[CutClip]:
    """The first video track's clips and slate gaps, in record order."""
    otio = require("opentimelineio", "edit", "reading cuts")

    track = timeline.video_tracks()[0]
    out: list[CutClip] = []
    for item in track:
        if isinstance(item, otio.schema.Transition):
            continue
        rng = track.range_of_child(item)
        rate = rng.duration.rate
        rec = round(rng.start_time.to_frames(rate))
        dur = round(rng.duration.to_frames(rate))
        meta = dict(item.metadata.get("previzkit", {}))
        if isinstance(item, otio.schema.Gap):
            out.append(CutClip("", "", rec, 0, dur, meta, meta.get("slate") or {}))
            continue
        ref = item.media_reference
        path = url_to_path(getattr(ref, "target_url", "") or "")
        media = str(path) if path is not None else ""
        src = round(item.source_range.start_time.to_frames(rate))
        out.append(CutClip(item.name, media, rec, src, dur, meta))
    return out

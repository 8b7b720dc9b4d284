"""The cut as an OpenTimelineIO timeline: how previzkit builds and reads it.

A cut has one video track ``V1`` and one audio track ``A1`` at the project rate;
``global_start_time`` is the record start (01:00:00:00 by default). Each clip shows a
range of one take's media (``source_range`` in the take's source timecode frames)
and carries ``metadata["previzkit"]``: scene, shot, take, take_id, heading, lines
(script text), estimate_s, score and why, and ``camera`` when the take has a camera
track (``track``: its camera.npz relative to the project, ``frames``, ``focal_mm``:
first and last). Slate cards between scenes are gaps with
``metadata["previzkit"]["slate"]``. Clip names are the take's media stem (``1_1-B_T002``);
CMX reel names (:func:`reel_name`: 8 characters, collision-free) come from the same
three; :func:`reel_table` gives a file whose take does not fit a short unique one.
Picture clips carry the editor's markers (:mod:`previzkit.edit.markers`).
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
from previzkit.model.take import media_stem

DEFAULT_RECORD_START = "01:00:00:00"


def clip_name(scene: str, shot: str, take: int) -> str:
    """Editorial clip name of a take: its media files' stem (``1_1-B_T002``), as an NLE
    names a clip after its file, so relinking by name (``otiotool --relink-by-name``)
    finds the file."""
    return media_stem(scene, shot, take)


_SCENE = re.compile(r"^0*(\d{1,3})([A-Z]?)$")
_SHOT = re.compile(r"^[A-Z]{1,2}$")
REEL_LEN = 8  # CMX 3600 reel names: at most 8 of A-Z 0-9


def reel_name(scene: str, shot: str, take: int) -> str:
    """A CMX 3600 reel name for a take: scene number (3 digits), the scene's letter or
    ``0``, the shot letters, the take (2 digits): scene 1 shot A take 1 -> ``0010A01``,
    scene 1A shot AA take 20 -> ``001AAA20``.

    Fixed fields make it collision-free: the scene digits have a fixed width, the
    scene-letter slot is always filled (``0``: none), the shot is the run of letters
    after it and the take the digits at the end. A take that does not fit (scene > 999,
    a shot of other than 1-2 letters, take > 99) gets ``Sc<scene>Sh<shot>Tk<take>``
    (longer than 8: :func:`reel_table` gives it a short ``R0001`` name)."""
    sc = _SCENE.match(str(scene).strip().upper())
    sh = str(shot).strip().upper()
    if sc and _SHOT.match(sh) and 0 <= int(take) <= 99:
        return f"{int(sc.group(1)):03d}{sc.group(2) or '0'}{sh}{int(take):02d}"
    return f"Sc{scene}Sh{shot}Tk{take}"


def fits_reel(name: str) -> bool:
    """Whether ``name`` is a valid CMX 3600 reel name (1-8 of A-Z 0-9)."""
    return bool(re.fullmatch(r"[A-Z0-9]{1,8}", name))


@dataclass(frozen=True)
class ReelEntry:
    """One reel of a cut: ``reel`` (the name the EDL writes), ``clip`` (the take's clip
    name) and ``media`` (its file name); ``full`` the take's reel name when ``reel``
    had to be shortened (else equal)."""

    reel: str
    full: str
    clip: str
    media: str


def reel_table(timeline: Any) -> list[ReelEntry]:
    """Give every clip of ``timeline`` a reel name that fits CMX 3600 and is unique per
    media file (in place: ``metadata["cmx_3600"]["reel"]``; a shortened one keeps the
    long name in ``metadata["previzkit"]["reel_full"]``), and return the table, one
    entry per media file in order of first use.

    A clip keeps its reel (from :func:`reel_name`) when it fits and no other file has
    it; else it gets ``R0001``, ``R0002``... (a letter first: never a
    :func:`reel_name`, which starts with a digit)."""
    from urllib.parse import unquote, urlparse

    clips = [c for c in timeline.find_clips() if c.media_reference is not None]
    firsts: dict[str, Any] = {}
    for c in clips:
        firsts.setdefault(_media_key(c), c)
    owner: dict[str, str] = {}
    for key, c in firsts.items():
        owner.setdefault(_wanted_reel(c), key)
    entries: dict[str, ReelEntry] = {}
    used = set(owner)
    n = 0
    for key, c in firsts.items():
        want = _wanted_reel(c)
        reel = want
        if not fits_reel(want) or owner[want] != key:
            while True:
                n += 1
                reel = f"R{n:04d}"
                if reel not in used:
                    break
            used.add(reel)
        url = getattr(c.media_reference, "target_url", "") or ""
        media = Path(unquote(urlparse(url).path)).name if url else ""
        entries[key] = ReelEntry(reel, want, c.name, media)
    for c in clips:
        e = entries[_media_key(c)]
        c.metadata.setdefault("cmx_3600", {})["reel"] = e.reel
        if e.reel != e.full:
            c.metadata.setdefault("previzkit", {})["reel_full"] = e.full
    return list(entries.values())


def _media_key(clip: Any) -> str:
    url = getattr(clip.media_reference, "target_url", None)
    return str(url) if url else f"clip:{clip.name}"


def _wanted_reel(clip: Any) -> str:
    meta = clip.metadata.get("previzkit", {})
    reel = clip.metadata.get("cmx_3600", {}).get("reel")
    if meta.get("reel_full"):
        return str(meta["reel_full"])
    if reel:
        return str(reel)
    if {"scene", "shot", "take"} <= meta.keys():
        return reel_name(meta["scene"], str(meta["shot"]).split("-")[-1], meta["take"])
    return re.sub(r"[^A-Z0-9]", "", clip.name.upper()) or "CLIP"


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
    if isinstance(timeline, otio.schema.SerializableCollection):  # FCPXML: an event
        inner = timeline.find_children(descended_from_type=otio.schema.Timeline)
        timeline = inner[0] if len(inner) == 1 else timeline
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

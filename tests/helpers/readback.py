"""Exported cuts read back by each format's own reader, as frame numbers.

Every reader returns a :class:`Readback`: the picture events as (record in, record
out, source in, source out) in frames (record as absolute record timecode frames,
source as the take's source timecode frames, out exclusive), the dissolves as
(record frame where they start, length), and how many audio-only clips it holds.
Readers: OTIO's otio_json (``.otio``), pycmx (``.edl``), ElementTree (FCP7 XML
``.xml``, FCPXML ``.fcpxml``, GES ``.xges``), pyaaf2 (``.aaf``); none of them is
previzkit code.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from tests.helpers.conform import tc_to_frames

Event = tuple[int, int, int, int]


@dataclass
class Readback:
    events: list[Event] = field(default_factory=list)
    dissolves: list[tuple[int, int]] = field(default_factory=list)
    audio_only: int = 0
    record_start: int | None = None


def _frames(t: Any) -> int:
    return round(t.to_frames(t.rate))


def read_otio(path: Path, fps: Fraction) -> Readback:
    import opentimelineio as otio

    return from_timeline(otio.adapters.read_from_file(str(path)))


def from_timeline(tl: Any) -> Readback:
    """What an OTIO Timeline holds, in the readers' terms (the expected values)."""
    import opentimelineio as otio

    start = _frames(tl.global_start_time) if tl.global_start_time is not None else 0
    out = Readback(record_start=start)
    for kind, tracks in (("video", tl.video_tracks()[:1]), ("audio", tl.audio_tracks())):
        for track in tracks:
            at = 0
            for item in track:
                if isinstance(item, otio.schema.Transition):
                    if kind == "video":
                        out.dissolves.append(
                            (
                                start + at - _frames(item.in_offset),
                                _frames(item.in_offset) + _frames(item.out_offset),
                            )
                        )
                    continue
                n = _frames(item.trimmed_range().duration)
                if isinstance(item, otio.schema.Clip):
                    if kind == "audio":
                        out.audio_only += item.name.startswith("AUDIO ONLY")
                    else:
                        src = _frames(item.source_range.start_time)
                        out.events.append((start + at, start + at + n, src, src + n))
                at += n
    return dissolve_start(out)


def dissolve_start(rb: Readback) -> Readback:
    """Events in the EDL's form of a dissolve: the outgoing event ends where the
    dissolve starts and the incoming one starts there (its source in earlier by as
    much); OTIO and FCPXML put both at the cut. Idempotent."""
    events = list(rb.events)
    for at, _n in rb.dissolves:
        for k, (r0, r1, s0, s1) in enumerate(events):
            if r0 < at < r1:  # outgoing, runs past the dissolve's start
                events[k] = (r0, at, s0, s1 - (r1 - at))
            elif at < r0 < at + _n:  # incoming, starts at the cut
                events[k] = (at, r1, s0 - (r0 - at), s1)
    rb.events = events
    return rb


def read_edl(path: Path, fps: Fraction) -> Readback:
    import pycmx

    drop = "FCM: DROP FRAME" in path.read_text(encoding="utf-8")
    out = Readback()
    with path.open(encoding="utf-8") as f:
        cmx = pycmx.parse_cmx3600(f)
    for event in cmx.events:
        for e in event.edits:
            if not e.channels.video:
                continue
            if e.transition.kind == pycmx.Transition.Dissolve:
                out.dissolves.append(
                    (tc_to_frames(e.record_in, fps, drop), int(e.transition.effect_duration))
                )
            if e.black or e.record_in == e.record_out:  # a dissolve's outgoing line
                continue
            out.events.append(
                tuple(  # type: ignore[arg-type]
                    tc_to_frames(x, fps, drop)
                    for x in (e.record_in, e.record_out, e.source_in, e.source_out)
                )
            )
    return out


def _int(el: ET.Element | None, tag: str, default: int = 0) -> int:
    x = el.find(tag) if el is not None else None
    return int(x.text) if x is not None and x.text else default


def read_fcp7(path: Path, fps: Fraction) -> Readback:
    root = ET.parse(path).getroot()
    seq = root.find(".//sequence")
    assert seq is not None, f"{path}: no <sequence>"
    start = _int(seq.find("timecode"), "frame")
    out = Readback(record_start=start)
    files: dict[str, ET.Element] = {}
    for f in root.iter("file"):
        if f.find("timecode") is not None or f.find("pathurl") is not None:
            files[f.get("id", "")] = f
    tracks = seq.findall("./media/video/track")
    for track in tracks[:1]:
        items = list(track)
        for k, item in enumerate(items):
            if item.tag == "transitionitem":
                a, b = _int(item, "start"), _int(item, "end")
                out.dissolves.append((start + a, b - a))
            if item.tag != "clipitem":
                continue
            a, b = _int(item, "start"), _int(item, "end")
            i, o = _int(item, "in"), _int(item, "out")
            if a == -1:  # starts in the transition before it: at the transition's start
                a = _int(items[k - 1], "start")
            if b == -1:  # ends in the transition after it: cut where that one starts
                b = _int(items[k + 1], "start")
                o = i + (b - a)
            ref = item.find("file")
            media = files.get(ref.get("id", "")) if ref is not None else None
            file_start = _int(media.find("timecode") if media is not None else None, "frame")
            out.events.append((start + a, start + b, file_start + i, file_start + o))
    for track in seq.findall("./media/audio/track"):
        for item in track.iter("clipitem"):
            name = item.findtext("name") or ""
            out.audio_only += name.startswith("AUDIO ONLY")
    return out


def _t(value: str | None) -> Fraction:
    """An FCPXML time (``"1001/24000s"``, ``"3s"``) in seconds."""
    if not value:
        return Fraction(0)
    return Fraction(value.rstrip("s"))


def read_fcpxml(path: Path, fps: Fraction) -> Readback:
    """Spine items by FCPXML's timing rules: an item's ``offset`` is its place in the
    sequence (which starts at ``tcStart``); an asset-clip's ``start`` is its first
    frame in the asset's time (the file's timecode); a ``clip`` shows its nested
    ``<video>`` element at ``video.start + (clip.start - video.offset)``."""
    root = ET.parse(path).getroot()
    seq = root.find(".//sequence")
    assert seq is not None, f"{path}: no <sequence>"
    spine = seq.find("spine")
    assert spine is not None, f"{path}: no <spine>"
    assets = {a.get("id"): a for a in root.iter("asset")}

    def fr(t: Fraction) -> int:
        return round(t * fps)

    tc_start = _t(seq.get("tcStart"))
    out = Readback(record_start=fr(tc_start))
    for item in spine:
        offset, dur = _t(item.get("offset")), _t(item.get("duration"))
        if item.tag == "transition":
            out.dissolves.append((fr(offset), fr(dur)))
            continue
        if item.tag == "gap":
            continue
        if item.tag == "asset-clip":
            asset = assets.get(item.get("ref"))
            src = (
                _t(item.get("start"))
                if item.get("start")
                else _t(asset.get("start") if asset is not None else None)
            )
        else:
            video = item.find("video")
            v_off = _t(video.get("offset")) if video is not None else Fraction(0)
            v_start = (
                _t(video.get("start")) if video is not None and video.get("start") else Fraction(0)
            )
            if video is not None and not video.get("start"):
                asset = assets.get(video.get("ref"))
                v_start = _t(asset.get("start")) if asset is not None else Fraction(0)
            src = v_start + (_t(item.get("start")) - v_off)
        rec = fr(offset)
        out.events.append((rec, rec + fr(dur), fr(src), fr(src) + fr(dur)))
    for inner in seq.iter():
        if inner.get("name", "").startswith("AUDIO ONLY") and inner.tag in ("asset-clip", "clip"):
            out.audio_only += 1
    return dissolve_start(out)


def _tape_position(clip: Any) -> int:
    """A SourceClip's source timecode frame: its start, plus each mob's SourceClip
    start down the chain, plus the first Timecode start found (the tape's)."""
    pos = int(clip.start or 0)
    mob = clip.mob
    seen = 0
    while mob is not None and seen < 8:
        seen += 1
        nxt = None
        for slot in mob.slots:
            seg = slot.segment
            if type(seg).__name__ == "Timecode":
                return pos + int(seg.start)
        for slot in mob.slots:
            seg = slot.segment
            if type(seg).__name__ == "SourceClip" and seg.mob is not None:
                nxt = seg
                break
        if nxt is None:
            break
        pos += int(nxt.start or 0)
        mob = nxt.mob
    return pos


def read_aaf(path: Path, fps: Fraction) -> Readback:
    import aaf2

    out = Readback()
    with aaf2.open(str(path)) as f:
        mob = next(iter(f.content.toplevel()))
        for slot in mob.slots:
            if type(slot.segment).__name__ == "Timecode":
                out.record_start = int(slot.segment.start)
        start = out.record_start or 0
        pictures = [s for s in mob.slots if s.segment.media_kind == "Picture"]
        for slot in pictures[:1]:
            seg = slot.segment
            comps = list(seg.components) if hasattr(seg, "components") else [seg]
            at = 0
            for c in comps:
                kind = type(c).__name__
                if kind == "Transition":  # overlaps the clips either side of it
                    at -= int(c.length)
                    out.dissolves.append((start + at, int(c.length)))
                    continue
                if kind == "SourceClip":
                    src = _tape_position(c)
                    out.events.append(
                        (start + at, start + at + int(c.length), src, src + int(c.length))
                    )
                at += int(c.length)
        for slot in mob.slots:
            if slot.segment.media_kind == "Sound":
                for c in _walk(slot.segment):
                    if type(c).__name__ == "SourceClip" and c.mob is not None:
                        out.audio_only += (c.mob.name or "").startswith("AUDIO ONLY")
    return dissolve_start(out)  # AAF's outgoing clip runs under the dissolve


def _walk(seg: Any):
    yield seg
    for attr in ("components", "segments"):
        for c in getattr(seg, attr, None) or []:
            yield from _walk(c)
    for s in getattr(seg, "input_segments", None) or []:
        yield from _walk(s)


def read_xges(path: Path, fps: Fraction) -> Readback:
    """GES clips of the video layer; source frames are file-relative (GES inpoints)."""
    root = ET.parse(path).getroot()

    def fr(ns: str | None) -> int:
        return round(Fraction(int(ns or 0)) * fps / 1_000_000_000)

    out = Readback(record_start=0)
    for clip in root.iter("clip"):
        types = int(clip.get("track-types", "0"))
        if clip.get("type-name") == "GESTransitionClip":
            out.dissolves.append((fr(clip.get("start")), fr(clip.get("duration"))))
            continue
        if not types & 4:
            continue
        a, n, i = fr(clip.get("start")), fr(clip.get("duration")), fr(clip.get("inpoint"))
        out.events.append((a, a + n, i, i + n))
    return dissolve_start(out)


READERS = {
    "otio": read_otio,
    "edl": read_edl,
    "fcp_xml": read_fcp7,
    "fcpxml": read_fcpxml,
    "aaf": read_aaf,
    "xges": read_xges,
}

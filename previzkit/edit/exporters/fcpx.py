"""FCPXML 1.8 (Final Cut Pro X 10.4+, DaVinci Resolve), written with ElementTree.

Why not the otio-fcpx-xml-adapter's writer: its output (1.0) cannot be fixed up after
the fact: it writes every clip twice as a top-level ``<asset-clip>``, a ``<format>``
without frame size, a ``<sequence>`` without ``tcStart`` (the record start is lost),
spine ``<clip>`` elements whose ``<video offset="0s">`` puts the media outside the
clip's window, and sound as gaps holding ``<audio>``; it also knows no exact NTSC frame
durations. The adapter stays this format's reader (and its name keeps the format
available where it is installed).

What is written, by FCPXML's timing rules (all times rational seconds at the cut's
exact rate: 23.976 is ``1001/24000s`` per frame):

- ``<resources>``: one ``<format>`` (``frameDuration``, ``width``/``height`` from the
  media, read with PyAV) and one ``<asset>`` per media file (``src`` an absolute
  ``file://`` URL, which FCP X requires; ``name`` the take's clip name; ``start`` the
  file's start timecode, ``duration``, ``hasVideo``/``hasAudio``; reel, scene and take
  as FCP's ``com.apple.proapps.studio.reel/scene/shot`` metadata);
- ``<library><event><project><sequence format tcStart tcFormat>``: ``tcStart`` is the
  record start (01:00:00:00 -> ``3600s`` at 24); the ``<spine>`` holds the first video
  track: ``<asset-clip ref offset start duration audioRole="dialogue">`` (``offset``
  on the sequence's time, which begins at ``tcStart``; ``start`` inside the asset:
  the clip's source in point, so ``asset.start <= start`` and ``start + duration <=
  asset.start + asset.duration``), ``<gap>`` for gaps and slates, ``<transition>``;
- sound from another file than the picture (or sound alone) as a connected
  ``<asset-clip lane="-1" audioRole="dialogue">`` on the spine item it starts in;
- each clip's markers as ``<marker start duration value note>`` in the clip's time
  (FCPXML markers have no colour: the kind leads the value, ``[circled] ...``), and
  the scoring's reasons for the pick as the clip's ``<note>``.

Children follow the DTD's order (``note``, connected clips, markers); checked against
Apple's FCPXML DTD by hand: no DTD ships in a package installable here, so the tests
check the structure with ElementTree.
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from fractions import Fraction
from typing import Any

from previzkit.core.errors import ExportError
from previzkit.core.optional import require
from previzkit.edit.exporters.base import Exporter
from previzkit.edit.exporters.media_files import MediaFile, file_url, media_files, media_url
from previzkit.edit.markers import marker_comment
from previzkit.edit.timeline import reel_table, timeline_rate
from previzkit.model import timecode as tc

VERSION = "1.8"
_AFTER_ANCHORS = ("marker", "chapter-marker", "rating", "keyword", "analysis-marker", "metadata")
AUDIO_ROLE = "dialogue"


def seconds(frames: int | float, frame_duration: Fraction) -> str:
    """``frames`` as FCPXML rational seconds (``"1001/24000s"``, ``"3600s"``)."""
    t = Fraction(round(frames)) * frame_duration
    return f"{t.numerator}s" if t.denominator == 1 else f"{t.numerator}/{t.denominator}s"


def _format_name(width: int, height: int, rate: tc.Rate) -> str:
    fps = {"23.976": "2398", "29.97": "2997", "59.94": "5994"}.get(rate.name, rate.name)
    return (
        f"FFVideoFormat{height}p{fps.replace('.', '')}"
        if width and height
        else "FFVideoFormatRateUndefined"
    )


def write_fcpxml(timeline: Any) -> str:
    """The FCPXML document of ``timeline`` (see the module doc)."""
    otio = require("opentimelineio", "edit", "FCPXML export")

    timeline = copy.deepcopy(timeline)
    reel_table(timeline)  # every file its CMX reel, as in the EDL
    rate = tc.rate(timeline.metadata.get("previzkit", {}).get("rate") or timeline_rate(timeline))
    fd = Fraction(1) / rate.fps  # one frame, seconds
    fps = float(rate.fps)
    videos = timeline.video_tracks()
    if not videos:
        raise ExportError(f"timeline {timeline.name!r}: no video track to write as FCPXML")
    files = media_files(timeline)
    first = next((m for m in files.values() if m.has_video), None)
    width, height = (first.width, first.height) if first else (1920, 1080)

    root = ET.Element("fcpxml", version=VERSION)
    res = ET.SubElement(root, "resources")
    ET.SubElement(
        res,
        "format",
        id="r1",
        name=_format_name(width, height, rate),
        frameDuration=seconds(1, fd),
        width=str(width),
        height=str(height),
    )
    assets: dict[str, str] = {}
    windows = _windows(timeline, fps)
    for clip in timeline.find_clips():
        url = media_url(clip)
        if url is None or url in assets:
            continue
        assets[url] = f"r{len(assets) + 2}"
        _asset(res, assets[url], clip, files[url], windows[url], fd)

    record = timeline.global_start_time
    tc_start = round(record.rescaled_to(fps).value) if record is not None else 0
    library = ET.SubElement(root, "library")
    event = ET.SubElement(library, "event", name=timeline.name or "previzkit")
    project = ET.SubElement(event, "project", name=timeline.name or "previzkit")
    total = round(timeline.tracks.duration().rescaled_to(fps).value)
    seq = ET.SubElement(
        project,
        "sequence",
        format="r1",
        duration=seconds(total, fd),
        tcStart=seconds(tc_start, fd),
        tcFormat="DF" if rate.drop_frame else "NDF",
        audioLayout="stereo",
        audioRate="48k",
    )
    spine = ET.SubElement(seq, "spine")
    placed: list[tuple[int, int, ET.Element, int]] = []  # (rec in, rec out, element, local in)
    track = videos[0]
    for item in track:
        rng = track.range_of_child(item)
        rec = round(rng.start_time.rescaled_to(fps).value)
        dur = round(rng.duration.rescaled_to(fps).value)
        if isinstance(item, otio.schema.Transition):
            ET.SubElement(
                spine,
                "transition",
                name=item.name or "Cross Dissolve",
                offset=seconds(tc_start + rec, fd),
                duration=seconds(dur, fd),
            )
            continue
        if isinstance(item, otio.schema.Clip) and media_url(item) in assets:
            src = round(item.source_range.start_time.rescaled_to(fps).value)
            el = _clip(spine, item, assets, files, tc_start + rec, src, dur, fd, fps)
            placed.append((rec, rec + dur, el, src))
        else:
            el = ET.SubElement(
                spine,
                "gap",
                name=item.name or "Gap",
                offset=seconds(tc_start + rec, fd),
                start="0s",
                duration=seconds(dur, fd),
            )
            placed.append((rec, rec + dur, el, 0))
    _connect_audio(timeline, track, spine, placed, assets, files, tc_start, fd, fps)
    ET.indent(root, "    ")
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n\n{body}\n'


def _windows(timeline: Any, fps: float) -> dict[str, tuple[int, int]]:
    """Each media file's (start, frames): its ``available_range``, else what its clips
    use (so every clip lies inside its asset)."""
    out: dict[str, tuple[int, int]] = {}
    for clip in timeline.find_clips():
        url = media_url(clip)
        if url is None:
            continue
        avail = clip.media_reference.available_range
        rng = avail if avail is not None else clip.source_range
        start = round(rng.start_time.rescaled_to(fps).value)
        end = start + round(rng.duration.rescaled_to(fps).value)
        if url in out and avail is None:
            s0, n0 = out[url]
            start, end = min(start, s0), max(end, s0 + n0)
        if url not in out or avail is None:
            out[url] = (start, end - start)
    return out


def _asset(
    res: ET.Element,
    rid: str,
    clip: Any,
    media: MediaFile,
    window: tuple[int, int],
    fd: Fraction,
) -> None:
    start, frames = window
    attrs = {
        "id": rid,
        "name": clip.name or media.name,
        "src": file_url(media.url),
        "start": seconds(start, fd),
        "duration": seconds(frames, fd),
        "hasVideo": "1" if media.has_video else "0",
        "hasAudio": "1" if media.has_audio else "0",
    }
    if media.has_video:
        attrs["format"] = "r1"
    if media.has_audio:
        attrs |= {"audioSources": "1", "audioChannels": "1", "audioRate": "48000"}
    asset = ET.SubElement(res, "asset", attrs)
    meta = clip.metadata.get("previzkit", {})
    md = {
        "com.apple.proapps.studio.reel": clip.metadata.get("cmx_3600", {}).get("reel"),
        "com.apple.proapps.studio.scene": meta.get("scene"),
        "com.apple.proapps.studio.shot": (
            f"{meta['shot']}/{meta['take']}" if {"shot", "take"} <= meta.keys() else None
        ),
    }
    if any(v not in (None, "") for v in md.values()):
        box = ET.SubElement(asset, "metadata")
        for key, value in md.items():
            if value not in (None, ""):
                ET.SubElement(box, "md", key=key, value=str(value))


def _clip(
    parent: ET.Element,
    clip: Any,
    assets: dict[str, str],
    files: dict[str, MediaFile],
    offset: int,
    src: int,
    dur: int,
    fd: Fraction,
    fps: float,
    lane: int | None = None,
) -> ET.Element:
    """An ``<asset-clip>`` of ``clip`` at ``offset`` (parent time, frames) showing
    source frames [src, src + dur)."""
    url = media_url(clip) or ""
    attrs = {
        "name": clip.name,
        "ref": assets[url],
        "offset": seconds(offset, fd),
        "start": seconds(src, fd),
        "duration": seconds(dur, fd),
    }
    if lane is not None:
        attrs["lane"] = str(lane)
    if files[url].has_audio:
        attrs["audioRole"] = AUDIO_ROLE
    if lane is not None and files[url].has_video:  # sound taken from a picture file
        attrs["srcEnable"] = "audio"
    el = ET.Element("asset-clip", attrs)
    # the DTD's order: note, connected clips (anchored items), markers, metadata
    after = [i for i, c in enumerate(parent) if c.tag in _AFTER_ANCHORS]
    parent.insert(after[0] if after and lane is not None else len(parent), el)
    why = [m for m in clip.markers if m.metadata.get("previzkit", {}).get("kind") == "why"]
    if why:
        ET.SubElement(el, "note").text = marker_comment(why[0])
    for m in clip.markers:
        at = round(m.marked_range.start_time.rescaled_to(fps).value)
        if not src <= at < src + dur:
            continue  # outside the part of the take the cut shows
        kind = m.metadata.get("previzkit", {}).get("kind")
        ET.SubElement(
            el,
            "marker",
            start=seconds(at, fd),
            duration=seconds(max(1, round(m.marked_range.duration.rescaled_to(fps).value)), fd),
            value=f"[{kind}] {m.name}" if kind else m.name,
            note=marker_comment(m),
        )
    return el


def _connect_audio(
    timeline: Any,
    video: Any,
    spine: ET.Element,
    placed: list[tuple[int, int, ET.Element, int]],
    assets: dict[str, str],
    files: dict[str, MediaFile],
    tc_start: int,
    fd: Fraction,
    fps: float,
) -> None:
    """Sound clips not already carried by the spine clip at the same place (the same
    file, the same source frames) as connected clips below the spine (lane -1)."""
    otio = require("opentimelineio", "edit", "FCPXML export")

    carried = {
        (
            round(video.range_of_child(c).start_time.rescaled_to(fps).value),
            media_url(c),
            round(c.source_range.start_time.rescaled_to(fps).value),
        )
        for c in video
        if isinstance(c, otio.schema.Clip)
    }
    for track in timeline.audio_tracks():
        for item in track:
            if not isinstance(item, otio.schema.Clip) or media_url(item) not in assets:
                continue
            rng = track.range_of_child(item)
            rec = round(rng.start_time.rescaled_to(fps).value)
            dur = round(rng.duration.rescaled_to(fps).value)
            src = round(item.source_range.start_time.rescaled_to(fps).value)
            if (rec, media_url(item), src) in carried:
                continue
            host = next((p for p in placed if p[0] <= rec < p[1]), None)
            if host is None:  # after the picture ends: a gap to hang it on
                end = placed[-1][1] if placed else 0
                gap = ET.SubElement(
                    spine,
                    "gap",
                    name="Gap",
                    offset=seconds(tc_start + end, fd),
                    start="0s",
                    duration=seconds(max(rec + dur - end, 1), fd),
                )
                host = (end, rec + dur, gap, 0)
                placed.append(host)
            h_rec, _, h_el, h_local = host
            _clip(h_el, item, assets, files, h_local + rec - h_rec, src, dur, fd, fps, lane=-1)


def finish(text: str, timeline: Any) -> str:
    """The FCPXML written by :func:`write_fcpxml` (the adapter's text is not used)."""
    return write_fcpxml(timeline)


def prepare(timeline: Any) -> Any:
    """An empty timeline for the adapter's writer, whose output is replaced."""
    otio = require("opentimelineio", "edit", "FCPXML export")

    return otio.schema.Timeline(name=timeline.name)


EXPORTER = Exporter(
    "fcpxml",
    "fcpx_xml",
    (".fcpxml",),
    "Final Cut Pro X XML (FCPXML 1.8)",
    prepare=prepare,
    finish=finish,
)

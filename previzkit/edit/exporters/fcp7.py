"""Final Cut Pro 7 XML (xmeml, also read by Premiere and Resolve) via OTIO's fcp_xml.

``prepare``: each clip's ``<file><timecode>`` gets the take's reel name and the display
format (``DF`` at 29.97/59.94, else ``NDF``): the adapter writes non-drop labels unless
told. ``finish`` (ElementTree on the adapter's text) fixes what the adapter leaves out
or gets wrong:

- repeated clip items: the adapter writes a clip equal to one written before (a sound
  clip matching its picture clip, a shot used twice) as an empty reference to that
  ``clipitem`` id (one clip item in two places, which NLEs refuse); each becomes its
  own clip item (same file, in/out, start/end; ``<sourcetrack>`` audio in a sound
  track);
- ``<link>`` elements between a picture clip item and the sound clip items that play
  the same file at the same place (``linkclipref``, ``mediatype``, ``trackindex``,
  ``clipindex``), so they move together;
- a full sequence ``<format><samplecharacteristics>`` (width, height, rate with
  timebase/ntsc, pixel aspect, field dominance) and each file's ``<media>`` with the
  frame size and the sound's sample rate; the second ``<rate>`` the adapter writes in
  each clip item is dropped;
- clip markers: the adapter writes ``<in>``/``<out>`` as source timecode frames, but
  xmeml counts them from the head of the file like the clip's ``<in>``: they are moved
  there, get the marker's full text as ``<comment>`` and the kind before the name
  (``[circled] Circled take``); a point marker's ``<out>`` is -1. (OTIO's reader
  reads them back as written: at frames from the head of the file.)

Paths: ``<pathurl>`` is an absolute ``file://localhost/...`` URL, percent-encoded
(what FCP7 and Premiere write; Resolve reads it too).
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from typing import Any

from previzkit.edit.exporters.base import Exporter
from previzkit.edit.exporters.media_files import media_files, media_path
from previzkit.edit.markers import marker_comment
from previzkit.edit.timeline import is_drop_frame, reel_table, timeline_rate
from previzkit.model import timecode as tc

SAMPLE_RATE = 48000


def prepare(timeline: Any) -> Any:
    out = copy.deepcopy(timeline)
    reel_table(out)  # every file its CMX reel, as in the EDL
    fmt = "DF" if is_drop_frame(timeline_rate(timeline)) else "NDF"
    for clip in out.find_clips():
        ref = clip.media_reference
        if ref is None or ref.is_missing_reference:
            continue
        tc_meta = dict(ref.metadata.get("fcp_xml", {}).get("timecode", {}))
        tc_meta["displayformat"] = fmt
        reel = clip.metadata.get("cmx_3600", {}).get("reel")
        if reel:
            tc_meta["reel"] = {"name": reel}
        ref.metadata.setdefault("fcp_xml", {})["timecode"] = tc_meta
        for m in clip.markers:  # the kind before the name, the full text as comment
            kind = m.metadata.get("previzkit", {}).get("kind")
            comment = marker_comment(m)
            if kind and not m.name.startswith("["):
                m.name = f"[{kind}] {m.name}"
            m.metadata.setdefault("fcp_xml", {})["comment"] = comment
    return out


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


def _rate(parent: ET.Element, rate: tc.Rate) -> None:
    r = _sub(parent, "rate")
    _sub(r, "timebase", str(rate.nominal))
    _sub(r, "ntsc", "TRUE" if rate.fps.denominator == 1001 else "FALSE")


def _text(el: ET.Element | None, path: str, default: str = "") -> str:
    found = el.find(path) if el is not None else None
    return (found.text or default) if found is not None else default


def finish(text: str, timeline: Any) -> str:
    rate = tc.rate(timeline.metadata.get("previzkit", {}).get("rate") or timeline_rate(timeline))
    files = media_files(timeline)
    first = next((m for m in files.values() if m.has_video), None)
    width, height = (first.width, first.height) if first else (1920, 1080)
    root = ET.fromstring(text)
    for seq in root.iter("sequence"):
        _fix_sequence(seq, rate, width, height, _clip_places(timeline))
    by_path = {media_path(url).resolve(): m for url, m in files.items()}
    for f in root.iter("file"):
        if f.find("pathurl") is not None:
            url = f.find("pathurl")
            m = by_path.get(media_path(_text(f, "pathurl")).resolve())
            if url is not None and url.text and url.text.startswith("file:///"):
                url.text = "file://localhost/" + url.text[len("file:///") :]
            _file_media(f, rate, m.width if m else width, m.height if m else height)
    ET.indent(root, "    ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n' + ET.tostring(
        root, encoding="unicode"
    )


Place = tuple[int, int, int, int]  # start, end (sequence frames), in, out (file frames)


def _clip_places(timeline: Any) -> dict[str, list[list[Place]]]:
    """Each track's clips (by kind, in order) as the adapter numbers them: start and
    end in the sequence, in and out from the head of the file (frames)."""
    import opentimelineio as otio

    out: dict[str, list[list[Place]]] = {"video": [], "audio": []}
    for kind, tracks in (("video", timeline.video_tracks()), ("audio", timeline.audio_tracks())):
        for track in tracks:
            row = []
            for clip in track:
                if not isinstance(clip, otio.schema.Clip):
                    continue
                rate = clip.source_range.duration.rate
                rng = track.range_of_child(clip)
                start = round(rng.start_time.rescaled_to(rate).value)
                end = start + round(rng.duration.rescaled_to(rate).value)
                avail = clip.media_reference.available_range if clip.media_reference else None
                head = avail.start_time.rescaled_to(rate).value if avail is not None else 0
                cin = round(clip.source_range.start_time.value - head)
                row.append((start, end, cin, cin + end - start))
            out[kind].append(row)
    return out


def _place(item: ET.Element, place: Place) -> None:
    for tag, value in zip(("start", "end", "in", "out"), place, strict=True):
        el = item.find(tag)
        if el is not None and el.text != "-1":  # -1: set by an adjacent transition
            el.text = str(value)


def _fix_sequence(
    seq: ET.Element,
    rate: tc.Rate,
    width: int,
    height: int,
    places: dict[str, list[list[Place]]] | None = None,
) -> None:
    media = seq.find("media")
    if media is None:
        return
    video = media.find("video")
    if video is not None:
        fmt = video.find("format")
        if fmt is None:
            fmt = ET.Element("format")
            video.insert(0, fmt)
        fmt.clear()
        sc = _sub(fmt, "samplecharacteristics")
        _rate(sc, rate)
        _sub(sc, "width", str(width))
        _sub(sc, "height", str(height))
        _sub(sc, "anamorphic", "FALSE")
        _sub(sc, "pixelaspectratio", "square")
        _sub(sc, "fielddominance", "none")
    heads = {
        f.get("id", ""): int(float(_text(f, "timecode/frame")))
        for f in seq.iter("file")
        if _text(f, "timecode/frame")
    }
    items: dict[str, ET.Element] = {}
    for item in seq.iter("clipitem"):
        if len(item):
            items.setdefault(item.get("id", ""), item)
    n = len(items)
    tracks: dict[str, list[list[ET.Element]]] = {"video": [], "audio": []}
    for kind in ("video", "audio"):
        holder = media.find(kind)
        rows = (places or {}).get(kind, [])
        for t, track in enumerate(holder.findall("track") if holder is not None else []):
            row: list[ET.Element] = []
            clips = [c for c in track if c.tag == "clipitem"]
            here = rows[t] if t < len(rows) and len(rows[t]) == len(clips) else None
            for pos, item in enumerate(list(track)):
                if item.tag != "clipitem":
                    continue
                if not len(item) and item.get("id") in items:  # a reference: its own item
                    n += 1
                    item = _own_item(items[item.get("id", "")], f"clipitem-{n}", kind)
                    track.remove(track[pos])
                    track.insert(pos, item)
                    if here is not None:  # where this use of the clip sits
                        _place(item, here[len(row)])
                elif kind == "audio" and item.find("sourcetrack") is None:
                    _sourcetrack(item, "audio")
                _drop_second_rate(item)
                _fix_markers(item, heads)
                row.append(item)
            tracks[kind].append(row)
    _link(tracks)


def _own_item(source: ET.Element, new_id: str, kind: str) -> ET.Element:
    """A copy of clip item ``source`` with id ``new_id``, its file as a reference."""
    item = copy.deepcopy(source)
    item.set("id", new_id)
    f = item.find("file")
    if f is not None:
        ref = ET.Element("file", id=f.get("id", ""))
        idx = list(item).index(f)
        item.remove(f)
        item.insert(idx, ref)
    for old in item.findall("link"):
        item.remove(old)
    if kind == "audio":
        for old in item.findall("marker"):  # the picture's item carries the markers
            item.remove(old)
        _sourcetrack(item, "audio")
    return item


def _sourcetrack(item: ET.Element, kind: str) -> None:
    st = _sub(item, "sourcetrack")
    _sub(st, "mediatype", kind)
    _sub(st, "trackindex", "1")


def _drop_second_rate(item: ET.Element) -> None:
    for extra in item.findall("rate")[1:]:
        item.remove(extra)


def _fix_markers(item: ET.Element, heads: dict[str, int]) -> None:
    """Marker in/out from source timecode frames to frames from the head of the file
    (``heads``: each file id's start frame; a repeated file is only a reference)."""
    f = item.find("file")
    start = heads.get(f.get("id", "")) if f is not None else None
    if start is None:
        return
    for m in item.findall("marker"):
        for tag in ("in", "out"):
            el = m.find(tag)
            if el is not None and el.text and float(el.text) >= start:
                el.text = str(int(float(el.text)) - start)
        m_in, m_out = m.find("in"), m.find("out")
        if m_in is not None and m_out is not None and m_in.text == m_out.text:
            m_out.text = "-1"  # a point marker


def _file_id(item: ET.Element) -> str:
    f = item.find("file")
    return f.get("id", "") if f is not None else ""


def _same_place(a: ET.Element, b: ET.Element) -> bool:
    """Start and end agree where both are known (-1: set by an adjacent transition)."""
    for tag in ("start", "end"):
        x, y = _text(a, tag, "-1"), _text(b, tag, "-1")
        if x != "-1" and y != "-1" and x != y:
            return False
    return True


def _link(tracks: dict[str, list[list[ET.Element]]]) -> None:
    """``<link>`` elements between each picture clip item and the sound clip items that
    play the same file at the same place: the n-th use of a file in the first picture
    track and the n-th use in each sound track, where their start and end agree (a
    clip item next to a transition has -1 there). Each lists the whole group, itself
    first."""
    if not tracks["video"]:
        return
    uses: dict[tuple[str, int, str], tuple[int, int, ET.Element]] = {}
    for kind in ("video", "audio"):
        for t, row in enumerate(tracks[kind], start=1):
            seen: dict[str, int] = {}
            for c, item in enumerate(row, start=1):
                fid = _file_id(item)
                seen[fid] = seen.get(fid, 0) + 1
                uses[(f"{kind}{t}", seen[fid], fid)] = (t, c, item)
    for (track, n, fid), (t, c, item) in uses.items():
        if track != "video1":
            continue
        group = [("video", t, c, item)]
        for a in range(1, len(tracks["audio"]) + 1):
            other = uses.get((f"audio{a}", n, fid))
            if other is not None and _same_place(item, other[2]):
                group.append(("audio", *other))
        if len(group) < 2:
            continue
        for _, _, _, member in group:
            for old in member.findall("link"):
                member.remove(old)
            for kind, tt, cc, other_item in group:
                link = _sub(member, "link")
                _sub(link, "linkclipref", other_item.get("id", ""))
                _sub(link, "mediatype", kind)
                _sub(link, "trackindex", str(tt))
                _sub(link, "clipindex", str(cc))
                if kind == "audio":
                    _sub(link, "groupindex", "1")


def _file_media(f: ET.Element, rate: tc.Rate, width: int, height: int) -> None:
    media = f.find("media")
    if media is None:
        media = _sub(f, "media")
    for kind in ("video", "audio"):
        old = media.find(kind)
        if old is None:
            continue
        old.clear()
        sc = _sub(old, "samplecharacteristics")
        if kind == "video":
            _rate(sc, rate)
            _sub(sc, "width", str(width))
            _sub(sc, "height", str(height))
            _sub(sc, "pixelaspectratio", "square")
        else:
            _sub(sc, "depth", "16")
            _sub(sc, "samplerate", str(SAMPLE_RATE))
            _sub(old, "channelcount", "1")


EXPORTER = Exporter(
    "fcp_xml",
    "fcp_xml",
    (".xml",),
    "Final Cut Pro 7 XML (xmeml)",
    prepare=prepare,
    finish=finish,
)

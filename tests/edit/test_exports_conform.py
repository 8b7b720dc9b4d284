"""Exports that conform: the test project's cut (tests/edit/conftest.py, real takes)
written in every format and checked with each format's own reader (ElementTree, OTIO's
adapters, pyaaf2, pycmx): FCPXML assets, format and clip timing; FCP7 links and
format; AAF sequence lengths and mob names; EDL reels and record start; the markers
in each. Plus reel names over the whole scene/shot/take grid, and hand-built edge
cases (23.976, a transition, sound alone, names that do not fit a reel)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest

from previzkit.edit.exporters import export
from previzkit.edit.timeline import fits_reel, reel_name, reel_table
from previzkit.model import timecode as tc

otio = pytest.importorskip("opentimelineio")


def _secs(value: str) -> Fraction:
    assert value.endswith("s"), value
    return Fraction(value[:-1])


@pytest.fixture(scope="module")
def exported(assembled, tmp_path_factory):
    out = tmp_path_factory.mktemp("conform")
    return {
        s: export(assembled.timeline, out / f"cut.{s}")
        for s in ("otio", "edl", "xml", "fcpxml", "aaf")
    }


def _media(timeline) -> set[str]:
    return {c.media_reference.target_url for c in timeline.find_clips()}


# -- reel names ------------------------------------------------------------------------


def test_reel_names_collision_free_over_the_grid():
    shots = [chr(65 + i) for i in range(26)] + [a + chr(65 + i) for a in "AB" for i in range(26)]
    scenes = [f"{n}{s}" for n in range(1, 151) for s in ("", "A")]
    names = {reel_name(sc, sh, tk) for sc in scenes for sh in shots for tk in range(1, 21)}
    assert len(names) == len(scenes) * len(shots) * 20 == 468_000
    assert all(fits_reel(n) for n in names)
    assert reel_name("1", "AA", 1) != reel_name("1A", "A", 1)


def _clip(name, url, start, n, meta, fps=24.0):
    rng = otio.opentime.TimeRange(
        otio.opentime.RationalTime(start, fps), otio.opentime.RationalTime(n, fps)
    )
    ref = otio.schema.ExternalReference(target_url=url, available_range=rng)
    c = otio.schema.Clip(name=name, media_reference=ref, source_range=rng)
    c.metadata["previzkit"] = meta
    return c


def test_reel_table_shortens_what_does_not_fit(tmp_path):
    import pycmx

    tl = otio.schema.Timeline(name="long names")
    tl.global_start_time = otio.opentime.RationalTime(86400, 24)
    v = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    tl.tracks.append(v)
    v.append(
        _clip("Sc1 ShA Tk1", "file:///m/a.mp4", 0, 24, {"scene": "1", "shot": "1-A", "take": 1})
    )
    v.append(
        _clip(
            "Sc1234 ShXYZ Tk100",
            "file:///m/b%20c.mp4",
            0,
            24,
            {"scene": "1234", "shot": "XYZ", "take": 100},
        )
    )
    table = reel_table(tl)
    assert [e.reel for e in table] == ["0010A01", "R0001"]
    assert table[1].media == "b c.mp4"
    path = export(tl, tmp_path / "cut.edl")
    text = path.read_text()
    assert "* REEL R0001 = Sc1234 ShXYZ Tk100 (b c.mp4)" in text
    with path.open() as fh:
        reels = [e.source for ev in pycmx.parse_cmx3600(fh).events for e in ev.edits]
    assert reels == ["0010A01", "R0001"]
    back = otio.adapters.read_from_file(str(path), rate=24)
    clips = list(back.find_clips())
    assert [c.metadata["cmx_3600"]["reel"] for c in clips] == ["0010A01", "R0001"]
    assert any("REEL R0001" in x for x in clips[1].metadata["cmx_3600"]["comments"])


# -- the project's cut in every format --------------------------------------------------


def test_fcpxml_structure(assembled, exported):
    tl = assembled.timeline
    root = ET.parse(exported["fcpxml"]).getroot()
    assert root.tag == "fcpxml" and root.get("version") == "1.8"
    assert root.find("asset-clip") is None  # nothing outside the project
    fmt = root.find("resources/format")
    assert int(fmt.get("width")) > 0 and int(fmt.get("height")) > 0
    assert _secs(fmt.get("frameDuration")) == Fraction(1, 24)
    assets = {a.get("id"): a for a in root.iter("asset")}
    assert len(assets) == len(_media(tl))
    assert all(a.get("hasVideo") == "1" and a.get("hasAudio") == "1" for a in assets.values())
    reels = {
        md.get("value")
        for a in assets.values()
        for md in a.iter("md")
        if md.get("key") == "com.apple.proapps.studio.reel"
    }
    assert reels == {c.metadata["cmx_3600"]["reel"] for c in tl.find_clips()}
    projects = root.findall("library/event/project")
    assert len(projects) == 1
    seq = projects[0].find("sequence")
    record = tc.timecode_to_frames("01:00:00:00", "24")
    assert _secs(seq.get("tcStart")) == Fraction(record, 24)
    clips = seq.findall("spine/asset-clip")
    assert len(clips) == len(list(tl.video_tracks()[0].find_clips()))
    for c in clips:
        a = assets[c.get("ref")]
        start, dur = _secs(c.get("start")), _secs(c.get("duration"))
        assert _secs(a.get("start")) <= start
        assert start + dur <= _secs(a.get("start")) + _secs(a.get("duration"))
        assert _secs(c.get("offset")) >= _secs(seq.get("tcStart"))
        assert c.get("audioRole") == "dialogue"
        for m in c.findall("marker"):
            assert start <= _secs(m.get("start")) < start + dur
    spine_end = max(_secs(e.get("offset")) + _secs(e.get("duration")) for e in seq.find("spine"))
    assert spine_end - _secs(seq.get("tcStart")) == _secs(seq.get("duration"))
    # OTIO's reader: same clips, names, durations and markers
    back = otio.adapters.read_from_file(str(exported["fcpxml"]))
    got = list(back.find_clips())
    want = list(tl.video_tracks()[0].find_clips())
    assert [c.name for c in got] == [c.name for c in want]
    assert [c.duration().value for c in got] == [c.duration().value for c in want]
    assert [len(c.markers) for c in got] == [len(c.markers) for c in want]
    assert any(m.name.startswith("[circled]") for c in got for m in c.markers)


def test_fcp7_links_format_and_markers(assembled, exported):
    root = ET.parse(exported["xml"]).getroot()
    seq = root.find(".//sequence")
    sc = seq.find("media/video/format/samplecharacteristics")
    assert int(sc.find("width").text) > 0 and int(sc.find("height").text) > 0
    assert sc.find("rate/timebase").text == "24" and sc.find("rate/ntsc").text == "FALSE"
    ids = [c.get("id") for c in seq.iter("clipitem")]
    assert len(ids) == len(set(ids))  # no clip item in two tracks
    video = seq.findall("media/video/track/clipitem")
    audio = seq.findall("media/audio/track/clipitem")
    assert len(video) == len(audio) > 0
    by_id = {c.get("id"): c for c in video + audio}
    files = {f.get("id"): f for f in seq.iter("file") if len(f)}
    for item in video:
        links = item.findall("link")
        kinds = [lk.find("mediatype").text for lk in links]
        assert kinds == ["video", "audio"]
        partner = by_id[links[1].find("linkclipref").text]
        assert partner.find("start").text == item.find("start").text
        assert partner.find("link/linkclipref").text == item.get("id")
        f = files[item.find("file").get("id")]
        assert f.find("timecode/reel/name").text
        assert f.find("pathurl").text.startswith("file://localhost/")
    for item in video:  # markers count from the head of the file, like <in>/<out>
        for m in item.findall("marker"):
            assert int(item.find("in").text) <= int(m.find("in").text) < int(item.find("out").text)
            assert m.find("out").text == "-1"
    back = otio.adapters.read_from_file(str(exported["xml"]))
    assert back.global_start_time.value == assembled.timeline.global_start_time.value
    clips = list(back.video_tracks()[0].find_clips())
    marks = [m for c in clips for m in c.markers]
    assert any(m.name.startswith("[circled]") for m in marks)
    assert all(m.metadata["fcp_xml"]["comment"] for m in marks)


def test_aaf_lengths_mobs_and_markers(assembled, exported):
    import aaf2

    with aaf2.open(str(exported["aaf"])) as f:
        comp = next(f.content.compositionmobs())
        seqs = [
            s.segment
            for s in comp.slots
            if isinstance(s, aaf2.mobslots.TimelineMobSlot)
            and isinstance(s.segment, aaf2.components.Sequence)
        ]
        assert seqs
        for seq in seqs:
            assert seq.length == sum(c.length for c in seq.components) > 0
        names = [m.name for m in f.content.mobs]
        assert "Mob" not in names
        masters = {m.name for m in f.content.mastermobs()}
        assert masters == {c.name for c in assembled.timeline.find_clips()}
        files = [
            m
            for m in f.content.sourcemobs()
            if not isinstance(m.descriptor, aaf2.essence.TapeDescriptor)
        ]
        assert len(files) == 2 * len(masters)  # picture and sound of each file, no duplicates
        assert {m.name for m in files} == {u.rsplit("/", 1)[-1] for u in _media(assembled.timeline)}
        tapes = {
            m.name
            for m in f.content.sourcemobs()
            if isinstance(m.descriptor, aaf2.essence.TapeDescriptor)
        }
        assert tapes == {c.metadata["cmx_3600"]["reel"] for c in assembled.timeline.find_clips()}
        events = [s for s in comp.slots if isinstance(s, aaf2.mobslots.EventMobSlot)]
        markers = [c for s in events for c in s.segment.components]
        want = [m for c in assembled.timeline.video_tracks()[0].find_clips() for m in c.markers]
        assert len(markers) == len(want)
        assert {m["Comment"].value for m in markers} == {m.name for m in want}
    back = otio.adapters.read_from_file(str(exported["aaf"]))
    got = [m for c in back.video_tracks()[0].find_clips() for m in c.markers]
    assert sorted(m.name for m in got) == sorted(m.name for m in want)
    for c in back.video_tracks()[0].find_clips():  # on each clip's first frame
        assert {m.marked_range.start_time.value for m in c.markers} <= {
            c.source_range.start_time.value
        }
    assert {m.color for m in got} >= {"GREEN", "BLUE"}


def test_edl_record_start_reels_and_markers(assembled, exported):
    import pycmx

    tl = assembled.timeline
    with exported["edl"].open() as fh:
        edits = [e for ev in pycmx.parse_cmx3600(fh).events for e in ev.edits]
    first = tl.video_tracks()[0].range_of_child(tl.video_tracks()[0].find_clips()[0])
    rec0 = round(tl.global_start_time.value + first.start_time.value)
    assert edits[0].record_in == tc.frames_to_timecode(rec0, "24")
    reels = {c.metadata["cmx_3600"]["reel"] for c in tl.find_clips()}
    assert {e.source for e in edits} == reels and all(fits_reel(r) for r in reels)
    assert len(reels) == len(_media(tl))
    text = exported["edl"].read_text()
    assert text.count("* LOC:") == text.count("* COMMENT:") > 0
    back = otio.adapters.read_from_file(str(exported["edl"]), rate=24)
    marks = [m for c in back.video_tracks()[0].find_clips() for m in c.markers]
    assert {m.color for m in marks} >= {"GREEN", "BLUE", "PURPLE"}


def test_otio_keeps_markers(assembled, exported):
    back = otio.adapters.read_from_file(str(exported["otio"]))
    clips = list(back.video_tracks()[0].find_clips())
    kinds = {m.metadata["previzkit"]["kind"]: m for c in clips for m in c.markers}
    assert set(kinds) >= {"circled", "script", "why"}
    assert kinds["circled"].color == "GREEN" and kinds["why"].color == "BLUE"
    assert kinds["script"].comment.startswith("Sc") and " L" in kinds["script"].comment
    circled = [c for c in clips if any(m.color == "GREEN" for m in c.markers)]
    assert circled and all(c.name.startswith("1_1-B_T") for c in circled)


# -- edge cases: 23.976, a transition, sound alone --------------------------------------


def test_fcpxml_ntsc_transition_and_sound_alone(tmp_path):
    r = tc.rate("23.976")
    fps = float(r.fps)
    tl = otio.schema.Timeline(name="edge")
    tl.metadata["previzkit"] = {"rate": "23.976", "width": 1280, "height": 720}
    tl.global_start_time = otio.opentime.RationalTime(tc.timecode_to_frames("01:00:00:00", r), fps)
    v = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    a = otio.schema.Track(kind=otio.schema.TrackKind.Audio)
    tl.tracks.extend([v, a])
    meta = {"scene": "1", "shot": "1-A", "take": 1}
    v.append(_clip("A", "file:///m/a.mp4", 1000, 48, meta, fps))
    v.append(
        otio.schema.Transition(
            in_offset=otio.opentime.RationalTime(6, fps),
            out_offset=otio.opentime.RationalTime(6, fps),
        )
    )
    v.append(_clip("B", "file:///m/b.mp4", 2000, 48, meta, fps))
    a.append(
        otio.schema.Gap(
            source_range=otio.opentime.TimeRange(duration=otio.opentime.RationalTime(12, fps))
        )
    )
    a.append(_clip("sound", "file:///m/s.wav", 500, 60, meta, fps))
    path = export(tl, tmp_path / "edge.fcpxml")
    root = ET.parse(path).getroot()
    fmt = root.find("resources/format")
    assert fmt.get("frameDuration") == "1001/24000s" and fmt.get("width") == "1280"
    seq = root.find("library/event/project/sequence")
    assert _secs(seq.get("tcStart")) == Fraction(86400 * 1001, 24000)
    assert len(root.findall("resources/asset")) == 3
    spine = seq.find("spine")
    assert [e.tag for e in spine] == ["asset-clip", "transition", "asset-clip"]
    sound = spine.find("asset-clip/asset-clip")
    assert sound.get("lane") == "-1" and sound.get("audioRole") == "dialogue"
    host = spine.find("asset-clip")
    # connected at record frame 12: the host's local time there
    assert _secs(sound.get("offset")) == _secs(host.get("start")) + Fraction(12 * 1001, 24000)
    wav = next(x for x in root.iter("asset") if x.get("src").endswith("s.wav"))
    assert wav.get("hasVideo") == "0" and wav.get("format") is None
    # the other formats take the same cut: sound alone is linked to nothing in FCP7
    x7 = ET.parse(export(tl, tmp_path / "edge.xml")).getroot()
    (sound7,) = x7.findall(".//media/audio/track/clipitem")
    assert sound7.find("link") is None and sound7.find("sourcetrack/mediatype").text == "audio"
    assert export(tl, tmp_path / "edge.aaf").stat().st_size > 0
    import pycmx

    with export(tl, tmp_path / "edge.edl").open() as fh:
        assert {e.source for ev in pycmx.parse_cmx3600(fh).events for e in ev.edits} >= {"0010A01"}


# -- every format at the NTSC rates, with a gap, a transition and markers ---------------


def _edge_cut(rate_name: str):
    """Three takes (markers on each), a slate gap and a dissolve; record 01:00:00:00."""
    from previzkit.edit.markers import clip_markers, to_otio

    r = tc.rate(rate_name)
    fps = float(r.fps)
    tl = otio.schema.Timeline(name=f"edge {rate_name}")
    tl.metadata["previzkit"] = {"rate": r.name}
    start = "01:00:00;00" if r.drop_frame else "01:00:00:00"
    tl.global_start_time = otio.opentime.RationalTime(tc.timecode_to_frames(start, r), fps)
    v = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    a = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    tl.tracks.extend([v, a])
    src = [
        tc.timecode_to_frames(f"1{i}:00:00{';' if r.drop_frame else ':'}00", r) for i in range(3)
    ]
    for i, s0 in enumerate(src):
        meta = {"scene": "12A", "shot": f"12A-{'AB'[i % 2]}", "take": i + 1}
        for track in (v, a):
            if i == 2:
                gap = otio.opentime.RationalTime(round(fps), fps)
                track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=gap)))
            c = _clip(
                f"Sc12A Sh{i} Tk{i + 1}", f"file:///m/take%20{i}.mp4", s0, 3 * round(fps), meta, fps
            )
            c.source_range = otio.opentime.TimeRange(
                otio.opentime.RationalTime(s0 + 10, fps),
                otio.opentime.RationalTime(2 * round(fps), fps),
            )
            if track is v:
                ms = clip_markers(
                    s0 + 10,
                    "12A",
                    i == 0,
                    "soft focus",
                    [10, 12],
                    ["MARA", "Go."],
                    ["rated 3/5 (+300.0)"],
                    300.0,
                    2,
                )
                c.markers.extend(to_otio(m, fps) for m in ms)
            track.append(c)
            if i == 0 and track is v:
                d = otio.opentime.RationalTime(6, fps)
                track.append(otio.schema.Transition(in_offset=d, out_offset=d))
    return tl


@pytest.mark.parametrize("rate", ["23.976", "29.97", "59.94"])
def test_every_format_at_ntsc_rates(rate, tmp_path):
    import aaf2
    import pycmx

    r = tc.rate(rate)
    tl = _edge_cut(rate)
    n_markers = sum(len(c.markers) for c in tl.video_tracks()[0].find_clips())
    # FCPXML: exact frame duration, drop-frame label, every clip inside its asset
    root = ET.parse(export(tl, tmp_path / "c.fcpxml")).getroot()
    fd = Fraction(1) / r.fps
    assert _secs(root.find("resources/format").get("frameDuration")) == fd
    seq = root.find("library/event/project/sequence")
    assert seq.get("tcFormat") == ("DF" if r.drop_frame else "NDF")
    assert _secs(seq.get("tcStart")) == round(tl.global_start_time.value) * fd
    assets = {x.get("id"): x for x in root.iter("asset")}
    assert len(assets) == 3
    spine = seq.find("spine")
    assert [e.tag for e in spine] == ["asset-clip", "transition", "asset-clip", "gap", "asset-clip"]
    for c in spine.findall("asset-clip"):
        x = assets[c.get("ref")]
        assert _secs(x.get("start")) <= _secs(c.get("start"))
        assert _secs(c.get("start")) + _secs(c.get("duration")) <= _secs(x.get("start")) + _secs(
            x.get("duration")
        )
    assert len(seq.findall(".//marker")) == n_markers
    # FCP7: ntsc rate and links
    x7 = ET.parse(export(tl, tmp_path / "c.xml")).getroot()
    fmt = x7.find(".//sequence/media/video/format/samplecharacteristics")
    assert fmt.find("rate/ntsc").text == "TRUE" and fmt.find("rate/timebase").text == str(r.nominal)
    assert all(len(c.findall("link")) == 2 for c in x7.findall(".//media/video/track/clipitem"))
    assert len(x7.findall(".//marker")) == n_markers
    # AAF: sequence length is what the parts add up to (the dissolve overlaps)
    with aaf2.open(str(export(tl, tmp_path / "c.aaf"))) as f:
        comp = next(f.content.compositionmobs())
        for slot in comp.slots:
            seg = slot.segment
            if isinstance(slot, aaf2.mobslots.TimelineMobSlot) and isinstance(
                seg, aaf2.components.Sequence
            ):
                parts = sum(
                    -c.length if isinstance(c, aaf2.components.Transition) else c.length
                    for c in seg.components
                )
                assert seg.length == parts == round(tl.tracks.duration().value)
    # EDL: reels, record start, a LOC and a COMMENT per marker
    edl = export(tl, tmp_path / "c.edl")
    with edl.open() as fh:
        edits = [e for ev in pycmx.parse_cmx3600(fh).events for e in ev.edits]
    assert edits[0].record_in == tc.frames_to_timecode(round(tl.global_start_time.value), r)
    assert {e.source for e in edits} == {"012AA01", "012AB02", "012AA03"}
    text = edl.read_text()
    # (a dissolve's event repeats the outgoing clip's LOC lines)
    assert text.count("* LOC:") == text.count("* COMMENT:") >= n_markers


def test_load_cut_reads_the_fcpxml_event(assembled, exported):
    from previzkit.edit.timeline import load_cut

    tl = load_cut(exported["fcpxml"])
    assert len(tl.find_clips()) == len(assembled.timeline.video_tracks()[0].find_clips())


def test_media_urls_decoded_and_encoded_for_nles():
    from previzkit.edit.exporters.media_files import file_url, media_path

    url = "file:///quick%20d%C3%A9mo/takes/1_1A_T001.mp4"
    assert str(media_path(url)) == "/quick démo/takes/1_1A_T001.mp4"
    assert file_url(url) == url  # FCPXML's src: percent-encoded again, the same URL
    assert str(media_path("file://localhost/a%20b.mp4")) == "/a b.mp4"
    tl = otio.schema.Timeline(name="paths")
    v = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    tl.tracks.append(v)
    v.append(_clip("Sc1 ShA Tk1", url, 0, 24, {"scene": "1", "shot": "1-A", "take": 1}))
    assert reel_table(tl)[0].media == "1_1A_T001.mp4"


def test_fcpxml_asset_covers_clips_without_available_range(tmp_path):
    tl = otio.schema.Timeline(name="no ranges")
    v = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    tl.tracks.append(v)
    for start in (100, 10, 300):
        rng = otio.opentime.TimeRange(
            otio.opentime.RationalTime(start, 24), otio.opentime.RationalTime(24, 24)
        )
        ref = otio.schema.ExternalReference(target_url="file:///m/one.mp4")
        v.append(otio.schema.Clip(name="one", media_reference=ref, source_range=rng))
    root = ET.parse(export(tl, tmp_path / "c.fcpxml")).getroot()
    (asset,) = root.iter("asset")
    assert (_secs(asset.get("start")), _secs(asset.get("duration"))) == (
        Fraction(10, 24),
        Fraction(314, 24),
    )


def test_clip_markers_kinds_and_colours():
    from previzkit.edit.markers import clip_markers, to_otio

    ms = clip_markers(
        100,
        "3",
        True,
        "soft focus\n\nboom in shot",
        [7, 9, 8],
        ["MARA", "Go."],
        ["circled (+1000.0)"],
        1000.0,
        3,
    )
    assert [(m.kind, m.colour) for m in ms] == [
        ("circled", "GREEN"),
        ("note", "YELLOW"),
        ("note", "YELLOW"),
        ("script", "PURPLE"),
        ("why", "BLUE"),
    ]
    assert ms[3].name == "Script Sc3 L7-L9" and ms[3].comment == "Sc3 L7-L9: MARA / Go."
    assert ms[4].name == "Why: score 1000.0 of 3 takes"
    m = to_otio(ms[1], 24.0)
    assert (m.color, m.comment, m.marked_range.start_time.value) == ("YELLOW", "soft focus", 100)
    assert clip_markers(0, "1", False, "", [], [], []) == []


def test_fcp7_repeated_clip_is_its_own_item(tmp_path):
    """The same take and range twice on the picture track (the adapter writes the
    second as a reference to the first's id): two clip items, each with its marker."""
    from previzkit.edit.markers import ClipMarker, to_otio

    tl = otio.schema.Timeline(name="twice")
    tl.global_start_time = otio.opentime.RationalTime(86400, 24)
    v = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    tl.tracks.append(v)
    for _ in range(2):
        c = _clip(
            "Sc1 ShA Tk1", "file:///m/a.mp4", 1000, 24, {"scene": "1", "shot": "1-A", "take": 1}
        )
        c.markers.append(to_otio(ClipMarker("circled", "Circled take", "circled", 1000), 24.0))
        v.append(c)
    root = ET.parse(export(tl, tmp_path / "c.xml")).getroot()
    items = root.findall(".//media/video/track/clipitem")
    assert len({i.get("id") for i in items}) == 2
    assert [i.find("start").text for i in items] == ["0", "24"]
    assert [len(i.findall("marker")) for i in items] == [1, 1]


def test_real_media_in_a_folder_with_a_space_and_an_accent(tmp_path):
    """Frame size and sound read from the file (PyAV) through its percent-encoded URL."""
    pytest.importorskip("av")
    from previzkit.edit.synthetic import write_take_video

    folder = tmp_path / "quick démo"
    folder.mkdir()
    video = write_take_video(folder / "1_1A_T001.mp4", 24, 24, width=192, height=108, sound=(2, 20))
    silent = write_take_video(folder / "1_1B_T001.mp4", 24, 24, width=192, height=108)
    tl = otio.schema.Timeline(name="accents")
    tl.global_start_time = otio.opentime.RationalTime(86400, 24)
    v = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    tl.tracks.append(v)
    for path, shot in ((video, "1-A"), (silent, "1-B")):
        url = path.resolve().as_uri()
        assert "%20" in url and "%C3%A9" in url
        v.append(_clip("Sc1", url, 0, 24, {"scene": "1", "shot": shot, "take": 1}))
    root = ET.parse(export(tl, tmp_path / "c.fcpxml")).getroot()
    fmt = root.find("resources/format")
    assert (fmt.get("width"), fmt.get("height")) == ("192", "108")
    assets = root.findall("resources/asset")
    assert [a.get("src") for a in assets] == [c.media_reference.target_url for c in v]
    import av

    for a, path in zip(assets, (video, silent), strict=True):
        with av.open(str(path)) as c:
            assert a.get("hasAudio") == ("1" if c.streams.audio else "0")
    x7 = ET.parse(export(tl, tmp_path / "c.xml")).getroot()
    f = next(x for x in x7.iter("file") if len(x))
    assert f.find("media/video/samplecharacteristics/width").text == "192"

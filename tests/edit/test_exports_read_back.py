"""Exports read back: EDL by OTIO's cmx_3600 and by pycmx (an independent CMX 3600
reader), FCP7 XML by OTIO's fcp_xml, FCPXML/AAF/OTIO by their adapters; timecode at
23.976, 24, 25 and 29.97 (drop-frame)."""

from __future__ import annotations

import pytest

from previzkit.core.errors import ExportError
from previzkit.edit.exporters import available_exporters, export, find_exporter
from previzkit.edit.timeline import clip_name, cut_events, reel_name
from previzkit.model import timecode as tc

otio = pytest.importorskip("opentimelineio")

# (scene, shot, take, source start label (drop-frame at 29.97 written with ';'), length)
EVENTS = [
    ("1", "1-A", 3, "00:00:59:20", 40),  # crosses the 1-minute drop at 29.97
    ("1", "1-C", 1, "10:09:59:10", 50),  # crosses the 10-minute boundary
    ("2", "2-B", 12, "23:00:00:00", 30),
]


def make_cut(rate_name: str):
    """A cut of EVENTS with a slate gap before scene 2, record start 01:00:00:00."""
    r = tc.rate(rate_name)
    fps = float(r.fps)
    tl = otio.schema.Timeline(name=f"test {rate_name}")
    tl.metadata["previzkit"] = {"rate": r.name}
    tl.global_start_time = otio.opentime.RationalTime(
        tc.timecode_to_frames("01:00:00;00" if r.drop_frame else "01:00:00:00", r), fps
    )
    v = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    tl.tracks.append(v)
    expected = []
    rec = 0
    for scene, shot, take, label, n in EVENTS:
        if scene == "2":
            v.append(
                otio.schema.Gap(
                    source_range=otio.opentime.TimeRange(
                        duration=otio.opentime.RationalTime(24, fps)
                    )
                )
            )
            rec += 24
        if r.drop_frame:
            label = label[:8] + ";" + label[9:]
        start = tc.timecode_to_frames(label, r)
        src = otio.opentime.TimeRange(
            otio.opentime.RationalTime(start, fps), otio.opentime.RationalTime(n, fps)
        )
        ref = otio.schema.ExternalReference(
            target_url=f"/media/{shot}_{take}.mp4", available_range=src
        )
        clip = otio.schema.Clip(
            name=clip_name(scene, shot, take), media_reference=ref, source_range=src
        )
        clip.metadata["cmx_3600"] = {"reel": reel_name(scene, shot.split("-")[1], take)}
        clip.metadata["previzkit"] = {"scene": scene, "shot": shot, "take": take}
        v.append(clip)
        rec0 = round(tl.global_start_time.value) + rec
        expected.append(
            {
                "name": clip.name,
                "reel": clip.metadata["cmx_3600"]["reel"],
                "src_in": tc.frames_to_timecode(start, r),
                "src_out": tc.frames_to_timecode(start + n, r),
                "rec_in": tc.frames_to_timecode(rec0, r),
                "rec_out": tc.frames_to_timecode(rec0 + n, r),
            }
        )
        rec += n
    return tl, expected


RATES = ["23.976", "24", "25", "29.97"]


@pytest.mark.parametrize("rate", RATES)
def test_edl_read_by_pycmx_and_otio(rate, tmp_path):
    import pycmx

    tl, expected = make_cut(rate)
    path = export(tl, tmp_path / "cut.edl")
    text = path.read_text()
    assert ("FCM: DROP FRAME" in text) == (rate == "29.97")
    # pycmx: same events, reels, clip names, source and record timecode
    with path.open() as fh:
        edl = pycmx.parse_cmx3600(fh)
    edits = [e for ev in edl.events for e in ev.edits]
    got = [
        {
            "name": e.clip_name,
            "reel": e.source,
            "src_in": e.source_in,
            "src_out": e.source_out,
            "rec_in": e.record_in,
            "rec_out": e.record_out,
        }
        for e in edits
    ]
    assert got == expected
    # OTIO's own reader: same clips, source timecode and record positions
    back = otio.adapters.read_from_file(str(path), rate=float(tc.rate(rate).fps))
    track = back.video_tracks()[0]
    clips = list(track.find_clips())
    assert [c.name for c in clips] == [e["name"] for e in expected]
    assert [c.metadata["cmx_3600"]["reel"] for c in clips] == [e["reel"] for e in expected]
    assert [c.source_range.start_time.to_timecode() for c in clips] == [
        e["src_in"] for e in expected
    ]
    # record: the reader keeps the first event's record start in the track's range
    r = tc.rate(rate)
    offset = -track.source_range.start_time.value if track.source_range else 0
    recs = [
        tc.frames_to_timecode(round(track.range_of_child(c).start_time.value + offset), r)
        for c in clips
    ]
    assert recs == [e["rec_in"] for e in expected]


@pytest.mark.parametrize("rate", RATES)
def test_fcp7_xml_read_back(rate, tmp_path):
    tl, expected = make_cut(rate)
    path = export(tl, tmp_path / "cut.xml")
    back = otio.adapters.read_from_file(str(path))
    r = tc.rate(rate)
    assert back.global_start_time.value == tl.global_start_time.value
    track = back.video_tracks()[0]
    clips = list(track.find_clips())
    assert [c.name for c in clips] == [e["name"] for e in expected]
    assert [tc.frames_to_timecode(round(c.source_range.start_time.value), r) for c in clips] == [
        e["src_in"] for e in expected
    ]
    starts = [
        round(back.global_start_time.value + track.range_of_child(c).start_time.value)
        for c in clips
    ]
    assert [tc.frames_to_timecode(s, r) for s in starts] == [e["rec_in"] for e in expected]


@pytest.mark.parametrize("suffix", [".otio", ".fcpxml", ".aaf"])
def test_other_formats_read_back(suffix, tmp_path):
    tl, expected = make_cut("24")
    path = export(tl, tmp_path / f"cut{suffix}")
    back = otio.adapters.read_from_file(str(path))
    clips = list(back.find_clips())
    names = [e["name"] for e in expected]
    assert [c.name for c in clips][: len(names)] == names
    assert [round(c.source_range.duration.value) for c in clips][:3] == [40, 50, 30]


def test_native_otio_keeps_everything(tmp_path):
    tl, _expected = make_cut("29.97")
    back = otio.adapters.read_from_file(str(export(tl, tmp_path / "c.otio")))
    ev = [e for e in cut_events(back) if e.slate is None]
    assert [e.info["take"] for e in ev] == [3, 1, 12]
    assert [e.record_in for e in ev] == [0, 40, 114]


def test_found_by_name_or_suffix(tmp_path):
    assert set(available_exporters()) == {"otio", "edl", "fcp_xml", "fcpxml", "aaf", "xges"}
    assert find_exporter("x.edl").adapter == "cmx_3600"
    assert find_exporter("x.anything", "cmx_3600").name == "edl"
    assert find_exporter("x.xml").name == "fcp_xml"
    assert find_exporter("x", "fcpxml").adapter == "fcpx_xml"
    with pytest.raises(
        ExportError, match=r"no exporter for suffix '\.mov'; available: otio \(\.otio\), edl"
    ):
        find_exporter("cut.mov")
    with pytest.raises(ExportError, match=r"export format 'premiere': unknown; available: .*aaf"):
        export(make_cut("24")[0], tmp_path / "x.edl", "premiere")


def test_reel_names_fit_cmx():
    assert reel_name("12", "AB", 3) == "0120AB03"
    assert reel_name("123A", "b", 4) == "123AB04"
    # what cannot be coded in 8 characters gets a long name (the reel table shortens it)
    assert reel_name("123A", "QRSTU", 104) == "Sc123ASh QRSTUTk104".replace(" ", "")
    assert reel_name("1", "b!", 2) == "Sc1Shb!Tk2"


def test_two_hour_timeline_at_23976(tmp_path):
    import pycmx

    r = tc.rate("23.976")
    fps = float(r.fps)
    tl = otio.schema.Timeline(name="two hours")
    tl.metadata["previzkit"] = {"rate": "23.976"}
    tl.global_start_time = otio.opentime.RationalTime(tc.timecode_to_frames("01:00:00:00", r), fps)
    v = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    tl.tracks.append(v)
    half_hour = tc.timecode_to_frames("00:30:00:00", r)
    for i in range(4):
        src = otio.opentime.TimeRange(
            otio.opentime.RationalTime(tc.timecode_to_frames("10:00:00:00", r), fps),
            otio.opentime.RationalTime(half_hour, fps),
        )
        clip = otio.schema.Clip(
            name=clip_name("1", f"1-{'ABCD'[i]}", 1),
            source_range=src,
            media_reference=otio.schema.ExternalReference(target_url=f"/m/{i}.mp4"),
        )
        clip.metadata["cmx_3600"] = {"reel": reel_name("1", "ABCD"[i], 1)}
        v.append(clip)
    assert round(tl.duration().value) == 172800  # 2 h of 23.976 labels, 7207.2 s of real time
    assert tl.duration().to_seconds() == pytest.approx(7207.2)
    with export(tl, tmp_path / "long.edl").open() as fh:
        edits = [e for ev in pycmx.parse_cmx3600(fh).events for e in ev.edits]
    assert [e.record_in for e in edits] == [
        "01:00:00:00",
        "01:30:00:00",
        "02:00:00:00",
        "02:30:00:00",
    ]
    assert edits[-1].record_out == "03:00:00:00"
    assert all(e.source_out == "10:30:00:00" for e in edits)


@pytest.mark.media
def test_assembled_cut_edl_carries_picture_and_sound(assembled, tmp_path):
    import pycmx

    path = export(assembled.timeline, tmp_path / "cut.edl")
    with path.open() as fh:
        edits = [e for ev in pycmx.parse_cmx3600(fh).events for e in ev.edits]
    clips = [e for e in cut_events(assembled.timeline) if e.slate is None]
    assert len(edits) == len(clips)
    assert all(e.channels.video and e.channels.a1 for e in edits)  # channel B
    assert [e.clip_name for e in edits] == [c.name for c in clips]
    r = tc.rate("24")
    assert [e.record_in for e in edits] == [
        tc.frames_to_timecode(86400 + c.record_in, r) for c in clips
    ]
    assert [e.source_in for e in edits] == [tc.frames_to_timecode(c.source_in, r) for c in clips]
    back = otio.adapters.read_from_file(str(path), rate=24)
    assert [len(list(t.find_clips())) for t in back.tracks] == [len(clips), len(clips)]


@pytest.mark.parametrize("rate", ["23.976", "24", "25", "29.97"])
def test_fcpxml_spine_has_source_in_points(rate, tmp_path):
    """The FCPXML spine clips start at each clip's source in (rational seconds); OTIO's
    fcpx reader does not give these back, so the XML is checked directly."""
    import xml.etree.ElementTree as ET
    from fractions import Fraction

    tl, expected = make_cut(rate)
    root = ET.parse(export(tl, tmp_path / "c.fcpxml")).getroot()
    clips = root.findall(".//spine/asset-clip")
    r = tc.rate(rate)
    assert [c.get("name") for c in clips] == [e["name"] for e in expected]
    got = [
        tc.frames_to_timecode(round(Fraction(c.get("start").rstrip("s")) * r.fps), r) for c in clips
    ]
    assert got == [e["src_in"] for e in expected]
    frame = root.find(".//format").get("frameDuration")
    assert (
        frame
        == {"23.976": "1001/24000s", "24": "1/24s", "25": "1/25s", "29.97": "1001/30000s"}[rate]
    )


@pytest.mark.parametrize("rate", ["24", "29.97"])
def test_fcp7_file_timecode_and_reels(rate, tmp_path):
    import xml.etree.ElementTree as ET

    tl, expected = make_cut(rate)
    root = ET.parse(export(tl, tmp_path / "c.xml")).getroot()
    files = {}
    for f in root.iter("file"):
        if f.find("timecode") is not None:
            files[f.get("id")] = f
    tcs = [f.find("timecode") for f in files.values()]
    assert [t.findtext("reel/name") for t in tcs] == [e["reel"] for e in expected]
    assert [t.findtext("string") for t in tcs] == [e["src_in"] for e in expected]
    assert {t.findtext("displayformat") for t in tcs} == {"DF" if rate == "29.97" else "NDF"}

"""Independent renders give the frames of previz.mp4.

The test project's cut (tests/edit/conftest.py: takes at 10:00:00:00 + one minute per
take), its takes recorded again through the Recorder so that each MP4 carries its
start timecode and reel as a shoot writes them, is rendered by previzkit with burn-ins
off, then twice more by tools that share no code with it:
- melt (MLT) plays the EDL, conformed the way an editor does it (tests/helpers/
  conform.py): pycmx reads the events, each event's file is found by reel (or file
  name) and the start timecode the MP4 carries (ffprobe), the source timecode becomes
  file frames;
- ges-launch-1.0 (GStreamer Editing Services) plays the .xges that previzkit's xges
  exporter writes through OTIO's adapter.
The same two renders of a cut of takes recorded at 23.976 (24000/1001) and 29.97
drop-frame (sources across the dropped minute labels) check the conform at NTSC rates.
At 10 frames spread over the cut's clips (slate cards are gaps in both: black there,
cards in previz.mp4) each render is within 35 dB PSNR of previz.mp4 and closer to the
frame at its position than to its neighbours (a one-frame slip measures ~34 dB).
"""

from __future__ import annotations

import copy
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest

from tests.helpers import conform
from tests.helpers.edit_project import FPS

otio = pytest.importorskip("opentimelineio")
pytest.importorskip("av")

MIN_PSNR = 35.0


def _rerecord(take_project, root: Path) -> dict[tuple[str, str, int], Path]:
    """Each take of ``take_project`` recorded again, frame for frame, through the
    Recorder into a take store at ``root`` (same scene, shot, take number and start
    timecode): take MP4s as a shoot writes them, with timecode, reel and sound."""
    from previzkit.media.video import VideoReader
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore

    files = {}
    with TakeStore(take_project) as old, TakeStore(root) as new:
        for take in sorted(old.list(), key=lambda t: (t.scene, t.shot, t.take)):
            with VideoReader(old.file(take, "video")) as reader:
                images = [f.image for f in reader.frames()]
            h, w = images[0].shape[:2]
            with Recorder(
                new, take.scene, take.shot, rate=take.rate, start_tc=take.start_tc, size=(w, h)
            ) as rec:
                for i, image in enumerate(images):
                    rec.frame(image, time_s=i / FPS)
            assert rec.take.take == take.take, f"take {take.label}: recorded as {rec.take.take}"
            files[take.scene, take.shot, take.take] = Path(new.file(rec.take, "video"))
    return files


@pytest.fixture(scope="module")
def job(take_project, assembled, tmp_path_factory):
    """The test project's cut on takes recorded through the Recorder (timecode and
    reel in each MP4), exported (.otio) and rendered by previzkit at the takes' frame
    size with burn-ins off."""
    from previzkit.edit.exporters import export
    from previzkit.edit.render import RenderOptions, render_cut
    from previzkit.media.video import probe_video

    out = tmp_path_factory.mktemp("independent")
    files = _rerecord(take_project, out / "project")
    timeline = copy.deepcopy(assembled.timeline)
    for clip in timeline.find_clips():
        info = clip.metadata["previzkit"]
        clip.media_reference.target_url = files[
            str(info["scene"]), str(info["shot"]), int(info["take"])
        ].as_uri()
    cut = export(timeline, out / "cut.otio")
    probe = probe_video(next(iter(files.values())))
    previz = render_cut(
        cut, out / "previz.mp4", RenderOptions(probe.width, probe.height, crf=12, burn_ins=False)
    )
    return {
        "dir": out,
        "timeline": timeline,
        "previz": previz,
        "files": sorted(files.values()),
        "size": (probe.width, probe.height),
        "fps": Fraction(FPS),
    }


def _clip_spans(timeline) -> list[tuple[int, int]]:
    """Record frames [a, b) of the video track's clips, from the cut's start."""
    track = timeline.video_tracks()[0]
    spans = []
    for item in track:
        if isinstance(item, otio.schema.Clip):
            r = track.range_of_child(item)
            a = round(r.start_time.to_frames(r.duration.rate))
            spans.append((a, a + round(r.duration.to_frames(r.duration.rate))))
    return spans


def _check_frames(ours: Path, theirs: Path, frames: list[int], what: str) -> dict[int, float]:
    scores = conform.sample_psnr(ours, theirs, frames)
    print(f"{what}: PSNR {min(scores.values()):.1f} to {max(scores.values()):.1f} dB at {frames}")
    low = {f: round(v, 1) for f, v in scores.items() if v <= MIN_PSNR}
    assert not low, f"{what}: frames below {MIN_PSNR} dB PSNR against previz.mp4: {low}"
    near = [f + d for f in frames for d in (-1, 1) if f + d >= 0]
    neighbours = conform.read_frames(ours, near)
    mine = conform.read_frames(theirs, frames)
    for f in frames:
        for d in (-1, 1):
            if f + d in neighbours:
                other = conform.psnr(neighbours[f + d], mine[f])
                assert other < scores[f], (
                    f"{what}: frame {f} matches previz.mp4's frame {f + d} ({other:.1f} dB) "
                    f"better than frame {f} ({scores[f]:.1f} dB): off by a frame"
                )
    return scores


def test_melt_conforms_the_edl_to_the_frames_of_the_previz(job):
    for tool in ("melt", "ffprobe"):
        if reason := conform.missing_tool(tool):
            pytest.skip(reason)
    from previzkit.edit.exporters import export

    fps = job["fps"]
    edl = export(job["timeline"], job["dir"] / "cut.edl")
    media = conform.index_media(job["files"], fps)  # start timecode and reel from each file
    events = conform.conform_edl(edl, media, fps)
    clips = _clip_spans(job["timeline"])
    assert len(events) == len(clips), f"{edl}: {len(events)} events for {len(clips)} clips"

    start = round(job["timeline"].global_start_time.to_frames(float(fps)))
    assert [(e.record_in - start, e.record_out - start) for e in events] == clips
    mlt = job["dir"] / "cut.mlt"
    mlt.write_text(conform.mlt_playlist(events, *job["size"], fps, start), encoding="utf-8")
    rendered = conform.render_mlt(mlt, job["dir"] / "melt.mkv")
    _check_frames(job["previz"], rendered, conform.spread(clips), "melt render of the EDL")


def test_ges_renders_the_xges_export_to_the_frames_of_the_previz(job):
    if reason := conform.missing_tool("ges-launch-1.0"):
        pytest.skip(reason)
    from previzkit.edit.exporters import export

    xges = export(job["timeline"], job["dir"] / "cut.xges")
    rendered = conform.render_xges(xges, job["dir"] / "ges.mkv")
    clips = _clip_spans(job["timeline"])
    _check_frames(job["previz"], rendered, conform.spread(clips), "GES render of the xges")


def test_xges_inpoints_fall_inside_their_files(job):
    """Every clip's inpoint + duration lies inside its asset (the take file, from 0),
    and clip starts sit on the frame grid (GES's floor of frame x 1e9 / fps)."""
    from previzkit.edit.exporters import export
    from previzkit.edit.exporters.xges import frame_ns

    xges = export(job["timeline"], job["dir"] / "grid.xges")
    root = ET.parse(xges).getroot()
    lengths = {}
    for asset in root.iter("asset"):
        props = asset.get("properties", "")
        lengths[asset.get("id")] = int(props.split("duration=(guint64)")[1].split(";")[0])
    clips = list(root.iter("clip"))
    assert clips, f"{xges}: no clips"
    grid = {frame_ns(f, job["fps"]) for f in range(0, 24 * 60)}
    for clip in clips:
        inpoint, duration = int(clip.get("inpoint")), int(clip.get("duration"))
        assert inpoint >= 0 and inpoint + duration <= lengths[clip.get("asset-id")], (
            f"{xges}: clip {clip.get('id')} plays {inpoint}+{duration} ns of a "
            f"{lengths[clip.get('asset-id')]} ns file"
        )
        assert int(clip.get("start")) in grid, f"clip {clip.get('id')} starts off the grid"
    video = next(t for t in root.iter("track") if t.get("track-type") == "4")
    assert "framerate\\=\\(fraction\\)24/1" in video.get("properties", "")
    assert f"width\\=\\(int\\){job['size'][0]}" in video.get("properties", "")


# -- NTSC rates: takes recorded at 23.976 / 29.97 DF, sources across dropped labels ---

#: (rate, each take's start timecode): at 29.97 drop-frame the takes run across
#: 10:00:59;29 -> 10:01:00;02 and the ten-minute label that keeps its frames.
NTSC = {
    "23.976": ["10:00:59:00", "10:10:00:00", "11:00:00:00"],
    "29.97": ["10:00:59;20", "10:09:59;20", "10:20:59;25"],
}
TAKE_FRAMES = 60


def _ntsc_cut(rate_name: str, root: Path):
    """Three takes recorded through the Recorder at ``rate_name`` and a cut of them
    (each clip 10 frames into its take, 30-40 frames long, a 6-frame gap between the
    second and third), record start 01:00:00:00."""
    from previzkit.edit.synthetic import write_take_video
    from previzkit.media.video import VideoReader
    from previzkit.model import timecode as tc
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore

    r = tc.rate(rate_name)
    fps = float(r.fps)
    rt = otio.opentime.RationalTime
    tl = otio.schema.Timeline(name=f"ntsc {rate_name}")
    tl.metadata["previzkit"] = {"rate": r.name}
    tl.global_start_time = rt(tc.timecode_to_frames("01:00:00:00", r), fps)
    v1 = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    tl.tracks.append(v1)
    with TakeStore(root) as store:
        for i, start in enumerate(NTSC[rate_name]):
            synthetic = write_take_video(
                root.parent / "sources" / f"{i}.mp4", TAKE_FRAMES, r.fps, seed=20 + i
            )
            with VideoReader(synthetic) as reader:
                images = [f.image for f in reader.frames()]
            with Recorder(
                store, "7", f"7-{'ABC'[i]}", rate=r.name, start_tc=start, size=(160, 96)
            ) as rec:
                for k, image in enumerate(images):
                    rec.frame(image, time_s=k / fps)
            video = Path(store.file(rec.take, "video"))
            head = tc.timecode_to_frames(start, r)
            n = 30 + 5 * i
            if i == 2:
                v1.append(
                    otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=rt(6, fps)))
                )
            clip = otio.schema.Clip(
                name=f"Sc7 Sh7-{'ABC'[i]} Tk1",
                media_reference=otio.schema.ExternalReference(
                    target_url=video.as_uri(),
                    available_range=otio.opentime.TimeRange(rt(head, fps), rt(TAKE_FRAMES, fps)),
                ),
                source_range=otio.opentime.TimeRange(rt(head + 10, fps), rt(n, fps)),
            )
            clip.metadata["cmx_3600"] = {"reel": f"7{'ABC'[i]}T1"}
            v1.append(clip)
    return tl


@pytest.mark.parametrize(
    ("rate_name", "folder"),
    [
        ("23.976", "project"),
        ("29.97", "project"),
        pytest.param("29.97", "prévis project", id="29.97-space-accent"),
    ],
)
def test_melt_and_ges_conform_at_ntsc_rates(rate_name, folder, tmp_path):
    """Takes in ``folder`` under the test's folder (a space and an accent in one)."""
    missing = [m for t in ("melt", "ges-launch-1.0", "ffprobe") if (m := conform.missing_tool(t))]
    if missing:
        pytest.skip("; ".join(missing))
    from previzkit.edit.exporters import export
    from previzkit.edit.render import RenderOptions, render_cut
    from previzkit.model import timecode as tc

    timeline = _ntsc_cut(rate_name, tmp_path / folder)
    r = tc.rate(rate_name)
    previz = render_cut(
        timeline, tmp_path / "previz.mp4", RenderOptions(160, 96, crf=12, burn_ins=False)
    )
    clips = _clip_spans(timeline)
    frames = conform.spread(clips)

    edl = export(timeline, tmp_path / "cut.edl")
    files = sorted((tmp_path / folder).rglob("*.mp4"))
    media = conform.index_media(files, r.fps, drop=r.drop_frame)
    events = conform.conform_edl(edl, media, r.fps)
    start = round(timeline.global_start_time.to_frames(float(r.fps)))
    assert [(e.record_in - start, e.record_out - start) for e in events] == clips
    mlt = tmp_path / "cut.mlt"
    mlt.write_text(conform.mlt_playlist(events, 160, 96, r.fps, start), encoding="utf-8")
    melted = conform.render_mlt(mlt, tmp_path / "melt.mkv")
    _check_frames(previz, melted, frames, f"melt render of the {rate_name} EDL")

    xges = export(timeline, tmp_path / "cut.xges")
    rendered = conform.render_xges(xges, tmp_path / "ges.mkv")
    _check_frames(previz, rendered, frames, f"GES render of the {rate_name} xges")

"""`previzkit demo --quick` in a temporary folder: every output checked with the real
libraries (OTIO, pycmx, PyAV, the HTML page's files)."""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gl, pytest.mark.media, pytest.mark.slow]


@pytest.fixture(scope="module")
def demo_run(quick_demo: tuple[Path, str]) -> tuple[Path, str]:
    return quick_demo


def _plan(out: Path):
    from previzkit.script import load_shot_plan

    return load_shot_plan(out / "shots.yaml")


def _clips(out: Path):
    import opentimelineio as otio

    timeline = otio.adapters.read_from_file(str(out / "cut.otio"))
    track = timeline.video_tracks()[0]
    return timeline, [c for c in track if isinstance(c, otio.schema.Clip)]


def test_every_output_is_written_and_summarised(demo_run) -> None:
    out, stdout = demo_run
    for name in ("cut.otio", "cut.edl", "cut.fcpxml", "previz.mp4", "index.html", "shots.yaml"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert re.search(r"recorded (\d+) takes", stdout)
    assert "cut: " in stdout and str(out / "previz.mp4") in stdout


def test_takes_recorded_per_planned_shot(demo_run) -> None:
    from previzkit.takes.store import TakeStore

    out, stdout = demo_run
    plan = _plan(out)
    planned = [sh.id for sp in plan.scenes for sh in sp.shots]
    with TakeStore(out / "project", create=False) as store:
        takes = store.list()
    assert len(takes) == 2 * len(planned)  # --quick: 2 takes a shot
    assert {t.shot for t in takes} == set(planned)
    assert all(t.status == "ok" and t.duration_frames > 0 for t in takes)
    # different timing per take: the two takes of a shot differ in length
    by_shot: dict[str, set[int]] = {}
    for t in takes:
        by_shot.setdefault(t.shot, set()).add(t.duration_frames)
    assert all(len(v) == 2 for v in by_shot.values())
    assert f"recorded {len(takes)} takes" in stdout


def test_otio_clips_are_planned_shots_in_script_order(demo_run) -> None:
    out, _ = demo_run
    plan = _plan(out)
    scene_order = [sp.number for sp in plan.scenes]
    shots = {sh.id: sp.number for sp in plan.scenes for sh in sp.shots}
    _, clips = _clips(out)
    assert clips
    seen_scenes, last = [], (-1, -1)
    for c in clips:
        m = c.metadata["previzkit"]
        assert m["shot"] in shots and shots[m["shot"]] == m["scene"]  # one planned shot each
        key = (scene_order.index(m["scene"]), min(m["lines"]))
        assert key > last, f"{c.name} out of script order"
        last = (key[0], max(m["lines"]))
        if m["scene"] not in seen_scenes:
            seen_scenes.append(m["scene"])
    assert seen_scenes == scene_order  # every scene is in the cut, in order


def test_edl_reads_back_with_the_same_events(demo_run) -> None:
    import opentimelineio as otio
    import pycmx

    out, _ = demo_run
    _, clips = _clips(out)
    edl = otio.adapters.read_from_file(str(out / "cut.edl"), rate=24)
    edl_clips = [c for c in edl.video_tracks()[0] if isinstance(c, otio.schema.Clip)]
    assert [c.name for c in edl_clips] == [c.name for c in clips]
    assert [c.source_range for c in edl_clips] == [c.source_range for c in clips]
    with (out / "cut.edl").open() as f:
        events = list(pycmx.parse_cmx3600(f).events)
    assert len(events) == len(clips)


def test_fcpxml_reads_back(demo_run) -> None:
    import opentimelineio as otio

    out, _ = demo_run
    _, clips = _clips(out)
    fcp = otio.adapters.read_from_file(str(out / "cut.fcpxml"))
    tl = (
        fcp
        if isinstance(fcp, otio.schema.Timeline)
        else fcp.find_children(descended_from_type=otio.schema.Timeline)[0]
    )
    video = [c for t in tl.video_tracks() for c in t.find_clips()]
    assert [c.name for c in video] == [c.name for c in clips]


def test_mp4_has_the_cut_duration_and_frame_count(demo_run) -> None:
    import av

    out, _ = demo_run
    timeline, _ = _clips(out)
    expected = round(timeline.duration().to_frames(24))
    with av.open(str(out / "previz.mp4")) as c:
        v = c.streams.video[0]
        assert v.average_rate == Fraction(24)
        frames = sum(1 for _ in c.decode(v))
        assert frames == expected
        duration = float(c.duration) / av.time_base
    assert duration == pytest.approx(expected / 24, abs=2 / 24)


def test_storyboard_references_thumbnails_that_exist(demo_run) -> None:
    from PIL import Image

    out, _ = demo_run
    _, clips = _clips(out)
    page = (out / "index.html").read_text(encoding="utf-8")
    thumbs = re.findall(r'<img src="([^"]+)"', page)
    assert len(thumbs) == len(clips)
    for t in thumbs:
        with Image.open(out / t) as im:
            assert im.size[0] > 0
    video = re.search(r'<video[^>]*src="([^"]+)"', page) or re.search(r'src="([^"]+\.mp4)"', page)
    assert video and (out / video.group(1)).is_file()


def _take_files(out: Path):
    """(take, planned shot, joints, camera path) of every take of the demo."""
    from previzkit.model.camera_track import read_camera_track
    from previzkit.model.joint_track import read_joint_track
    from previzkit.takes.store import TakeStore

    shots = {sh.id: sh for sp in _plan(out).scenes for sh in sp.shots}
    with TakeStore(out / "project", create=False) as store:
        for take in store.list():
            joints = read_joint_track(store.file(take, "joints"))
            cams = read_camera_track(store.file(take, "camera"))
            path = [(s.camera_to_world, s.lens) for s in cams]
            yield take, shots[take.shot], joints, path


def test_framing_from_the_stored_joints_through_each_camera_track(demo_run) -> None:
    """Heads (and insert props) projected from joints.npz through camera.npz: singles and
    over-the-shoulders keep the subject's head in title safe, two-shots both heads, inserts
    their prop's centre in the middle third, in at least 95% of frames."""
    from previzkit.core.resources import assets_dir
    from previzkit.model.setfile import load_set
    from previzkit.production.operator import fraction_by_subject
    from previzkit.production.record import prop_centre

    out, _ = demo_run
    sets = {sp.number: sp.set_file for sp in _plan(out).scenes}
    framed: dict[str, list[tuple[float, int]]] = {}
    for take, shot, joints, path in _take_files(out):
        assert len(joints) == len(path), take.label
        prop = None
        if shot.type == "insert":
            prop = prop_centre(load_set(assets_dir() / sets[take.scene]), shot.subjects[0])
        fraction = fraction_by_subject(shot, joints, path, 16 / 9, prop)
        if fraction == fraction:  # NaN: a type without a framing rule (pov, establishing)
            framed.setdefault(shot.type, []).append((fraction, len(path)))
    figures = {
        kind: sum(f * n for f, n in rows) / sum(n for _, n in rows) for kind, rows in framed.items()
    }
    print("frames framed per shot type:", {k: round(v, 3) for k, v in figures.items()})
    for kind in ("single", "ots", "two-shot", "insert"):
        if kind in figures:
            assert figures[kind] >= 0.95, (kind, figures[kind])


def test_no_unmotivated_jump_at_cuts_inside_scenes(demo_run) -> None:
    """Issue 16: a character's mean joint position moves <= 0.3 m across each cut inside
    a scene (the takes' joints.npz), unless the script moves on there."""
    import opentimelineio as otio

    from previzkit.production.performance_check import cut_jumps

    out, _ = demo_run
    timeline = otio.adapters.read_from_file(str(out / "cut.otio"))
    incoming, prev = [], None
    for item in timeline.video_tracks()[0]:
        if not isinstance(item, otio.schema.Clip):
            prev = None
            continue
        if (
            prev is not None
            and prev.metadata["previzkit"]["scene"] == (item.metadata["previzkit"]["scene"])
        ):
            incoming.append(item)
        prev = item
    jumps = cut_jumps(out / "cut.otio", out / "project")
    assert len(jumps) == len(incoming) > 0
    bad = [
        (name, round(jump, 3))
        for (name, jump), clip in zip(jumps, incoming, strict=True)
        if jump > 0.3
        and not clip.metadata["previzkit"].get("continuity", {}).get("motivated", False)
    ]
    assert not bad, bad


def _coverage(out: Path, timeline=None):
    from previzkit.core.resources import asset_path
    from previzkit.edit.coverage_check import check_coverage, clip_infos
    from previzkit.script import read_script

    if timeline is None:
        timeline, _ = _clips(out)
    script = read_script(asset_path("scripts", "sample.fountain"))
    return check_coverage(clip_infos(timeline), script, _plan(out))


def test_cut_keeps_the_scripts_coverage_rules(demo_run) -> None:
    """The demo's cut (default styles): no O.S. or V.O. line on the speaker's shot, the
    POV line on the POV, the inserts where the action names their props, dual
    dialogue on the two-shot; most of the planned shot types are used."""
    out, _ = demo_run
    report = _coverage(out)
    assert report.ok, report.summary()
    assert {k: len(r.lines) for k, r in report.rules.items()} == {
        "off_screen": 1,
        "voice_over": 1,
        "pov": 1,
        "insert": 6,
        "dual": 2,
    }
    assert report.type_ratio >= 0.6, report.summary()


@pytest.mark.parametrize(
    "styles", ["default,intensify", "intensify,speaker-visible,avoid-jump-cuts,variety"]
)
def test_recut_with_other_styles_from_the_take_store(demo_run, styles: str) -> None:
    """A re-cut with other styles reads the recorded takes (no recording): the script's
    rules still hold, the clips say which style chose their shot, the cut changes."""
    from previzkit.core.resources import asset_path
    from previzkit.edit.coverage_check import clip_infos
    from previzkit.production.recut import recut

    out, _ = demo_run
    result = recut(out, asset_path("scripts", "sample.fountain"), styles)
    report = _coverage(out, result.timeline)
    assert report.ok, report.summary()
    assert report.type_ratio >= 0.6, report.summary()
    infos = clip_infos(result.timeline)
    assert all("intensify" in i["styles"] for i in infos)
    assert any(w.startswith("style intensify") for i in infos for w in i["why"])
    _, before = _clips(out)
    assert [i["shot"] for i in infos] != [c.metadata["previzkit"]["shot"] for c in before]


def test_jl_cuts_move_the_sound_edit_off_the_picture_edit(demo_run) -> None:
    """``jl-cuts``: at some cuts the A1 edit leads (J) or trails (L) the V1 edit, each
    noted in the picture clip's why; both tracks keep the cut's length and every sound
    clip stays inside its take."""
    import opentimelineio as otio

    from previzkit.core.resources import asset_path
    from previzkit.production.recut import recut

    out, _ = demo_run
    timeline = recut(out, asset_path("scripts", "sample.fountain"), "default,jl-cuts").timeline
    video, audio = timeline.tracks[0], timeline.tracks[1]
    assert video.duration() == audio.duration()
    edits = [
        (video.range_of_child_at_index(i).start_time, audio.range_of_child_at_index(i).start_time)
        for i in range(len(video))
    ]
    moved = [(v, a) for v, a in edits if v != a]
    assert moved and len(moved) < len(edits)
    assert all(abs((a - v).to_seconds()) <= 0.5 + 1e-9 for v, a in moved)
    notes = [
        w for c in video.find_clips() for w in c.metadata["previzkit"]["why"] if "jl-cuts" in w
    ]
    assert len(notes) == len(moved)
    assert any("J cut" in w for w in notes) or any("L cut" in w for w in notes)
    for clip in audio.find_clips():
        sr, av = clip.source_range, clip.media_reference.available_range
        assert av.start_time <= sr.start_time and sr.end_time_exclusive() <= av.end_time_exclusive()
        assert sr.duration.value >= 1
    assert isinstance(video[0], otio.schema.Gap)  # the slate stays on both tracks

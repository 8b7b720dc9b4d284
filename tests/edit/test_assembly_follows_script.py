"""An assembled cut from a project of recorded takes follows the script order and the
scoring rules (the expected take per shot is named in tests/helpers/edit_project.py)."""

from __future__ import annotations

import itertools

import pytest

from previzkit.core.errors import InputError, TakeStoreError
from previzkit.edit.assemble import AssemblyRules, Beat, choose_shot, segments_for_scene
from previzkit.edit.timeline import cut_events
from tests.helpers.edit_project import EXPECTED

pytestmark = pytest.mark.media


def test_best_take_per_shot(assembled):
    for shot, take in EXPECTED.items():
        assert assembled.scores[shot][0].label == f"{shot.split('-')[0]}/{shot}/{take}", (
            shot,
            [(s.label, s.total, s.why) for s in assembled.scores[shot]],
        )
    clips = [e for e in cut_events(assembled.timeline) if e.slate is None]
    for e in clips:
        assert e.info["take"] == EXPECTED[e.info["shot"]]


def test_scores_are_explained(assembled):
    why = {s.label: s.why for ranked in assembled.scores.values() for s in ranked}
    assert any(w.split(" (")[0] == "circled" for w in why["1/1-B/2"])
    assert any(w.startswith("rated 5/5") for w in why["1/1-B/1"])
    assert any(
        w.startswith("tracking: confidence 0.40, 2") or w.startswith("tracking: confidence 0.40, 3")
        for w in why["1/1-F/1"]
    )
    assert any(w.startswith("marks: hit the mark") for w in why["2/2-B/1"])
    assert any(w.startswith("marks: missed the mark") for w in why["2/2-B/3"])
    assert any(w.startswith("recovered after a crash") for w in why["2/2-B/2"])
    assert all(any(w.startswith("timing:") for w in ws) for ws in why.values())


def test_script_order_and_slates(assembled):
    events = cut_events(assembled.timeline)
    assert events[0].slate == {
        "scene": "1",
        "heading": "EXT. ROOFTOP - NIGHT",
        "title": "THE LAST TAKE",
    }
    scenes = [e.slate["scene"] for e in events if e.slate is not None]
    assert scenes == ["1", "2"]  # scene 3 has no takes: left out and reported
    assert any("scene 3" in m for m in assembled.missing)
    lines = [ln for e in events if e.slate is None for ln in e.info["lines"]]
    assert lines == sorted(lines)  # script order, each line once
    assert len(lines) == len(set(lines))
    # record time is contiguous
    for a, b in itertools.pairwise(events):
        assert b.record_in == a.record_in + a.duration


def test_cutting_rules(assembled):
    clips = [e for e in cut_events(assembled.timeline) if e.slate is None]
    shots = [e.info["shot"] for e in clips]
    assert all(a != b for a, b in itertools.pairwise(shots))  # no jump cuts
    assert shots[0] == "1-A"  # the scene opens on its establishing shot
    for e in clips:
        text = e.info["text"]
        if e.info["shot"] == "1-F":  # Mara's single plays her lines
            assert text[0] == "MARA"
        if e.info["shot"] == "1-G":
            assert text[0] == "JONAS"
    assert all(e.duration >= 0.2 * 24 for e in clips)


def test_trims_use_the_action(assembled):
    # establishing take: motion frames 12-60 (+0.5 s handles) of a 72-frame take
    first = next(e for e in cut_events(assembled.timeline) if e.slate is None)
    start = 10 * 3600 * 24
    assert first.source_in - start == pytest.approx(0, abs=3)
    assert first.duration == pytest.approx(72, abs=4)


def _shot(sid, kind, subjects, covers):
    from previzkit.script.shots import Shot

    return Shot(sid, kind, subjects, 50.0, "right", covers)


def test_choose_shot_rules():
    master = _shot("1-B", "master", ["A", "B"], [1, 2, 3, 4, 5])
    single_a = _shot("1-F", "single", ["A"], [2, 3])
    ots_b = _shot("1-E", "ots", ["B", "A"], [4, 5])
    est = _shot("1-A", "establishing", [], [1])
    shots = [est, master, ots_b, single_a]
    act = Beat("1", 0, "action", None, [1], ["x"], 2.0)
    line_a = Beat("1", 1, "dialogue", "A", [2, 3], ["hi"], 2.0)
    line_b = Beat("1", 2, "dialogue", "B", [4, 5], ["yo"], 2.0)
    assert choose_shot(act, shots, opening=True) is est
    assert choose_shot(act, shots, opening=False) is master
    assert choose_shot(line_a, shots, opening=False) is single_a
    assert choose_shot(line_b, shots, opening=False) is ots_b
    assert choose_shot(line_b, [single_a, master], opening=False) is master  # not A's single


def test_short_segments_are_merged():
    master = _shot("1-B", "master", ["A", "B"], [1, 2, 3, 4])
    single_a = _shot("1-F", "single", ["A"], [2])
    single_b = _shot("1-G", "single", ["B"], [3, 4])
    beats = [
        Beat("1", 0, "dialogue", "B", [3], ["long"], 3.0),
        Beat("1", 1, "dialogue", "A", [2], ["hm"], 0.3),
        Beat("1", 2, "dialogue", "B", [4], ["long"], 3.0),
    ]

    def seconds(shot, bs):
        return sum(b.estimate_s for b in bs)

    segs, missing = segments_for_scene(
        beats, [master, single_a, single_b], seconds, AssemblyRules(min_shot_s=1.0)
    )
    assert not missing
    # A's 0.3 s single is too short; so is the master over that one line, which
    # then takes over the next line too: no shot under 1 s, none follows itself
    assert [s.shot.id for s in segs] == ["1-G", "1-B"]
    assert [len(s.beats) for s in segs] == [1, 2]
    segs, _ = segments_for_scene(
        beats, [master, single_a, single_b], seconds, AssemblyRules(min_shot_s=0.1)
    )
    assert [s.shot.id for s in segs] == ["1-G", "1-F", "1-G"]


def test_bad_projects(tmp_path, sample_script):
    from previzkit.edit.assemble import assemble
    from previzkit.model.take import Take
    from previzkit.takes.store import TakeStore

    with pytest.raises(TakeStoreError, match=r"no takes\.sqlite"):
        assemble(tmp_path / "none", sample_script)
    with TakeStore(tmp_path / "empty"):
        pass
    with pytest.raises(TakeStoreError, match="has no takes"):
        assemble(tmp_path / "empty", sample_script)
    with TakeStore(tmp_path / "mixed") as s:
        s.add(Take("1", "1-A", 1, rate="24"))
        s.add(Take("1", "1-B", 1, rate="25"))
    with pytest.raises(InputError, match=r"several rates \['24', '25'\]"):
        assemble(tmp_path / "mixed", sample_script)


def test_plan_from_yaml_gives_the_same_cut(take_project, sample_script, assembled, tmp_path):
    from previzkit.edit.assemble import assemble
    from previzkit.script import plan_shots, read_script, save_shot_plan

    plan = save_shot_plan(plan_shots(read_script(sample_script)), tmp_path / "plan.yaml")
    again = assemble(take_project, sample_script, plan, AssemblyRules(min_shot_s=0.2))
    key = [(e.name, e.record_in, e.source_in, e.duration) for e in cut_events(assembled.timeline)]
    assert [
        (e.name, e.record_in, e.source_in, e.duration) for e in cut_events(again.timeline)
    ] == key


def test_clips_carry_their_takes_camera_track(assembled, take_project):
    from previzkit.model.camera_track import read_camera_track
    from tests.helpers.edit_project import FRAMES, TAKES, camera_focal

    clips = [c for track in assembled.timeline.tracks for c in track.find_clips()]
    assert clips
    index = {(shot, n): i for i, (shot, n, *_) in enumerate(TAKES)}
    for clip in clips:
        info = clip.metadata["previzkit"]
        if not info["shot"].startswith("1-"):  # scene 2's takes have no camera track
            assert "camera" not in info
            continue
        camera = dict(info["camera"])
        camera["focal_mm"] = list(camera["focal_mm"])  # an OTIO AnyVector
        scene, shot, take = info["scene"], info["shot"], info["take"]
        assert camera == {
            "track": f"takes/{scene}/{shot}/{take:03d}/camera.npz",
            "frames": FRAMES,
            "focal_mm": list(camera_focal(index[(shot, take)])),
        }
        assert len(read_camera_track(take_project / camera["track"])) == FRAMES

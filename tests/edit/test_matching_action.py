"""Matching action at cuts: within a scene no character's mean joint position jumps more
than 0.3 m between the last frame out and the first frame in unless the script moves on
(tests/helpers/edit_project.py builds the takes, with joints.npz, for a two-scene
screenplay where the cuts at the script's edit points jump)."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.edit.continuity import (
    ContinuityRules,
    best_cut,
    character_jumps,
    motivated,
    pose_distance,
)
from previzkit.model.joint_track import JointTrack, read_joint_track
from tests.helpers.edit_project import CONTINUITY_TAKES, FPS, lying, standing

RULES = ContinuityRules()
SLACK = round(RULES.slack_s * FPS)


def _track(frames, characters=("MARA", "JONAS")):
    from previzkit.model.skeleton import default_skeleton

    return JointTrack.from_frames(characters, default_skeleton().names, frames, FPS)


def test_pose_distance():
    a = _track([np.stack([standing(0, 0), standing(1, 0)])])
    b = _track([np.stack([standing(0, 0.2), lying(1, 0)])])
    jumps = character_jumps(a, 0, b, 0)
    assert jumps["MARA"] == pytest.approx(0.2, abs=1e-5)
    assert jumps["JONAS"] > 1.0
    assert pose_distance(a, 0, b, 0) == pytest.approx((jumps["MARA"] + jumps["JONAS"]) / 2)
    assert pose_distance(a, 0, b, 0, characters=["MARA"]) == pytest.approx(0.2, abs=1e-5)
    # Jonas exits (NaN) or is not in the other take: only Mara counts
    gone = _track([np.stack([standing(0, 0.2), np.full_like(standing(0, 0), np.nan)])])
    assert character_jumps(a, 0, gone, 0) == pytest.approx({"MARA": 0.2}, abs=1e-5)
    alone = _track([standing(0, 0.2)[None]], ("MARA",))
    assert pose_distance(a, 0, alone, 0) == pytest.approx(0.2, abs=1e-5)
    assert pose_distance(a, 0, _track([standing(0, 0)[None]], ("ANNA",)), 0) == 0.0
    assert pose_distance(a, 0, b, 5) == 0.0  # a frame the track does not have


def test_best_cut_prefers_matching_frames_near_the_script():
    # A lies down over frames 10-20, B over frames 30-40: out/in frames near 25 jump
    w = lambda f, at: float(np.clip((f - at) / 10, 0, 1))  # noqa: E731
    a = _track(
        [w(f, 10) * lying(0, 0)[None] + (1 - w(f, 10)) * standing(0, 0)[None] for f in range(60)],
        ("J",),
    )
    b = _track(
        [w(f, 30) * lying(0, 0)[None] + (1 - w(f, 30)) * standing(0, 0)[None] for f in range(60)],
        ("J",),
    )
    rules = ContinuityRules(max_jump_m=0.3)
    assert character_jumps(a, 25, b, 25)["J"] > 1.0
    cp = best_cut(a, range(13, 38), b, range(13, 38), (25, 25), FPS, rules)
    assert cp is not None and cp.jump_m <= 0.3 and cp.character == "J"
    assert cp.jump_m == pytest.approx(character_jumps(a, cp.out_frame, b, cp.in_frame)["J"])
    still = best_cut(b, range(0, 10), b, range(0, 10), (4, 6), FPS, rules)
    assert (still.out_frame, still.in_frame, still.jump_m) == (4, 6, 0.0)  # no reason to move
    masked = np.zeros((25, 25), bool)
    assert best_cut(a, range(13, 38), b, range(13, 38), (25, 25), FPS, rules, masked) is None
    assert best_cut(a, range(70, 80), b, range(0, 5), (75, 2), FPS, rules) is None
    with pytest.raises(InputError, match="allowed: shape"):
        best_cut(a, range(3), b, range(3), (0, 0), FPS, rules, np.ones((2, 2), bool))
    with pytest.raises(InputError, match="max_jump_m -1"):
        ContinuityRules(max_jump_m=-1)


def test_what_motivates_a_jump():
    from previzkit.script.model import Element, ElementType

    act = ElementType.ACTION
    assert motivated([Element(act, "MOMENTS LATER. Jonas lies on the gravel.")])
    assert motivated([Element(ElementType.TRANSITION, "DISSOLVE TO:")])
    assert motivated([Element(ElementType.CENTERED, "INTERCUT")])
    assert not motivated([Element(act, "He will tell her later.")])
    assert not motivated([])


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    pytest.importorskip("av")
    from tests.helpers.edit_project import build_continuity_project

    return build_continuity_project(
        tmp_path_factory.mktemp("continuity"), tmp_path_factory.mktemp("continuity_media")
    )


def _cut(project, continuity: ContinuityRules | None = RULES):
    from previzkit.edit.assemble import AssemblyRules, assemble

    root, script = project
    return assemble(root, script, rules=AssemblyRules(min_shot_s=0.5, continuity=continuity))


def _joints_cuts(root, assembly):
    """(scene, incoming clip, {character: mean joint position jump (m)}) per cut inside
    a scene, from the takes' joints.npz and the clips' source frames."""
    from previzkit.edit.timeline import cut_events
    from previzkit.model import timecode as tc

    out, prev = [], None
    for e in cut_events(assembly.timeline):
        if e.slate is not None:
            prev = None
            continue
        i = e.info
        track = read_joint_track(
            root / "takes" / i["scene"] / i["shot"] / f"{i['take']:03d}" / "joints.npz"
        )
        first = e.source_in - tc.timecode_to_frames(i["source_tc"], i["rate"])
        if prev is not None:
            ptrack, last = prev
            jumps = {}
            for c in set(ptrack.characters) & set(track.characters):
                a = ptrack.world[last, ptrack.characters.index(c)].mean(0)
                b = track.world[first, track.characters.index(c)].mean(0)
                jumps[c] = float(np.linalg.norm(a - b))
            out.append((i["scene"], e, jumps))
        prev = (track, first + e.duration - 1)
    return out


def test_no_unmotivated_jump_within_a_scene(project):
    root = project[0]
    before = _joints_cuts(root, _cut(project, None))
    after_cut = _cut(project)
    after = _joints_cuts(root, after_cut)
    worst = lambda cuts: [round(max(j.values()), 2) for _, _, j in cuts]  # noqa: E731
    print("jumps at the cuts (m), script's edit points:", worst(before), "matched:", worst(after))
    assert sum(max(j.values()) > 0.3 for s, _, j in before if s == "1") >= 3
    for _, e, jumps in after:
        note = e.info["continuity"]
        if not note["motivated"]:
            assert max(jumps.values()) <= 0.3, (e.name, jumps)
            assert note["jump_m"] <= 0.3 and note["jump_m"] >= max(jumps.values()) - 1e-3
    assert not [j for j in after_cut.jumps if not j["motivated"]]


def test_another_take_when_the_best_one_cannot_match(project):
    from previzkit.edit.timeline import cut_events

    assembly = _cut(project)  # keeps the timeline (and its metadata) alive
    clips = [e for e in cut_events(assembly.timeline) if e.slate is None]
    last = [e for e in clips if e.info["scene"] == "1"][-1]
    assert (last.info["shot"], last.info["take"]) == ("1-G", 2)
    assert last.info["continuity"]["instead_of_take"] == 1
    assert last.info["continuity"]["script_jump_m"] > 1.0
    first = next(e for e in clips if e.info["shot"] == "1-G")
    assert first.info["take"] == 1  # the best take where it matches


def test_script_timing_stays_within_the_slack(project):
    from previzkit.edit.timeline import cut_events

    a, b = _cut(project, None), _cut(project)
    naive, matched = cut_events(a.timeline), cut_events(b.timeline)
    assert [e.info.get("shot") for e in naive] == [e.info.get("shot") for e in matched]
    assert any(a.record_in != b.record_in for a, b in zip(naive, matched, strict=True))
    for a, b in zip(naive, matched, strict=True):
        assert abs(a.record_in - b.record_in) <= SLACK  # every cut and slate
        if a.slate is None and a.info["take"] == b.info["take"]:
            assert abs(a.source_in - b.source_in) <= SLACK
            assert abs((a.source_in + a.duration) - (b.source_in + b.duration)) <= SLACK
    end = lambda ev: ev[-1].record_in + ev[-1].duration  # noqa: E731
    assert abs(end(naive) - end(matched)) <= SLACK


def test_a_scene_change_or_time_jump_allows_any_jump(project):
    from previzkit.edit.timeline import cut_events

    assembly = _cut(project)
    script_cut = _cut(project, None)
    naive = [e for e in cut_events(script_cut.timeline) if e.slate is None]
    clips = [e for e in cut_events(assembly.timeline) if e.slate is None]
    scene2 = [(a, b) for a, b in zip(naive, clips, strict=True) if b.info["scene"] == "2"]
    opening = scene2[0][1]
    assert "continuity" not in opening.info  # across scenes: nothing to match
    assert opening.source_in == scene2[0][0].source_in
    later_naive, later = scene2[-1]  # "MOMENTS LATER. Jonas lies on the gravel."
    assert later.info["continuity"]["motivated"] is True
    assert later.info["continuity"]["jump_m"] > 1.0
    assert later.source_in == later_naive.source_in
    assert [j["clip"] for j in assembly.jumps] == [later.name]
    reported = assembly.timeline.metadata["previzkit"]["jumps"]
    assert [(j["clip"], j["motivated"]) for j in reported] == [(later.name, True)]


def test_a_jump_no_take_can_match_is_kept_and_reported(tmp_path):
    pytest.importorskip("av")
    from tests.helpers.edit_project import build_continuity_project

    takes = [t for t in CONTINUITY_TAKES if t[:4] != ("1", "single", "JONAS", 2)]
    project = build_continuity_project(tmp_path / "p", tmp_path / "m", takes=takes)
    assembly = _cut(project)
    unmatched = [j for j in assembly.jumps if not j["motivated"]]
    assert len(unmatched) == 1 and unmatched[0]["character"] == "JONAS"
    assert unmatched[0]["jump_m"] > 0.3 and unmatched[0]["scene"] == "1"
    clip = next(
        c
        for c in assembly.timeline.video_tracks()[0].find_clips()
        if c.name == unmatched[0]["clip"]
        and "continuity" in c.metadata["previzkit"]
        and c.metadata["previzkit"]["continuity"]["jump_m"] > 0.3
    )
    assert clip.metadata["previzkit"]["continuity"]["motivated"] is False


def test_takes_without_joints_cut_as_before(take_project, sample_script, assembled):
    from previzkit.edit.assemble import AssemblyRules, assemble
    from previzkit.edit.timeline import cut_events

    off = assemble(
        take_project, sample_script, rules=AssemblyRules(min_shot_s=0.2, continuity=None)
    )
    key = lambda a: [(e.name, e.record_in, e.source_in, e.duration) for e in cut_events(a.timeline)]  # noqa: E731
    assert key(off) == key(assembled)
    assert not assembled.jumps
    assert all("continuity" not in e.info for e in cut_events(assembled.timeline))

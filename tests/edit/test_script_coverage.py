"""Script-aware shot selection and editing styles on the real plans of the bundled sample
and tests/demo/data/spare_key.fountain (every planned shot usable): the coverage
checker finds no O.S. or V.O. line on the speaker's shot, every POV line on its POV,
every action or note naming an insert's prop on that insert, dual dialogue on the
two-shot, and flags a cut that breaks them. Cuts from real takes are checked in
tests/demo (test_demo_quick_outputs.py, test_previz_screenplays.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from previzkit.core.errors import InputError
from previzkit.core.resources import asset_path
from previzkit.edit.beats import scene_beats
from previzkit.edit.coverage import scene_cues
from previzkit.edit.coverage_check import check_coverage
from previzkit.edit.selection import segments_for_scene
from previzkit.edit.styles import DEFAULT_STYLES, STYLES, parse_styles
from previzkit.script import plan_shots, read_script

SPARE_KEY = Path(__file__).parents[1] / "demo" / "data" / "spare_key.fountain"
SCRIPTS = {"sample": asset_path("scripts", "sample.fountain"), "spare_key": SPARE_KEY}
STYLE_SETS = ("default", "intensify,speaker-visible", "start-wide,action-wide,variety")


def _cut(script, plan, styles: str) -> list[dict]:
    """Clip infos as the assembler writes them, every planned shot usable."""
    infos = []
    for sc, sp in zip(script.scenes, plan.scenes, strict=True):
        beats = scene_beats(sc)
        segs, missing = segments_for_scene(
            beats,
            sp.shots,
            lambda shot, bs: sum(b.estimate_s for b in bs),
            None,
            scene_cues(sc, beats, sp.shots),
            parse_styles(styles),
        )
        assert not missing
        for seg in segs:
            infos.append(
                {
                    "scene": sc.number,
                    "shot": seg.shot.id,
                    "shot_type": seg.shot.type,
                    "lines": [ln for b in seg.beats for ln in b.lines],
                    "why": seg.why,
                }
            )
    return infos


@pytest.mark.parametrize("name", list(SCRIPTS))
@pytest.mark.parametrize("styles", STYLE_SETS)
def test_every_style_set_keeps_the_script_rules(name: str, styles: str) -> None:
    script = read_script(SCRIPTS[name])
    plan = plan_shots(script, exists=lambda rel: False)
    infos = _cut(script, plan, styles)
    report = check_coverage(infos, script, plan)
    assert report.ok, report.summary() + "\n" + str([r.broken for r in report.rules.values()])
    counts = {k: len(r.lines) for k, r in report.rules.items()}
    # each rule has lines to keep in both screenplays
    assert min(counts.values()) >= 1, counts
    assert report.type_ratio >= 0.6, report.summary()
    assert all(i["why"] and any(w.startswith(("style", "script")) for w in i["why"]) for i in infos)


def test_the_checker_flags_a_cut_that_breaks_the_rules() -> None:
    script = read_script(SCRIPTS["sample"])
    plan = plan_shots(script, exists=lambda rel: False)
    infos = _cut(script, plan, "default")
    shots = {sh.id: sh for sp in plan.scenes for sh in sp.shots}
    bad = []
    for i in infos:  # the old cut's mistakes: O.S. on his single, the POV on the master
        if 24 in i["lines"]:
            i = i | {"shot": "1-G", "shot_type": "single"}
        if 63 in i["lines"]:
            i = i | {"shot": "2-B", "shot_type": "master"}
        if 42 in i["lines"]:
            i = i | {"shot": "1-B", "shot_type": "master"}
        bad.append(i)
    assert shots["1-G"].subjects == ["JONAS"]
    report = check_coverage(bad, script, plan)
    broken = {k: r.broken for k, r in report.rules.items() if r.broken}
    assert set(broken) == {"off_screen", "pov", "insert"}
    assert broken["off_screen"] == ["line 24: JONAS (O.S.) on their own shot (on 1-G)"]
    # a POV shot without takes: its line is not counted
    report = check_coverage(bad, script, plan, shot_ids=set(shots) - {"2-L"})
    assert not report.rules["pov"].lines


def test_styles_change_the_cut_and_say_why() -> None:
    script = read_script(SCRIPTS["sample"])
    plan = plan_shots(script, exists=lambda rel: False)
    plain = _cut(script, plan, "default")
    closer = _cut(script, plan, "default,intensify")
    assert [i["shot"] for i in plain] != [i["shot"] for i in closer]
    assert "ots" in {i["shot_type"] for i in closer}
    assert any("style intensify" in w for i in closer for w in i["why"])
    jonas_os = next(i for i in plain if 24 in i["lines"])
    assert jonas_os["shot_type"] == "master"
    assert jonas_os["why"][0].startswith("script: JONAS is off screen")


def test_style_names_are_checked() -> None:
    assert [s.name for s in parse_styles(None)] == list(DEFAULT_STYLES)
    assert [s.name for s in parse_styles("default,intensify")] == [*DEFAULT_STYLES, "intensify"]
    with pytest.raises(InputError) as err:
        parse_styles("start-wide,zoom")
    assert "unknown style zoom" in str(err.value)
    assert all(name in str(err.value) for name in STYLES)
    with pytest.raises(InputError, match="none given"):
        parse_styles(" , ")


def test_jl_offsets_only_where_the_crossing_take_covers_the_moment() -> None:
    from previzkit.edit.beats import Beat, Segment
    from previzkit.edit.jl import Span, audio_spans, jl_offsets
    from previzkit.script.shots import Shot

    master = Shot("1-B", "master", ["A", "B"], 24.0, "right", [1, 2, 3, 4])
    single_a = Shot("1-F", "single", ["A"], 85.0, "right", [2])
    single_b = Shot("1-G", "single", ["B"], 85.0, "right", [3])
    act = Beat("1", 0, "action", None, [1], ["x"], 2.0)
    line_a = Beat("1", 1, "dialogue", "A", [2], ["a"], 2.0)
    line_b = Beat("1", 2, "dialogue", "B", [3], ["b"], 2.0)
    end = Beat("1", 3, "dialogue", "A", [4], ["y"], 2.0)
    segs = [Segment(master, [act]), Segment(single_a, [line_a]), Segment(single_b, [line_b])]
    segs.append(Segment(master, [end]))
    spans = [Span(0, 48, 200), Span(48, 96, 100), Span(10, 58, 100), Span(150, 198, 200)]
    offsets = jl_offsets(segs, spans, 24.0, max_s=0.5)
    # master -> A's single: A's take does not play the action: straight; A -> B: neither
    # single plays the other's line: straight; B's single -> the master on A's next line:
    # the master plays B's line too, so its sound leads (J cut), 12 frames (0.5 s)
    assert offsets == [0, 0, -12]
    assert audio_spans(spans, offsets) == [(0, 48), (48, 96), (10, 46), (138, 198)]

"""Breakdown (eighths, timing, cast, props), shot plan rules, YAML save/load, locations."""

from __future__ import annotations

import pytest

from previzkit.core.errors import MissingFileError, ShotPlanError
from previzkit.core.resources import asset_path
from previzkit.script import (
    breakdown,
    load_shot_plan,
    parse,
    plan_shots,
    read_script,
    save_shot_plan,
)
from previzkit.script.breakdown import TimingModel, format_eighths, props_in, wrapped_lines
from previzkit.script.locations import background_for, location_slug, set_candidates
from previzkit.script.shots import plan_from_dict, plan_to_dict


@pytest.fixture(scope="module")
def sample():
    return read_script(asset_path("scripts", "sample.fountain"))


def test_sample_breakdown(sample):
    bd = breakdown(sample)
    assert bd.title == "THE LAST TAKE"
    assert [(s.number, s.int_ext, s.location, s.time) for s in bd.scenes] == [
        ("1", "EXT", "ROOFTOP", "NIGHT"),
        ("2", "INT", "WAREHOUSE", "NIGHT"),
        ("3", "INT", "WAREHOUSE - PROJECTION BOOTH", "CONTINUOUS"),
    ]
    for s in bd.scenes:
        assert s.characters == ["MARA", "JONAS"]
        assert 1 <= s.eighths <= 8 and s.seconds > 0
    assert "FILM CAN" in bd.scenes[0].props and "AIR VENT" in bd.scenes[0].props
    assert "PROJECTOR" in bd.scenes[1].props
    assert "MARA" in bd.scenes[1].characters_in_action
    assert not sample.warnings


def test_eighths_and_wrapping():
    assert [format_eighths(n) for n in (1, 4, 8, 11, 16)] == ["1/8", "4/8", "1", "1 3/8", "2"]
    assert wrapped_lines("word " * 30, 60) == 3
    assert wrapped_lines("a\n\nb", 60) == 3
    # A full page of one-line action paragraphs (2 printed lines each) is 8/8.
    text = "INT. A - DAY\n\n" + "".join(f"Line {i}.\n\n" for i in range(27))
    assert breakdown(parse(text)).scenes[0].eighths == 8


def test_screen_time_from_words_and_action_lines():
    text = "INT. A - DAY\n\nBOB\n" + "word " * 150 + "\n\nShe leaves.\n"
    s = breakdown(
        parse(text), TimingModel(words_per_minute=150, seconds_per_action_line=2.0)
    ).scenes[0]
    assert s.dialogue_words == 150 and s.action_lines == 1
    assert s.seconds == pytest.approx(60.0 + 2.0)


def test_props_skip_screenplay_vocabulary_and_cast():
    assert props_in("CLOSE ON the RED BRIEFCASE. A GUN. We hear a BANG.") == [
        "RED BRIEFCASE",
        "GUN",
        "BANG",
    ]
    assert props_in("ANGLE ON -- POV") == []
    s = breakdown(
        parse("INT. A - DAY\n\nMARA'S PHONE buzzes. Jonas grabs it.\n\nMARA\nNo.\n\nJONAS\nYes.\n")
    )
    assert s.scenes[0].props == ["PHONE"]
    assert s.scenes[0].characters_in_action == ["MARA", "JONAS"]


def test_sample_shot_plan_rules(sample):
    plan = plan_shots(sample, exists=lambda rel: False)
    s1, s2, s3 = plan.scenes
    assert [sh.type for sh in s1.shots[:7]] == [
        "establishing",
        "master",
        "two-shot",
        "ots",
        "ots",
        "single",
        "single",
    ]
    assert s1.shots[0].id == "1-A" and s1.shots[0].lens_mm == 18.0
    assert s1.axis == ["MARA", "JONAS"]
    assert {sh.side for sc in plan.scenes for sh in sc.shots} == {"right"}
    # The master covers every element of the scene; singles cover their speaker's lines.
    master = s1.shots[1]
    assert master.covers[0] == s1.line
    single = next(sh for sh in s1.shots if sh.type == "single" and sh.subjects == ["MARA"])
    mara_lines = [e.line for e in sample.scenes[0].elements if e.character == "MARA"]
    assert single.covers == mara_lines
    assert any(sh.type == "insert" and sh.subjects == ["FILM CAN"] for sh in s1.shots)
    assert any(sh.type == "pov" and sh.subjects == ["MARA"] for sh in s2.shots)
    # Same place (WAREHOUSE ... BOOTH) follows on: no second establishing shot.
    assert s3.shots[0].type == "master"
    # Letters skip I and O.
    assert all(not sh.id.endswith(("-I", "-O")) for sc in plan.scenes for sh in sc.shots)
    # Night -> the environment model; exterior -> ground; CONTINUOUS carries the time over.
    assert (s1.sky_model, s1.ground_model) == (
        "models/genai/environment.pt",
        "models/genai/ground_gravel.pt",
    )
    assert s3.time == "NIGHT" and s3.sky_model == "models/genai/environment.pt"
    assert s1.set_file == "sets/sample.yaml"


def test_three_speakers_keep_screen_sides():
    text = "INT. A - DAY\n\n" + "".join(
        f"{a}\nLine.\n\n" for a in ["ANN", "BEN", "ANN", "BEN", "CAL", "BEN"]
    )
    sc = plan_shots(parse(text)).scenes[0]
    assert sc.axis == ["ANN", "BEN"]
    twos = [sh.subjects for sh in sc.shots if sh.type == "two-shot"]
    assert twos == [["ANN", "BEN"], ["CAL", "BEN"]]  # CAL placed left so BEN stays right
    assert sc.notes == []


def test_pov_heading_and_monologue():
    sc = plan_shots(parse("INT. CAR - MARA'S POV - NIGHT\n\nMARA (V.O.)\nAlone again.\n")).scenes[0]
    kinds = [(sh.type, sh.subjects, sh.lens_mm) for sh in sc.shots]
    assert ("single", ["MARA"], 50.0) in kinds
    assert ("pov", ["MARA"], 35.0) in kinds


def test_set_file_found_on_disk(tmp_path):
    from previzkit.script.locations import assets_exists

    (tmp_path / "sets").mkdir()
    (tmp_path / "sets" / "rooftop.yaml").write_text("stage: {}\n")
    plan = plan_shots(
        parse("EXT. ROOFTOP - NIGHT\n\nx\n\nINT. CELLAR - DAY\n\ny\n"),
        exists=assets_exists(tmp_path),
    )
    assert [sc.set_file for sc in plan.scenes] == ["sets/rooftop.yaml", "sets/sample.yaml"]


def test_set_file_lookup_by_slug():
    assert location_slug("MARA'S WAREHOUSE - LOFT") == "maras_warehouse_loft"
    assert set_candidates("WAREHOUSE - LOFT") == [
        "sets/warehouse_loft.yaml",
        "sets/warehouse.yaml",
        "sets/sample.yaml",
    ]
    plan = plan_shots(
        parse("INT. WAREHOUSE - LOFT - DAY\n\nx\n"), exists=lambda rel: rel == "sets/warehouse.yaml"
    )
    assert plan.scenes[0].set_file == "sets/warehouse.yaml"
    assert background_for("DAY", "INT").sky_model is None
    assert background_for("LATER THAT NIGHT", "INT").time == "NIGHT"
    assert (
        background_for("MOMENTS LATER", "EXT", previous_time="DUSK").sky_model
        == "models/genai/environment.pt"
    )


def test_shot_plan_yaml_round_trip_and_hand_edit(sample, tmp_path):
    plan = plan_shots(sample)
    path = save_shot_plan(plan, tmp_path / "shots.yaml")
    back = load_shot_plan(path)
    assert plan_to_dict(back) == plan_to_dict(plan)
    # Edit by hand: change a lens, read back.
    text = path.read_text().replace("lens_mm: 85.0", "lens_mm: 75", 1)
    path.write_text(text)
    assert any(sh.lens_mm == 75.0 for sc in load_shot_plan(path).scenes for sh in sc.shots)


@pytest.mark.parametrize(
    ("mutate", "match"),
    [
        (lambda d: d.pop("scenes"), r"scenes: missing"),
        (lambda d: d.update(previzkit_shot_plan=9), r"version 9"),
        (
            lambda d: d["scenes"][0]["shots"][0].update(type="crane"),
            r"scenes\[0\]\.shots\[0\]\.type: 'crane'",
        ),
        (
            lambda d: d["scenes"][0]["shots"][1].update(lens_mm="wide"),
            r"shots\[1\]\.lens_mm: expected",
        ),
        (lambda d: d["scenes"][0]["shots"][1].update(lens_mm=2), r"outside"),
        (lambda d: d["scenes"][0]["shots"][1].update(side="up"), r"side: 'up'"),
        (lambda d: d["scenes"][0]["shots"][1].update(covers=[1, -2]), r"covers: expected positive"),
        (lambda d: d["scenes"][0]["shots"][1].update(id="1-A"), r"duplicate shot id '1-A'"),
        (lambda d: d["scenes"][0]["shots"][1].update(subjects="MARA"), r"subjects: expected list"),
    ],
)
def test_bad_shot_plan_names_the_key(sample, mutate, match):
    d = plan_to_dict(plan_shots(sample))
    mutate(d)
    with pytest.raises(ShotPlanError, match=match):
        plan_from_dict(d, "shots.yaml")


def test_bad_shot_plan_files(tmp_path):
    with pytest.raises(MissingFileError):
        load_shot_plan(tmp_path / "none.yaml")
    p = tmp_path / "bad.yaml"
    p.write_text("scenes: [\n")
    with pytest.raises(ShotPlanError, match=r"bad\.yaml: not valid YAML at line"):
        load_shot_plan(p)
    p.write_text("- a\n- b\n")
    with pytest.raises(ShotPlanError, match="expected a mapping"):
        load_shot_plan(p)

"""Shots made in the headset go back into the plan file: camera, lens and marks per
shot, with the file's comments and layout kept; old plans read and write as before."""

from __future__ import annotations

import pytest

from previzkit.core.errors import ShotPlanError
from previzkit.core.resources import asset_path
from previzkit.script import parse, plan_shots, save_shot_plan
from previzkit.script.shots import load_shot_plan, update_shot_plan


@pytest.fixture
def plan_file(tmp_path):
    script = parse(asset_path("scripts/sample.fountain").read_text(encoding="utf-8"))
    return save_shot_plan(plan_shots(script, exists=lambda rel: False), tmp_path / "shots.yaml")


def test_update_keeps_the_file_and_reads_back(plan_file):
    text = plan_file.read_text(encoding="utf-8")
    plan = load_shot_plan(plan_file)
    first, second = plan.scenes[0].shots[:2]
    assert first.camera is None and first.marks == {}
    assert "camera:" not in text and "marks:" not in text  # old plans stay the same
    commented = text.replace("scenes:\n", "scenes:  # blocked in the headset\n", 1)
    plan_file.write_text(commented, encoding="utf-8")

    update_shot_plan(
        plan_file,
        {first.id: {"camera": first.id, "lens_mm": 32, "marks": {"ALEX": "A", "SAM": "B"}}},
    )
    after = plan_file.read_text(encoding="utf-8")
    assert "scenes:  # blocked in the headset" in after
    assert after.startswith("# previzkit shot plan")
    back = load_shot_plan(plan_file)
    shot = back.shot(first.id)
    assert (shot.camera, shot.lens_mm, shot.marks) == (first.id, 32.0, {"ALEX": "A", "SAM": "B"})
    assert back.shot(second.id) == second  # untouched shots unchanged
    # only the updated shot's lines changed
    changed = [ln for ln in after.splitlines() if ln not in commented.splitlines()]
    assert len(changed) == 3, changed

    update_shot_plan(plan_file, {first.id: {"camera": None, "marks": {}}})
    assert load_shot_plan(plan_file).shot(first.id).camera is None
    assert "marks:" not in plan_file.read_text(encoding="utf-8")


def test_unknown_shot_or_field_is_named(plan_file):
    with pytest.raises(ShotPlanError, match="no shot '9-Z'"):
        update_shot_plan(plan_file, {"9-Z": {"camera": "x"}})
    sid = load_shot_plan(plan_file).scenes[0].shots[0].id
    with pytest.raises(ShotPlanError, match="cannot update 'side'"):
        update_shot_plan(plan_file, {sid: {"side": "left"}})


def test_bad_marks_in_a_plan_are_named(plan_file):
    text = plan_file.read_text(encoding="utf-8")
    i = text.index("    description:")
    plan_file.write_text(text[:i] + "    marks: [A, B]\n" + text[i:], encoding="utf-8")
    with pytest.raises(ShotPlanError, match=r"shots\[0\]\.marks: expected a mapping"):
        load_shot_plan(plan_file)

"""``previzkit script breakdown / shots / check`` through the real CLI entry point."""

from __future__ import annotations

import json

from previzkit.cli import main
from previzkit.core.resources import asset_path
from previzkit.script import load_shot_plan

SAMPLE = str(asset_path("scripts", "sample.fountain"))


def test_breakdown_table(capsys):
    assert main(["script", "breakdown", SAMPLE]) == 0
    out = capsys.readouterr().out
    assert "THE LAST TAKE" in out and "ROOFTOP" in out and "total" in out


def test_breakdown_json(capsys):
    assert main(["script", "breakdown", SAMPLE, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["title"] == "THE LAST TAKE"
    first = data["scenes"][0]
    for key in (
        "number",
        "heading",
        "int_ext",
        "location",
        "time",
        "characters",
        "eighths",
        "seconds",
    ):
        assert key in first
    assert first["characters"] == ["MARA", "JONAS"] and first["heading"] == "EXT. ROOFTOP - NIGHT"


def test_shots_writes_yaml(tmp_path, capsys):
    out = tmp_path / "shots.yaml"
    assert main(["script", "shots", SAMPLE, "-o", str(out)]) == 0
    plan = load_shot_plan(out)
    assert plan.scenes[0].shots[0].id == "1-A"
    assert "shots in 3 scenes" in capsys.readouterr().err


def test_check_lists_warnings_with_line_numbers(tmp_path, capsys):
    p = tmp_path / "messy.fountain"
    p.write_text("INT. HOUSE\n\nMARA\nHi.\n\nMARRA\nHi.\n\nMARA\nHi.\n\nBOB\n\n/* never closed\n")
    assert main(["script", "check", str(p)]) == 0
    out = capsys.readouterr().out
    assert f"{p}:1: heading 'INT. HOUSE' has no time of day" in out
    assert f"{p}:6: character 'MARRA' looks like a typo of 'MARA'" in out
    assert f"{p}:14: '/*' is never closed" in out
    assert main(["script", "check", str(p), "--strict"]) == 1


def test_check_clean_sample(capsys):
    assert main(["script", "check", SAMPLE, "--strict"]) == 0
    assert "0 warning(s), 3 scene(s)" in capsys.readouterr().err


def test_missing_file_is_one_line(capsys, tmp_path):
    assert main(["script", "breakdown", str(tmp_path / "x.fountain")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "x.fountain" in err

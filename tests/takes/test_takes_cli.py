"""``previzkit takes list/show/rate/export`` on a real take store."""

from __future__ import annotations

import json

from previzkit.cli import main
from previzkit.model.take import Take
from previzkit.takes.store import TakeStore


def _project(tmp_path):
    root = tmp_path / "proj"
    with TakeStore(root) as s:
        s.add(Take("1", "1-A", 1, "10:00:00:00", "24", 48))
        s.add(Take("1", "1-A", 2, "10:01:00:00", "24", 72))
    return root


def test_list_show_rate_export(tmp_path, capsys):
    root = str(_project(tmp_path))
    assert (
        main(["takes", "rate", "-p", root, "1", "1-A", "2", "5", "--circle", "--note", "keeper"])
        == 0
    )
    assert "1/1-A/2: rating 5, circled" in capsys.readouterr().out
    assert main(["takes", "list", "-p", root, "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["take"], r["rating"], r["circled"]) for r in rows] == [(1, 0, False), (2, 5, True)]
    assert main(["takes", "list", "-p", root, "--circled"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2 and "1-A" in out[1] and "*****" in out[1]
    assert main(["takes", "show", "-p", root, "1", "1-A", "2"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["notes"] == "keeper" and shown["end_tc"] == "10:01:03:00"
    assert main(["takes", "export", "-p", root, "-o", str(tmp_path / "t.json")]) == 0
    assert len(json.loads((tmp_path / "t.json").read_text())) == 2


def test_errors_are_one_line(tmp_path, capsys):
    assert main(["takes", "list", "-p", str(tmp_path / "none")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "no takes.sqlite" in err[0]
    root = str(_project(tmp_path))
    assert main(["takes", "show", "-p", root, "1", "1-A", "9"]) == 2
    assert "1/1-A/9: not in" in capsys.readouterr().err

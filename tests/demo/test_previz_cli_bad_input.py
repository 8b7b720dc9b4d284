"""`previzkit previz` refuses bad input with one `error:` line naming it (exit 2),
before it writes anything."""

from __future__ import annotations

from pathlib import Path

import pytest

from previzkit.cli import main

SCRIPT = str(Path(__file__).parent / "data" / "spare_key.fountain")


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    errors = [line for line in err if line.startswith("error: ")]
    assert len(errors) == 1, err
    return errors[0]


def test_a_screenplay_without_scenes(tmp_path: Path, capsys) -> None:
    src = tmp_path / "notes.fountain"
    src.write_text("Just some action.\n\nNo scene headings at all.\n", encoding="utf-8")
    assert main(["previz", str(src), "-o", str(tmp_path / "o")]) == 2
    err = _one_error(capsys)
    assert str(src) in err and "no scenes" in err
    assert not (tmp_path / "o").exists()


def test_a_missing_screenplay(tmp_path: Path, capsys) -> None:
    assert main(["previz", str(tmp_path / "nope.fountain"), "-o", str(tmp_path / "o")]) == 2
    assert "nope.fountain" in _one_error(capsys)


def test_a_location_with_no_set_without_standins(tmp_path: Path, capsys) -> None:
    (tmp_path / "sets").mkdir()
    args = ["previz", SCRIPT, "-o", str(tmp_path / "o"), "--no-standins"]
    assert main([*args, "--sets", str(tmp_path / "sets")]) == 2
    err = _one_error(capsys)
    assert "'GARDEN'" in err and "--no-standins" in err
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    ("option", "named"),
    [
        (["--set", "ROOF=roof.yaml"], "ROOF"),
        (["--set", "KITCHEN=missing.yaml"], "missing.yaml"),
        (["--set", "KITCHEN"], "LOCATION=SET.yaml"),
        (["--sets", "no-such-folder"], "no-such-folder"),
        (["--look", "ZED=red"], "ZED"),
        (["--look", "ANNA=notacolour"], "notacolour"),
        (["--look", "ANNA=red,7"], "7"),
        (["--cut-size", "641x360"], "641x360"),
        (["--size", "big"], "big"),
        (["--scene", "9"], "--scene 9"),
    ],
)
def test_bad_options_name_the_value(tmp_path: Path, capsys, option, named) -> None:
    assert main(["previz", SCRIPT, "-o", str(tmp_path / "o"), *option]) == 2
    assert named in _one_error(capsys)
    assert not (tmp_path / "o").exists()

"""``previzkit cut assemble/export/render/storyboard`` through the real CLI entry."""

from __future__ import annotations

import json

import pytest

from previzkit.cli import main

pytestmark = pytest.mark.media


def test_assemble_then_export(take_project, sample_script, tmp_path, capsys):
    out = tmp_path / "cut.otio"
    rc = main(
        [
            "cut",
            "assemble",
            "--project",
            str(take_project),
            "--script",
            str(sample_script),
            "-o",
            str(out),
            "--min-shot",
            "0.2",
            "--explain",
        ]
    )
    assert rc == 0 and out.is_file()
    captured = capsys.readouterr()
    assert "1/1-B/2" in captured.out and "circled (+1000.0)" in captured.out
    assert "scene 3" in captured.err  # what no take covers is reported
    edl = tmp_path / "cut.edl"
    assert main(["cut", "export", str(out), "-o", str(edl)]) == 0
    assert "FCM: NON-DROP FRAME" in edl.read_text() and "1_1-A_T001" in edl.read_text()
    assert main(["cut", "export", str(out), "-o", str(tmp_path / "x.bin"), "--format", "aaf"]) == 0
    assert main(["cut", "formats"]) == 0
    assert "fcpxml" in capsys.readouterr().out


def test_render_and_storyboard_commands(cut_file, tmp_path, capsys):
    mp4 = tmp_path / "previz.mp4"
    assert main(["cut", "render", str(cut_file), "-o", str(mp4), "--size", "160x90"]) == 0
    assert mp4.stat().st_size > 1000
    assert (
        main(["cut", "storyboard", str(cut_file), "-o", str(tmp_path / "b"), "--video", str(mp4)])
        == 0
    )
    assert (tmp_path / "b" / "index.html").is_file()


def test_user_errors_are_one_line(tmp_path, capsys):
    assert main(["cut", "export", str(tmp_path / "none.otio"), "-o", str(tmp_path / "a.edl")]) == 2
    assert main(["cut", "render", str(tmp_path / "none.otio"), "-o", "x.mp4", "--size", "big"]) == 2
    bad = tmp_path / "bad.otio"
    bad.write_text(json.dumps({"OTIO_SCHEMA": "Nope.1"}))
    assert main(["cut", "export", str(bad), "-o", str(tmp_path / "a.edl")]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.strip()]
    assert len(err) == 3 and all(ln.startswith("error: ") for ln in err)


def test_styles_on_the_command_line(take_project, sample_script, tmp_path, capsys):
    assert main(["cut", "styles"]) == 0
    listed = capsys.readouterr().out
    assert "* start-wide" in listed and "  intensify" in listed and "jl-cuts" in listed
    args = ["cut", "assemble", "-p", str(take_project), "-s", str(sample_script)]
    out = tmp_path / "cut.otio"
    assert main([*args, "-o", str(out), "--min-shot", "0.2", "--style", "default,intensify"]) == 0
    assert "intensify" in out.read_text()  # the clips name their styles
    assert main([*args, "-o", str(tmp_path / "x.otio"), "--style", "wide,intensify"]) == 2
    err = [ln for ln in capsys.readouterr().err.splitlines() if ln.startswith("error: ")]
    assert err == [
        "error: --style 'wide,intensify': unknown style wide; choose from start-wide, "
        "speaker-visible, action-wide, intensify, avoid-jump-cuts, variety, jl-cuts or "
        "default (start-wide,speaker-visible,action-wide)"
    ]
    assert not (tmp_path / "x.otio").exists()

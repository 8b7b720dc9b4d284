"""``previzkit stage``: a run with --stats prints p50/p99 per stage; user mistakes end
in one ``error:`` line naming the input, exit code 2."""

from __future__ import annotations

import pytest

from previzkit.cli import main
from previzkit.media.video import count_frames

pytestmark = [pytest.mark.gl, pytest.mark.media]


def test_stage_cli_records_and_prints_stats(small_set, wave_track, plate_video, tmp_path, capsys):
    out = tmp_path / "take.mp4"
    rc = main(
        [
            "stage",
            str(small_set),
            "--poses",
            str(wave_track),
            "--plate",
            str(plate_video),
            "--frames",
            "5",
            "-o",
            str(out),
            "--size",
            "320x180",
            "--start-tc",
            "00:10:00:00",
            "--stats",
        ]
    )
    captured = capsys.readouterr()
    assert rc == 0, captured.err
    assert "5 frames, 00:10:00:00 - 00:10:00:05 at 30 fps" in captured.out
    for row in ("capture->presented", "render", "composite", "frame"):
        assert row in captured.out
    assert "p50 ms" in captured.out and "p99 ms" in captured.out
    assert count_frames(out) == 5


def test_stage_cli_saves_the_set_on_request_with_no_edits_is_a_noop(small_set, wave_track, capsys):
    before = small_set.read_text()
    rc = main(
        [
            "stage",
            str(small_set),
            "--poses",
            str(wave_track),
            "--frames",
            "2",
            "--size",
            "64x36",
            "--save-set",
        ]
    )
    assert rc == 0, capsys.readouterr().err
    assert small_set.read_text() == before


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--poses", "{track}", "--camera", "NOPE"], "no camera named 'NOPE'"),
        (["--poses", "{tmp}/missing.pzt"], "missing.pzt: no such file"),
        (["--poses", "{plate}"], "expected a .pzt pose track"),
        ([], "give exactly one pose source"),
        (
            ["--poses", "{track}", "--subscribe", "tcp://127.0.0.1:1"],
            "give exactly one pose source",
        ),
        (["--subscribe", "localhost:5555"], "is not a ZeroMQ endpoint"),
        (
            ["--poses", "{track}", "--actor", "zero=ALEX"],
            "--actor 'zero=ALEX': expected ACTOR_ID=CHARACTER",
        ),
        (
            ["--poses", "{track}", "--actor", "0=BOB"],
            "no character 'BOB' in the set (characters: ALEX)",
        ),
        (["--poses", "{track}", "--size", "big"], "--size must look like"),
        (["--poses", "{track}", "--size", "321x181", "-o", "{tmp}/x.mp4"], "even width and height"),
        (["--poses", "{track}", "--plate", "{tmp}/none.mp4"], "none.mp4: no such file"),
        (["--poses", "{track}", "--plate", "{track}"], "plate"),
        (["--poses", "{track}", "-o", "{tmp}/nodir/x.mp4"], "does not exist"),
        (["--poses", "{track}", "-o", "{tmp}/x.avi2"], "expected .mp4 or .mov"),
        (["--poses", "{track}", "--frames", "0"], "'--frames': 0 is not in the range"),
        (["--poses", "{track}", "--start-tc", "00:00:00:99", "-o", "{tmp}/x.mp4"], "00:00:00:99"),
        (["--poses", "{track}", "--share", "nonsense"], "--share 'nonsense': expected a port"),
    ],
)
def test_stage_cli_errors_name_the_input(
    small_set, wave_track, plate_video, tmp_path, capsys, args, words
):
    subs = {"track": str(wave_track), "tmp": str(tmp_path), "plate": str(plate_video)}
    argv = ["stage", str(small_set), *(a.format(**subs) for a in args)]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and words in err[-1], err


def test_stage_cli_bad_set_file(tmp_path, wave_track, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("stage: {width: -1}\n")
    assert main(["stage", str(bad), "--poses", str(wave_track)]) == 2
    assert "bad.yaml" in capsys.readouterr().err

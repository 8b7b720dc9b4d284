"""`previzkit previz` / `demo` run again into a folder that holds a run: refused with the
options named, --resume finishes a failed run (whole takes kept, the rest recorded),
--force replaces it (set aside, deleted after success, other files untouched); an
interrupted render leaves no truncated previz.mp4. A tiny screenplay at tiny sizes keeps
each run to seconds; every take is a real recording through the stage loop."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from previzkit.core.errors import InputError
from previzkit.production import rerun
from previzkit.production.previz import PrevizOptions, run_previz
from tests.helpers import REPO

pytestmark = [pytest.mark.gl, pytest.mark.media]

SCRIPT = """\
Title: TINY

INT. KITCHEN - DAY #1#

Mara waits at the table.

MARA
Sit down.

JONAS
No.
"""
OPTS = PrevizOptions(
    takes=1,
    size=(64, 36),
    cut_size=(64, 36),
    time_scale=0.25,
    handle_s=0.25,
    min_shot_s=0.25,
    sky_size=(64, 32),
)


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("script") / "tiny.fountain"
    path.write_text(SCRIPT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def finished(script: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run (kept untouched: tests copy it)."""
    out = tmp_path_factory.mktemp("runs") / "finished"
    run_previz(script, out, OPTS)
    return out


def _takes(out: Path) -> list:
    from previzkit.takes.store import TakeStore

    with TakeStore(out / "project", create=False) as store:
        return store.list()


def _copy(run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "run"
    shutil.copytree(run, out)
    return out


def test_every_take_of_the_run_carries_timecode_reel_and_sound(finished: Path) -> None:
    import av

    from previzkit.media.video import read_reel, read_timecode
    from previzkit.takes.store import TakeStore

    with TakeStore(finished / "project", create=False) as store:
        takes = store.list()
        assert takes
        for take in takes:
            path = store.file(take, "video")
            assert path is not None
            assert read_timecode(path) == take.start_tc, take.label
            assert read_reel(path) == take.reel
            with av.open(str(path)) as c:
                assert c.streams.video[0].average_rate == 24
                assert [a.codec_context.name for a in c.streams.audio] == ["aac"]
                # the tmcd track: a data stream at the take's timecode
                assert [d.metadata["timecode"] for d in c.streams.data] == [take.start_tc]
    assert read_timecode(finished / "previz.mp4") == "01:00:00:00"  # the record start
    starts = [t.start_tc for t in takes]
    assert len(set(starts)) == len(starts) and min(starts) == "10:00:00:00"


def test_a_second_run_is_refused_naming_the_options(finished: Path, script: Path) -> None:
    for kwargs in ({}, {"force": False, "resume": False}):
        with pytest.raises(InputError, match=r"--resume to finish that run, or --force"):
            run_previz(script, finished, OPTS, **kwargs)
    with pytest.raises(InputError, match="not both"):
        run_previz(script, finished, OPTS, force=True, resume=True)
    proc = subprocess.run(
        [sys.executable, "-m", "previzkit", "demo", "--quick", "-o", str(finished)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert proc.returncode != 0
    assert "demo output" in proc.stderr and "--force" in proc.stderr


def test_resume_of_a_finished_run_records_nothing(
    finished: Path, script: Path, tmp_path: Path
) -> None:
    out = _copy(finished, tmp_path)
    before = [(t.label, t.recorded_at) for t in _takes(out)]
    (out / "previz.mp4").unlink()  # as a run killed while rendering leaves it
    result = run_previz(script, out, OPTS, resume=True)
    assert (result.takes, result.frames) == (0, 0)
    assert [(t.label, t.recorded_at) for t in _takes(out)] == before
    assert (out / "previz.mp4").stat().st_size > 0 and (out / "index.html").is_file()


def test_resume_records_again_a_take_cut_short_and_keeps_it(
    finished: Path, script: Path, tmp_path: Path
) -> None:
    from previzkit.takes.store import TakeStore

    out = _copy(finished, tmp_path)
    takes = _takes(out)
    short = takes[1]
    with TakeStore(out / "project") as store:  # what recovery leaves after a crash
        store.set_status(short.scene, short.shot, short.take, "recovered")
    result = run_previz(script, out, OPTS, resume=True)
    assert result.takes == 1 and result.frames == short.duration_frames
    after = {t.label: t for t in _takes(out)}
    redo = after[f"{short.scene}/{short.shot}/{short.take + 1}"]
    assert redo.status == "ok" and redo.start_tc == short.start_tc
    assert redo.duration_frames == short.duration_frames
    assert after[short.label].status == "recovered"  # a recorded take is never dropped
    assert len(after) == len(takes) + 1


def test_resume_refuses_a_store_from_other_options(
    finished: Path, script: Path, tmp_path: Path
) -> None:
    out = _copy(finished, tmp_path)
    other = dataclasses.replace(OPTS, time_scale=0.5)  # other take lengths and timecodes
    with pytest.raises(InputError, match=r"not one this run plans.*--force"):
        run_previz(script, out, other, resume=True)


def test_force_keeps_the_old_run_aside_until_a_new_one_finishes(
    finished: Path, script: Path, tmp_path: Path
) -> None:
    out = _copy(finished, tmp_path)
    (out / "notes.txt").write_text("the director's notes", encoding="utf-8")
    old = {t.label: t.recorded_at for t in _takes(out)}
    bad = tmp_path / "bad.fountain"
    bad.write_text("Title: nothing\n", encoding="utf-8")  # fails before recording
    with pytest.raises(InputError, match="no scenes"):
        run_previz(bad, out, OPTS, force=True)
    (backup,) = out.glob(".previz-replaced-*")
    assert (backup / "project" / "takes.sqlite").is_file() and (backup / "previz.mp4").is_file()
    assert not rerun.holds_run(out)  # the folder takes a new run

    (out / "previz.mp4").write_bytes(b"truncated")  # a failed run's leftovers
    (out / ".previz.partial.x1.mp4").write_bytes(b"partial")
    result = run_previz(script, out, OPTS, force=True)
    assert result.takes == len(old)
    assert (out / "notes.txt").read_text(encoding="utf-8") == "the director's notes"
    assert not list(out.glob(".previz-replaced-*")) and not list(out.glob(".*.partial.*"))
    assert (out / "previz.mp4").stat().st_size > 1000
    assert {t.label for t in _takes(out)} == set(old)


def test_an_interrupted_render_leaves_no_output(finished: Path, tmp_path: Path) -> None:
    from previzkit.core.errors import PrevizError
    from previzkit.edit.render import render_cut
    from previzkit.edit.timeline import load_cut

    timeline = load_cut(finished / "cut.otio")  # media relative to the cut, resolved
    clips = list(timeline.video_tracks()[0].find_clips())
    clips[-1].media_reference.target_url = (tmp_path / "gone" / "take.mp4").as_uri()
    out = tmp_path / "previz.mp4"
    with pytest.raises(PrevizError, match="gone"):
        render_cut(timeline, out)
    assert list(tmp_path.iterdir()) == []  # neither previz.mp4 nor a partial file
    out.write_bytes(b"the last good render")
    with pytest.raises(PrevizError):
        render_cut(timeline, out)
    assert out.read_bytes() == b"the last good render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["previz.mp4"]


def test_takes_to_record_picks_missing_and_short_takes() -> None:
    p = [
        rerun.Planned("1", "1-A", 1, "10:00:00:00", 20),
        rerun.Planned("1", "1-A", 2, "10:00:20:00", 22),
        rerun.Planned("1", "1-B", 1, "10:00:40:00", 18),
    ]
    ok = rerun.Recorded("1", "1-A", 1, "10:00:00:00", 20, "ok")
    cut_short = rerun.Recorded("1", "1-A", 2, "10:00:20:00", 9, "recovered")
    assert rerun.takes_to_record(p, []) == [(0, 1), (1, 2), (2, 1)]
    assert rerun.takes_to_record(p, [ok, cut_short]) == [(1, 3), (2, 1)]
    stray = rerun.Recorded("2", "2-A", 1, "11:00:00:00", 20, "ok")
    with pytest.raises(InputError, match="2/2-A/1 at 11:00:00:00"):
        rerun.takes_to_record(p, [ok, stray])

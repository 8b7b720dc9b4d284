"""Two recorder processes on one project: the SQLite catalogue (WAL, one transaction
per change) stays whole, every take is catalogued once with the files it names, and
concurrent edits (rating, notes) are all kept."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from previzkit.model.camera_track import read_camera_track
from previzkit.model.pose_track import read_track
from previzkit.takes.store import TakeStore
from tests.helpers import worker, worker_env

pytestmark = pytest.mark.media
TAKES, FRAMES = 6, 24


def _run_workers(project, jobs, tmp_path, takes=TAKES, frames=FRAMES):
    go = tmp_path / "go"
    env = worker_env()
    procs = []
    for name, scene, shot in jobs:
        cmd = worker("recorder_worker", project, name, scene, shot, takes, frames, go)
        procs.append(
            subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
            )
        )
    go.touch()
    results = []
    for p in procs:
        out, err = p.communicate(timeout=240)
        assert p.returncode == 0 and "Traceback" not in err, err[-3000:]
        lines = out.splitlines()
        assert lines[-1] == "DONE", out
        results.append([json.loads(ln) for ln in lines[:-1]])
    return results


def _check_catalogue(project: Path, frames: int = FRAMES) -> list:
    db = sqlite3.connect(project / "takes.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    with TakeStore(project, create=False) as store:
        takes = store.list()
        keys = [(t.scene, t.shot, t.take) for t in takes]
        assert len(keys) == len(set(keys))
        for t in takes:
            assert t.status == "ok", t
            assert t.duration_frames == frames
            folder = store.take_dir(t)
            track = read_track(folder / t.files["pose"])
            assert len(track.frames) == frames
            assert len(read_camera_track(folder / t.files["camera"]).time) == frames
            assert (folder / t.files["video"]).stat().st_size > 0
            assert "pass" in t.notes
    return takes


def test_two_recorders_on_different_shots(tmp_path):
    project = tmp_path / "proj"
    res = _run_workers(project, [("cam-a", "1", "1-A"), ("cam-b", "1", "1-B")], tmp_path)
    assert all("error" not in r for rs in res for r in rs), res
    takes = _check_catalogue(project)
    assert sorted((t.shot, t.take) for t in takes) == sorted(
        (s, n) for s in ("1-A", "1-B") for n in range(1, TAKES + 1)
    )


def test_three_recorders_on_the_same_shot_number_takes_apart(tmp_path):
    """All pick "the next take number" at once, and each recovers dead takes when it
    starts: every take gets its own number, no recorder fails, and none mistakes
    another's take that just finished for a dead one (regressions: a recorder failed to
    start with "Resource temporarily unavailable"; recovery re-finished live takes)."""
    project = tmp_path / "proj"
    names = ("cam-a", "cam-b", "cam-c")
    res = _run_workers(project, [(n, "2", "2-A") for n in names], tmp_path, takes=15, frames=2)
    errors = [r for rs in res for r in rs if "error" in r]
    assert not errors, errors
    takes = _check_catalogue(project, frames=2)
    assert sorted(t.take for t in takes) == list(range(1, 3 * 15 + 1))
    mine = {t.take: t.notes.split()[0] for t in takes}
    for name, rs in zip(names, res, strict=True):
        assert all(mine[r["take"]] == name for r in rs)

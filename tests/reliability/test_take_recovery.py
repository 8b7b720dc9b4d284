"""Nothing on disk can lose or misfile a take (issue 23): a take that cannot be finished
is marked ``failed`` and the rest carry on; scene/shot names map to folders one-to-one;
a lost catalogue is never silently recreated over the take folders, and
``previzkit takes rebuild`` makes it again from them; a bad catalogue row is a warning.

Real SQLite files, real recordings (a recorder process that dies with ``os._exit``)."""

from __future__ import annotations

import importlib.util
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from previzkit.cli import main
from previzkit.core.errors import TakeStoreError
from previzkit.core.types import Pose
from previzkit.model.binary_header import packb
from previzkit.model.pose_track import read_track
from previzkit.takes.journal import KIND_POSE, encode_record, read_journal
from previzkit.takes.recorder import JOURNAL, Recorder
from previzkit.takes.store import CATALOGUE, TakeStore
from tests.helpers import REPO, worker_env

# A recorder process that records `frames` frames of poses, flushes, and dies (no stop).
DYING = textwrap.dedent(
    """
    import os, sys
    import numpy as np
    from previzkit.core.types import Pose
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore

    project, scene, shot, frames = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    store = TakeStore(project)
    rec = Recorder(store, scene, shot, rate="24", start_tc="10:00:00:00", flush_interval=1.0)
    rec.start()
    for i in range(frames):
        p = np.full((33, 3), i, np.float32)
        rec.frame(poses=[Pose(i / 24, 1, p, p, 0.9)], time_s=i / 24)
    rec._journal.flush()
    print(rec.take.take, flush=True)
    os._exit(0)  # the process dies: the take stays 'recording', its lock is dropped
    """
)


def _die_recording(project: Path, scene: str, shot: str, frames: int = 5) -> int:
    done = subprocess.run(
        [sys.executable, "-c", DYING, str(project), scene, shot, str(frames)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=worker_env(),
        timeout=120,
        check=True,
    )
    return int(done.stdout.split()[-1])


def _record(store: TakeStore, scene: str, shot: str, frames: int = 4, **kw):
    with Recorder(store, scene, shot, rate="24", start_tc="10:00:00:00", **kw) as rec:
        for i in range(frames):
            p = np.full((33, 3), i, np.float32)
            rec.frame(poses=[Pose(i / 24, 1, p, p, 0.9)], time_s=i / 24)
    assert rec.take is not None
    return rec.take


def test_poisoned_journal_fails_that_take_and_later_recordings_are_fine(tmp_path):
    """A CRC-valid pose record without its landmarks (the filer's ``KeyError: 'img'``):
    recovery marks that take ``failed`` with a note; the next recordings start and
    finish ``ok``; another dead take in the project is still recovered."""
    project = tmp_path / "proj"
    healthy = _die_recording(project, "1", "1-B")  # recovered at the next start
    poisoned = _die_recording(project, "1", "1-A")
    journal = TakeStore(project).folder_of("1", "1-A", poisoned) / JOURNAL
    with journal.open("ab") as fh:  # a record that passes its CRC but does not decode
        fh.write(encode_record(KIND_POSE, packb({"i": 0, "t": 0.0, "p": [{"id": 1}]})))
    with TakeStore(project) as store:
        later = [_record(store, "1", "1-A"), _record(store, "1", "1-A")]
        bad = store.get("1", "1-A", poisoned)
        good = store.get("1", "1-B", healthy)
    assert bad.status == "failed" and "KeyError" in bad.notes and "'img'" in bad.notes
    assert journal.is_file()  # the failed take's folder is kept as it was
    assert good.status == "recovered" and good.duration_frames == 5
    assert [t.status for t in later] == ["ok", "ok"]
    assert [t.take for t in later] == [poisoned + 1, poisoned + 2]


def test_takes_recover_command(tmp_path, capsys):
    """``previzkit takes recover`` finishes a take left ``recording``."""
    project = tmp_path / "proj"
    number = _die_recording(project, "3", "3-A", frames=6)
    assert main(["takes", "recover", "-p", str(project)]) == 0
    out = capsys.readouterr().out
    assert f"3/3-A/{number}: recovered, 6 frames" in out
    with TakeStore(project, create=False) as store:
        assert store.get("3", "3-A", number).status == "recovered"


def test_colliding_names_are_two_takes_in_two_folders(tmp_path):
    """Scenes "2 B" and "2_B" (which the old mapping both filed as ``2_B``)."""
    with TakeStore(tmp_path / "proj") as store:
        a = _record(store, "2 B", "1")
        b = _record(store, "2_B", "1")
        assert (a.take, b.take, a.status, b.status) == (1, 1, "ok", "ok")
        folders = {store.take_dir(a), store.take_dir(b)}
        assert len(folders) == 2
        for t in (a, b):
            meta = read_journal(store.take_dir(t) / JOURNAL).meta
            assert meta["scene"] == t.scene
            assert len(read_track(store.file(t, "pose")).frames) == 4
        assert [t.scene for t in store.list()] == ["2 B", "2_B"]


def test_next_take_number_skips_existing_folders(tmp_path):
    """A take folder the catalogue does not know is never written into."""
    with TakeStore(tmp_path / "proj") as store:
        stray = store.folder_of("1", "1-A", 1)
        stray.mkdir(parents=True)
        (stray / "pose.pzt").write_bytes(b"keep me")
        assert store.next_take_number("1", "1-A") == 2
        take = _record(store, "1", "1-A")
        assert take.take == 2 and (stray / "pose.pzt").read_bytes() == b"keep me"


def _two_take_project(tmp_path) -> tuple[Path, dict]:
    project = tmp_path / "proj"
    with TakeStore(project) as store:
        takes = [_record(store, "1", "1-A", 4), _record(store, "1", "1-A", 6)]
        takes.append(_record(store, "2 B", "2-A", 3))
        store.rate("1", "1-A", 2, 4)
        poses = {t.label: (store.take_dir(t) / "pose.pzt").read_bytes() for t in takes}
    before = {t.label: (t.duration_frames, t.files) for t in takes}
    return project, {"takes": before, "poses": poses}


@pytest.mark.parametrize("damage", ["zero-bytes", "no-takes-table", "missing"])
def test_lost_catalogue_is_an_error_and_rebuild_restores_every_take(tmp_path, capsys, damage):
    """A 0-byte, table-less or missing catalogue beside take folders: listing and
    recording stop with one error naming the file and ``previzkit takes rebuild``
    (nothing is created over the folders); the rebuild restores every take, and the
    next take gets a new number and folder."""
    project, was = _two_take_project(tmp_path)
    db = project / CATALOGUE
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if damage == "zero-bytes":
        db.write_bytes(b"")
    elif damage == "missing":
        db.unlink()
    else:
        db.unlink()
        sqlite3.connect(db).execute("CREATE TABLE other (x)").connection.close()
    assert main(["takes", "list", "-p", str(project)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error:"), err
    assert "takes.sqlite" in err[0] and "previzkit takes rebuild" in err[0]
    with pytest.raises(TakeStoreError, match="takes rebuild"):
        TakeStore(project)
    assert db.exists() == (damage != "missing") and (
        damage != "zero-bytes" or not db.stat().st_size
    )

    assert main(["takes", "rebuild", "-p", str(project)]) == 0
    assert "3 takes catalogued" in capsys.readouterr().out
    with TakeStore(project) as store:
        got = {t.label: (t.duration_frames, t.files) for t in store.list()}
        assert got == was["takes"]
        assert all(t.status == "ok" for t in store.list())
        for t in store.list():
            assert (store.take_dir(t) / "pose.pzt").read_bytes() == was["poses"][t.label]
        assert _record(store, "1", "1-A").take == 3


def test_rebuild_keeps_readable_rows_and_recovers_dead_takes(tmp_path):
    """Rebuilding a readable catalogue keeps ratings; a dead take is recovered."""
    project, _ = _two_take_project(tmp_path)
    dead = _die_recording(project, "1", "1-A", frames=5)
    from previzkit.takes.rebuild import rebuild

    done = rebuild(project)
    assert done.old is not None and done.old.is_file()
    with TakeStore(project) as store:
        assert store.get("1", "1-A", 2).rating == 4
        assert store.get("1", "1-A", dead).status == "recovered"
        assert len(store.list()) == 4


def test_bad_rows_are_warnings_and_the_other_takes_are_listed(tmp_path, capsys):
    """Bad JSON, a wrong type, an unknown status and a NULL (in a catalogue whose
    table another tool made without NOT NULL): each row a ``warning:`` line, the
    good takes listed, exit 0."""
    project = tmp_path / "proj"
    project.mkdir()
    db = sqlite3.connect(project / CATALOGUE)
    db.executescript(
        """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
        INSERT INTO meta VALUES ('schema', '1');
        CREATE TABLE takes (id INTEGER PRIMARY KEY AUTOINCREMENT, scene TEXT, shot TEXT,
            take INTEGER, start_tc TEXT, rate TEXT, duration_frames INTEGER, files TEXT,
            notes TEXT DEFAULT '', rating INTEGER DEFAULT 0, circled INTEGER DEFAULT 0,
            status TEXT DEFAULT 'ok', recorded_at TEXT, UNIQUE (scene, shot, take));
        """
    )
    rows = [(n, "{}", "ok") for n in range(1, 85)]
    rows += [(85, "{not json", "ok"), ("x", "{}", "ok"), (87, "{}", "weird"), (88, None, "ok")]
    db.executemany(
        "INSERT INTO takes (scene, shot, take, start_tc, rate, duration_frames, files, "
        "status, recorded_at) VALUES ('1', '1-A', ?, '10:00:00:00', '24', 24, ?, ?, 'now')",
        rows,
    )
    db.commit()
    db.close()
    assert main(["takes", "list", "-p", str(project), "--json"]) == 0
    cap = capsys.readouterr()
    assert len(json.loads(cap.out)) == 84
    warnings = cap.err.strip().splitlines()
    assert len(warnings) == 4 and all(w.startswith("warning: catalogue row") for w in warnings)
    assert "not JSON" in cap.err or "Expecting" in cap.err


def _video_project(tmp_path) -> Path:
    """Two finished video takes of shot 1-A and a third its recorder died in."""
    project = tmp_path / "proj"
    with TakeStore(project) as store:
        for _ in range(2):
            with Recorder(
                store, "1", "1-A", rate="24", start_tc="10:00:00:00", size=(64, 48), gop=6
            ) as rec:
                for i in range(24):
                    p = np.full((33, 3), i, np.float32)
                    rec.frame(
                        np.full((48, 64, 3), i * 5, np.uint8), poses=[Pose(i / 24, 1, p, p, 0.9)]
                    )
    assert _die_recording(project, "1", "1-A") == 3
    return project


def test_listing_never_opens_a_write_transaction(tmp_path, capsys):
    """Another connection holds the catalogue's write lock (``BEGIN IMMEDIATE``) the
    whole time: list, show, export and ``cut assemble`` still answer, which they could
    not if they opened a write transaction (that would wait for the lock, then fail);
    the assembly says it skips the take left ``recording``. Runs as root too; it
    proves the read-only opening, not file permissions."""
    project = _video_project(tmp_path)
    holder = sqlite3.connect(project / CATALOGUE, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        assert main(["takes", "list", "-p", str(project), "--json"]) == 0
        assert [t["status"] for t in json.loads(capsys.readouterr().out)] == [
            "ok",
            "ok",
            "recording",
        ]
        assert main(["takes", "show", "-p", str(project), "1", "1-A", "2"]) == 0
        assert main(["takes", "export", "-p", str(project), "-o", str(tmp_path / "t.csv")]) == 0
        capsys.readouterr()
        if importlib.util.find_spec("opentimelineio") and importlib.util.find_spec("av"):
            script = REPO / "previzkit" / "assets" / "scripts" / "sample.fountain"
            cut = str(tmp_path / "cut.otio")
            assert main(["cut", "assemble", "-p", str(project), "-s", str(script), "-o", cut]) == 0
            assert "note: take 1/1-A/3 skipped: still 'recording'" in capsys.readouterr().err
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_read_only_mount_lists_and_assembles(tmp_path):
    """The project bind-mounted read-only (a private mount namespace: this holds for
    root, whom chmod would not stop): ``takes list`` and ``cut assemble`` work, and
    the assembly says it skips the take left ``recording`` and why."""
    if (
        os.geteuid() != 0
        or subprocess.run(["unshare", "-m", "true"], capture_output=True).returncode
    ):
        pytest.skip("needs a private mount namespace (unshare -m as root) for a ro bind")
    pytest.importorskip("opentimelineio")
    project = _video_project(tmp_path)
    script = REPO / "previzkit" / "assets" / "scripts" / "sample.fountain"
    cut = tmp_path / "cut.otio"
    py = f"PYTHONPATH={REPO} {sys.executable} -m previzkit"
    cmd = (
        f"mount --bind -o ro {project} {project} && "
        f"! touch {project}/probe 2>/dev/null && "
        f"{py} takes list -p {project} && "
        f"{py} cut assemble -p {project} -s {script} -o {cut}"
    )
    done = subprocess.run(
        ["unshare", "-m", "sh", "-c", cmd], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    listed = done.stdout.splitlines()
    assert sum("1-A" in ln for ln in listed) == 3 and "recording" in listed[3]
    assert "note: take 1/1-A/3 skipped: still 'recording'" in done.stderr
    assert "takes recover" in done.stderr and cut.is_file()
    assert not (project / "probe").exists()


def test_takes_in_the_older_folder_names_still_open(tmp_path):
    """A take filed under the older lossy folder name (scene "2 B" in ``2_B``) is
    still found there; the next take of that scene goes to its own new folder."""
    with TakeStore(tmp_path / "proj") as store:
        old = _record(store, "2 B", "1")
        legacy = store.root / "takes" / "2_B" / "1" / "001"
        legacy.parent.mkdir(parents=True)
        store.folder_of("2 B", "1", 1).rename(legacy)
        assert store.take_dir(old) == legacy
        assert len(read_track(store.file(old, "pose")).frames) == 4
        new = _record(store, "2 B", "1")
        assert new.take == 2 and store.take_dir(new) == store.folder_of("2 B", "1", 2)

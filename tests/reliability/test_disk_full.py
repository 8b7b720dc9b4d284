"""Disk full during a take, on a real small file system: a tmpfs mounted for the test
(needs root; where mounting is refused, the child's RLIMIT_FSIZE stands in, which
gives EFBIG instead of ENOSPC). The recorder stops cleanly (RecordingError, no
traceback), and everything flushed before the disk filled is kept and readable: the
journal, the pose and camera tracks, the fragmented MP4 up to its last fragment."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest

from previzkit.model.camera_track import read_camera_track
from previzkit.model.pose_track import read_track
from previzkit.takes.journal import read_journal
from previzkit.takes.recovery import recover
from previzkit.takes.store import TakeStore
from tests.helpers import worker, worker_env

pytestmark = pytest.mark.media
SIZE_MB = 6
RECORDS_PER_FRAME = 3  # pose, camera, tick


@contextlib.contextmanager
def small_disk(where: Path):
    """A SIZE_MB tmpfs at ``where``; yields (mounted, remount(size_mb))."""
    where.mkdir(parents=True, exist_ok=True)
    ok = False
    if os.geteuid() == 0 and not os.environ.get("PREVIZKIT_TEST_NO_MOUNT"):
        r = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={SIZE_MB}m", "tmpfs", str(where)],
            capture_output=True,
            text=True,
        )
        ok = r.returncode == 0

    def grow(mb: int) -> None:
        if ok:
            subprocess.run(["mount", "-o", f"remount,size={mb}m", str(where)], check=True)

    try:
        yield ok, grow
    finally:
        if ok:
            subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(project: Path, mounted: bool):
    def limit():
        import resource

        cap = SIZE_MB * 1024 * 1024 // 2  # per file: video.mp4 hits it first
        resource.setrlimit(resource.RLIMIT_FSIZE, (cap, cap))

    child = subprocess.Popen(
        worker("recorder_worker", "--fill", project),
        env=worker_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=None if mounted else limit,
    )
    out, err = child.communicate(timeout=240)
    assert "NEVER FULL" not in out
    assert child.returncode == 3, err[-3000:]
    assert "Traceback" not in err, err[-3000:]
    flushes = [int(ln.split()[1]) for ln in out.splitlines() if ln.startswith("FLUSH")]
    stopped = [ln for ln in out.splitlines() if ln.startswith("STOPPED")]
    assert flushes and len(stopped) == 1, out[-2000:]
    return flushes, stopped[0]


def _check_kept(store: TakeStore, flushed: int):
    take = store.get("9", "9-A", 1)
    assert take.status == "recovered", take
    assert "recording stopped by an error" in take.notes or "recovered" in take.notes
    folder = store.take_dir(take)
    journal = read_journal(folder / "journal.pzj")
    assert len(journal.records) >= flushed  # nothing flushed was lost
    n = take.duration_frames
    assert n >= flushed // RECORDS_PER_FRAME - 1 > 0
    track = read_track(folder / take.files["pose"])
    assert len(track.frames) == n
    assert len(read_camera_track(folder / take.files["camera"]).time) == n
    if "video" in take.files:  # the MP4 up to its last complete fragment
        import av

        with av.open(str(folder / take.files["video"])) as c:
            frames = sum(1 for _ in c.decode(video=0))
        assert frames > 0
    return take


def test_disk_full_with_the_takes_on_the_full_disk(tmp_path):
    """Take media on the small disk, the catalogue on a healthy one (a project whose
    takes/ folder is a mount). The recorder finishes the take as 'recovered' itself
    when the replay fits; when even the small pose/camera files do not, the take stays
    'recording' (the catalogue says so) and recovery finishes it once space is freed."""
    project = tmp_path / "proj"
    project.mkdir()
    with small_disk(tmp_path / "disk") as (mounted, grow):
        (project / "takes").symlink_to(tmp_path / "disk")
        flushes, stopped = _fill(project, mounted)
        if mounted:
            assert "No space left on device" in stopped, stopped
        with TakeStore(project) as store:
            if store.get("9", "9-A", 1).status == "recording":
                assert "the next start recovers it" in stopped, stopped
                grow(64)  # the operator frees space
                if not mounted:
                    pytest.skip("RLIMIT_FSIZE fallback: no space to free")
                assert [t.take for t in recover(store)] == [1]
            else:
                assert "what was flushed is kept" in stopped, stopped
            _check_kept(store, flushes[-1])


def test_disk_full_with_the_whole_project_on_the_full_disk(tmp_path):
    """Catalogue and media on the small disk: finishing the take may need space too; it
    then stays 'recording' and, once space is freed, the next start recovers it."""
    disk = tmp_path / "disk"
    with small_disk(disk) as (mounted, grow):
        if not mounted:
            pytest.skip("needs a mounted tmpfs (root): RLIMIT_FSIZE cannot fill SQLite's disk")
        project = disk / "proj"
        flushes, stopped = _fill(project, mounted)
        assert "No space left on device" in stopped or "full" in stopped, stopped
        grow(64)  # the operator frees space
        with TakeStore(project) as store:
            recover(store)
            _check_kept(store, flushes[-1])
            assert store._db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"

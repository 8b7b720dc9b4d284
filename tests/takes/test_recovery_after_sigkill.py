"""A recording process killed with SIGKILL mid-take, or stopped by a disk error: the
take is found at the next start and recovered with everything up to the last flush;
its video plays up to its last complete fragment."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from previzkit.model.camera_track import read_camera_track
from previzkit.model.pose_track import read_track
from previzkit.takes.journal import read_journal
from previzkit.takes.recorder import Recorder
from previzkit.takes.recovery import is_alive, recover
from previzkit.takes.store import TakeStore
from tests.helpers import REPO

pytestmark = pytest.mark.media


# The recording process: deterministic data per frame, prints each durable flush.
CHILD = textwrap.dedent(
    """
    import resource, signal, sys, threading, time
    import numpy as np
    from previzkit.core.errors import RecordingError
    from previzkit.model.camera import Lens
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore
    from previzkit.core.types import Pose

    project, limit = sys.argv[1], int(sys.argv[2])
    lock = threading.Lock()

    def say(line):  # whole lines: on_flush runs on the recorder's writer thread
        with lock:
            sys.stdout.write(line + "\\n")
            sys.stdout.flush()

    store = TakeStore(project)
    rec = Recorder(store, "4", "4-C", rate="24", start_tc="10:00:00:00", size=(64, 48),
                   audio=(8000, 1), flush_interval=0.2, gop=6,
                   on_flush=lambda n: say(f"FLUSH {n}"))
    rec.start()
    if limit:  # a "full disk": files may not grow past `limit` bytes
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    say(f"STARTED {rec.take.take}")
    lens = Lens(40.0, 24.89, 18.66, 3.0)
    i = 0
    try:
        while True:
            img = np.zeros((48, 64, 3), np.uint8); img[..., 0] = (i * 8) % 256
            world = np.tile(np.float32([i, -i, 0.5 * i]), (33, 1))
            pose = Pose(i / 24, 0, np.zeros((33, 3), np.float32), world, 1.0)
            rec.frame(img, poses=[pose], camera=((i * 0.01, 1.5, 5.0), (0, 0, 0, 1), lens),
                      time_s=i / 24)
            rec.audio(np.full(333, 0.25))
            i += 1
            time.sleep(0.004)
    except RecordingError as exc:
        say(f"STOPPED {exc}")
        sys.exit(3)
    """
)


def _spawn(project: Path, limit: int = 0) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(project), str(limit)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _check_frames(track, camera, n):
    for i in range(n):
        np.testing.assert_array_equal(track.frames[i].people[0].world[0], [i, -i, 0.5 * i])
        assert track.frames[i].index == i
    np.testing.assert_allclose(camera.position[:n, 0], 0.01 * np.arange(n))
    assert np.all(camera.focal_mm == 40.0)


def test_sigkill_mid_take_is_recovered_up_to_the_last_flush(tmp_path):
    import av

    project = tmp_path / "proj"
    child = _spawn(project)
    flushed = 0
    try:
        assert child.stdout.readline().startswith("STARTED"), child.stderr.read()
        deadline = time.monotonic() + 60
        # let it record past several flushes and video fragments, then kill it
        while flushed < 3 * 40 and time.monotonic() < deadline:
            line = child.stdout.readline()
            if line.startswith("FLUSH"):
                flushed = int(line.split()[1])
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL
    assert flushed >= 3 * 40

    with TakeStore(project) as store:
        take = store.get("4", "4-C", 1)
        assert take.status == "recording"
        folder = store.take_dir(take)
        assert not is_alive(folder)
        journal_bytes = (folder / "journal.pzj").stat().st_size
        recovered = recover(store)
        assert [t.label for t in recovered] == ["4/4-C/1"]
        take = store.get("4", "4-C", 1)
        assert recover(store) == []  # done once

    assert take.status == "recovered"
    assert "recovered" in take.notes
    # every record up to the last flush the test saw (3 records per frame) is back
    journal = read_journal(folder / "journal.pzj")
    assert not journal.truncated and not journal.ended
    assert len(journal.records) >= flushed
    assert (folder / "journal.pzj").stat().st_size <= journal_bytes
    n = take.duration_frames
    assert n >= flushed // 3
    assert set(take.files) >= {"pose", "camera", "video", "audio"}
    track = read_track(folder / take.files["pose"])
    camera = read_camera_track(folder / take.files["camera"])
    assert len(track.frames) == n and len(camera.index) == n
    _check_frames(track, camera, n)
    assert track.frames[n - 1].people[0].timecode.startswith("10:00:")

    # the video plays to its last complete fragment (6 frames each)
    with av.open(str(folder / take.files["video"])) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(frames) % 6 == 0
    # at most the fragment being filled and the encoder queue behind the journal; it may
    # also run ahead of the journal's last flush (both are kept)
    assert len(frames) >= n - 2 * 6 - 6
    for i in (0, len(frames) // 2, len(frames) - 1):
        assert abs(int(frames[i][24, 32, 0]) - (i * 8) % 256) <= 6
    with wave.open(str(folder / take.files["audio"])) as w:
        assert w.getnframes() >= 333 * (flushed // 3 - 1)


def test_a_full_disk_stops_recording_cleanly_and_keeps_what_was_flushed(tmp_path):
    project = tmp_path / "proj"
    child = _spawn(project, limit=96_000)
    out, err = child.communicate(timeout=120)
    assert child.returncode == 3, err[-2000:]
    assert "Traceback" not in err
    flushes = [int(ln.split()[1]) for ln in out.splitlines() if ln.startswith("FLUSH")]
    stopped = [ln for ln in out.splitlines() if ln.startswith("STOPPED")]
    assert flushes and stopped
    assert "File too large" in stopped[0] or "flushed" in stopped[0]

    with TakeStore(project) as store:
        take = store.get("4", "4-C", 1)
        if take.status == "recording":  # finishing needed disk space too: next start does it
            assert "next start recovers it" in stopped[0]
            recover(store)
            take = store.get("4", "4-C", 1)
        folder = store.take_dir(take)
    assert take.status == "recovered"
    journal = read_journal(folder / "journal.pzj")
    assert not journal.truncated
    assert len(journal.records) >= flushes[-1]
    n = take.duration_frames
    assert n >= flushes[-1] // 3
    track = read_track(folder / take.files["pose"])
    camera = read_camera_track(folder / take.files["camera"])
    _check_frames(track, camera, n)


def test_a_live_recording_is_left_alone(tmp_path):
    with TakeStore(tmp_path / "proj") as store, TakeStore(tmp_path / "proj") as other:
        with Recorder(store, "5", "5-A", start_tc="00:00:00:00", flush_interval=0.1) as rec:
            rec.frame(poses=[])
            assert is_alive(store.take_dir(rec.take))
            assert recover(other) == []
            assert other.get("5", "5-A", 1).status == "recording"
        assert other.get("5", "5-A", 1).status == "ok"
        assert not is_alive(store.take_dir(rec.take))


def test_a_take_that_died_before_its_journal_is_marked_failed(tmp_path):
    from previzkit.model.take import Take

    with TakeStore(tmp_path / "proj") as store:
        store.add(Take("6", "6-A", 1, status="recording"))
        (t,) = recover(store)
        assert t.status == "failed" and t.duration_frames == 0
        assert "no journal" in t.notes


def test_the_next_recorder_start_recovers_dead_takes_first(tmp_path):
    from previzkit.model.take import Take

    with TakeStore(tmp_path / "proj") as store:
        store.add(Take("7", "7-A", 1, status="recording"))  # its process is gone
        with Recorder(store, "7", "7-A", start_tc="00:00:00:00") as rec:
            rec.frame()
        assert [t.label for t in rec.recovered] == ["7/7-A/1"]
        assert store.get("7", "7-A", 1).status == "failed"
        assert rec.take.take == 2 and rec.take.status == "ok"

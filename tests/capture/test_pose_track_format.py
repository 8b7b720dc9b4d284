"""The binary pose track: round trip, append, torn tails recovered, foreign files refused."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import MissingFileError
from previzkit.core.types import Pose
from previzkit.model.pose_track import (
    MAGIC,
    PoseFrame,
    TrackError,
    TrackWriter,
    read_track,
    write_track,
)


def _frame(i: int, ids=(0, 1)) -> PoseFrame:
    rng = np.random.default_rng(i)
    people = []
    for a in ids:
        flags = np.zeros(33, np.uint8)
        flags[i % 33] = 1
        people.append(
            Pose(
                i / 30,
                a,
                rng.random((33, 3)).astype(np.float32),
                rng.random((33, 3)).astype(np.float32),
                0.9,
                f"00:00:00:{i:02d}",
                flags,
            )
        )
    return PoseFrame(i, i / 30, people)


def test_round_trip_keeps_every_value(tmp_path):
    path = tmp_path / "take.pzt"
    with TrackWriter(path, width=640, height=480, fps=30, meta={"model": "lite"}) as w:
        frames = [_frame(i) for i in range(5)]
        for f in frames:
            w.write(f)
    track = read_track(path)
    assert (track.width, track.height, track.fps) == (640, 480, 30.0)
    assert track.meta["model"] == "lite" and len(track.meta["landmarks"]) == 33
    assert len(track.frames) == 5 and not track.truncated
    for a, b in zip(frames, track.frames, strict=True):
        assert a.index == b.index and a.time == b.time
        for p, q in zip(a.people, b.people, strict=True):
            assert p.actor_id == q.actor_id and p.timecode == q.timecode
            assert np.array_equal(p.image, q.image) and np.array_equal(p.world, q.world)
            assert np.array_equal(p.flags, q.flags) and q.confidence == pytest.approx(0.9)
    assert track.actor_ids() == [0, 1] and len(track.actor(1)) == 5
    assert len(list(track)) == 10


def test_a_torn_last_record_loses_only_that_frame(tmp_path):
    path = tmp_path / "crash.pzt"
    with TrackWriter(path, fps=25) as w:
        for i in range(4):
            w.write(_frame(i))
    data = path.read_bytes()
    path.write_bytes(data[:-50])  # the writer died mid-record
    track = read_track(path)
    assert len(track.frames) == 3 and track.truncated


def test_append_cuts_a_torn_tail_and_continues(tmp_path):
    path = tmp_path / "resume.pzt"
    with TrackWriter(path, fps=25, meta={"source": "cam A"}) as w:
        for i in range(3):
            w.write(_frame(i))
    path.write_bytes(path.read_bytes()[:-10])
    with TrackWriter(path, append=True) as w:
        assert w.meta["source"] == "cam A"
        w.write(_frame(7))
    track = read_track(path)
    assert [f.index for f in track.frames] == [0, 1, 7] and not track.truncated


def test_a_corrupt_record_stops_reading_there(tmp_path):
    path = write_track(tmp_path / "c.pzt", read_track_like(5))
    data = bytearray(path.read_bytes())
    data[-30] ^= 0xFF  # flip bits inside the last record: CRC mismatch
    path.write_bytes(bytes(data))
    track = read_track(path)
    assert len(track.frames) == 4 and track.truncated


def read_track_like(n):
    from previzkit.model.pose_track import PoseTrack

    return PoseTrack(320, 240, 30.0, [_frame(i, ids=(0,)) for i in range(n)])


def test_foreign_and_future_files_are_refused(tmp_path):
    bad = tmp_path / "x.pzt"
    bad.write_bytes(b"GIF89a....")
    with pytest.raises(TrackError, match=r"x\.pzt.*not a previzkit pose track"):
        read_track(bad)
    future = tmp_path / "future.pzt"
    future.write_bytes(MAGIC + (2).to_bytes(2, "little") + b"\0\0" + b"\0\0\0\0")
    with pytest.raises(TrackError, match="version 2 is not supported"):
        read_track(future)
    with pytest.raises(MissingFileError, match=r"nope\.pzt"):
        read_track(tmp_path / "nope.pzt")

"""Pose tracks of takes read as arrays (.npz form) and their bad inputs."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError, MissingFileError, ShapeError
from previzkit.edit.synthetic import synthetic_actor_track
from previzkit.model.pose_track import (
    ActorTrack,
    read_actor_track,
    write_actor_npz,
    write_actor_pzt,
)


def test_npz_round_trip(tmp_path):
    track = synthetic_actor_track(48, 24, (10, 30), end_xz=(1.0, -0.5))
    back = read_actor_track(write_actor_npz(track, tmp_path / "pose.npz"))
    assert len(back) == 48
    np.testing.assert_array_equal(back.world, track.world)
    np.testing.assert_allclose(back.root[-1], [1.0, 0.95, -0.5])


def test_pzt_through_the_capture_reader(tmp_path):
    pytest.importorskip("msgpack")
    track = synthetic_actor_track(30, 24, (5, 20), confidence=0.8, dropouts=0.2, seed=4)
    path = write_actor_pzt(track, tmp_path / "pose.pzt", 24, actor_id=3)
    back = read_actor_track(path)
    assert len(back) == 30 and back.root is None
    np.testing.assert_allclose(back.world, track.world, atol=1e-6)
    np.testing.assert_allclose(back.confidence, track.confidence, atol=1e-6)
    np.testing.assert_array_equal(back.held, track.held)
    np.testing.assert_allclose(back.times, track.times, atol=1e-9)
    with pytest.raises(InputError, match=r"no actor 1 \(actors: \[3\]\)"):
        read_actor_track(path, actor=1)


def test_bad_tracks(tmp_path):
    with pytest.raises(MissingFileError, match="no such file"):
        read_actor_track(tmp_path / "none.npz")
    np.savez(tmp_path / "bad.npz", times=np.zeros(3))
    with pytest.raises(InputError, match="not a previzkit pose track"):
        read_actor_track(tmp_path / "bad.npz")
    (tmp_path / "x.bin").write_bytes(b"\0" * 10)
    with pytest.raises(InputError, match=r"x.bin"):
        read_actor_track(tmp_path / "x.bin")
    with pytest.raises(ShapeError, match=r"world: shape \(2, 33, 2\), expected \(2, 33, 3\)"):
        ActorTrack(
            np.zeros(2),
            np.zeros((2, 33, 2)),
            np.zeros((2, 33)),
            np.zeros(2),
            np.zeros((2, 33), bool),
        )

"""One camera sample type end to end: the stage's camera (a 4x4 and a lens) through the
recorder's journal into the take's ``camera.npz`` and back as the same samples."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import ShapeError
from previzkit.core.geometry import look_at
from previzkit.model.camera import Lens
from previzkit.model.camera_track import CameraSample, CameraTrack, read_camera_track
from previzkit.takes.journal import decode_camera, encode_camera, read_journal
from previzkit.takes.recorder import Recorder
from previzkit.takes.store import TakeStore


def _c2w(i: int) -> np.ndarray:
    return np.asarray(look_at((0.1 * i, 1.6, 4.0), (0.0, 1.0, 0.0)), np.float64)


def test_camera_samples_round_trip_journal_take_and_reader(tmp_path):
    lens = Lens(32.0, 24.89, 18.66, 3.5)
    sent = [CameraSample.from_matrix(i, i / 24, _c2w(i), lens) for i in range(6)]
    with TakeStore(tmp_path / "proj") as store, Recorder(store, "1", "1-A", rate="24") as rec:
        for s in sent:
            rec.frame(camera=s, time_s=s.time)
    folder = store.take_dir(rec.take)
    assert read_journal(folder / "journal.pzj").cameras() == sent
    track = read_camera_track(folder / rec.take.files["camera"])
    assert list(track) == sent
    assert track.meta["rate"] == "24" and track.meta["shot"] == "1-A"
    for s in track:
        np.testing.assert_allclose(s.camera_to_world, _c2w(s.index), atol=1e-12)
        assert s.lens == lens


def test_journal_record_and_arrays_are_the_sample(tmp_path):
    s = CameraSample(7, 0.25, (1.0, 2.0, 3.0), (0.0, 0.0, 0.0, 1.0), 50.0, 36.0, 24.0, 2.0)
    assert len(encode_camera(s)) == 100 and decode_camera(encode_camera(s)) == s
    assert CameraTrack.from_samples([s]).sample(0) == s
    assert s.at(8, 0.5) == CameraSample(8, 0.5, *list(vars(s).values())[2:])


def test_bad_camera_shapes_are_named():
    with pytest.raises(ShapeError, match="orientation 3"):
        CameraSample.from_lens(0, 0.0, (0, 0, 0), (0, 0, 1), Lens())
    with pytest.raises(ShapeError, match=r"camera_to_world shape \(3, 3\)"):
        CameraSample.from_matrix(0, 0.0, np.eye(3), Lens())
    with pytest.raises(ShapeError, match="position"):
        CameraTrack.from_samples([]).__class__(
            np.zeros(2, np.int64),
            np.zeros(2),
            np.zeros((1, 3)),
            np.zeros((2, 4)),
            np.zeros(2),
            np.zeros((2, 2)),
            np.zeros(2),
        )

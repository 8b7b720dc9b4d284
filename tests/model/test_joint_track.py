"""World joint tracks round-trip through joints.npz; bad files and shapes are named."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError, ShapeError
from previzkit.model.joint_track import JointTrack, read_joint_track, write_joint_track


def test_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    frames = [rng.normal(size=(2, 3, 3)) for _ in range(5)]
    frames[2][1] = np.nan  # SAM out of frame
    t = JointTrack.from_frames(["ALEX", "SAM"], ["hips", "neck", "head"], frames, 24.0, {"a": 1})
    back = read_joint_track(write_joint_track(t, tmp_path / "joints.npz"))
    assert back.characters == ["ALEX", "SAM"] and back.joints == ["hips", "neck", "head"]
    np.testing.assert_array_equal(back.world, t.world)
    assert back.time[1] == pytest.approx(1 / 24) and back.meta == {"a": 1}
    assert np.isnan(back.joint("SAM", "head")[2]).all()
    with pytest.raises(InputError, match="no character 'X'"):
        back.joint("X", "head")


def test_bad_input_is_named(tmp_path):
    with pytest.raises(ShapeError, match="world has shape"):
        JointTrack(["A"], ["head"], np.zeros((2, 1, 2, 3)), np.arange(2), np.arange(2.0))
    bad = tmp_path / "joints.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="not a joint track"):
        read_joint_track(bad)

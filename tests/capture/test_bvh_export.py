"""BVH export read back by an independent parser (bvhio): frames, joints, positions."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.capture.bvh import bvh_text, write_bvh
from previzkit.core.errors import InputError
from previzkit.core.geometry import euler_zxy_degrees, quat_from_axis_angle, quat_to_matrix_batch
from previzkit.core.types import SkeletonPose
from previzkit.model.kinematics import forward_kinematics
from previzkit.model.skeleton import SKELETON, default_skeleton

bvhio = pytest.importorskip("bvhio")


def _clip(n=6):
    return [
        SkeletonPose(
            root=(0.1 * i, 0.95, -0.05 * i),
            rotations={
                "hips": quat_from_axis_angle((0, 1, 0), 0.1 * i),
                "left_upper_arm": quat_from_axis_angle((0.3, 0.2, 1), -0.2 * i),
                "left_forearm": quat_from_axis_angle((1, 0.2, 0.1), 0.5),
                "right_lower_leg": quat_from_axis_angle((1, 0, 0), 0.15 * i),
                "head": quat_from_axis_angle((0, 0, 1), 0.9),  # near-lock angles too
            },
        )
        for i in range(n)
    ]


def test_bvhio_reads_frames_joints_and_positions(tmp_path):
    sk = default_skeleton()
    clip = _clip()
    path = write_bvh(tmp_path / "take.bvh", sk, clip, 1 / 30)
    bvh = bvhio.readAsBvh(str(path))
    assert bvh.FrameCount == len(clip)
    assert bvh.FrameTime == pytest.approx(1 / 30, abs=1e-6)
    root = bvhio.readAsHierarchy(str(path))
    names = [j.Name for j, _, _ in root.layout()]
    assert sorted(names) == sorted(SKELETON) and names[0] == "hips"
    for f in (0, 3, 5):
        root.loadPose(f)
        want = forward_kinematics(sk, clip[f])[:, :3, 3] * 100  # cm
        for j, _, _ in root.layout():
            got = np.array(j.PositionWorld)
            assert np.allclose(got, want[sk.index(j.Name)], atol=0.01), (f, j.Name)


def test_euler_zxy_reconstructs_the_rotation():
    rng = np.random.default_rng(3)
    q = rng.normal(size=(200, 4))
    m = quat_to_matrix_batch(q)
    z, x, y = np.radians(euler_zxy_degrees(m)).T

    def rz(a):
        c, s = np.cos(a), np.sin(a)
        return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])

    def rx(a):
        c, s = np.cos(a), np.sin(a)
        return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])

    def ry(a):
        c, s = np.cos(a), np.sin(a)
        return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])

    for i in range(200):
        assert np.allclose(rz(z[i]) @ rx(x[i]) @ ry(y[i]), m[i], atol=1e-9)


def test_units_and_bad_arguments():
    sk = default_skeleton()
    text = bvh_text(sk, _clip(2), 0.04, units="m")
    assert "OFFSET 0 0.1 0" in text and "Frames: 2" in text
    with pytest.raises(InputError, match="units"):
        bvh_text(sk, _clip(1), 0.04, units="ft")
    with pytest.raises(InputError, match="frame time"):
        bvh_text(sk, _clip(1), 0.0)
    with pytest.raises(InputError, match="at least one frame"):
        bvh_text(sk, [], 0.04)
    with pytest.raises(InputError, match="'tail'"):
        bvh_text(sk, [SkeletonPose(rotations={"tail": (0, 0, 0, 1)})], 0.04)

"""World joints -> skeleton poses: forward kinematics of the fitted poses puts every
joint back where the take had it, root and facing included."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.errors import InputError, ShapeError
from previzkit.core.geometry import translation
from previzkit.model.kinematics import forward_kinematics
from previzkit.model.skeleton import default_skeleton
from previzkit.stage.synth import wave_pose
from previzkit.takes.motion_export import held_frames
from previzkit.takes.skeleton_fit import fit_poses, fit_skeleton


def _walk(skeleton, frames=12):
    """A waving mannequin walking from (1.3, -1.0) along x, turning from yaw -60°."""
    out = []
    for i in range(frames):
        place = translation((1.3 + 0.05 * i, 0.0, -1.0), math.radians(-60 + 4 * i))
        out.append((place @ forward_kinematics(skeleton, wave_pose(skeleton, i / 30)))[:, :3, 3])
    return np.array(out)


def test_fitted_poses_reproduce_the_joints_and_measure_the_rig():
    truth = default_skeleton(1.62)
    world = _walk(truth)
    skeleton = fit_skeleton(world)
    assert skeleton.height_m == pytest.approx(1.62)
    np.testing.assert_allclose(skeleton.offsets, truth.offsets, atol=1e-9)
    poses = fit_poses(skeleton, world)
    again = np.array([forward_kinematics(skeleton, p)[:, :3, 3] for p in poses])
    np.testing.assert_allclose(again, world, atol=1e-9)
    np.testing.assert_allclose([p.root for p in poses], world[:, 0], atol=1e-12)


def test_absent_frames_hold_the_nearest_present_one():
    world = _walk(default_skeleton(), 5)
    gaps = world.copy()
    gaps[[0, 1, 3]] = np.nan
    held = held_frames(gaps)
    np.testing.assert_array_equal(held[[0, 1, 2, 3, 4]], world[[2, 2, 2, 2, 4]])
    assert held_frames(np.full_like(world, np.nan)) is None


def test_bad_joints_are_named():
    with pytest.raises(ShapeError, match=r"expected \(frames, 21, 3\)"):
        fit_skeleton(np.zeros((4, 22, 3)))
    world = _walk(default_skeleton(), 2)
    world[1, 3] = np.nan
    with pytest.raises(InputError, match="finite"):
        fit_poses(default_skeleton(), world)

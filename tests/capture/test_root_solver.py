"""The metric root from one camera (capture.root): real mocap seen through a known
camera, with pixel noise; the floor from the camera or from the planted feet."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.capture.root import Ground, ground_motion, grounded_poses, solve_root
from previzkit.core.errors import InputError
from previzkit.model.capture_camera import CaptureCamera
from previzkit.model.pose_track import PoseFrame, PoseTrack, read_track, write_track
from tests.helpers.grounded import mocap_seen_by

CAMERA = CaptureCamera.from_hfov(1920, 1080, 60.0, height_m=1.5, tilt_deg=8.0)
GROUND = Ground(1.5, 8.0)


@pytest.mark.parametrize("clip_id", ["climb", "jump_forward", "walk_curve", "run"])
def test_root_within_5_cm_at_5_m_with_2_px_noise(clip_id):
    """CMU / DeepMimic mocap 5 m from a 1080p camera (60 degrees, 1.5 m up, 8 degrees
    down), landmarks projected with 2 px of noise: every frame's hips within 5 cm."""
    poses, truth, _ = mocap_seen_by(clip_id, CAMERA, GROUND, distance_m=5.0, noise_px=2.0)
    motion = ground_motion(poses, CAMERA)
    assert motion.solved.all() and motion.ground.source == "camera"
    err = np.linalg.norm(motion.root - truth, axis=1)
    assert err.max() < 0.05, f"{clip_id}: worst frame {err.max() * 100:.1f} cm"


def test_floor_found_from_the_planted_feet():
    """No height or tilt given: the floor fitted to the feet of a curving walk comes out
    where the camera really stands (1.5 m, 8 degrees)."""
    poses, truth, _ = mocap_seen_by("walk_curve", CAMERA, GROUND)
    intrinsics_only = CaptureCamera.from_hfov(1920, 1080, 60.0)
    motion = ground_motion(poses, intrinsics_only)
    assert motion.ground.source == "contacts"
    assert motion.ground.height_m == pytest.approx(1.5, abs=0.1)
    assert motion.ground.tilt_deg == pytest.approx(8.0, abs=2.0)
    assert motion.contacts.any(axis=0).all()
    assert np.abs(motion.root[:, 1] - truth[:, 1]).max() < 0.1


def test_root_and_contacts_travel_in_the_track(tmp_path):
    """Pose.root and Pose.contacts are written to and read from a .pzt; the shipped
    tracks, which lack them, still read (as None)."""
    poses, _, _ = mocap_seen_by("walk", CAMERA, GROUND)
    motion = ground_motion(poses, CAMERA)
    marked = grounded_poses(poses, motion)
    track = PoseTrack(
        1920, 1080, 30.0, [PoseFrame(i, p.timestamp, [p]) for i, p in enumerate(marked)]
    )
    back = read_track(write_track(tmp_path / "walk.pzt", track))
    got = back.actor(0)
    assert np.allclose([p.root for p in got], motion.camera_root, atol=1e-6)
    assert [p.contacts for p in got] == [tuple(c) for c in motion.contacts.tolist()]
    from previzkit.core.resources import asset_path

    for name in ("mara.pzt", "jonas.pzt"):
        old = read_track(asset_path("motion", name))
        assert old.frames and all(p.root is None and p.contacts is None for p in old)


def test_bad_input_is_named():
    with pytest.raises(InputError, match=r"\(F, 33, 3\)"):
        solve_root(np.zeros((4, 17, 3)), np.zeros((4, 17, 3)), CAMERA)
    with pytest.raises(InputError, match="at least one pose"):
        ground_motion([], CAMERA)
    poses, _, _ = mocap_seen_by("walk", CAMERA, GROUND)
    for p in poses:
        p.image[:, 2] = 0.0  # nothing visible anywhere
    with pytest.raises(InputError, match="no frame has enough visible landmarks"):
        ground_motion(poses, CAMERA)
    with pytest.raises(InputError, match="time order"):
        ground_motion(poses[::-1], CAMERA)

"""``smooth_camera_track``: a handheld camera's jitter filtered out, its move kept."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.model.camera_track import CameraTrack, smooth_camera_track

FPS, N = 24.0, 240


def _yaw_quats(yaw: np.ndarray) -> np.ndarray:
    z = np.zeros_like(yaw)
    return np.stack([z, np.sin(yaw / 2), z, np.cos(yaw / 2)], axis=1)


def _handheld():
    """10 s of a slow dolly and pan (the true move) with 3 mm / 0.3 degree noise."""
    rng = np.random.default_rng(7)
    t = np.arange(N) / FPS
    true_pos = np.stack(
        [0.5 * np.sin(2 * np.pi * 0.2 * t), 1.5 + 0.1 * np.sin(2 * np.pi * 0.3 * t), 0.3 * t], 1
    )
    yaw = np.radians(20) * np.sin(2 * np.pi * 0.1 * t)
    quats = _yaw_quats(yaw + rng.normal(0, np.radians(0.3), N))
    quats[::2] *= -1  # the same rotations, signs flipping as a tracker may report them
    focal = np.linspace(35.0, 50.0, N)
    track = CameraTrack(
        np.arange(N, dtype=np.int64),
        t,
        true_pos + rng.normal(0, 0.003, true_pos.shape),
        quats,
        focal,
        np.tile([24.89, 18.66], (N, 1)),
        np.full(N, 3.0),
        {"take": 1},
    )
    return track, true_pos, _yaw_quats(yaw)


def _jitter(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.diff(x, 2, axis=0) ** 2)))


def _angle_deg(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    dots = np.clip(np.abs(np.einsum("ij,ij->i", a, b)), 0.0, 1.0)
    return np.degrees(2 * np.arccos(dots))


def test_jitter_reduced_move_kept():
    track, true_pos, true_quats = _handheld()
    out = smooth_camera_track(track, cutoff_hz=4.0)

    assert len(out) == N
    assert np.array_equal(out.time, track.time) and np.array_equal(out.index, track.index)
    assert np.array_equal(out.focal_mm, track.focal_mm)
    assert np.array_equal(out.focus_m, track.focus_m) and out.meta == track.meta
    assert _jitter(out.position) < _jitter(track.position) / 2
    raw = track.orientation * np.sign(np.einsum("ij,ij->i", track.orientation, true_quats))[:, None]
    assert _jitter(out.orientation) < _jitter(raw) / 2
    # the slow move is kept, to the ends (no lag): within a few millimetres / tenths of a degree
    err = np.linalg.norm(out.position - true_pos, axis=1)
    assert err.max() < 0.01 and np.sqrt(np.mean(err**2)) < 0.003
    assert _angle_deg(out.orientation, true_quats).max() < 0.6
    assert np.allclose(np.linalg.norm(out.orientation, axis=1), 1.0)
    # sign-continuous: neighbouring quaternions within 90 degrees of each other
    assert (np.einsum("ij,ij->i", out.orientation[1:], out.orientation[:-1]) > 0).all()
    # the input is left as it was
    assert track.orientation[0, 3] < 0


def test_steady_move_passes_unchanged():
    t = np.arange(50) / FPS
    pos = np.stack([0.2 * t, np.full_like(t, 1.6), -0.5 * t], 1)
    quats = _yaw_quats(0.3 * t)
    track = CameraTrack(
        np.arange(50, dtype=np.int64),
        t,
        pos,
        quats,
        np.full(50, 35.0),
        np.tile([36.0, 24.0], (50, 1)),
        np.full(50, 2.0),
    )
    out = smooth_camera_track(track, cutoff_hz=2.0)
    assert np.allclose(out.position, pos, atol=1e-4)
    assert _angle_deg(out.orientation, quats).max() < 0.05


def test_bad_input_is_named():
    track, _, _ = _handheld()
    with pytest.raises(InputError, match="cutoff_hz"):
        smooth_camera_track(track, cutoff_hz=0)
    track.time[5] = track.time[4]
    with pytest.raises(InputError, match="sample 5"):
        smooth_camera_track(track)

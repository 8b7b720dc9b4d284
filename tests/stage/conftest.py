"""Fixtures for the stage tests: pose tracks synthesized from the skeleton
(:mod:`previzkit.stage.synth`: the landmarks a MediaPipe run would report for a known pose), a real video plate
encoded with PyAV, and a small set."""

from __future__ import annotations

import pytest

from previzkit.stage.synth import pose_landmarks as landmarks_for
from previzkit.stage.synth import wave_pose, write_wave_track
from tests.helpers import write_set
from tests.helpers.media import write_plate

__all__ = ["landmarks_for", "wave_pose", "write_wave_track"]


@pytest.fixture
def wave_track(tmp_path):
    return write_wave_track(tmp_path / "wave.pzt", 12)


@pytest.fixture
def plate_video(tmp_path):
    return write_plate(tmp_path / "plate.mp4", 20)


@pytest.fixture
def small_set(tmp_path):
    """A set with one mannequin on mark A, no props, a solid background, one camera."""
    text = """
name: small
stage: {width: 8, depth: 8, grid: 1.0}
default_camera: CAM
marks:
  A: {position: [0.0, 0.0], color: [1.0, 0.8, 0.1]}
  B: {position: [1.5, -1.0]}
cameras:
  CAM: {lens: {focal_mm: 35}, position: [0.0, 1.3, 6.0], target: [0.0, 1.1, 0.0]}
  SIDE: {lens: {focal_mm: 50}, position: [4.0, 1.5, 0.0], target: A}
props:
  - {name: ball, mesh: ball.glb, position: [1.5, 0, -1.0], color: [0.85, 0.15, 0.12]}
characters:
  - {name: ALEX, model: mannequin, mark: A, yaw_deg: 0, color: [0.95, 0.2, 0.9]}
"""
    return write_set(tmp_path, text, name="small.yaml")


@pytest.fixture
def make_track():
    """``make_track(path, frames, fps=30.0, actors=(0,))`` writes a waving .pzt track."""
    return write_wave_track

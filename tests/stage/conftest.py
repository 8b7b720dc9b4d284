"""Fixtures for the stage tests: pose tracks synthesized from the skeleton
(:mod:`previzkit.stage.synth`: the landmarks a MediaPipe run would report for a known pose), a real video plate
encoded with PyAV, and a small set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_SET = ROOT / "previzkit" / "assets" / "sets" / "sample.yaml"


from previzkit.stage.synth import pose_landmarks as landmarks_for  # noqa: E402
from previzkit.stage.synth import wave_pose, write_wave_track  # noqa: E402

__all__ = ["landmarks_for", "wave_pose", "write_wave_track"]


def write_plate(path: Path, frames: int, size=(320, 180), fps: int = 30) -> Path:
    """A real H.264 plate: a vertical gradient with a moving bright bar."""
    import av

    w, h = size
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        base = np.zeros((h, w, 3), np.uint8)
        base[..., 0] = np.linspace(20, 60, h, dtype=np.uint8)[:, None]
        base[..., 1] = 140
        base[..., 2] = 60
        for i in range(frames):
            img = base.copy()
            x = (i * 7) % (w - 10)
            img[:, x : x + 10] = 230
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


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
    import shutil

    shutil.copy(ROOT / "previzkit" / "assets" / "props" / "ball.glb", tmp_path / "ball.glb")
    p = tmp_path / "small.yaml"
    p.write_text(text)
    return p


@pytest.fixture
def make_track():
    """``make_track(path, frames, fps=30.0, actors=(0,))`` writes a waving .pzt track."""
    return write_wave_track

"""Capture fixtures: real photographs of people shipped by installed packages.

- scikit-image's ``astronaut()`` (Eileen Collins, NASA, public domain) and
  ``camera()`` (a man with a camera, scikit-image's licence allows reuse);
- matplotlib's sample ``grace_hopper.jpg`` (US Navy photo, public domain).

No test invents a person: every figure is a photo. The two-person photo is composed
from two real photos side by side (no offline package ships a photo of a group).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.helpers import media


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    data = pytest.importorskip("skimage.data")
    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def cameraman() -> np.ndarray:
    data = pytest.importorskip("skimage.data")
    return np.ascontiguousarray(np.repeat(data.camera()[:, :, None], 3, axis=2))


@pytest.fixture(scope="session")
def grace_hopper() -> np.ndarray:
    cbook = pytest.importorskip("matplotlib.cbook")
    from PIL import Image

    with Image.open(cbook.get_sample_data("grace_hopper.jpg")) as im:
        return np.asarray(im.convert("RGB"))


@pytest.fixture(scope="session")
def two_people(astronaut, cameraman) -> np.ndarray:
    """Two real photos side by side (1024 x 512): astronaut left, cameraman right."""
    return np.ascontiguousarray(np.concatenate([astronaut, cameraman], axis=1))


@pytest.fixture(scope="session")
def lite_image():
    """A lite PoseEstimator in image mode, shared by the session (closed at the end)."""
    from previzkit.capture.pose import PoseEstimator

    est = PoseEstimator("lite", mode="image")
    yield est
    est.close()


def moving_frames(
    photo: np.ndarray,
    n: int,
    size=(320, 240),
    scale0=0.35,
    dscale=0.005,
    dx=4,
    dy=1,
    origin=(20, 10),
):
    """Frames of ``photo`` pasted on grey, scaled by ``scale0 + i*dscale`` and moved by
    (dx, dy) px per frame from ``origin``: yields (frame, scale, (ox, oy))."""
    from PIL import Image

    w, h = size
    for i in range(n):
        s = scale0 + dscale * i
        im = Image.fromarray(photo).resize(
            (round(photo.shape[1] * s), round(photo.shape[0] * s)), Image.BILINEAR
        )
        a = np.asarray(im)
        canvas = np.full((h, w, 3), 40, np.uint8)
        ox, oy = origin[0] + dx * i, origin[1] + dy * i
        a = a[: h - oy, : w - ox]
        canvas[oy : oy + a.shape[0], ox : ox + a.shape[1]] = a
        yield canvas, s, (ox, oy)


def write_video(path: Path, frames, fps: int = 30) -> Path:
    """Encode RGB frames to H.264 (crf 18) with PyAV."""
    return media.write_video(path, frames, fps, {"crf": "18"})


@pytest.fixture(scope="session")
def moving_video(tmp_path_factory, astronaut):
    """A 12-frame 320x240 H.264 video of the astronaut photo moving right and growing,
    with the known (scale, offset) per frame."""
    frames = list(moving_frames(astronaut, 12))
    path = write_video(tmp_path_factory.mktemp("video") / "move.mp4", [f for f, _, _ in frames])
    return path, [(s, o) for _, s, o in frames]


@pytest.fixture(scope="session")
def video_tools():
    """The helpers above, for tests that build their own clips."""
    from types import SimpleNamespace

    return SimpleNamespace(moving_frames=moving_frames, write_video=write_video)

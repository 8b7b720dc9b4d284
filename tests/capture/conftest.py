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


# --- real footage of people from Debian's opencv-doc (scripts/setup.d/65-footage.sh) ---

OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")
LABELS = Path(__file__).resolve().parents[1] / "data" / "capture" / "people_labels.json"


def opencv_file(name: str) -> Path:
    """A file of opencv-doc's examples; skips the test when the package is missing."""
    path = OPENCV_DATA / name
    if not path.is_file():
        pytest.skip(f"{path} missing: install Debian's opencv-doc (scripts/setup.d/65-footage.sh)")
    return path


@pytest.fixture(scope="session")
def people_labels() -> dict:
    """Hand labels of the people in the real footage (tests/data/capture, by eye)."""
    import json

    return json.loads(LABELS.read_text())


def _vtest_frames(n: int, start: int = 0) -> list[np.ndarray]:
    cv2 = pytest.importorskip("cv2")
    cap = cv2.VideoCapture(str(opencv_file("vtest.avi")))
    frames = []
    for i in range(start + n):
        ok, bgr = cap.read()
        if not ok:
            break
        if i >= start:
            frames.append(np.ascontiguousarray(bgr[:, :, ::-1]))
    cap.release()
    return frames


@pytest.fixture(scope="session")
def opencv_still():
    """``opencv_still(name)``: an opencv-doc photo (``basketball1.png``) or a vtest frame
    (``vtest.avi#199``) as RGB uint8."""

    def load(name: str) -> np.ndarray:
        if name.startswith("vtest.avi#"):
            i = int(name.split("#")[1])
            return _vtest_frames(1, i)[0]
        from PIL import Image

        with Image.open(opencv_file(name)) as im:
            return np.ascontiguousarray(np.asarray(im.convert("RGB")))

    return load


@pytest.fixture(scope="session")
def vtest_frames() -> list[np.ndarray]:
    """OpenCV's vtest.avi (768x576, 10 fps, real street footage), frames 0-24, RGB."""
    return _vtest_frames(25)


@pytest.fixture(scope="session")
def vtest_run(vtest_frames):
    """vtest frames 0-24 through MultiPersonPose (lite, up to 8 people, a search every
    5 frames): the poses per frame."""
    from previzkit.capture.multi import MultiPersonPose

    frames = vtest_frames
    with MultiPersonPose("lite", max_people=8, search_every=5) as multi:
        return [multi.process(f, i / 10.0) for i, f in enumerate(frames)]

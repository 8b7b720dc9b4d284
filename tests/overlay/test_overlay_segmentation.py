"""Without a green screen: real MediaPipe person segmentation on a real photo
(scikit-image's astronaut) mattes the person, so a virtual prop behind her is hidden
where she stands and drawn around her; in front of her it covers her."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import ModelNotFound, ShapeError
from tests.helpers import flat_stage, write_set

pytestmark = pytest.mark.gl

SET = (
    flat_stage("no screen")
    + """cameras:
  CAM: {lens: {focal_mm: 35}, position: [0.0, 1.0, 5.0], target: [0.0, 1.0, 0.0]}
props:
  - {name: ball, mesh: ball.glb, position: [0.5, 0.0, 1.0], scale: 6.0, color: [0.9, 0.1, 0.1]}
"""
)
FACE, BACKGROUND = (90, 220), (60, 440)  # (row, column) in the 512x512 photo


@pytest.fixture(scope="module")
def astronaut():
    skimage_data = pytest.importorskip("skimage.data")
    return np.ascontiguousarray(skimage_data.astronaut())


@pytest.fixture
def set_file(tmp_path):
    return write_set(tmp_path, SET)


def test_the_segmenter_finds_the_person(astronaut):
    from previzkit.overlay.segmentation import PersonSegmenter

    with PersonSegmenter() as seg:
        matte = seg.matte(astronaut)
    assert matte.shape == (512, 512) and matte.dtype == np.uint8
    assert matte[FACE] == 255 and matte[BACKGROUND] == 0
    assert matte[300:450, 150:350].mean() > 240  # her torso
    assert matte[:60, :].mean() < 40  # the top rows: flag and sky
    assert 0.25 < (matte > 127).mean() < 0.7


def test_a_prop_passes_behind_the_segmented_person(gl, set_file, astronaut):
    from previzkit.model.setfile import load_set
    from previzkit.overlay.compositor import FixedCamera, Overlay, OverlayOptions

    cam = load_set(set_file).camera("CAM")
    tracker = FixedCamera(cam.camera_to_world(), cam.lens)

    def run(depth):
        opts = OverlayOptions(512, 512, matte="segment", actor_depth_m=depth)
        with Overlay(gl, set_file, tracker, opts) as ov:
            return ov.process(astronaut)

    behind = run(2.0)  # the prop (4 m away) is behind her
    assert behind.matte[FACE] == 255
    assert np.abs(behind.image[FACE].astype(int) - astronaut[FACE]).max() <= 2  # her face
    red = behind.image[BACKGROUND]
    assert red[0] > 200 and red[1] < 60  # the prop around her
    assert not np.array_equal(behind.image[BACKGROUND], astronaut[BACKGROUND])
    in_front = run(10.0)  # now she stands behind it
    assert in_front.image[FACE][0] > 200 and in_front.image[FACE][1] < 60


def test_segmenter_inputs_are_checked(tmp_path):
    from previzkit.overlay.segmentation import PersonSegmenter, model_path

    assert model_path().name == "selfie_segmenter.tflite"
    with pytest.raises(ModelNotFound, match=r"none\.tflite"):
        PersonSegmenter(tmp_path / "none.tflite")
    with PersonSegmenter() as seg, pytest.raises(ShapeError, match=r"\(4, 4\) uint8"):
        seg.matte(np.zeros((4, 4), np.uint8))

"""MediaPipe pose on real photographs: landmarks land on the right body parts."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.capture.pose import LANDMARK_NAMES, PoseEstimator

pytestmark = pytest.mark.media
NOSE, L_SH, R_SH, L_WR, R_WR = 0, 11, 12, 15, 16


def test_astronaut_nose_shoulders_wrists_in_place(lite_image, astronaut):
    poses = lite_image.detect(astronaut)
    assert len(poses) == 1
    p = poses[0]
    assert p.image.shape == (33, 3) and p.world.shape == (33, 3)
    x, y, vis = p.image.T
    # nose on the face: upper middle of the 512 x 512 portrait (measured 0.435, 0.250)
    assert 190 < x[NOSE] < 260 and 100 < y[NOSE] < 160 and vis[NOSE] > 0.9
    # shoulders below the head on either side; her left shoulder is on the image right
    assert y[L_SH] > y[NOSE] + 60 and y[R_SH] > y[NOSE] + 60
    assert x[L_SH] > x[NOSE] > x[R_SH]
    assert vis[L_SH] > 0.9 and vis[R_SH] > 0.9
    # wrists: low in the frame, below the shoulders (the hands hold the helmet)
    assert y[L_WR] > y[L_SH] and y[R_WR] > y[R_SH]
    assert 0 <= vis[L_WR] <= 1 and 0 <= vis[R_WR] <= 1
    # world landmarks in metres around the hips: shoulders ~0.3-0.45 m apart
    width = np.linalg.norm(p.world[L_SH] - p.world[R_SH])
    assert 0.2 < width < 0.5
    assert 0.5 < p.confidence <= 1.0
    assert LANDMARK_NAMES[NOSE] == "nose" and LANDMARK_NAMES[R_WR] == "right_wrist"


def test_cameraman_in_profile_hands_at_the_camera(lite_image, cameraman):
    (p,) = lite_image.detect(cameraman)
    x, y, vis = p.image.T
    # seen from his right side, bent over the camera: the face is right of the shoulders
    assert 200 < x[NOSE] < 300 and 120 < y[NOSE] < 220 and vis[NOSE] > 0.8
    assert x[NOSE] > x[L_SH] > x[R_SH]
    assert min(vis[L_SH], vis[R_SH]) > 0.8
    # both hands up at the camera (right of his face, at face height, x ~ 230-350 px)
    assert x[L_WR] > x[L_SH] and x[R_WR] > x[R_SH]
    assert abs(y[L_WR] - y[NOSE]) < 80 and abs(y[R_WR] - y[NOSE]) < 80
    # hips below and behind (left of) the shoulders
    assert y[23] > y[L_SH] + 80 and x[23] < x[L_SH]


def test_grace_hopper_portrait(lite_image, grace_hopper):
    (p,) = lite_image.detect(grace_hopper)
    x, y, vis = p.image.T
    h, w = grace_hopper.shape[:2]
    assert 0.4 * w < x[NOSE] < 0.7 * w and 0.25 * h < y[NOSE] < 0.55 * h and vis[NOSE] > 0.9
    assert x[L_SH] > x[NOSE] > x[R_SH]
    # a head-and-shoulders portrait: the hips are out of frame, seen as low visibility
    assert vis[23] < 0.5 and vis[24] < 0.5


def test_full_model_agrees_with_lite(astronaut, lite_image):
    lite = lite_image.detect(astronaut)[0]
    with PoseEstimator("full", mode="image") as full_est:
        full = full_est.detect(astronaut)[0]
    # the notes measured nose (0.435, 0.250) of 512 px with full on this photo
    assert abs(full.image[NOSE, 0] - 0.435 * 512) < 8
    assert abs(full.image[NOSE, 1] - 0.250 * 512) < 8
    key = [NOSE, L_SH, R_SH]
    assert np.abs(full.image[key, :2] - lite.image[key, :2]).max() < 25


def test_no_person_in_a_photo_without_people(lite_image):
    data = pytest.importorskip("skimage.data")
    assert lite_image.detect(np.ascontiguousarray(data.coffee())) == []


def test_bad_frames_are_refused_with_shapes(lite_image):
    from previzkit.core.errors import ShapeError

    with pytest.raises(ShapeError, match=r"uint8 \(H, W, 3\).*float64"):
        lite_image.detect(np.zeros((64, 64, 3)))
    with pytest.raises(ShapeError, match="4"):
        lite_image.detect(np.zeros((64, 64, 4), np.uint8))
    with pytest.raises(ShapeError, match="too small"):
        lite_image.detect(np.zeros((4, 4, 3), np.uint8))


def test_bad_settings_are_refused():
    from previzkit.core.errors import InputError

    with pytest.raises(InputError, match="mode"):
        PoseEstimator("lite", mode="live")
    with pytest.raises(InputError, match="num_poses"):
        PoseEstimator("lite", num_poses=0)
    with pytest.raises(InputError, match="min_detection_confidence"):
        PoseEstimator("lite", min_detection_confidence=1.5)
    with pytest.raises(InputError, match="'ultra'"):
        PoseEstimator("ultra")

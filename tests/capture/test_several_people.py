"""Several actors: each clearly visible person is found, where num_poses alone is not enough."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.capture.multi import find_people, mask_people, same_person
from previzkit.capture.pose import PoseEstimator

pytestmark = pytest.mark.media


def test_mediapipe_num_poses_alone_misses_one_of_two(two_people):
    """The reason for detect-mask-detect: MediaPipe's own num_poses finds one of them."""
    with PoseEstimator("lite", mode="image", num_poses=2) as est:
        found = est.detect(two_people)
    assert len(found) == 1


def test_both_people_found_each_in_their_half(lite_image, two_people):
    people = find_people(lite_image, two_people)
    assert len(people) == 2
    noses = sorted(p.image[0, :2].tolist() for p in people)
    (xa, ya), (xc, yc) = noses
    # astronaut's nose (left photo) ~ (223, 128); cameraman's (right photo) ~ (512 + 253, 173)
    assert 190 < xa < 260 and 100 < ya < 160
    assert 512 + 200 < xc < 512 + 300 and 120 < yc < 220
    for p in people:
        assert p.image[[11, 12], 2].min() > 0.8


def test_order_of_the_people_does_not_matter(lite_image, astronaut, cameraman):
    swapped = np.ascontiguousarray(np.concatenate([cameraman, astronaut], axis=1))
    people = find_people(lite_image, swapped)
    assert len(people) == 2
    xs = sorted(p.image[0, 0] for p in people)
    assert xs[0] < 512 < xs[1]


def test_three_people_with_tiles(lite_image, astronaut, cameraman, grace_hopper):
    gh = grace_hopper[:512]
    row = np.ascontiguousarray(np.concatenate([gh, astronaut, cameraman], axis=1))
    people = find_people(lite_image, row)
    xs = sorted(float(p.image[0, 0]) for p in people)
    assert len(people) == 3, xs
    w = gh.shape[1]
    assert xs[0] < w < xs[1] < w + 512 < xs[2]


def test_one_person_is_found_once(lite_image, astronaut):
    people = find_people(lite_image, astronaut)
    assert len(people) == 1


def test_known_people_are_masked_and_not_returned(lite_image, two_people):
    first = find_people(lite_image, two_people, max_people=1)
    assert len(first) == 1
    rest = find_people(lite_image, two_people, known=first)
    assert len(rest) == 1 and not same_person(rest[0], first[0])


def test_mask_paints_the_body_out(lite_image, astronaut):
    (p,) = lite_image.detect(astronaut)
    painted, mask = mask_people(astronaut, [p])
    nose = np.round(p.image[0, :2]).astype(int)
    assert mask[nose[1], nose[0]] and (painted[nose[1], nose[0]] == 127).all()
    assert 0.1 < mask.mean() < 0.9


def test_find_people_needs_image_mode(two_people):
    from previzkit.core.errors import InputError

    with PoseEstimator("lite", mode="video") as est, pytest.raises(InputError, match="image mode"):
        find_people(est, two_people)

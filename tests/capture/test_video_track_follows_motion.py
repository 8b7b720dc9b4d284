"""A real photo moved and scaled over frames: the landmark track follows the known motion."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.capture.multi import MultiPersonPose
from previzkit.capture.pipeline import CaptureOptions, capture

pytestmark = pytest.mark.media
KEY = [0, 11, 12]  # nose, shoulders


def _reference(lite_image, photo):
    return lite_image.detect(photo)[0].image[KEY, :2]


def test_track_follows_translation_and_scale(lite_image, astronaut, moving_video):
    path, truth = moving_video
    track = capture(path, CaptureOptions(model="lite", max_people=1, filter=False))
    assert len(track.frames) == len(truth) == 12
    assert track.width == 320 and track.height == 240 and track.fps == pytest.approx(30)
    # the first frame agrees with the unmoved photo (nose: the steadiest landmark)
    s0, o0 = truth[0]
    first = track.frames[0].people[0].image[KEY, :2]
    ref = _reference(lite_image, astronaut)
    assert np.linalg.norm(first[0] - (ref[0] * s0 + o0)) < 6.0
    # every later frame is the first one carried by the known scale and offset
    in_photo = (first - o0) / s0
    ids = set()
    for frame, (s, (ox, oy)) in zip(track.frames, truth, strict=True):
        assert len(frame.people) == 1
        p = frame.people[0]
        ids.add(p.actor_id)
        err = np.linalg.norm(p.image[KEY, :2] - (in_photo * s + (ox, oy)), axis=1)
        # a 512 px photo shown at ~180-200 px, H.264: a few pixels of landmark noise
        assert err.max() < 6.0, (frame.index, err)
    assert ids == {0}
    # motion: the nose moves 4 px/frame + the growth of its offset (0.005 * ~225 px)
    nose = np.array([f.people[0].image[0, :2] for f in track.frames])
    vx = np.polyfit(np.arange(12), nose[:, 0], 1)[0]
    assert 4.0 < vx < 6.0


def test_filtered_track_stays_close_and_flags_nothing_visible(moving_video):
    path, _ = moving_video
    raw = capture(path, CaptureOptions(max_people=1, filter=False))
    smooth = capture(path, CaptureOptions(max_people=1, filter=True))
    for a, b in zip(raw.frames, smooth.frames, strict=True):
        pa, pb = a.people[0], b.people[0]
        # 5 px/frame motion: the One Euro lag stays under 1.6 frames of motion
        assert np.abs(pa.image[KEY, :2] - pb.image[KEY, :2]).max() < 8.0
        assert pb.flags is not None and pb.flags[KEY].sum() == 0
        # exactly the low-visibility landmarks (here hands over the helmet) are flagged
        low = pb.image[:, 2] < 0.5
        assert np.array_equal(pb.flags.astype(bool), low)
        assert pb.timecode.startswith("00:00:00:")


def test_two_actors_keep_their_ids(video_tools, two_people):
    frames = list(
        video_tools.moving_frames(
            two_people, 10, size=(480, 270), scale0=0.42, dscale=0.003, dx=3, dy=0, origin=(10, 10)
        )
    )
    with MultiPersonPose("lite", max_people=2, search_every=5) as multi:
        by_id: dict[int, list[float]] = {}
        for i, (f, s, (ox, _)) in enumerate(frames):
            people = multi.process(f, i / 30)
            assert len(people) == 2, i
            for p in people:
                # which photo is this person in? (left half of the pair: astronaut)
                side = (p.image[0, 0] - ox) / s < 512
                by_id.setdefault(p.actor_id, []).append(side)
    assert sorted(by_id) == [0, 1]
    for sides in by_id.values():
        assert len(set(sides)) == 1  # an id never switches person

"""``Actors(retarget_cache=...)``: the same skeleton poses as retargeting every frame
(to 1e-12), each distinct pose retargeted once."""

from __future__ import annotations

import numpy as np

from previzkit.core.resources import asset_path
from previzkit.model.pose_track import read_track
from previzkit.model.skeleton import default_skeleton
from previzkit.stage.actors import Actors


class _Character:
    def __init__(self) -> None:
        self.skeleton = default_skeleton()
        self.poses: list = []

    def set_pose(self, pose) -> None:
        self.poses.append(pose)


def _run(frames, cache):
    chars = {"ALEX": _Character(), "SAM": _Character()}
    actors = Actors(chars, {0: "ALEX", 1: "SAM"}, retarget_cache=cache)
    for people in frames:
        actors.apply(people)
    return chars


def test_cached_retargeting_equals_uncached():
    track = read_track(asset_path("motion", "jonas.pzt"))
    frames = [f.people for f in track.frames[:40]]
    frames = frames + frames[::-1]  # every pose twice: the second time from the cache
    cache: dict = {}
    plain, cached = _run(frames, None), _run(frames, cache)
    assert 0 < len(cache) <= len(frames) // 2
    for name in plain:
        assert len(plain[name].poses) == len(cached[name].poses)
        for a, b in zip(plain[name].poses, cached[name].poses, strict=True):
            np.testing.assert_allclose(a.root, b.root, atol=1e-12)
            assert a.rotations.keys() == b.rotations.keys()
            for joint, q in a.rotations.items():
                np.testing.assert_allclose(q, b.rotations[joint], atol=1e-12)

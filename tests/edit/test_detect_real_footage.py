"""Shot detection on reels cut from real footage (Debian packages; scripts/setup.d/
65-footage.sh): hard cuts, dissolves and fades at known frames, and white flashes,
brightness jumps and fast pans inside shots that must not count as cuts.

The reels use clips the adaptive detector was NOT tuned on (previzkit.edit.footage:
HELD_OUT_CLIPS), plus the pure builder checked without video."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from previzkit.core.errors import InputError, MissingFileError
from previzkit.edit.detectors import detect_video, get_detector, score_cuts
from previzkit.edit.footage import (
    FOOTAGE,
    HELD_OUT_CLIPS,
    Segment,
    compose,
    footage_path,
    random_reel,
    reel_truth,
    require_footage,
    write_reel,
)
from previzkit.edit.synthetic import Transition

pytestmark = pytest.mark.media


def _need(*names: str) -> None:
    for n in names:
        if footage_path(n) is None:
            pytest.skip(f"{FOOTAGE[n].path} missing: apt-get install {FOOTAGE[n].package}")


# one of each: hard cut, dissolve, fade; a flash, a brightness jump and a fast pan
HAND_MADE = [
    Segment("city", 0, 60, pan=(20, 6)),
    Segment("ball_vp9", 40, 50, Transition("cut"), flash=(20, 2)),
    Segment("city", 120, 60, Transition("dissolve", 12), bump=30),
    Segment("tree", 0, 60, Transition("fade", 12), flash=(30, 1)),
    Segment("phone", 0, 40, Transition("cut")),
    Segment("realshort", 0, 36, Transition("cut"), flash=(15, 3)),
]


@pytest.fixture(scope="module")
def hand_made(tmp_path_factory):
    _need("city", "ball_vp9", "tree", "phone", "realshort")
    return write_reel(tmp_path_factory.mktemp("reel") / "hand.mp4", HAND_MADE)


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    _need(*HELD_OUT_CLIPS)
    segs = random_reel(HELD_OUT_CLIPS, seed=300, shots=12)
    return write_reel(tmp_path_factory.mktemp("reel") / "drawn.mp4", segs)


def _inside(cuts, distractors):
    return [c for c in cuts if any(a - 1 <= c <= b + 1 for _, a, b in distractors)]


def test_reel_truth_by_construction():
    t = reel_truth(HAND_MADE)
    assert t.frames == 60 + 50 + 60 + 60 + 40 + 36 - 12 - 12
    assert t.cuts[:2] == [60, 110 + 6 - 12]  # a cut's first frame; a dissolve's middle
    assert t.tolerance[:2] == [2, 6] and t.spans[0] == (98, 110)
    assert [k for k, _, _ in t.distractors] == ["pan", "flash", "bump", "flash", "flash"]


def test_compose_is_pure_and_checks_its_sources():
    src = {"a": np.full((20, 30, 40, 3), 100, np.uint8), "b": np.zeros((20, 30, 40, 3), np.uint8)}
    segs = [Segment("a", 0, 10, flash=(2, 2)), Segment("b", 0, 10, Transition("fade", 4))]
    frames = list(compose(segs, src, 32, 18))
    assert len(frames) == reel_truth(segs).frames == 16
    assert frames[0].shape == (18, 32, 3) and frames[0][0, 0, 0] == 100
    assert frames[2].min() > 200 and frames[3].min() > 200  # the flash
    assert frames[4].max() == frames[5].min() == 100  # back
    assert 100 > frames[6].max() > frames[7].max() > frames[8].max() == 0  # fade out, to b
    with pytest.raises(InputError, match=r"segment 1 \(b\): frames 0..30 beyond the 20"):
        list(compose([segs[0], Segment("b", 0, 30)], src, 32, 18))
    with pytest.raises(InputError, match="flash of 5 frames"):
        reel_truth([Segment("a", 0, 10, flash=(1, 5))])
    with pytest.raises(InputError, match="footage 'nope': unknown"):
        footage_path("nope")


def test_missing_footage_names_the_package(monkeypatch, tmp_path):
    monkeypatch.setitem(FOOTAGE, "tree", replace(FOOTAGE["tree"], path="/nonexistent/tree.avi"))
    monkeypatch.setenv("PREVIZKIT_FOOTAGE", str(tmp_path))
    assert footage_path("tree") is None
    with pytest.raises(MissingFileError, match="install the Debian package opencv-doc"):
        require_footage("tree")


def test_hand_made_reel(hand_made):
    t = hand_made.truth
    result = detect_video(hand_made.path)
    assert result.frames == t.frames
    _p, r, f1 = score_cuts(result.cuts, t.cuts, t.tolerance)
    assert r == 1.0 and f1 >= 0.9, (result.cuts, t.cuts)
    assert _inside(result.cuts, t.distractors) == []
    # the fixed-threshold detector is fooled by the same reel's distractors
    old = detect_video(hand_made.path, get_detector("content")).cuts
    assert score_cuts(old, t.cuts, t.tolerance)[2] < f1


def test_drawn_reel_against_pyscenedetect(drawn):
    from scenedetect import AdaptiveDetector, detect

    t = drawn.truth
    ours = detect_video(drawn.path).cuts
    theirs = [s[0].frame_num for s in detect(str(drawn.path), AdaptiveDetector())][1:]
    f1 = score_cuts(ours, t.cuts, t.tolerance)[2]
    assert f1 >= 0.9, (ours, t.cuts, t.distractors)
    assert f1 >= score_cuts(theirs, t.cuts, t.tolerance)[2]
    assert _inside(ours, t.distractors) == []

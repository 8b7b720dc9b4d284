"""Shot boundaries on videos made here with PyAV (hard cuts, dissolves, fades at known
frames over moving textures), against PySceneDetect's ContentDetector on the same
videos; detector choice and thresholds through the API and `previzkit cut detect`.
Real footage: test_detect_real_footage.py; previzkit's renders: test_detect_previz.py."""

from __future__ import annotations

import json

import numpy as np
import pytest

from previzkit.core.errors import InputError, MissingFileError, ShapeError, VideoOpenError
from previzkit.edit.detectors import (
    AdaptiveDetector,
    ContentDetector,
    detect_video,
    get_detector,
    score_cuts,
)
from previzkit.edit.synthetic import Transition, write_synthetic_video

pytestmark = pytest.mark.media

LENGTHS = [40, 60, 50, 70, 45, 60, 55]
TRANSITIONS = [
    Transition("cut"),
    Transition("dissolve", 12),
    Transition("fade", 16),
    Transition("cut"),
    Transition("dissolve", 24),
    Transition("fade", 10),
]


@pytest.fixture(scope="module")
def known_video(tmp_path_factory):
    path = tmp_path_factory.mktemp("detect") / "shots.mp4"
    return write_synthetic_video(path, LENGTHS, TRANSITIONS, width=192, height=108, seed=7)


def _tolerance(transitions):
    return [2 if t.kind == "cut" else max(2, t.frames // 2) for t in transitions]


def test_ground_truth_of_the_generator(known_video):
    v = known_video
    assert v.frames == sum(LENGTHS) - sum(t.frames for t in TRANSITIONS if t.kind != "cut")
    assert v.cuts[0] == 40  # hard cut: the new shot's first frame
    a, b = v.spans[0]  # the 12-frame dissolve counts at its middle
    assert v.cuts[1] == a + 6 and b - a == 12


@pytest.mark.parametrize("name", ["auto", "content"])
def test_finds_cuts_dissolves_and_fades(known_video, name):
    result = detect_video(known_video.path, get_detector(name))
    assert result.frames == known_video.frames and result.fps == pytest.approx(24)
    _p, _r, f1 = score_cuts(result.cuts, known_video.cuts, _tolerance(TRANSITIONS))
    assert f1 >= 0.9, (result.cuts, known_video.cuts)
    # a hard cut is found exactly
    assert known_video.cuts[0] in result.cuts and known_video.cuts[3] in result.cuts
    # each gradual transition is counted once
    for (a, b), _cut in zip(
        known_video.spans,
        [c for c, t in zip(known_video.cuts, TRANSITIONS, strict=True) if t.kind != "cut"],
        strict=True,
    ):
        inside = [c for c in result.cuts if a - 2 <= c <= b + 2]
        assert len(inside) <= 1, (a, b, inside)


def test_f1_at_least_pyscenedetect(known_video):
    from scenedetect import ContentDetector as SDContent
    from scenedetect import detect

    ours = detect_video(known_video.path).cuts
    theirs = [s[0].frame_num for s in detect(str(known_video.path), SDContent())][1:]
    tol = _tolerance(TRANSITIONS)
    assert (
        score_cuts(ours, known_video.cuts, tol)[2] >= score_cuts(theirs, known_video.cuts, tol)[2]
    )


@pytest.mark.parametrize("name", ["auto", "content"])
def test_no_cuts_in_one_moving_shot(tmp_path, name):
    v = write_synthetic_video(tmp_path / "one.mp4", [90], [], width=160, height=96, seed=3)
    assert detect_video(v.path, get_detector(name)).cuts == []


def test_detector_by_name_and_threshold():
    assert isinstance(get_detector(), AdaptiveDetector)  # auto
    det = get_detector("adaptive", threshold=0.3, min_shot=4)
    assert isinstance(det, AdaptiveDetector) and (det.threshold, det.min_shot) == (0.3, 4)
    old = get_detector("content", threshold=4.0)
    assert isinstance(old, ContentDetector) and old.cut_threshold == 4.0
    with pytest.raises(InputError, match="detector 'content': bad option"):
        get_detector("content", sharpness=2)


def test_cli_detector_options(known_video, capsys):
    from previzkit.cli import main

    def cuts(*opts):
        assert main(["cut", "detect", str(known_video.path), "--json", *opts]) == 0
        return json.loads(capsys.readouterr().out)["cuts"]

    assert cuts() == cuts("--detector", "adaptive")
    # a huge floor leaves no hard cut; a long shortest shot merges boundaries
    assert known_video.cuts[0] not in cuts("--detector", "content", "--threshold", "200")
    assert len(cuts("--min-shot", "80")) < len(cuts())
    assert main(["cut", "detect", str(known_video.path), "--detector", "magic"]) != 0
    assert "detector 'magic': unknown; available: auto, adaptive, content" in (
        capsys.readouterr().err
    )
    assert main(["cut", "detect", str(known_video.path), "--threshold", "-1"]) != 0
    assert "AdaptiveDetector.threshold: must be > 0" in capsys.readouterr().err


def test_cli_prints_json(known_video, capsys):
    from previzkit.cli import main

    assert main(["cut", "detect", str(known_video.path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {"fps", "frames", "cuts"}
    assert out["frames"] == known_video.frames and out["fps"] == pytest.approx(24)
    assert all(isinstance(c, int) for c in out["cuts"]) and known_video.cuts[0] in out["cuts"]


def test_score_cuts():
    assert score_cuts([10, 50], [10, 50]) == (1.0, 1.0, 1.0)
    p, r, f1 = score_cuts([11, 30], [10, 50], tolerance=2)
    assert (p, r) == (0.5, 0.5) and f1 == 0.5
    assert score_cuts([10, 11], [10])[0] == 0.5  # one detection per true cut
    with pytest.raises(InputError, match="tolerance: 1 values for 2"):
        score_cuts([1], [1, 2], tolerance=[2])


def test_bad_inputs(tmp_path):
    with pytest.raises(MissingFileError, match="no such file"):
        detect_video(tmp_path / "none.mp4")
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"not a video" * 100)
    with pytest.raises(VideoOpenError, match=r"bad\.mp4"):
        detect_video(bad)
    with pytest.raises(
        InputError, match="detector 'magic': unknown; available: auto, adaptive, content"
    ):
        get_detector("magic")
    with pytest.raises(InputError, match="cut_ratio: must be > 0"):
        ContentDetector(cut_ratio=0)
    with pytest.raises(InputError, match=r"AdaptiveDetector\.bridge_ratio: must be > 0"):
        AdaptiveDetector(bridge_ratio=-1)
    with pytest.raises(InputError, match="dissolve_windows"):
        AdaptiveDetector(dissolve_windows=())
    for det in (ContentDetector(), AdaptiveDetector()):
        with pytest.raises(InputError, match="frame index 3: expected 0"):
            det.process_frame(3, (np.zeros((90, 160), np.uint8),) * 3)
    with pytest.raises(ShapeError, match=r"shape \(8, 8\) is smaller than the 16x9 grid"):
        AdaptiveDetector().process_frame(0, (np.zeros((8, 8), np.uint8),) * 3)

"""Shot boundaries on videos made here with PyAV (hard cuts, dissolves, fades at known
frames over moving textures), against PySceneDetect's ContentDetector on the same
videos."""

from __future__ import annotations

import json

import numpy as np
import pytest

from previzkit.core.errors import InputError, MissingFileError, VideoOpenError
from previzkit.edit.detectors import ContentDetector, detect_video, get_detector, score_cuts
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


def test_finds_cuts_dissolves_and_fades(known_video):
    result = detect_video(known_video.path)
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


def test_no_cuts_in_one_moving_shot(tmp_path):
    v = write_synthetic_video(tmp_path / "one.mp4", [90], [], width=160, height=96, seed=3)
    assert detect_video(v.path).cuts == []


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
    with pytest.raises(InputError, match="detector 'magic': unknown; available: auto, adaptive, content"):
        get_detector("magic")
    with pytest.raises(InputError, match="cut_ratio: must be > 0"):
        ContentDetector(cut_ratio=0)
    det = ContentDetector()
    with pytest.raises(InputError, match="frame index 3: expected 0"):
        det.process_frame(3, (np.zeros((90, 160), np.uint8),) * 3)

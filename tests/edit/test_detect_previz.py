"""`previzkit cut detect` on previzkit's own renders: the truth is the cut's OTIO (clip
and slate-card starts in record frames). The quick demo's previz.mp4 (angles of one dark
set: the case a fixed threshold missed) with burn-ins on and off, and the test
project's cut (tests/edit/conftest.py)."""

from __future__ import annotations

import json

import pytest

from previzkit.edit.detectors import detect_video, score_cuts
from previzkit.edit.detectors.truth import cut_shot_starts

pytestmark = pytest.mark.media


def _check(cuts: list[int], truth: list[int]) -> None:
    """At least 95% of the hard cuts found, exactly (2 frames), and no cut elsewhere."""
    precision, recall, _ = score_cuts(cuts, truth, 2)
    assert recall >= 0.95, (cuts, truth)
    assert precision == 1.0, [c for c in cuts if min(abs(c - t) for t in truth) > 2]


def _cli_cuts(video, capsys, *options: str) -> list[int]:
    from previzkit.cli import main

    assert main(["cut", "detect", str(video), "--json", *options]) == 0
    return json.loads(capsys.readouterr().out)["cuts"]


def test_truth_from_the_cut(cut_file):
    from previzkit.edit.timeline import cut_events, load_cut

    starts = cut_shot_starts(cut_file)
    events = cut_events(load_cut(cut_file))
    assert starts == sorted(starts) and len(starts) <= len(events) - 1
    assert {e.record_in - events[0].record_in for e in events[1:]} >= set(starts)


@pytest.mark.parametrize("burn_ins", [True, False])
def test_test_project_render(cut_file, rendered, burn_ins, tmp_path, capsys):
    from previzkit.edit.render import RenderOptions, render_cut

    video = rendered
    if not burn_ins:
        video = render_cut(
            cut_file, tmp_path / "clean.mp4", RenderOptions(320, 180, burn_ins=False)
        )
    _check(_cli_cuts(video, capsys), cut_shot_starts(cut_file))


@pytest.fixture(scope="module")
def quick_renders(quick_demo, tmp_path_factory):
    """The session's `previzkit demo --quick` (its previz.mp4 has burn-ins) and the same
    cut rendered again without them."""
    from previzkit.edit.render import RenderOptions, render_cut

    out = quick_demo[0]
    clean = render_cut(
        out / "cut.otio",
        tmp_path_factory.mktemp("clean") / "clean.mp4",
        RenderOptions(320, 180, burn_ins=False),
    )
    return out, clean


@pytest.mark.slow
@pytest.mark.gl
def test_quick_demo_previz_burn_ins_on_and_off(quick_renders, capsys):
    out, clean = quick_renders
    truth = cut_shot_starts(out / "cut.otio")
    assert len(truth) >= 10
    _check(_cli_cuts(out / "previz.mp4", capsys), truth)
    _check(_cli_cuts(clean, capsys), truth)
    # "auto" is the adaptive detector; the fixed-threshold one misses most of these cuts
    assert _cli_cuts(clean, capsys, "--detector", "adaptive") == _cli_cuts(clean, capsys)
    from previzkit.edit.detectors import get_detector

    old = detect_video(clean, get_detector("content")).cuts
    assert score_cuts(old, truth, 2)[1] < 0.95

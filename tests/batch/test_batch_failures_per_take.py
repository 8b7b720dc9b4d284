"""A broken take fails alone (reported with its label and reason); the others finish."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

pytestmark = [pytest.mark.gl, pytest.mark.media]


def test_a_corrupt_video_fails_only_its_take(project_copy: Path) -> None:
    from previzkit.batch.runner import run_batch

    bad = next(iter(sorted(project_copy.glob("takes/1/1-F/001/1_1-F_T001.mp4"))))
    bad.write_bytes(b"not a video")
    report = run_batch("capture", project_copy, scheduler="serial")
    failed = report.failed
    assert [r["label"] for r in failed] == ["1/1-F/1"]
    assert "video" in failed[0]["message"].lower() or "1-F" in failed[0]["message"]
    assert report.count("ok") == 3


def test_cli_reports_failures_and_exits_1(project_copy: Path) -> None:
    from previzkit.batch.cli import batch

    (project_copy / "takes/1/1-G/002/1_1-G_T002.mp4").unlink()
    res = CliRunner().invoke(batch, ["capture", "--project", str(project_copy), "--serial"])
    assert res.exit_code == 1
    assert "failed 1/1-G/2" in res.output
    assert "4 takes, 3 done" in res.output


def test_missing_project_names_it(tmp_path: Path) -> None:
    from previzkit.batch.runner import run_batch
    from previzkit.core.errors import TakeStoreError

    with pytest.raises(TakeStoreError, match="nowhere"):
        run_batch("capture", tmp_path / "nowhere")


def test_unknown_job_and_bad_scheduler(project_copy: Path) -> None:
    from previzkit.batch.runner import run_batch
    from previzkit.core.errors import InputError

    with pytest.raises(InputError, match="crop"):
        run_batch("crop", project_copy)
    with pytest.raises(InputError, match="tcp://"):
        run_batch("capture", project_copy, scheduler="localhost:8786")


def test_render_and_assemble_jobs(project_copy: Path) -> None:
    import av

    from previzkit.batch.cli import batch
    from previzkit.core.resources import asset_path

    runner = CliRunner()
    res = runner.invoke(batch, ["render", "-p", str(project_copy), "--serial", "--size", "160x90"])
    assert res.exit_code == 0, res.output
    for p in project_copy.glob("takes/*/*/*/render.mp4"):
        with av.open(str(p)) as c:
            assert sum(1 for _ in c.decode(video=0)) == 20
    assert len(list(project_copy.glob("takes/*/*/*/render.mp4"))) == 4
    out = project_copy.parent / "cut.otio"
    res = runner.invoke(
        batch,
        [
            "assemble",
            "-p",
            str(project_copy),
            "--serial",
            "--script",
            str(asset_path("scripts", "sample.fountain")),
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert out.is_file() and "cut:" in res.output
    assert len(list(project_copy.glob("takes/*/*/*/analysis.json"))) == 4

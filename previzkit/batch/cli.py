"""``previzkit batch``: capture, render and assemble over a project's takes on Dask.

A local cluster by default (``--workers`` processes), ``--scheduler tcp://HOST:8786``
for a farm (every worker must see the project folder at the same path), ``--serial``
to run in this process. Each take is one task; a take already done is skipped
(``--force`` redoes it); failures are reported per take and the others go on; the
command exits 1 when any take failed. See :mod:`previzkit.production`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from previzkit.capture.cli import pose_model_options
from previzkit.core.types import CommandT

_project = click.option(
    "--project",
    "-p",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Project folder (holds takes.sqlite).",
)
_scheduler = click.option(
    "--scheduler",
    default=None,
    metavar="ADDRESS",
    help="Dask scheduler, e.g. tcp://HOST:8786 (default: a local cluster).",
)
_workers = click.option(
    "--workers",
    type=click.IntRange(1, 256),
    default=2,
    show_default=True,
    help="Worker processes of the local cluster.",
)
_serial = click.option("--serial", is_flag=True, help="Run in this process, without Dask.")
_force = click.option("--force", is_flag=True, help="Redo takes already done.")
_scene = click.option("--scene", default=None, help="Only this scene's takes.")


def _job_options(command: CommandT) -> CommandT:
    """What every batch job takes: the project, where it runs (scheduler, workers,
    serial) and whether takes already done are redone."""
    for option in (_force, _serial, _workers, _scheduler, _project):
        command = option(command)
    return command


@click.group("batch")
def batch() -> None:
    """Batch capture/render/assemble over a project's takes on Dask."""


def _run(
    job: str,
    project: Path,
    scheduler: str | None,
    workers: int,
    serial: bool,
    scene: str | None,
    options: dict[str, Any],
) -> Any:
    from previzkit.batch.runner import project_takes, run_batch
    from previzkit.core.optional import ensure
    from previzkit.core.progress import bar

    takes = project_takes(project, scene)
    if not serial:  # --serial runs in this process, without Dask
        ensure("batch", "batch runs on Dask", "dask", "distributed")
    with bar(f"batch {job}", len(takes), "take") as progress:
        report = run_batch(
            job,
            project,
            scheduler="serial" if serial else scheduler,
            workers=workers,
            takes=takes,
            options=options,
            progress=progress,
        )
    for r in report.failed:
        click.echo(f"failed {r['label']}: {r['message']}", err=True)
    click.echo(report.summary())
    return report


def _exit(report: Any) -> None:
    if report.failed:
        raise SystemExit(1)


@batch.command("capture")
@_job_options
@_scene
@pose_model_options
def capture_cmd(
    project: Path,
    scheduler: str | None,
    workers: int,
    serial: bool,
    force: bool,
    scene: str | None,
    model: str,
    max_people: int,
) -> None:
    """Pose (MediaPipe) on each take's plate or video -> capture.pzt in the take."""
    opts = {"model": model, "max_people": max_people, "force": force}
    _exit(_run("capture", project, scheduler, workers, serial, scene, opts))


@batch.command("render")
@_job_options
@_scene
@click.option(
    "--set",
    "set_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Set file to render the takes in (default: the sample set).",
)
@click.option("--size", default="640x360", show_default=True, help="WIDTHxHEIGHT, even.")
def render_cmd(
    project: Path,
    scheduler: str | None,
    workers: int,
    serial: bool,
    force: bool,
    scene: str | None,
    set_file: Path | None,
    size: str,
) -> None:
    """Each take's recorded poses and camera through a set -> render.mp4 in the take."""
    from previzkit.core.sizes import parse_size

    opts = {
        "size": parse_size(size, example="384x216", even=True),
        "force": force,
        "set": str(set_file) if set_file else None,
    }
    _exit(_run("render", project, scheduler, workers, serial, scene, opts))


@batch.command("assemble")
@_job_options
@click.option("--script", "script", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--plan",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Shot plan YAML (default: planned from the script).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("cut.otio"),
    show_default=True,
    help="The cut (.otio, .edl, .fcpxml...).",
)
def assemble_cmd(
    project: Path,
    scheduler: str | None,
    workers: int,
    serial: bool,
    force: bool,
    script: Path,
    plan: Path | None,
    output: Path,
) -> None:
    """Measure every take on the cluster (analysis.json), then assemble the cut."""
    from previzkit.edit.assemble import assemble
    from previzkit.edit.exporters import export
    from previzkit.production.record import shot_estimates
    from previzkit.script import load_shot_plan, plan_shots, read_script
    from previzkit.script.locations import assets_exists

    parsed = read_script(script)
    shot_plan = load_shot_plan(plan) if plan else plan_shots(parsed, exists=assets_exists())
    opts = {"estimates": shot_estimates(parsed, shot_plan), "force": force}
    report = _run("analyse", project, scheduler, workers, serial, None, opts)
    result = assemble(project, parsed, plan=shot_plan)
    path = export(result.timeline, output)
    clips = sum(1 for c in result.timeline.video_tracks()[0] if c.schema_name() == "Clip")
    click.echo(f"cut: {clips} clips, {result.timeline.duration().to_seconds():.1f} s -> {path}")
    _exit(report)

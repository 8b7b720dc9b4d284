"""``previzkit xr``: open a set in an OpenXR headset, or check the runtime."""

from __future__ import annotations

import json
from pathlib import Path

import click

from previzkit.core.errors import InputError
from previzkit.core.optional import ensure
from previzkit.core.sizes import parse_size


@click.command("xr")
@click.argument("set_file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--check",
    is_flag=True,
    help="Run a few frames and report runtime, system, view sizes and frame timing.",
)
@click.option(
    "--frames",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after N frames (default: until the session ends or Ctrl-C; 30 with --check).",
)
@click.option("--offscreen", is_flag=True, help="No headset: run the same frame loop offscreen.")
@click.option(
    "--eye-size",
    default="1024x1024",
    show_default=True,
    help="With --offscreen: pixels per eye, WxH.",
)
@click.option("--mirror", is_flag=True, help="Show the left eye in a desktop window.")
@click.option(
    "--reference",
    type=click.Choice(["stage", "local"]),
    default="stage",
    show_default=True,
    help="Reference space (STAGE falls back to LOCAL).",
)
@click.option("--no-depth", is_flag=True, help="Do not submit depth with the projection layer.")
@click.option("--validate", is_flag=True, help="Enable the OpenXR core validation layer.")
@click.option("--json", "as_json", is_flag=True, help="With --check: print the report as JSON.")
def xr(
    set_file: Path | None,
    check: bool,
    frames: int | None,
    offscreen: bool,
    eye_size: str,
    mirror: bool,
    reference: str,
    no_depth: bool,
    validate: bool,
    as_json: bool,
) -> None:
    """Open SET_FILE (a set YAML) in the headset; `--check` tests the runtime."""
    if set_file is not None and not set_file.exists():
        raise InputError(f"set file {set_file} does not exist")
    ensure("xr", "XR rendering", "moderngl")
    if check or not offscreen:
        ensure("xr", "the OpenXR headset", "xr")
    if mirror:
        ensure("xr", "the mirror window", "glfw")
    if check:
        from previzkit.xr.check import run_check

        report = run_check(set_file, frames=frames or 30, validate=validate)
        click.echo(json.dumps(report.as_dict(), indent=2) if as_json else "\n".join(report.lines()))
        return
    if set_file is None:
        raise click.UsageError("give a SET_FILE to open, or --check")
    size = parse_size(eye_size, "--eye-size", "1024x1024")
    from previzkit.core.progress import bar
    from previzkit.xr.app import run

    with bar("xr frames", total=frames) as progress:
        stats = run(
            set_file,
            frames=frames,
            progress=progress,
            offscreen=offscreen,
            offscreen_size=size,
            mirror=mirror,
            reference=reference,
            depth=not no_depth,
            validate=validate,
        )
    s = stats.summary()
    if s.get("frames"):
        click.echo(
            f"{int(s['frames'])} frames, {s['fps']:.1f} fps: wait {s['wait_ms']:.2f} ms, "
            f"previzkit {s['app_ms']:.2f} ms, submit {s['submit_ms']:.2f} ms; session {' -> '.join(stats.states)}"
        )

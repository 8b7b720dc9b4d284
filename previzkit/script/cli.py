"""``previzkit script``: breakdown, shots and check (parse arguments, hand off)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from previzkit.core.cli_types import Finite

FOUNTAIN = click.Path(path_type=Path, dir_okay=False)


def _read(path: Path):
    from previzkit.script.reader import read_script

    return read_script(path)


def _warn_count(script) -> None:
    if script.warnings:
        click.echo(
            f"{len(script.warnings)} warning(s) in {script.source}; see 'previzkit script check'",
            err=True,
        )


@click.group("script")
def script() -> None:
    """Fountain screenplays: breakdown and shot plan."""


@script.command("breakdown")
@click.argument("file", type=FOUNTAIN)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--wpm",
    type=Finite(1.0),
    default=150.0,
    show_default=True,
    help="Dialogue words per minute.",
)
@click.option(
    "--action-line-s",
    type=Finite(0.0),
    default=1.5,
    show_default=True,
    help="Seconds per printed action line.",
)
def breakdown_cmd(file: Path, as_json: bool, wpm: float, action_line_s: float) -> None:
    """Scene breakdown: INT/EXT, location, time, cast, eighths, screen time, props."""
    from previzkit.script.breakdown import TimingModel, breakdown
    from previzkit.script.table import breakdown_table

    s = _read(file)
    bd = breakdown(s, TimingModel(words_per_minute=wpm, seconds_per_action_line=action_line_s))
    if as_json:
        click.echo(json.dumps(bd.to_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(breakdown_table(bd))
    _warn_count(s)


@script.command("shots")
@click.argument("file", type=FOUNTAIN)
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the shot plan YAML here (default: print it).",
)
@click.option(
    "--assets",
    type=click.Path(path_type=Path, file_okay=False),
    help="Assets folder holding sets/<location>.yaml (default: previzkit's).",
)
def shots_cmd(file: Path, output: Path | None, assets: Path | None) -> None:
    """Plan coverage per scene and save it as editable YAML."""
    from previzkit.script.locations import assets_exists
    from previzkit.script.shots import dump_yaml, plan_shots, plan_to_dict, save_shot_plan

    s = _read(file)
    plan = plan_shots(s, exists=assets_exists(assets))
    if output is None:
        click.echo(dump_yaml(plan_to_dict(plan)), nl=False)
    else:
        save_shot_plan(plan, output)
        n = sum(len(sc.shots) for sc in plan.scenes)
        click.echo(f"{output}: {n} shots in {len(plan.scenes)} scenes", err=True)
    _warn_count(s)


@script.command("check")
@click.argument("file", type=FOUNTAIN)
@click.option("--strict", is_flag=True, help="Exit with status 1 when there are warnings.")
def check_cmd(file: Path, strict: bool) -> None:
    """Warnings with line numbers (FILE:LINE: message [code])."""
    from previzkit.script.check import check

    s = _read(file)
    warnings = check(s)
    for w in warnings:
        click.echo(f"{file}:{w.line}: {w.message} [{w.code}]")
    click.echo(f"{len(warnings)} warning(s), {len(s.scenes)} scene(s)", err=True)
    if strict and warnings:
        raise click.ClickException(f"{file}: {len(warnings)} warning(s) with --strict")

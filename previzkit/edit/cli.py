"""``previzkit cut``: assemble, detect, render, storyboard and export the previz cut."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from previzkit.core.cli_types import CRF, X264_PRESET, Finite
from previzkit.core.optional import ensure

F = TypeVar("F", bound=Callable[..., Any])


def style_option(command: F) -> F:
    """``--style STYLE[,STYLE...]``: the editing styles of a cut (``styles``)."""
    from previzkit.edit.styles import DEFAULT_STYLES

    return click.option(
        "--style",
        "styles",
        default=None,
        metavar="STYLE[,STYLE...]",
        help="Editing styles of the cut (previzkit cut styles lists them; default: "
        f"{','.join(DEFAULT_STYLES)}).",
    )(command)


@click.group("cut")
def cut() -> None:
    """Assemble, detect, render and export the previz cut."""


@cut.command("assemble")
@click.option("--project", "-p", required=True, help="Project folder (take store).")
@click.option("--script", "-s", "script", required=True, help="Fountain screenplay.")
@click.option("--plan", help="Shot plan YAML (default: planned from the script).")
@click.option("-o", "--output", required=True, help="Output cut (.otio, .edl, .xml, ...).")
@click.option(
    "--min-shot", type=Finite(), default=1.0, show_default=True, help="Shortest shot (s)."
)
@click.option(
    "--slate", type=Finite(), default=2.0, show_default=True, help="Slate card between scenes (s)."
)
@click.option("--record-start", default="01:00:00:00", show_default=True)
@click.option("--explain", is_flag=True, help="Print each take's score and why.")
@style_option
@click.option("--check", is_flag=True, help="Print the cut's script coverage check.")
def assemble_cmd(
    project: str,
    script: str,
    plan: str | None,
    output: str,
    min_shot: float,
    slate: float,
    record_start: str,
    explain: bool,
    styles: str | None,
    check: bool,
) -> None:
    """Assemble the takes of PROJECT into a cut following SCRIPT, its shots chosen by
    the script's coverage rules, then the editing styles (--style)."""
    ensure("edit", "assembling the cut", "opentimelineio", "timecode", "av")
    from previzkit.core.progress import bar
    from previzkit.edit.assemble import AssemblyRules, assemble
    from previzkit.edit.exporters import export
    from previzkit.edit.styles import parse_styles

    parse_styles(styles)  # an unknown style: one error before the takes are read
    rules = AssemblyRules(
        min_shot_s=min_shot, slate_s=slate, record_start=record_start, styles=styles
    )
    with bar("analysing takes", unit="take") as progress:
        result = assemble(project, script, plan, rules, progress)
    path = export(result.timeline, output)
    for line in result.missing:
        click.echo(f"note: {line}", err=True)
    if explain:
        for shot, ranked in result.scores.items():
            for s in ranked:
                click.echo(f"{shot:<8} {s.label:<14} {s.total:8.1f}  " + "; ".join(s.why))
    if check:
        from previzkit.edit.coverage_check import check_coverage, clip_infos
        from previzkit.script import load_shot_plan, plan_shots, read_script

        parsed = read_script(script)
        shot_plan = load_shot_plan(plan) if plan else plan_shots(parsed)
        click.echo(check_coverage(clip_infos(result.timeline), parsed, shot_plan).summary())
    click.echo(str(path))


@cut.command("styles")
def styles_cmd() -> None:
    """List the editing styles --style takes (the default marked *)."""
    from previzkit.edit.styles import DEFAULT_STYLES, STYLES

    for name, st in STYLES.items():
        click.echo(f"{'*' if name in DEFAULT_STYLES else ' '} {name:<16} {st.doc}")


@cut.command("detect")
@click.argument("video")
@click.option("--json", "as_json", is_flag=True, help="Print {fps, frames, cuts} as JSON.")
@click.option(
    "--detector",
    default="auto",
    show_default=True,
    help="auto (= adaptive), adaptive (thresholds set by the footage; flashes and pans "
    "ignored), content (fixed thresholds), or a plugin's name.",
)
@click.option(
    "--threshold",
    type=Finite(),
    help="Hard-cut floor: adaptive, a fraction of the footage's local contrast "
    "[0.12]; content, 8-bit levels [10]. Lower finds more.",
)
@click.option(
    "--min-shot",
    type=click.IntRange(min=1),
    help="Shortest shot (frames); closer boundaries merge [adaptive 6, content 12].",
)
def detect_cmd(
    video: str, as_json: bool, detector: str, threshold: float | None, min_shot: int | None
) -> None:
    """Detect shot boundaries in VIDEO (frames where a new shot starts)."""
    ensure("edit", "shot detection", "av", "scipy")
    from previzkit.core.progress import bar
    from previzkit.edit.detectors import detect_video, get_detector

    det = get_detector(detector, threshold=threshold, min_shot=min_shot)
    if as_json:
        result = detect_video(video, det)
        click.echo(json.dumps(result.to_json()))
        return
    with bar("detecting", unit="frame") as progress:
        result = detect_video(video, det, progress=progress)
    click.echo(f"{result.frames} frames at {result.fps:g} fps, {len(result.cuts)} cuts")
    for f in result.cuts:
        click.echo(f"{f}\t{f / result.fps if result.fps else 0:.3f} s")


@cut.command("render")
@click.argument("cut_file", metavar="CUT")
@click.option("-o", "--output", required=True, help="Output MP4.")
@click.option("--size", default="640x360", show_default=True, help="WIDTHxHEIGHT.")
@click.option("--no-burn-ins", is_flag=True, help="Leave out the burn-ins.")
@click.option(
    "--preset", type=X264_PRESET, default="veryfast", show_default=True, help="x264 preset."
)
@click.option(
    "--crf", type=CRF, default=23, show_default=True, help="x264 quality (lower: better)."
)
def render_cmd(
    cut_file: str, output: str, size: str, no_burn_ins: bool, preset: str, crf: int
) -> None:
    """Render CUT to an MP4 with burn-ins, slate cards and sound."""
    ensure("edit", "rendering the cut", "opentimelineio", "timecode", "av", "PIL")
    from previzkit.core.progress import bar
    from previzkit.core.sizes import parse_size
    from previzkit.edit.render import RenderOptions, render_cut

    w, h = parse_size(size, example="1280x720")
    with bar("rendering", unit="frame") as progress:
        opts = RenderOptions(w, h, crf=crf, preset=preset, burn_ins=not no_burn_ins)
        path = render_cut(cut_file, output, opts, progress)
    click.echo(str(path))


@cut.command("storyboard")
@click.argument("cut_file", metavar="CUT")
@click.option("-o", "--output", required=True, help="Output folder.")
@click.option("--video", help="The cut's MP4 (default: rendered into the folder).")
@click.option(
    "--snapshots", help="Headset snapshots to show by shot (PROJECT/snapshots of previzkit xr)."
)
def storyboard_cmd(cut_file: str, output: str, video: str | None, snapshots: str | None) -> None:
    """Write an HTML storyboard of CUT: a card per shot playing the MP4 from it."""
    ensure("edit", "the storyboard", "opentimelineio", "timecode", "av", "PIL")
    from previzkit.core.progress import bar
    from previzkit.edit.storyboard import write_storyboard

    with bar("storyboard", unit="frame") as progress:
        index = write_storyboard(cut_file, output, video, progress, snapshots)
    click.echo(str(index))


@cut.command("export")
@click.argument("cut_file", metavar="CUT")
@click.option("-o", "--output", required=True, help="Output file; format from its suffix.")
@click.option("--format", "fmt", help="Format name (otio, edl, fcp_xml, fcpxml, aaf).")
def export_cmd(cut_file: str, output: str, fmt: str | None) -> None:
    """Export CUT to another editorial format."""
    ensure("edit", "exporting the cut", "opentimelineio", "timecode")
    from previzkit.edit.exporters import export
    from previzkit.edit.timeline import load_cut

    click.echo(str(export(load_cut(cut_file), output, fmt)))


@cut.command("relink")
@click.argument("cut_file", metavar="CUT")
@click.option(
    "--search", "-s", "search", multiple=True, required=True, help="Folder to look in (repeat)."
)
@click.option("-o", "--output", help="Write the relinked cut here (default: over CUT).")
@click.option("--no-timecode", is_flag=True, help="Match by file name only.")
def relink_cmd(
    cut_file: str, search: tuple[str, ...], output: str | None, no_timecode: bool
) -> None:
    """Point CUT's clips whose media is missing at files found under --search: by file
    name, else by the file's start timecode and reel."""
    ensure("edit", "relinking the cut", "opentimelineio", "timecode", "av")
    from previzkit.edit.relink import relink_cut

    path, report = relink_cut(cut_file, search, output, by_timecode=not no_timecode)
    for c in report.clips:
        if c.how != "present":
            click.echo(
                f"{c.how:<9} {c.track:<3} {c.clip}: {c.old}" + (f" -> {c.new}" if c.new else "")
            )
    found, missing = len(report.relinked), len(report.missing)
    click.echo(f"relinked {found}, still missing {missing}: {path}")
    if missing:
        sys.exit(1)


@cut.command("bundle")
@click.argument("cut_file", metavar="CUT")
@click.option("-o", "--output", required=True, help="Output .otioz (cut + media).")
def bundle_cmd(cut_file: str, output: str) -> None:
    """Bundle CUT and its media into one .otioz (OpenTimelineIO's otioz)."""
    ensure("edit", "bundling the cut", "opentimelineio")
    from previzkit.edit.bundle import bundle_cut

    click.echo(str(bundle_cut(cut_file, output)))


@cut.command("formats")
def formats_cmd() -> None:
    """List the export formats available here."""
    ensure("edit", "editorial formats", "opentimelineio")
    from previzkit.edit.exporters import available_exporters

    for e in available_exporters().values():
        click.echo(f"{e.name:<8} {'/'.join(e.suffixes):<8} {e.description}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(cut())

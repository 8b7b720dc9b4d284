"""``previzkit demo``: :mod:`previzkit.production.previz` on the bundled sample.

The sample screenplay (``assets/scripts/sample.fountain``) with the bundled sets
(``assets/sets/``, one per location), through every step of ``previzkit previz``:
shot plan, sets and cast, takes recorded offscreen (EGL) from the shipped
motion-capture clips, the scored cut (``cut.otio``, ``cut.edl``, ``cut.fcpxml``),
``previz.mp4`` with burn-ins and the storyboard (``index.html`` + ``thumbs/``).

No GPU, headset or network: llvmpipe renders, x264 encodes, all on the CPU.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import click

from previzkit.core.optional import ensure
from previzkit.production.previz import (
    CAST_CLIPS,
    PREVIZ_EXTRAS,
    PREVIZ_NEEDS,
    RECORD_START,
    Bars,
    PrevizOptions,
    PrevizResult,
    record_plan,
    run_options,
    run_previz,
    sized,
    summary,
)

# the demo's options and result are previz's (kept by these names for callers)
DemoOptions = PrevizOptions
DemoResult = PrevizResult
DEMO_EXTRAS = PREVIZ_EXTRAS
DEMO_NEEDS = PREVIZ_NEEDS


def run_demo(
    out: str | Path,
    options: PrevizOptions | None = None,
    bars: Bars | None = None,
    script_path: str | Path | None = None,
    *,
    force: bool = False,
    resume: bool = False,
) -> PrevizResult:
    """:func:`~previzkit.production.previz.run_previz` on the bundled sample (or
    ``script_path``) with the bundled sets folder, into ``out``; ``force`` / ``resume``
    for a folder that holds a run (:mod:`previzkit.production.rerun`)."""
    from previzkit.core.resources import asset_path, assets_dir

    opts = options or PrevizOptions()
    if opts.sets_dir is None:
        opts = dataclasses.replace(opts, sets_dir=assets_dir() / "sets")
    src = Path(script_path) if script_path else asset_path("scripts", "sample.fountain")
    return run_previz(src, out, opts, bars=bars, force=force, resume=resume, what="demo")


@click.command("demo")
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("previz-demo"),
    show_default=True,
    help="Folder for the outputs.",
)
@run_options
def demo(
    output: Path,
    quick: bool,
    takes: int | None,
    size: str | None,
    cut_size: str | None,
    scenes: tuple[str, ...],
    styles: str | None,
    resume: bool,
    force: bool,
) -> None:
    """Run the whole pipeline on the bundled sample: script -> shot plan -> takes
    recorded offscreen -> scored cut (OTIO, EDL, FCPXML) -> previz.mp4 + storyboard
    (``previzkit previz`` on the sample with its sets)."""
    from previzkit.core.progress import bar

    opts = sized(
        PrevizOptions.quick() if quick else PrevizOptions(), takes, size, cut_size, scenes, styles
    )
    ensure(DEMO_EXTRAS, "the demo", *DEMO_NEEDS)
    result = run_demo(output, opts, bars=bar, force=force, resume=resume)
    click.echo(summary(result))


__all__ = [
    "CAST_CLIPS",
    "DEMO_EXTRAS",
    "DEMO_NEEDS",
    "RECORD_START",
    "DemoOptions",
    "DemoResult",
    "demo",
    "record_plan",
    "run_demo",
    "summary",
]

"""``previzkit demo``: the whole pipeline on the bundled sample production.

Steps (each timed in :attr:`DemoResult.seconds`):

1. **script**: parse ``assets/scripts/sample.fountain``, plan the shots
   (``shots.yaml``);
2. **record**: for each planned shot, several takes through the stage loop offscreen
   (EGL), the two actors played from the shipped motion-capture clips
   (``assets/motion/``) with different timing per take, into the take store
   (``project/``) through the take recorder;
3. **assemble**: score the takes and assemble the cut (``cut.otio``), exported to
   ``cut.edl`` and ``cut.fcpxml``;
4. **render**: ``previz.mp4`` with burn-ins;
5. **storyboard**: ``index.html`` + ``thumbs/``.

No GPU, headset or network: llvmpipe renders, x264 encodes, all on the CPU.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from previzkit.core.errors import InputError
from previzkit.core.optional import ensure
from previzkit.core.progress import ProgressFn
from previzkit.core.sizes import parse_size

CAST_CLIPS = {"MARA": "motion/mara.pzt", "JONAS": "motion/jonas.pzt"}
RECORD_START = "10:00:00:00"  # the shoot day's first take


@dataclass(frozen=True)
class DemoOptions:
    """``takes``: per shot; ``size``: recorded takes (w, h); ``cut_size``: previz.mp4;
    ``rate``: project timecode rate; ``time_scale``: takes last the script's time
    for their shot times this; ``handle_s``: pre/post-roll; ``max_take_s``: cap on a
    take's length; ``min_shot_s``: the editor's shortest shot; ``scenes``: scene
    numbers to shoot (None: all)."""

    takes: int = 3
    size: tuple[int, int] = (384, 216)
    cut_size: tuple[int, int] = (640, 360)
    rate: str = "24"
    time_scale: float = 1.0
    handle_s: float = 0.5
    max_take_s: float | None = None
    min_shot_s: float = 1.0
    sky_size: tuple[int, int] = (1024, 512)
    scenes: tuple[str, ...] | None = None

    @classmethod
    def quick(cls) -> DemoOptions:
        """CI-sized: 2 takes a shot, small frames, the script played 4x as fast."""
        return cls(
            takes=2,
            size=(192, 108),
            cut_size=(320, 180),
            time_scale=0.25,
            handle_s=0.5,
            min_shot_s=0.25,
            sky_size=(512, 256),
        )


@dataclass
class DemoResult:
    """What the demo wrote: the output folder, files by name, takes recorded, shots
    planned (ids in script order), the cut's clips and length (s), step times (s)."""

    out: Path
    files: dict[str, Path]
    takes: int
    frames: int
    planned: list[str]
    clips: int
    cut_seconds: float
    seconds: dict[str, float] = field(default_factory=dict)


Bars = Callable[[str, int | None, str], AbstractContextManager[ProgressFn | None]]


def _no_bars(name: str, total: int | None, unit: str) -> AbstractContextManager[None]:
    return nullcontext()


def _start_timecodes(specs: list[Any], rate: str, start: str = RECORD_START) -> list[str]:
    """A shoot day's timecode: each take starts 10 s after the previous one ends."""
    from previzkit.model import timecode as tc

    frame = tc.timecode_to_frames(start, rate)
    gap = round(10 * float(tc.rate(rate).fps))
    out = []
    for s in specs:
        out.append(tc.frames_to_timecode(frame, rate))
        frame += s.frames + gap
    return out


def record_plan(
    project: Path,
    script: Any,
    plan: Any,
    options: DemoOptions,
    work: Path,
    assets: Path,
    progress: ProgressFn | None = None,
) -> tuple[int, int]:
    """Record every planned shot's takes into the take store at ``project``; returns
    (takes, frames). Poses for each take are written under ``work``."""
    from previzkit.model.setfile import load_set
    from previzkit.production import coverage, record
    from previzkit.render.headless import create_context
    from previzkit.takes.store import TakeStore

    clips_by_name = {n: assets / p for n, p in CAST_CLIPS.items()}
    specs = _specs(script, plan, options)
    starts = _start_timecodes(specs, options.rate)
    total = sum(s.frames for s in specs)
    scenes = {sp.number: sp for sp in plan.scenes}
    ctx = create_context()
    cache: dict[Any, Any] = {}
    done = 0
    sets: dict[str, Any] = {}
    clips: dict[tuple[str, ...], Any] = {}
    work.mkdir(parents=True, exist_ok=True)
    with TakeStore(project) as store:
        for spec, start_tc in zip(specs, starts, strict=True):
            sp = scenes[spec.scene]
            if spec.scene not in sets:
                base = load_set(assets / (sp.set_file or "sets/sample.yaml"))
                sets[spec.scene] = coverage.scene_set(base, sp, assets, sky_size=options.sky_size)
            full = sets[spec.scene]
            shot_set = dataclasses.replace(
                full, cameras={spec.shot: full.cameras[spec.shot]}, default_camera=spec.shot
            )
            cast = tuple(c.name for c in full.characters)
            if cast not in clips:
                fallback = list(clips_by_name.values())
                paths = [
                    clips_by_name.get(n, fallback[i % len(fallback)]) for i, n in enumerate(cast)
                ]
                clips[cast] = record.load_clips(paths)
            poses = record.write_take_poses(
                spec, clips[cast], work / f"{spec.scene}_{spec.shot}_{spec.take}.pzt"
            )
            record.record_take(
                ctx,
                shot_set,
                store,
                spec,
                poses,
                cast,
                options.size,
                start_tc=start_tc,
                retarget_cache=cache,
            )
            done += spec.frames
            if progress is not None:
                progress(done, total)
    ctx.release()
    return len(specs), total


def run_demo(
    out: str | Path,
    options: DemoOptions | None = None,
    bars: Bars | None = None,
    script_path: str | Path | None = None,
) -> DemoResult:
    """Run the pipeline into ``out`` (created; an existing take store there is an error,
    so a second run never mixes days). ``bars(name, total, unit)`` gives a progress
    context per step (the CLI's bars; None: silent)."""
    from previzkit.core.resources import asset_path, assets_dir
    from previzkit.edit.assemble import AssemblyRules, assemble
    from previzkit.edit.exporters import export
    from previzkit.edit.render import RenderOptions, render_cut
    from previzkit.edit.storyboard import write_storyboard
    from previzkit.script import plan_shots, read_script, save_shot_plan
    from previzkit.script.locations import assets_exists

    opts = options or DemoOptions()
    bars = bars or _no_bars
    out = Path(out)
    project = out / "project"
    if (project / "takes.sqlite").exists():
        raise InputError(
            f"demo output {out}: already holds a take store (project/); "
            "give an empty folder with -o"
        )
    out.mkdir(parents=True, exist_ok=True)
    assets = assets_dir()
    src = Path(script_path) if script_path else asset_path("scripts", "sample.fountain")
    for clip in CAST_CLIPS.values():
        asset_path(*clip.split("/"))
    seconds: dict[str, float] = {}
    files: dict[str, Path] = {}

    t = time.perf_counter()
    script = read_script(src)
    plan = plan_shots(script, exists=assets_exists())
    if opts.scenes is not None:
        known = [s.number for s in plan.scenes]
        unknown = [n for n in opts.scenes if n not in known]
        if unknown:
            raise InputError(
                f"--scene {', '.join(unknown)}: not a scene of {src.name} "
                f"(scenes: {', '.join(known)})"
            )
        plan = dataclasses.replace(plan, scenes=[s for s in plan.scenes if s.number in opts.scenes])
    files["shots"] = save_shot_plan(plan, out / "shots.yaml")
    planned = [sh.id for sp in plan.scenes for sh in sp.shots]
    seconds["script"] = time.perf_counter() - t

    t = time.perf_counter()
    total = sum(s.frames for s in _specs(script, plan, opts))
    with bars("record takes", total, "frame") as progress:
        takes, frames = record_plan(project, script, plan, opts, out / "work", assets, progress)
    shutil.rmtree(out / "work", ignore_errors=True)  # the takes hold their poses now
    files["project"] = project
    seconds["record"] = time.perf_counter() - t

    t = time.perf_counter()
    with bars("score + assemble", None, "take") as progress:
        result = assemble(
            project,
            script,
            plan=files["shots"],
            rules=AssemblyRules(min_shot_s=opts.min_shot_s),
            progress=progress,
        )
    for name, suffix in (("otio", ".otio"), ("edl", ".edl"), ("fcpxml", ".fcpxml")):
        files[name] = export(result.timeline, out / f"cut{suffix}")
    seconds["assemble"] = time.perf_counter() - t

    t = time.perf_counter()
    with bars("render previz.mp4", None, "frame") as progress:
        files["mp4"] = render_cut(
            result.timeline, out / "previz.mp4", RenderOptions(*opts.cut_size), progress=progress
        )
    seconds["render"] = time.perf_counter() - t

    t = time.perf_counter()
    with bars("storyboard", None, "shot") as progress:
        files["storyboard"] = write_storyboard(
            result.timeline, out, video=files["mp4"], progress=progress
        )
    seconds["storyboard"] = time.perf_counter() - t

    clips = [c for c in result.timeline.video_tracks()[0] if c.schema_name() == "Clip"]
    cut_s = result.timeline.duration().to_seconds()
    return DemoResult(out, files, takes, frames, planned, len(clips), float(cut_s), seconds)


def _specs(script: Any, plan: Any, opts: DemoOptions) -> list[Any]:
    from previzkit.production.record import take_specs

    specs = take_specs(
        script,
        plan,
        opts.takes,
        opts.rate,
        max_s=opts.max_take_s,
        scale=opts.time_scale,
        handle_s=opts.handle_s,
    )
    return [s for s in specs if opts.scenes is None or s.scene in opts.scenes]


def summary(result: DemoResult) -> str:
    """The closing summary printed by the command."""
    m, s = divmod(result.cut_seconds, 60)
    steps = ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items())
    lines = [
        f"recorded {result.takes} takes ({result.frames} frames) of {len(result.planned)} "
        f"planned shots",
        f"cut: {result.clips} clips, {int(m)}:{s:04.1f} ({result.cut_seconds:.1f} s)",
        f"time: {steps} (total {sum(result.seconds.values()):.0f} s)",
        f"files in {result.out}:",
    ]
    for key in ("otio", "edl", "fcpxml", "mp4", "storyboard", "shots", "project"):
        if key in result.files:
            lines.append(f"  {key:<10} {result.files[key]}")
    return "\n".join(lines)


# the demo renders takes (render), records them (takes) and cuts them (edit)
DEMO_EXTRAS = "render,edit"
DEMO_NEEDS = ("moderngl", "trimesh", "PIL", "av", "msgpack", "timecode", "opentimelineio")


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
@click.option("--quick", is_flag=True, help="Small and short: 2 takes a shot, tiny frames (CI).")
@click.option("--takes", type=click.IntRange(1, 9), default=None, help="Takes per shot (3).")
@click.option("--size", default=None, help="Recorded take size WxH (384x216).")
@click.option("--scene", "scenes", multiple=True, help="Shoot only these scene numbers.")
def demo(
    output: Path, quick: bool, takes: int | None, size: str | None, scenes: tuple[str, ...]
) -> None:
    """Run the whole pipeline on the bundled sample: script -> shot plan -> takes
    recorded offscreen -> scored cut (OTIO, EDL, FCPXML) -> previz.mp4 + storyboard."""
    from previzkit.core.progress import bar

    opts = DemoOptions.quick() if quick else DemoOptions()
    if takes is not None:
        opts = dataclasses.replace(opts, takes=takes)
    if size is not None:
        opts = dataclasses.replace(opts, size=parse_size(size, example="384x216", even=True))
    if scenes:
        opts = dataclasses.replace(opts, scenes=tuple(scenes))
    ensure(DEMO_EXTRAS, "the demo", *DEMO_NEEDS)
    result = run_demo(output, opts, bars=bar)
    click.echo(summary(result))

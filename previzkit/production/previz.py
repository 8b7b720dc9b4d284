"""``previzkit previz SCRIPT.fountain``: the whole previz of a screenplay.

Steps (each timed in :attr:`PrevizResult.seconds`):

1. **script**: read the Fountain file, plan the shots (``shots.yaml``);
2. **sets**: a set per location: the user's file (``--set LOCATION=FILE``, or a file
   named after the location in ``--sets DIR``), else a stand-in built from a kit of
   parts (:mod:`previzkit.production.standin`, written under ``sets/``); each scene's
   cast (one character per speaking role, told apart by colour and height) on its
   marks with a camera per shot (:func:`previzkit.production.coverage.scene_set`),
   listed in ``cast.yaml``;
3. **record**: the takes of every shot through the stage loop offscreen (EGL), the
   cast played from the shipped motion-capture clips (``assets/motion/``), timed per
   take, into the take store (``project/``); scratch dialogue
   (:mod:`previzkit.production.dialogue`): every line spoken by espeak-ng in its
   character's voice (cached in ``speech/``), beats as long as their speech, each
   take's sound recorded with it;
4. **assemble**: score the takes, cut (``cut.otio``, ``cut.edl``, ``cut.fcpxml``);
5. **render**: ``previz.mp4`` with burn-ins;
6. **storyboard**: ``index.html`` + ``thumbs/``.

``previzkit demo`` is this on the bundled sample with the bundled sets.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click

from previzkit.core.errors import InputError
from previzkit.core.optional import ensure
from previzkit.core.progress import ProgressFn
from previzkit.core.sizes import parse_size
from previzkit.edit.cli import style_option

# shipped motion clips: a role with one of these names plays its own, others take turns
CAST_CLIPS = {"MARA": "motion/mara.pzt", "JONAS": "motion/jonas.pzt"}
RECORD_START = "10:00:00:00"  # the shoot day's first take
# told apart on screen: the first four as coverage.COLORS, then more hues (RGB 0..1)
PALETTE = (
    (0.85, 0.55, 0.35),
    (0.35, 0.55, 0.85),
    (0.55, 0.8, 0.4),
    (0.8, 0.4, 0.7),
    (0.9, 0.8, 0.3),
    (0.35, 0.8, 0.8),
    (0.6, 0.45, 0.85),
    (0.85, 0.3, 0.3),
)
HEIGHTS_M = (1.78, 1.66, 1.86, 1.6, 1.72, 1.82, 1.64, 1.9)

RGB = tuple[float, float, float]


@dataclass(frozen=True)
class Look:
    """How a character looks: mannequin ``color`` (RGB 0..1), ``height_m`` (top of
    the head, metres)."""

    color: RGB
    height_m: float


@dataclass(frozen=True)
class PrevizOptions:
    """``takes``: per shot; ``size``: recorded takes (w, h); ``cut_size``: previz.mp4;
    ``rate``: project timecode rate; ``time_scale``: takes last the script's time for
    their shot times this; ``handle_s``: pre/post-roll; ``max_take_s``: cap on a take's
    length; ``min_shot_s``: the editor's shortest shot; ``scenes``: scene numbers to
    shoot (None: all). Sets: ``set_files`` location -> set file, ``sets_dir`` a folder
    of set files named after locations, ``standins`` build a set where there is none
    (else that is an error). ``looks``: character -> :class:`Look` (others get
    :func:`default_looks`). ``dialogue``: speak the lines (espeak-ng) and time
    dialogue by them (False: silent takes, the words-per-minute estimate). ``styles``:
    the cut's editing styles (:mod:`previzkit.edit.styles`; None: the default)."""

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
    set_files: Mapping[str, Path] = field(default_factory=dict)
    sets_dir: Path | None = None
    standins: bool = True
    looks: Mapping[str, Look] = field(default_factory=dict)
    dialogue: bool = True
    styles: str | None = None

    @classmethod
    def quick(cls) -> PrevizOptions:
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
class PrevizResult:
    """What a run wrote: the output folder, files by name, takes recorded, shots
    planned (ids in script order), the cut's clips and length (s), step times (s),
    the set of each location (path, ``standin`` or not) and the cast's looks."""

    out: Path
    files: dict[str, Path]
    takes: int
    frames: int
    planned: list[str]
    clips: int
    cut_seconds: float
    seconds: dict[str, float] = field(default_factory=dict)
    sets: dict[str, tuple[Path, bool]] = field(default_factory=dict)
    cast: dict[str, Look] = field(default_factory=dict)


@dataclass(frozen=True)
class SceneSet:
    """A scene's set: ``location`` and ``int_ext`` from its heading, the set file
    ``path``, and whether it is a stand-in."""

    scene: str
    location: str
    int_ext: str
    path: Path
    standin: bool


Bars = Callable[[str, int | None, str], AbstractContextManager[ProgressFn | None]]


def _no_bars(name: str, total: int | None, unit: str) -> AbstractContextManager[None]:
    return nullcontext()


# --- looks ---------------------------------------------------------------------------


def default_looks(roles: Sequence[str], given: Mapping[str, Look] | None = None) -> dict[str, Look]:
    """A look per speaking role in ``roles`` order: ``given`` where it has one, else the
    next of :data:`PALETTE` and :data:`HEIGHTS_M` (cycling) not taken."""
    given = dict(given or {})
    unknown = [n for n in given if n not in roles]
    if unknown:
        raise InputError(
            f"--look {', '.join(unknown)}: not a speaking role of the script "
            f"(roles: {', '.join(roles) or 'none'})"
        )
    out: dict[str, Look] = {}
    k = 0
    for name in roles:
        if name in given:
            out[name] = given[name]
            continue
        out[name] = Look(PALETTE[k % len(PALETTE)], HEIGHTS_M[k % len(HEIGHTS_M)])
        k += 1
    return out


def parse_look(text: str) -> tuple[str, Look]:
    """``"MARA=orange,1.68"`` -> (``"MARA"``, Look): a colour name or ``#rrggbb``, an
    optional height in metres (default 1.75); the name is upper-cased as in cues."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise InputError(
            f"--look {text!r}: expected CHARACTER=COLOR[,HEIGHT_M], e.g. MARA=red,1.68"
        )
    color_text, _, height_text = value.partition(",")
    try:
        from PIL import ImageColor

        rgb = ImageColor.getrgb(color_text.strip())
    except (ValueError, ImportError):
        raise InputError(
            f"--look {text!r}: {color_text.strip()!r} is not a colour (a name such as "
            "'teal' or '#rrggbb')"
        ) from None
    height = 1.75
    if height_text.strip():
        try:
            height = float(height_text)
        except ValueError:
            height = float("nan")
        if not 0.5 <= height <= 2.5:
            raise InputError(f"--look {text!r}: height {height_text.strip()!r} must be 0.5-2.5 m")
    color = (rgb[0] / 255, rgb[1] / 255, rgb[2] / 255)
    return name.strip().upper(), Look(color, height)


def parse_set_option(text: str) -> tuple[str, Path]:
    """``"ROOFTOP=sets/roof.yaml"`` -> (``"ROOFTOP"``, path)."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise InputError(f"--set {text!r}: expected LOCATION=SET.yaml, e.g. 'KITCHEN=kitchen.yaml'")
    return name.strip(), Path(value.strip()).expanduser()


def dress(set_def: Any, looks: Mapping[str, Look]) -> Any:
    """``set_def`` with each character's colour and height from ``looks``."""
    chars = [
        dataclasses.replace(c, color=looks[c.name].color, height_m=looks[c.name].height_m)
        if c.name in looks
        else c
        for c in set_def.characters
    ]
    return dataclasses.replace(set_def, characters=chars)


# --- sets ----------------------------------------------------------------------------


def find_sets(scenes: Sequence[Any], plan: Any, opts: PrevizOptions) -> dict[str, Path | None]:
    """Scene number -> the user's set file for its location (``opts.set_files``, then
    ``opts.sets_dir``), None where there is none; checks the options (a ``--set`` for
    no location of the script, a missing file) and, without stand-ins, that every
    location has a set. ``scenes``: the breakdown's; nothing is written."""
    from previzkit.script.locations import find_set, location_matches, location_slug

    by_number = {s.number: s for s in scenes}
    locations = sorted({s.location for s in scenes})
    for key, path in opts.set_files.items():
        if not any(location_matches(key, loc) for loc in locations):
            raise InputError(
                f"--set {key}={path}: no scene is at {key!r} (locations: {', '.join(locations)})"
            )
        if not Path(path).is_file():
            raise InputError(f"--set {key}={path}: no such set file")
    if opts.sets_dir is not None and not Path(opts.sets_dir).is_dir():
        raise InputError(f"--sets {opts.sets_dir}: not a folder")
    folders = [Path(opts.sets_dir)] if opts.sets_dir is not None else []
    found: dict[str, Path | None] = {}
    for sp in plan.scenes:
        sb = by_number[sp.number]
        found[sp.number] = find_set(sb.location, opts.set_files, folders)
        if found[sp.number] is None and not opts.standins:
            raise InputError(
                f"location {sb.location!r} (scene {sp.number}): no set file; give "
                f"--set '{sb.location}=SET.yaml' or {location_slug(sb.location)}.yaml "
                "in --sets DIR, or leave out --no-standins for a stand-in set"
            )
    return found


def resolve_sets(
    scenes: Sequence[Any],
    plan: Any,
    found: Mapping[str, Path | None],
    folder: Path,
    assets: Path,
    progress: ProgressFn | None = None,
) -> dict[str, SceneSet]:
    """Scene number -> its set: the ``found`` file (:func:`find_sets`), else a stand-in
    written under ``folder``, one per location and INT/EXT, with a mark for each of the
    most characters a scene there has."""
    from previzkit.production import standin
    from previzkit.script.locations import location_slug

    by_number = {s.number: s for s in scenes}
    need: dict[tuple[str, bool], tuple[Any, int]] = {}  # -> (first scene there, marks)
    for sp in plan.scenes:
        sb = by_number[sp.number]
        if found[sp.number] is None:
            key = (location_slug(sb.location), standin.is_interior(sb.int_ext))
            first, marks = need.get(key, (sb, 2))
            need[key] = (first, max(marks, len(scene_cast(sp))))
    sky = assets / "textures" / "sample_sky.png"
    built: dict[tuple[str, bool], Path] = {}
    for i, ((slug, interior), (sb, marks)) in enumerate(need.items()):
        name = f"{slug or 'location'}_{'int' if interior else 'ext'}"
        built[(slug, interior)] = standin.write_standin(
            folder, name, sb.location, sb.int_ext, marks, sky if sky.is_file() else None
        )
        if progress is not None:
            progress(i + 1, len(need))
    out = {}
    for sp in plan.scenes:
        sb = by_number[sp.number]
        path = found[sp.number]
        is_standin = path is None
        if path is None:
            path = built[(location_slug(sb.location), standin.is_interior(sb.int_ext))]
        out[sp.number] = SceneSet(sp.number, sb.location, sb.int_ext, Path(path), is_standin)
    return out


def scene_cast(scene: Any) -> list[str]:
    """The characters a planned scene puts on its set: the axis, then the other
    characters its shots frame (as :func:`previzkit.production.coverage.scene_set`)."""
    cast = list(scene.axis)
    for shot in scene.shots:
        for s in shot.subjects:
            if s.isupper() and s not in cast and shot.type != "insert":
                cast.append(s)
    return cast


def scene_sets(
    scene_files: Mapping[str, SceneSet],
    plan: Any,
    roles: Sequence[str],
    action_cast: Mapping[str, Sequence[str]],
    looks: Mapping[str, Look],
    assets: Path,
    sky_size: tuple[int, int],
) -> dict[str, Any]:
    """Scene number -> its full set (:class:`~previzkit.model.setfile.SetDef`): cast
    on marks, a camera per shot, the planned sky, the cast dressed in ``looks``. A scene
    with nobody speaking has the roles named in its action (else the first role)."""
    from previzkit.model.setfile import CharacterDef, load_set
    from previzkit.production import coverage

    loaded: dict[Path, Any] = {}
    out = {}
    for sp in plan.scenes:
        path = scene_files[sp.number].path
        if path not in loaded:
            loaded[path] = load_set(path)
        base = loaded[path]
        if not scene_cast(sp):
            extras = [n for n in action_cast.get(sp.number, ()) if n in roles] or list(roles[:1])
            base = dataclasses.replace(base, characters=[CharacterDef(name=n) for n in extras])
        full = coverage.scene_set(base, sp, assets, sky_size=sky_size)
        out[sp.number] = dress(full, looks)
    return out


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


def clip_paths(roles: Sequence[str], assets: Path) -> dict[str, Path]:
    """Each role's motion clip: its own where one is shipped under its name, else the
    shipped clips in turn (by role order), so a character moves the same all film."""
    shipped = [assets / p for p in CAST_CLIPS.values()]
    out = {}
    k = 0
    for name in roles:
        if name in CAST_CLIPS:
            out[name] = assets / CAST_CLIPS[name]
        else:
            out[name] = shipped[k % len(shipped)]
            k += 1
    return out


def record_plan(
    project: Path,
    script: Any,
    plan: Any,
    sets: Mapping[str, Any],
    clips_of: Mapping[str, Path],
    options: PrevizOptions,
    work: Path,
    progress: ProgressFn | None = None,
    resume: bool = False,
    scratch: Any = None,
) -> tuple[int, int]:
    """Record every planned shot's takes into the take store at ``project``, each scene
    on ``sets[scene]`` (cast and cameras in place), each character playing
    ``clips_of[name]``; returns (takes, frames) recorded. Poses are written under
    ``work``. ``resume``: keep the takes the store already has whole and record the
    others (:func:`previzkit.production.rerun.takes_to_record`). ``scratch``: the
    spoken dialogue (:class:`~previzkit.production.dialogue.Scratch`) each take
    records as its sound and is timed by (None: silent takes, estimated timing)."""
    from previzkit.production import record
    from previzkit.production.dialogue import spec_dialogue
    from previzkit.render.headless import create_context
    from previzkit.takes.store import TakeStore

    specs = _specs(script, plan, options, sets, scratch)
    starts = _start_timecodes(specs, options.rate)
    if resume:
        todo = _resumed(project, specs, starts)
        specs = [dataclasses.replace(specs[i], take=n) for i, n in todo]
        starts = [starts[i] for i, _ in todo]
    total = sum(s.frames for s in specs)
    if not specs:
        return 0, 0
    fallback = list(dict.fromkeys(clips_of.values()))  # for a character with no role
    ctx = create_context()
    cache: dict[Any, Any] = {}
    done = 0
    clips: dict[tuple[str, ...], Any] = {}
    scenes = {sc.number: sc for sc in script.scenes}
    work.mkdir(parents=True, exist_ok=True)
    try:
        with TakeStore(project) as store:
            for spec, start_tc in zip(specs, starts, strict=True):
                full = sets[spec.scene]
                shot_set = dataclasses.replace(
                    full, cameras={spec.shot: full.cameras[spec.shot]}, default_camera=spec.shot
                )
                cast = tuple(c.name for c in full.characters)
                if cast not in clips:
                    paths = [
                        clips_of.get(n, fallback[i % len(fallback)]) for i, n in enumerate(cast)
                    ]
                    clips[cast] = record.load_clips(paths)
                sound = None
                if scratch is not None:
                    sound = spec_dialogue(spec, scenes[spec.scene], scratch)
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
                    sound=sound,
                    sample_rate=scratch.sample_rate if scratch is not None else 48000,
                )
                done += spec.frames
                if progress is not None:
                    progress(done, total)
    finally:
        ctx.release()
    return len(specs), total


def _resumed(project: Path, specs: list[Any], starts: list[str]) -> list[tuple[int, int]]:
    """(index into ``specs``, take number) of the takes a resumed run still records."""
    from previzkit.production.rerun import Planned, Recorded, takes_to_record
    from previzkit.takes.store import TakeStore

    if not (project / "takes.sqlite").exists():
        return [(i, s.take) for i, s in enumerate(specs)]
    with TakeStore(project, create=False) as store:
        recorded = [
            Recorded(t.scene, t.shot, t.take, t.start_tc, t.duration_frames, t.status)
            for t in store.list()
        ]
    planned = [
        Planned(s.scene, s.shot, s.take, tc, s.frames) for s, tc in zip(specs, starts, strict=True)
    ]
    return takes_to_record(planned, recorded, where=str(project))


def _specs(
    script: Any,
    plan: Any,
    opts: PrevizOptions,
    sets: Mapping[str, Any] | None = None,
    scratch: Any = None,
) -> list[Any]:
    """The takes to record; each scene's blocking is played on ``sets[scene]`` (the
    scene's set with its cast on their marks), timed by ``scratch``'s spoken dialogue
    when given."""
    from previzkit.production.record import take_specs

    specs = take_specs(
        script,
        plan,
        opts.takes,
        opts.rate,
        max_s=opts.max_take_s,
        scale=opts.time_scale,
        handle_s=opts.handle_s,
        sets=sets,
        timing=scratch.timing if scratch is not None else None,
    )
    return [s for s in specs if opts.scenes is None or s.scene in opts.scenes]


def _write_cast(
    path: Path,
    looks: Mapping[str, Look],
    clips_of: Mapping[str, Path],
    sets: Mapping[str, Any],
    files: Mapping[str, SceneSet],
    assets: Path,
) -> Path:
    """``cast.yaml``: each role's look and clip, each scene's set file and cast."""
    import yaml

    def rel(p: Path) -> str:
        return str(p.relative_to(assets)) if p.is_relative_to(assets) else str(p)

    data = {
        "characters": {
            n: {
                "color": [round(c, 3) for c in lk.color],
                "height_m": lk.height_m,
                "motion": rel(clips_of[n]) if n in clips_of else None,
            }
            for n, lk in looks.items()
        },
        "scenes": {
            num: {
                "location": files[num].location,
                "int_ext": files[num].int_ext,
                "set": str(files[num].path),
                "standin": files[num].standin,
                "cast": [c.name for c in s.characters],
            }
            for num, s in sets.items()
        },
    }
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    tmp.replace(path)
    return path


def run_previz(
    script_path: str | Path,
    out: str | Path,
    options: PrevizOptions | None = None,
    bars: Bars | None = None,
    *,
    force: bool = False,
    resume: bool = False,
    what: str = "previz",
) -> PrevizResult:
    """Run the previz of the screenplay at ``script_path`` into ``out`` (created).
    ``bars(name, total, unit)`` gives a progress context per step (None: silent).

    A take store already in ``out`` is an error (a second run never mixes days) unless
    ``resume`` (finish that run: keep its whole takes, record the rest) or ``force``
    (replace it: set aside, deleted once this run has finished); see
    :mod:`previzkit.production.rerun`. ``what`` names the command in errors."""
    from previzkit.production import rerun

    rerun.check_rerun(out, force=force, resume=resume, what=what)
    if force:
        rerun.set_aside(out)  # an empty folder again; the old run kept until the end
    result = _run_previz(script_path, Path(out), options, bars, resume)
    if force:
        rerun.discard_replaced(out)
    return result


def _run_previz(
    script_path: str | Path,
    out: Path,
    options: PrevizOptions | None,
    bars: Bars | None,
    resume: bool,
) -> PrevizResult:
    """:func:`run_previz` into ``out``, checked (resuming the run there, or a new one)."""
    from previzkit.core.resources import assets_dir
    from previzkit.edit.assemble import AssemblyRules, assemble
    from previzkit.edit.exporters import export
    from previzkit.edit.render import RenderOptions, render_cut
    from previzkit.edit.storyboard import write_storyboard
    from previzkit.script import plan_shots, read_script, save_shot_plan
    from previzkit.script.breakdown import breakdown

    opts = options or PrevizOptions()
    bars = bars or _no_bars
    src = Path(script_path)
    project = out / "project"
    assets = assets_dir()
    seconds: dict[str, float] = {}
    files: dict[str, Path] = {}

    t = time.perf_counter()
    script = read_script(src)
    if not script.scenes:
        raise InputError(
            f"{src}: no scenes; a Fountain scene starts with a heading line such as "
            "'INT. KITCHEN - DAY'"
        )
    roles = list(script.characters)
    if not roles:
        raise InputError(f"{src}: no speaking roles; previz needs a character with dialogue")
    looks = default_looks(roles, opts.looks)
    bd = breakdown(script)
    plan = plan_shots(script, exists=lambda rel: False, bd=bd)
    if opts.scenes is not None:
        known = [s.number for s in plan.scenes]
        unknown = [n for n in opts.scenes if n not in known]
        if unknown:
            raise InputError(
                f"--scene {', '.join(unknown)}: not a scene of {src.name} "
                f"(scenes: {', '.join(known)})"
            )
        plan = dataclasses.replace(plan, scenes=[s for s in plan.scenes if s.number in opts.scenes])
    found = find_sets(bd.scenes, plan, opts)
    seconds["script"] = time.perf_counter() - t

    t = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    with bars("sets", None, "set") as progress:
        scene_files = resolve_sets(bd.scenes, plan, found, out / "sets", assets, progress)
    plan = dataclasses.replace(
        plan,
        scenes=[
            dataclasses.replace(sp, set_file=str(scene_files[sp.number].path.resolve()))
            for sp in plan.scenes
        ],
    )
    files["shots"] = save_shot_plan(plan, out / "shots.yaml")
    planned = [sh.id for sp in plan.scenes for sh in sp.shots]
    action = {s.number: list(s.characters_in_action) for s in bd.scenes}
    sets = scene_sets(scene_files, plan, roles, action, looks, assets, opts.sky_size)
    clips_of = clip_paths(roles, assets)
    for p in set(clips_of.values()):
        if not p.is_file():
            raise InputError(f"motion clip {p}: missing from the installed assets")
    files["cast"] = _write_cast(out / "cast.yaml", looks, clips_of, sets, scene_files, assets)
    if any(s.standin for s in scene_files.values()):
        files["sets"] = out / "sets"
    seconds["sets"] = time.perf_counter() - t

    t = time.perf_counter()
    scratch = None
    if opts.dialogue:
        from previzkit.production.dialogue import SPEECH_DIR, prepare_dialogue

        scratch = prepare_dialogue(
            script, out / SPEECH_DIR, opts.time_scale, scenes=[s.number for s in plan.scenes]
        )
        if scratch is not None:
            files["speech"] = out / SPEECH_DIR
    seconds["dialogue"] = time.perf_counter() - t

    t = time.perf_counter()
    total = sum(s.frames for s in _specs(script, plan, opts, sets, scratch))
    with bars("record takes", total, "frame") as progress:
        takes, frames = record_plan(
            project,
            script,
            plan,
            sets,
            clips_of,
            opts,
            out / "work",
            progress,
            resume=resume,
            scratch=scratch,
        )
    shutil.rmtree(out / "work", ignore_errors=True)  # the takes hold their poses now
    files["project"] = project
    seconds["record"] = time.perf_counter() - t

    t = time.perf_counter()
    with bars("score + assemble", None, "take") as progress:
        result = assemble(
            project,
            script,
            plan=files["shots"],
            rules=AssemblyRules(
                min_shot_s=opts.min_shot_s,
                timing=scratch.timing if scratch is not None else None,
                styles=opts.styles,
            ),
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
    by_location = {s.location: (s.path, s.standin) for s in scene_files.values()}
    return PrevizResult(
        out, files, takes, frames, planned, len(clips), float(cut_s), seconds, by_location, looks
    )


def summary(result: PrevizResult) -> str:
    """The closing summary printed by the command."""
    m, s = divmod(result.cut_seconds, 60)
    steps = ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items())
    lines = [
        f"recorded {result.takes} takes ({result.frames} frames) of {len(result.planned)} "
        f"planned shots",
        f"cut: {result.clips} clips, {int(m)}:{s:04.1f} ({result.cut_seconds:.1f} s)",
        f"time: {steps} (total {sum(result.seconds.values()):.0f} s)",
    ]
    if result.sets:
        lines.append("sets:")
        for loc, (path, standin) in result.sets.items():
            lines.append(f"  {loc:<24} {'stand-in ' if standin else ''}{path}")
    if result.cast:
        lines.append(
            "cast: "
            + ", ".join(
                f"{n} (#{''.join(f'{round(c * 255):02x}' for c in lk.color)}, {lk.height_m:.2f} m)"
                for n, lk in result.cast.items()
            )
        )
    lines.append(f"files in {result.out}:")
    for key in ("otio", "edl", "fcpxml", "mp4", "storyboard", "shots", "cast", "sets", "project"):
        if key in result.files:
            lines.append(f"  {key:<10} {result.files[key]}")
    return "\n".join(lines)


# previz renders takes (render), records them (takes) and cuts them (edit)
PREVIZ_EXTRAS = "render,edit"
PREVIZ_NEEDS = ("moderngl", "trimesh", "PIL", "av", "msgpack", "timecode", "opentimelineio")


def sized(
    opts: PrevizOptions,
    takes: int | None = None,
    size: str | None = None,
    cut_size: str | None = None,
    scenes: Sequence[str] = (),
    styles: str | None = None,
) -> PrevizOptions:
    """``opts`` with the command line's takes, sizes (``WxH``), scenes and editing
    styles (checked here: an unknown style is an InputError before any recording)."""
    if styles is not None:
        from previzkit.edit.styles import parse_styles

        parse_styles(styles)
        opts = dataclasses.replace(opts, styles=styles)
    if takes is not None:
        opts = dataclasses.replace(opts, takes=takes)
    if size is not None:
        opts = dataclasses.replace(opts, size=parse_size(size, example="384x216", even=True))
    if cut_size is not None:
        opts = dataclasses.replace(
            opts, cut_size=parse_size(cut_size, "--cut-size", example="640x360", even=True)
        )
    if scenes:
        opts = dataclasses.replace(opts, scenes=tuple(scenes))
    return opts


F = TypeVar("F", bound=Callable[..., Any])


def rerun_options(command: F) -> F:
    """``--resume`` and ``--force`` for a command that writes a previz run into a folder
    (:mod:`previzkit.production.rerun`)."""
    command = click.option(
        "--force",
        is_flag=True,
        help="Replace the run in the output folder (kept aside until this one finishes).",
    )(command)
    return click.option(
        "--resume",
        is_flag=True,
        help="Finish the run in the output folder: keep its whole takes, record the rest.",
    )(command)


def run_options(command: F) -> F:
    """The options every previz run takes (``previz`` and ``demo``): ``--quick``,
    ``--takes``, ``--size``, ``--cut-size``, ``--scene``, ``--style`` and
    :func:`rerun_options`; :func:`sized` applies the sizes, takes, scenes and styles."""
    for option in (
        rerun_options,
        style_option,
        click.option("--scene", "scenes", multiple=True, help="Shoot only these scene numbers."),
        click.option("--cut-size", default=None, help="previz.mp4 size WxH (640x360)."),
        click.option("--size", default=None, help="Recorded take size WxH (384x216)."),
        click.option(
            "--takes", type=click.IntRange(1, 9), default=None, help="Takes per shot (3)."
        ),
        click.option(
            "--quick", is_flag=True, help="Small and short: 2 takes a shot, tiny frames (CI)."
        ),
    ):
        command = option(command)
    return command


@click.command("previz")
@click.argument("script", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("previz-out"),
    show_default=True,
    help="Folder for the outputs.",
)
@click.option(
    "--set",
    "set_opts",
    multiple=True,
    metavar="LOCATION=SET.yaml",
    help="The set file for a location (repeat per location).",
)
@click.option(
    "--sets",
    "sets_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="A folder of set files named after locations (kitchen.yaml for INT. KITCHEN).",
)
@click.option("--no-standins", is_flag=True, help="A location with no set file is an error.")
@click.option(
    "--look",
    "look_opts",
    multiple=True,
    metavar="CHARACTER=COLOR[,HEIGHT_M]",
    help="A character's colour (name or #rrggbb) and height (m).",
)
@click.option("--no-dialogue", is_flag=True, help="Silent takes: no espeak-ng scratch dialogue.")
@run_options
def previz(
    script: Path,
    output: Path,
    set_opts: tuple[str, ...],
    sets_dir: Path | None,
    no_standins: bool,
    look_opts: tuple[str, ...],
    size: str | None,
    cut_size: str | None,
    takes: int | None,
    scenes: tuple[str, ...],
    quick: bool,
    no_dialogue: bool,
    styles: str | None,
    resume: bool,
    force: bool,
) -> None:
    """Previz a screenplay: shot plan -> a set per location (yours or a stand-in) ->
    a cast per speaking role -> takes recorded offscreen -> scored cut (OTIO, EDL,
    FCPXML) -> previz.mp4 + storyboard."""
    from previzkit.core.progress import bar

    opts = PrevizOptions.quick() if quick else PrevizOptions()
    opts = sized(opts, takes, size, cut_size, scenes, styles)
    looks = dict(parse_look(t) for t in look_opts)
    set_files = dict(parse_set_option(t) for t in set_opts)
    opts = dataclasses.replace(
        opts,
        set_files=set_files,
        sets_dir=sets_dir,
        standins=not no_standins,
        looks=looks,
        dialogue=not no_dialogue,
    )
    ensure(PREVIZ_EXTRAS, "previz", *PREVIZ_NEEDS)
    result = run_previz(script, output, opts, bars=bar, force=force, resume=resume)
    click.echo(summary(result))

"""``previzkit xr``: block a set in an OpenXR headset (or offscreen), or check the runtime."""

from __future__ import annotations

import json
from pathlib import Path

import click

from previzkit.core.cli_types import FRAMES, MSAA
from previzkit.core.errors import InputError
from previzkit.core.optional import ensure
from previzkit.core.sizes import parse_size

_FILE = click.Path(dir_okay=False, path_type=Path)


@click.command(
    "xr",
    epilog="\b\nExamples:\n"
    "  # block scene 1 of the plan, recording takes and snapshots in day1/\n"
    "  previzkit xr sets/yard.yaml --plan shots.yaml --scene 1 -p day1\n"
    "  # keep what the head and hands did, then rehearse it without a headset\n"
    "  previzkit xr sets/yard.yaml --record-input session.jsonl\n"
    "  previzkit xr sets/yard.yaml --offscreen --replay session.jsonl\n"
    "  # the runtime, its views and frame timing\n"
    "  previzkit xr --check",
)
@click.argument("set_file", required=False, type=_FILE)
@click.option("--check", is_flag=True, help="Run a few frames and report runtime, views, timing.")
@click.option("--json", "as_json", is_flag=True, help="With --check: print the report as JSON.")
@click.option("--plan", type=_FILE, help="Shot plan YAML: one camera per planned shot, saved back.")
@click.option("--scene", metavar="NUMBER", help="The plan's scene to block (default: its first).")
@click.option(
    "--project",
    "-p",
    type=click.Path(file_okay=False, path_type=Path),
    help="Take store: the take button records takes (camera track, video) and snapshots here.",
)
@click.option("--poses", type=_FILE, help="A .pzt pose track the characters act (looped).")
@click.option(
    "--take-size",
    default="960x540",
    show_default=True,
    metavar="WxH",
    help="With -p: pixels of a take's video (the camera's picture), WxH.",
)
@click.option(
    "--take-rate",
    type=click.Choice(["23.976", "24", "25", "29.97", "30", "50", "59.94", "60"]),
    default="30",
    show_default=True,
    help="With -p: frames per second of takes (their timecode rate).",
)
@click.option(
    "--aspect",
    default="16:9",
    show_default=True,
    metavar="W:H",
    help="Delivery aspect of the viewfinder and look-through: 16:9, 1.85, 2.39.",
)
@click.option(
    "--frames",
    type=FRAMES,
    default=None,
    help="Stop after N frames (default: until the session or the replay ends, or Ctrl-C).",
)
@click.option("--offscreen", is_flag=True, help="No headset: run the same session offscreen.")
@click.option(
    "--eye-size",
    default="1024x1024",
    show_default=True,
    metavar="WxH",
    help="With --offscreen: pixels per eye.",
)
@click.option(
    "--msaa",
    type=MSAA,
    default=4,
    show_default=True,
    help="Samples per pixel of the eye images (0 or 1: off).",
)
@click.option("--mirror", is_flag=True, help="Show the left eye in a desktop window.")
@click.option(
    "--reference",
    type=click.Choice(["stage", "local"]),
    default="stage",
    show_default=True,
    help="Reference space (STAGE falls back to LOCAL).",
)
@click.option(
    "--play",
    metavar="SCENE/SHOT/TAKE",
    help="Play a take of -p PROJECT back: its characters and camera (take button pauses, "
    "lens stick scrubs).",
)
@click.option("--replay", type=_FILE, help="Drive head and hands from a recorded input file.")
@click.option("--record-input", type=_FILE, help="Write what head and hands did to this file.")
@click.option(
    "--remote-port",
    type=click.IntRange(1, 65535),
    default=4242,
    show_default=True,
    help="With --replay in the headset: Monado's remote driver port.",
)
@click.option(
    "--share",
    metavar="ADDRESS",
    help="Share the set state with other views: bind here (tcp://*:5560).",
)
@click.option(
    "--peer", "peers", multiple=True, metavar="ADDRESS", help="Another view's --share address."
)
@click.option(
    "--writer", metavar="NAME", help="This view's id in the shared state (default host-pid)."
)
@click.option(
    "--no-save", is_flag=True, help="Do not save on exit: the edits stay in the autosave journal."
)
@click.option("--validate", is_flag=True, help="Enable the OpenXR core validation layer.")
def xr(
    set_file: Path | None,
    check: bool,
    as_json: bool,
    plan: Path | None,
    scene: str | None,
    project: Path | None,
    poses: Path | None,
    take_size: str,
    take_rate: str,
    aspect: str,
    frames: int | None,
    offscreen: bool,
    eye_size: str,
    msaa: int,
    mirror: bool,
    reference: str,
    play: str | None,
    replay: Path | None,
    record_input: Path | None,
    remote_port: int,
    share: str | None,
    peers: tuple[str, ...],
    writer: str | None,
    no_save: bool,
    validate: bool,
) -> None:
    """Block SET_FILE (a set YAML) in the headset, or offscreen: marks, props, cameras
    per planned shot, takes with the handheld camera. Edits are saved to the set file
    (comments kept) and the plan on exit and with the save tool. --check tests the
    runtime. Controls and the input file format: docs/xr.md."""
    ensure("xr", "XR rendering", "moderngl")
    if check or not offscreen:
        ensure("xr", "the OpenXR headset", "xr")
    if mirror:
        ensure("xr", "the mirror window", "glfw")
    if check:
        from previzkit.xr.check import run_check

        if set_file is not None and not set_file.exists():
            raise InputError(f"set file {set_file} does not exist")
        report = run_check(set_file, frames=frames or 30, validate=validate)
        click.echo(json.dumps(report.as_dict(), indent=2) if as_json else "\n".join(report.lines()))
        return
    if set_file is None:
        raise click.UsageError("give a SET_FILE to block, or --check")
    for path, what in (
        (set_file, "set file"),
        (plan, "--plan"),
        (poses, "--poses"),
        (replay, "--replay"),
    ):
        if path is not None and not path.exists():
            raise InputError(f"{what} {path} does not exist")
    if scene is not None and plan is None:
        raise InputError("--scene picks a scene of the shot plan: give --plan too")
    ensure("stage", "the blocking session", "trimesh", "timecode")
    if project is not None:
        ensure("stage", "recording takes", "av")
    if share or peers:
        ensure("stage", "the shared set state", "zmq", "msgpack")
    size = parse_size(eye_size, "--eye-size", "1024x1024")
    from previzkit.block.session import BlockOptions, BlockSession
    from previzkit.core.progress import bar

    opts = BlockOptions(
        set_path=set_file,
        plan=plan,
        scene=scene,
        project=project,
        poses=poses,
        offscreen=offscreen,
        eye_size=size,
        take_size=parse_size(take_size, "--take-size", "960x540"),
        take_rate=float(take_rate),
        samples=msaa,
        aspect=aspect,
        replay=replay,
        play=play,
        record_input=record_input,
        remote_port=remote_port,
        share=share,
        peers=list(peers),
        writer=writer,
        frames=frames,
        reference=reference,
        mirror=mirror,
        save_on_exit=not no_save,
        validate=validate,
    )
    # bad input fails in BlockSession(), before the progress bar shows
    with (
        BlockSession(opts) as session,
        bar("xr frames", total=session.frames_to_run()) as progress,
    ):
        result = session.run(progress=progress)
    states = session.frame_loop.stats.states
    t = result.timing
    if t.get("frames"):
        click.echo(
            f"{int(t['frames'])} frames, {t['fps']:.1f} fps: wait {t['wait_ms']:.2f} ms, "
            f"cpu {t['cpu_ms']:.2f} ms, gpu {t['gpu_ms']:.2f} ms, submit {t['submit_ms']:.2f} ms; "
            f"session {' -> '.join(states)}"
        )
    for take in result.takes:
        click.echo(
            f"take {take.get('folder')}: {take.get('frames')} frames, "
            f"{take.get('start_tc')} - {take.get('end_tc')}"
        )
    if result.saved_set is not None:
        click.echo(f"set saved: {result.saved_set}")
    if result.saved_plan is not None:
        click.echo(f"shot plan saved: {result.saved_plan}")
    for line in session.messages:
        click.echo(line)
    if session.save_error is not None:  # the edits are in the journal: say so, exit 2
        raise InputError(session.save_error)

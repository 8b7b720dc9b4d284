"""``previzkit takes``: list, show, rate, circle, note and export recorded takes,
export a take's camera as an animated glTF camera, recover takes left ``recording`` and
rebuild the catalogue from the take folders.

Commands that only read (list, show, export, export-camera, export-motion) open the
catalogue read-only and print a ``warning:`` line for each row they cannot read."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import click

from previzkit.core.cli_types import Finite
from previzkit.core.types import CommandT


def take_recording_options(holds: str) -> Callable[[CommandT], CommandT]:
    """The options of a command that records takes into a take store: ``-p/--project``,
    ``--scene``, ``--shot``, ``--start-tc``; ``holds`` says what the take holds."""
    options = [
        click.option(
            "--project",
            "-p",
            type=click.Path(path_type=Path),
            help=f"Record a take ({holds}) into this take store (previzkit takes list -p).",
        ),
        click.option("--scene", default="1", show_default=True, help="Scene of the take."),
        click.option("--shot", default="1-A", show_default=True, help="Shot of the take."),
        click.option("--start-tc", help="Timecode of the take's first frame (default: the clock)."),
    ]

    def decorate(command: CommandT) -> CommandT:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def _store(project: str, readonly: bool = True):
    from previzkit.core.optional import ensure
    from previzkit.takes.store import TakeStore

    ensure("takes", "take timecodes", "timecode")
    return TakeStore(project, create=False, readonly=readonly)


def _warn(store) -> None:
    for line in store.warnings:
        click.echo(f"warning: {line}", err=True)


_project = click.option(
    "--project", "-p", default=".", show_default=True, help="Project folder (holds takes.sqlite)."
)


@click.group("takes")
def takes() -> None:
    """List, rate and export recorded takes."""


@takes.command("list")
@_project
@click.option("--scene", help="Only this scene.")
@click.option("--shot", help="Only this shot.")
@click.option("--circled", is_flag=True, help="Only circled takes.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_(project: str, scene: str | None, shot: str | None, circled: bool, as_json: bool) -> None:
    """List takes in scene/shot/take order."""
    with _store(project) as store:
        found = store.list(scene=scene, shot=shot, circled=True if circled else None)
        _warn(store)
    if as_json:
        click.echo(json.dumps([t.to_dict() for t in found], indent=2))
        return
    click.echo(f"{'scene':<6} {'shot':<8} {'take':>4}  {'start':<12} {'dur s':>6} rate  * ok")
    for t in found:
        mark = "O" if t.circled else " "
        stars = "*" * t.rating
        click.echo(
            f"{t.scene:<6} {t.shot:<8} {t.take:>4}  {t.start_tc:<12} {t.duration_s:6.1f} "
            f"{t.rate:<5} {mark} {t.status:<9} {stars}"
        )


@takes.command("show")
@_project
@click.argument("scene")
@click.argument("shot")
@click.argument("take", type=int)
def show(project: str, scene: str, shot: str, take: int) -> None:
    """Show one take: timecodes, files, rating, notes."""
    with _store(project) as store:
        t = store.get(scene, shot, take)
        d = t.to_dict()
        d["end_tc"] = t.end_tc
        d["folder"] = str(store.take_dir(t))
    click.echo(json.dumps(d, indent=2))


@takes.command("rate")
@_project
@click.argument("scene")
@click.argument("shot")
@click.argument("take", type=int)
@click.argument("rating", type=int)
@click.option("--circle/--uncircle", default=None, help="Also circle or uncircle the take.")
@click.option("--note", help="Add a line to the take's notes.")
def rate(
    project: str,
    scene: str,
    shot: str,
    take: int,
    rating: int,
    circle: bool | None,
    note: str | None,
) -> None:
    """Rate a take 0-5 (and optionally circle it or add a note)."""
    with _store(project, readonly=False) as store:
        t = store.rate(scene, shot, take, rating)
        if circle is not None:
            t = store.circle(scene, shot, take, circle)
        if note:
            t = store.note(scene, shot, take, note)
    click.echo(f"{t.label}: rating {t.rating}{', circled' if t.circled else ''}")


@takes.command("export")
@_project
@click.option("--scene", help="Only this scene.")
@click.option("-o", "--output", required=True, help="Output .json or .csv.")
def export(project: str, scene: str | None, output: str) -> None:
    """Export the catalogue as JSON or CSV."""
    with _store(project) as store:
        out = store.export(output, scene=scene)
        _warn(store)
    click.echo(str(out))


@takes.command("export-camera")
@_project
@click.argument("scene")
@click.argument("shot")
@click.argument("take", type=int)
@click.option("-o", "--output", required=True, help="Output .gltf (embedded buffer) or .glb.")
@click.option(
    "--aspect",
    default=16 / 9,
    show_default="16/9",
    type=Finite(0, lo_open=True),
    help="Delivery image width / height (sets the camera's vertical field of view).",
)
@click.option(
    "--smooth",
    "smooth_hz",
    type=Finite(0, lo_open=True),
    help="Filter handheld jitter out first: low-pass cutoff in Hz (e.g. 4).",
)
@click.option("--name", help="Camera node name (default: the take's label).")
def export_camera(
    project: str,
    scene: str,
    shot: str,
    take: int,
    output: str,
    aspect: float,
    smooth_hz: float | None,
    name: str | None,
) -> None:
    """Export a take's camera as an animated glTF camera (position, rotation per frame)."""
    from previzkit.core.errors import MissingFileError
    from previzkit.media.camera_gltf import export_camera_gltf
    from previzkit.model.camera_track import read_camera_track, smooth_camera_track

    with _store(project) as store:
        t = store.get(scene, shot, take)
        path = store.file(t, "camera")
        if path is None:
            raise MissingFileError(f"take {t.label}: has no camera track")
        track = read_camera_track(path)
    if smooth_hz is not None:
        track = smooth_camera_track(track, smooth_hz)
    label = name or f"{t.scene}_{t.shot}_take{t.take}"
    out = export_camera_gltf(track, output, name=label, aspect=aspect)
    click.echo(f"{out}: {len(track)} keyframes, {track.time[-1]:.2f} s")


@takes.command("export-motion")
@_project
@click.argument("scene")
@click.argument("shot")
@click.argument("take", type=int)
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path), help="Output folder."
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    type=click.Choice(["bvh", "glb"]),
    help="bvh and/or glb (default: both).",
)
@click.option(
    "--units", default="cm", show_default=True, type=click.Choice(["cm", "m", "mm"]), help="BVH."
)
@click.option("--character", "characters", multiple=True, help="Only this character.")
def export_motion(
    project: str,
    scene: str,
    shot: str,
    take: int,
    output: Path,
    formats: tuple[str, ...],
    units: str,
    characters: tuple[str, ...],
) -> None:
    """Export a take's characters as BVH / glTF, each root where it stood on the set."""
    from previzkit.core.errors import MissingFileError
    from previzkit.model.joint_track import read_joint_track
    from previzkit.takes.motion_export import FORMATS, export_take_motion

    with _store(project) as store:
        t = store.get(scene, shot, take)
        path = store.file(t, "joints")
        if path is None:
            raise MissingFileError(
                f"take {t.label}: has no joints.npz (recorded before world joints were kept)"
            )
        track = read_joint_track(path)
    done = export_take_motion(
        track, output, formats or FORMATS, units=units, characters=list(characters) or None
    )
    for name, files in done.files.items():
        click.echo(f"{name}: {', '.join(str(p) for p in files.values())}")
    for name in done.skipped:
        click.echo(f"{name}: not in any frame, not exported")


@takes.command("recover")
@_project
def recover_(project: str) -> None:
    """Finish takes left 'recording' by a recorder that died (recovered, or failed with a
    note saying why); takes still being recorded are left alone."""
    from previzkit.takes.recovery import recover

    with _store(project, readonly=False) as store:
        done = recover(store)
    for t in done:
        click.echo(f"{t.label}: {t.status}, {t.duration_frames} frames")
    click.echo(f"{len(done)} takes finished")


@takes.command("rebuild")
@_project
def rebuild_(project: str) -> None:
    """Write the catalogue anew from the take folders (their journals and files); rows
    the old catalogue still reads keep their rating and notes. Run it while nothing
    records into the project; the old catalogue is kept beside it."""
    from previzkit.core.optional import ensure
    from previzkit.takes.rebuild import rebuild

    ensure("takes", "take timecodes", "timecode")
    done = rebuild(project)
    for line in done.skipped:
        click.echo(f"warning: {line}", err=True)
    if done.old is not None:
        click.echo(f"old catalogue kept as {done.old}")
    click.echo(
        f"{len(done.kept) + len(done.restored)} takes catalogued: {len(done.kept)} kept, "
        f"{len(done.restored)} restored from their folders, {len(done.recovered)} recovered"
    )

"""``previzkit capture``: pose from a video, an image, an image folder or a camera."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import click

from previzkit.core.cli_types import FRAMES, Finite
from previzkit.core.errors import InputError
from previzkit.core.optional import ensure
from previzkit.core.types import CommandT
from previzkit.model.capture_camera import CaptureCamera

if TYPE_CHECKING:
    from previzkit.model.pose_track import PoseTrack


class _Seen(TypedDict):
    frames: int
    actors: set[int]


TRACK_SUFFIX = ".pzt"


def _ensure_dependencies(path: Path | None, camera: int | None, publish: str | None) -> None:
    """One line naming the package, before any work, when one the input needs is missing."""
    from previzkit.capture.sources import IMAGE_SUFFIXES

    ensure("capture", "pose capture", "mediapipe")
    if path is not None and not path.exists():
        return  # the source reports the missing file
    is_image = path is not None and (path.is_dir() or path.suffix.lower() in IMAGE_SUFFIXES)
    if is_image:
        ensure("capture", "reading images", "PIL")
    else:
        ensure("capture", "reading video" if camera is None else "camera capture", "av")
    if publish:
        ensure("capture", "the pose stream", "zmq", "msgpack")


def pose_model_options(command: CommandT) -> CommandT:
    """``--model`` (lite, full, heavy) and ``--max-people``: how poses are found."""
    command = click.option(
        "--max-people",
        type=click.IntRange(1, 16),
        default=2,
        show_default=True,
        help="Most actors tracked at once.",
    )(command)
    return click.option(
        "--model",
        type=click.Choice(["lite", "full", "heavy"]),
        default="lite",
        show_default=True,
        help="MediaPipe pose model.",
    )(command)


def camera_options(command: CommandT) -> CommandT:
    """``--fov``/``--focal-px``, ``--camera-height``, ``--camera-tilt``: the capture camera."""
    command = click.option(
        "--camera-tilt",
        type=Finite(-90, 90, lo_open=True, hi_open=True),
        default=None,
        metavar="DEG",
        help="Camera pitch below the horizon, degrees (positive looking down).",
    )(command)
    command = click.option(
        "--camera-height",
        type=Finite(0, lo_open=True),
        default=None,
        metavar="M",
        help="Lens height above the floor, metres.",
    )(command)
    command = click.option(
        "--focal-px",
        type=Finite(0, lo_open=True),
        default=None,
        metavar="PX",
        help="Focal length in pixels of the frame (instead of --fov).",
    )(command)
    return click.option(
        "--fov",
        type=Finite(1, 179, lo_open=True, hi_open=True),
        default=None,
        metavar="DEG",
        help="Horizontal field of view, degrees (default: a still's EXIF or the "
        "track's recorded camera, else 60, marked assumed).",
    )(command)


def export_options(command: CommandT) -> CommandT:
    """``--bvh``, ``--gltf``, ``--actor``, ``--units``: what a clip export writes."""
    command = click.option(
        "--units",
        type=click.Choice(["cm", "m"]),
        default="cm",
        show_default=True,
        help="BVH lengths. A BVH file has no unit field: tell the importer "
        "(Blender: scale 0.01 for cm). glTF is always metres.",
    )(command)
    command = click.option(
        "--actor",
        type=int,
        default=None,
        help="Actor id to export (default: the longest actor that passes the checks).",
    )(command)
    command = click.option(
        "--gltf",
        type=click.Path(path_type=Path),
        help="Write the actor's animated mannequin as .glb.",
    )(command)
    return click.option("--bvh", type=click.Path(path_type=Path), help="Write the actor's BVH.")(
        command
    )


def _camera(
    base: CaptureCamera,
    fov: float | None,
    focal_px: float | None,
    camera_height: float | None,
    camera_tilt: float | None,
) -> CaptureCamera:
    from previzkit.capture.intrinsics import with_flags

    return with_flags(
        base, fov_deg=fov, focal_px=focal_px, height_m=camera_height, tilt_deg=camera_tilt
    )


def _export(
    track: PoseTrack,
    *,
    bvh: Path | None,
    gltf: Path | None,
    actor: int | None,
    all_actors: bool,
    units: str,
    camera: CaptureCamera | None,
) -> None:
    """Export and print one note line per dropped actor (and the warning, if any)."""
    from previzkit.capture.export import export_actors, export_clip

    if all_actors:
        done = export_actors(track, bvh=bvh, gltf=gltf, units=units, camera=camera)
    else:
        done = [export_clip(track, bvh=bvh, gltf=gltf, actor_id=actor, units=units, camera=camera)]
    for a in done[0].quality.dropped:
        click.echo(f"note: {a.note()}", err=True)
    click.echo(f"camera: {describe_camera(done[0].camera)}", err=True)
    for d in done:
        if d.warning:
            click.echo(f"warning: {d.warning}", err=True)
        for f in d.files:
            click.echo(f"actor {d.actor_id}: {f}", err=True)


def describe_camera(cam: CaptureCamera) -> str:
    """One line: field of view, focal length, height and tilt (or "unknown")."""
    height = "unknown" if cam.height_m is None else f"{cam.height_m:.2f} m"
    tilt = "unknown" if cam.tilt_deg is None else f"{cam.tilt_deg:.1f} deg"
    return (
        f"hfov {cam.hfov_deg:.1f} deg (focal {cam.focal_px:.0f} px"
        f"{', assumed' if cam.assumed else ''}), height {height}, tilt {tilt}"
    )


class _CaptureCommand(click.Command):
    """``capture`` with one subcommand, ``export``: ``previzkit capture export TRACK``.

    The first word ``export`` always means the subcommand; a source file named
    ``export`` is given as ``./export``.
    """

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        if args and args[0] == "export":
            return export.make_context(f"{info_name} export", args[1:], parent=parent, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)


@click.command(
    "capture",
    cls=_CaptureCommand,
    epilog="Export an existing track: previzkit capture export TRACK --help",
)
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write poses: .json (documented JSON) or .pzt (binary pose track).",
)
@click.option("--camera", type=int, default=None, help="Capture from camera INDEX instead.")
@click.option("--publish", metavar="ADDRESS", help="Publish live poses, e.g. tcp://*:5555.")
@click.option(
    "--curve-secret",
    type=click.Path(path_type=Path),
    help="Encrypt the stream: the publisher's .key_secret (see previzkit keys).",
)
@click.option(
    "--curve-clients",
    type=click.Path(path_type=Path),
    help="Folder of the public .key files of the subscribers to accept.",
)
@pose_model_options
@click.option(
    "--search-every",
    type=click.IntRange(1),
    default=30,
    show_default=True,
    help="Frames between searches for new actors (video, camera).",
)
@click.option(
    "--min-height",
    type=Finite(0, lo_open=True),
    default=0.1,
    show_default=True,
    help="Smallest person searched for: a fraction of the frame height, or pixels when > 1.",
)
@click.option(
    "--max-coast",
    type=Finite(0),
    default=1.0,
    show_default=True,
    metavar="S",
    help="Seconds a lost actor keeps their id (crossings, short occlusions).",
)
@click.option("--no-filter", is_flag=True, help="Skip the One Euro filter.")
@click.option(
    "--min-cutoff",
    type=Finite(),
    default=None,
    help="One Euro min cutoff (Hz) for image landmarks.",
)
@click.option(
    "--beta",
    type=Finite(),
    default=None,
    help="One Euro speed coefficient (1/px) for image landmarks.",
)
@export_options
@camera_options
@click.option(
    "--frames",
    "max_frames",
    type=FRAMES,
    default=None,
    help="Stop after this many frames.",
)
def capture(
    path: Path | None,
    output: Path | None,
    camera: int | None,
    publish: str | None,
    curve_secret: Path | None,
    curve_clients: Path | None,
    model: str,
    max_people: int,
    search_every: int,
    min_height: float,
    max_coast: float,
    no_filter: bool,
    min_cutoff: float | None,
    beta: float | None,
    bvh: Path | None,
    gltf: Path | None,
    actor: int | None,
    units: str,
    fov: float | None,
    focal_px: float | None,
    camera_height: float | None,
    camera_tilt: float | None,
    max_frames: int | None,
) -> None:
    """Pose from PATH (video, image or image folder) or --camera INDEX.

    \b
    previzkit capture take.mp4 -o take.json
    previzkit capture take.mp4 -o take.pzt --bvh take.bvh --model full
    previzkit capture --camera 0 --publish tcp://*:5555
    previzkit capture export take.pzt --bvh take.bvh --units m
    """
    from dataclasses import replace

    from previzkit.capture.filters import IMAGE_PARAMS, OneEuroParams
    from previzkit.capture.intrinsics import camera_from_file
    from previzkit.capture.pipeline import CaptureOptions
    from previzkit.capture.pipeline import capture as run
    from previzkit.capture.sources import IMAGE_SUFFIXES, Source, open_source
    from previzkit.core.progress import bar

    if (path is None) == (camera is None):
        raise InputError("capture: give either PATH or --camera INDEX")
    if curve_secret is not None and publish is None:
        raise InputError("capture: --curve-secret applies to --publish; give --publish too")
    if output is None and publish is None and bvh is None and gltf is None:
        raise InputError("capture: nothing to do: give -o OUT, --publish, --bvh or --gltf")
    if output is not None and output.suffix.lower() not in (".json", TRACK_SUFFIX):
        raise InputError(
            f"capture: output {output} must end in .json or {TRACK_SUFFIX} (binary pose track)"
        )
    _ensure_dependencies(path, camera, publish)
    if fov is not None and focal_px is not None:
        raise InputError("capture: give --fov or --focal-px, not both")
    image_params = IMAGE_PARAMS
    if min_cutoff is not None or beta is not None:
        image_params = OneEuroParams(
            min_cutoff if min_cutoff is not None else IMAGE_PARAMS.min_cutoff,
            beta if beta is not None else IMAGE_PARAMS.beta,
            IMAGE_PARAMS.d_cutoff,
        )
    opts = replace(
        CaptureOptions(),
        model=model,
        max_people=max_people,
        search_every=search_every,
        min_height=min_height,
        max_coast=max_coast,
        filter=not no_filter,
        image_params=image_params,
    )
    spec = camera if camera is not None else path
    assert spec is not None  # checked above: PATH or --camera
    source: Source = open_source(spec)
    base = None
    if path is not None and path.suffix.lower() in IMAGE_SUFFIXES:
        base = camera_from_file(path, source.width, source.height)
    base = base or CaptureCamera.from_hfov(source.width, source.height, assumed=True)
    opts = replace(opts, camera=_camera(base, fov, focal_px, camera_height, camera_tilt))
    publisher = None
    if publish:
        from previzkit.capture.stream import PosePublisher

        publisher = PosePublisher(publish, curve_secret=curve_secret, curve_clients=curve_clients)
        click.echo(f"publishing poses on {publisher.endpoint}", err=True)
    track_path = output if output is not None and output.suffix.lower() == TRACK_SUFFIX else None
    keep = (output is not None and track_path is None) or bvh is not None or gltf is not None
    seen: _Seen = {"frames": 0, "actors": set()}

    def count(frame) -> None:
        seen["frames"] += 1
        seen["actors"].update(p.actor_id for p in frame.people)

    try:
        with bar("pose", None) as progress:
            track = run(
                source,
                opts,
                track_path=track_path,
                publisher=publisher,
                keep=keep,
                max_frames=max_frames,
                on_frame=count,
                progress=progress,
            )
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
        return
    finally:
        source.close()
        if publisher is not None:
            publisher.close()
    if output is not None and track_path is None:
        from previzkit.capture.jsonfmt import write_json

        write_json(output, track)
    click.echo(f"{seen['frames']} frames, actors: {len(seen['actors'])}", err=True)
    if bvh is not None or gltf is not None:
        _export(track, bvh=bvh, gltf=gltf, actor=actor, all_actors=False, units=units, camera=None)


@click.command("export")
@click.argument("track_path", metavar="TRACK", type=click.Path(path_type=Path))
@export_options
@click.option(
    "--all-actors",
    is_flag=True,
    help="One file per kept actor: NAME_<id>.bvh / NAME_<id>.glb.",
)
@camera_options
def export(
    track_path: Path,
    bvh: Path | None,
    gltf: Path | None,
    actor: int | None,
    units: str,
    all_actors: bool,
    fov: float | None,
    focal_px: float | None,
    camera_height: float | None,
    camera_tilt: float | None,
) -> None:
    """BVH and/or glTF from an existing pose TRACK (.pzt or .json), without capturing again.

    Actors too short to matter or with implausible bone lengths are dropped, one
    note line each. Camera flags override the track's recorded camera.

    \b
    previzkit capture export take.pzt --bvh take.bvh --gltf take.glb
    previzkit capture export take.json --all-actors --bvh take.bvh --units m
    previzkit capture export take.pzt --bvh t.bvh --fov 70 --camera-height 1.6
    """
    from previzkit.capture.intrinsics import track_camera

    suffix = track_path.suffix.lower()
    if suffix not in (".json", TRACK_SUFFIX):
        raise InputError(
            f"capture export: TRACK {track_path} must be a .pzt pose track or .json "
            "(to capture from a source file named 'export', write ./export)"
        )
    if not track_path.is_file():
        raise InputError(f"capture export: TRACK {track_path} does not exist")
    if bvh is None and gltf is None:
        raise InputError("capture export: nothing to do: give --bvh and/or --gltf")
    if all_actors and actor is not None:
        raise InputError("capture export: give --actor ID or --all-actors, not both")
    if fov is not None and focal_px is not None:
        raise InputError("capture export: give --fov or --focal-px, not both")
    if suffix == ".json":
        from previzkit.capture.jsonfmt import read_json

        track = read_json(track_path)
    else:
        from previzkit.model.pose_track import read_track

        track = read_track(track_path)
    cam = _camera(track_camera(track), fov, focal_px, camera_height, camera_tilt)
    _export(track, bvh=bvh, gltf=gltf, actor=actor, all_actors=all_actors, units=units, camera=cam)

"""``previzkit capture``: pose from a video, an image, an image folder or a camera."""

from __future__ import annotations

from pathlib import Path
from typing import TypedDict

import click

from previzkit.core.errors import InputError
from previzkit.core.optional import ensure
from previzkit.core.types import CommandT


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


@click.command("capture")
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
@click.option("--no-filter", is_flag=True, help="Skip the One Euro filter.")
@click.option(
    "--min-cutoff", type=float, default=None, help="One Euro min cutoff (Hz) for image landmarks."
)
@click.option(
    "--beta",
    type=float,
    default=None,
    help="One Euro speed coefficient (1/px) for image landmarks.",
)
@click.option("--bvh", type=click.Path(path_type=Path), help="Also write the actor's BVH.")
@click.option(
    "--gltf",
    type=click.Path(path_type=Path),
    help="Also write the actor's animated mannequin as .glb.",
)
@click.option(
    "--actor",
    type=int,
    default=None,
    help="Actor id for --bvh/--gltf (default: the one seen most).",
)
@click.option(
    "--frames",
    "max_frames",
    type=click.IntRange(1),
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
    no_filter: bool,
    min_cutoff: float | None,
    beta: float | None,
    bvh: Path | None,
    gltf: Path | None,
    actor: int | None,
    max_frames: int | None,
) -> None:
    """Pose from PATH (video, image or image folder) or --camera INDEX.

    \b
    previzkit capture take.mp4 -o take.json
    previzkit capture take.mp4 -o take.pzt --bvh take.bvh --model full
    previzkit capture --camera 0 --publish tcp://*:5555
    """
    from dataclasses import replace

    from previzkit.capture.filters import IMAGE_PARAMS, OneEuroParams
    from previzkit.capture.pipeline import CaptureOptions
    from previzkit.capture.pipeline import capture as run
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
        filter=not no_filter,
        image_params=image_params,
    )
    publisher = None
    if publish:
        from previzkit.capture.stream import PosePublisher

        publisher = PosePublisher(publish, curve_secret=curve_secret, curve_clients=curve_clients)
        click.echo(f"publishing poses on {publisher.endpoint}", err=True)
    track_path = output if output is not None and output.suffix.lower() == TRACK_SUFFIX else None
    keep = (output is not None and track_path is None) or bvh is not None or gltf is not None
    source = camera if camera is not None else path
    assert source is not None  # checked above: PATH or --camera
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
        if publisher is not None:
            publisher.close()
    if output is not None and track_path is None:
        from previzkit.capture.jsonfmt import write_json

        write_json(output, track)
    if bvh is not None or gltf is not None:
        from previzkit.capture.export import export_clip

        export_clip(track, bvh=bvh, gltf=gltf, actor_id=actor)
    click.echo(f"{seen['frames']} frames, actors: {len(seen['actors'])}", err=True)

"""``previzkit stage``: parse and hand off to :func:`previzkit.stage.session.run_stage`."""

from __future__ import annotations

from pathlib import Path

import click

from previzkit.core.cli_types import FPS, FRAMES, MSAA
from previzkit.core.optional import ensure
from previzkit.core.sizes import parse_size
from previzkit.takes.cli import take_recording_options


@click.command(
    epilog="Examples:\n\n"
    "  previzkit stage previzkit/assets/sets/sample.yaml --poses take.pzt --plate plate.mp4 -p day1 --scene 1 --shot 1-A --stats\n\n"
    "  previzkit stage SET --subscribe tcp://capture-pc:5555 --realtime --headset --share tcp://*:5560\n\n"
    "  previzkit stage SET --subscribe tcp://capture-pc:5555 --window --peer tcp://director:5560\n\n"
    "  previzkit stage SET --share tcp://10.0.0.6:5560 --share-secret keys/operator.key_secret "
    "--share-clients keys/views --peer tcp://10.0.0.5:5560=keys/views/director.key"
)
@click.argument("set_file", type=click.Path(path_type=Path))
@click.option("--poses", type=click.Path(path_type=Path), help="A recorded .pzt pose track.")
@click.option(
    "--subscribe", multiple=True, help="Pose stream address (tcp://host:5555); repeatable."
)
@click.option(
    "--curve-secret",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CurveZMQ: this subscriber's .key_secret (see previzkit keys).",
)
@click.option(
    "--curve-server",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CurveZMQ: the pose publisher's public .key.",
)
@click.option("--capture", "capture_src", help="Local capture: a camera index or a video file.")
@click.option(
    "--plate", type=click.Path(path_type=Path), help="Camera plate video to composite over."
)
@click.option("--frames", type=FRAMES, default=None, help="Stop after N frames.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    help="Write the presented frames to a video (H.264, start timecode); -p records takes.",
)
@take_recording_options("poses, camera, the presented frames, the plate")
@click.option("--stats", is_flag=True, help="Print latency p50/p99 per stage at the end.")
@click.option("--camera", "-c", help="Set camera to render through (default: the set's default).")
@click.option("--size", default="1280x720", show_default=True, help="Output size WxH.")
@click.option("--fps", type=FPS, default=None, help="Loop rate (default: the pose source's).")
@click.option(
    "--realtime/--fast",
    default=False,
    show_default=True,
    help="Pace a recorded track and plate in real time, or one frame per loop frame.",
)
@click.option(
    "--actor",
    "actors",
    multiple=True,
    help="ACTOR_ID=CHARACTER (repeatable); others take free characters.",
)
@click.option(
    "--share",
    help="Share the set state: a port (loopback only) or a bind address; name this "
    "machine's stage-network interface (tcp://10.0.0.5:5560) for other machines.",
)
@click.option(
    "--peer",
    "peers",
    multiple=True,
    help="Another view's --share address (repeatable); with --share-secret, "
    "ADDRESS=PEER.key (that view's public key).",
)
@click.option(
    "--share-secret",
    type=click.Path(dir_okay=False, path_type=Path),
    help="CurveZMQ on the set state: this view's .key_secret (see previzkit keys).",
)
@click.option(
    "--share-clients",
    type=click.Path(file_okay=False, path_type=Path),
    help="CurveZMQ: folder of the public .key files of the views allowed to subscribe.",
)
@click.option("--writer", help="This view's id in the shared set state (default host-pid).")
@click.option(
    "--save-set", is_flag=True, help="Save moved marks/cameras/props back to the set file."
)
@click.option("--headset", is_flag=True, help="Also render to the OpenXR headset.")
@click.option("--window", is_flag=True, help="Also show the output in a desktop window.")
@click.option("--msaa", type=MSAA, default=0, show_default=True, help="MSAA samples (0 = off).")
def stage(
    set_file,
    poses,
    subscribe,
    curve_secret,
    curve_server,
    capture_src,
    plate,
    frames,
    output,
    project,
    scene,
    shot,
    stats,
    camera,
    size,
    fps,
    realtime,
    actors,
    start_tc,
    share,
    peers,
    share_secret,
    share_clients,
    writer,
    save_set,
    headset,
    window,
    msaa,
):
    """Run the real-time stage loop over SET_FILE: poses -> characters -> render ->
    composite over the plate -> outputs (offscreen, window, headset) -> take."""
    from previzkit.core.progress import bar
    from previzkit.stage.actors import parse_actor_map
    from previzkit.stage.session import StageRun, run_stage

    ensure("stage", "the stage loop", "moderngl", "trimesh", "timecode")
    if subscribe or share or peers or share_secret or share_clients:
        ensure("stage", "pose streams and the shared set state", "zmq", "msgpack")
    if share or peers or share_secret or share_clients:
        from previzkit.stage.sync import check_share_keys

        check_share_keys(share_secret, share_clients, list(peers))  # before any window opens
    if capture_src is not None:
        ensure("stage", "local capture", "mediapipe", "av")
    if plate is not None or output is not None or project is not None:
        ensure("stage", "plates and recorded takes", "av")
    if headset:
        ensure("stage", "the headset output", "xr")
    if window:
        ensure("stage", "the window output", "glfw")
    run = StageRun(
        set_path=set_file,
        poses=poses,
        subscribe=list(subscribe),
        capture=capture_src,
        curve_secret=curve_secret,
        curve_server=curve_server,
        plate=plate,
        output=output,
        frames=frames,
        size=parse_size(size),
        camera=camera,
        fps=fps,
        realtime=realtime,
        actors=parse_actor_map(actors),
        start_tc=start_tc,
        share=share,
        peers=list(peers),
        share_secret=share_secret,
        share_clients=share_clients,
        writer=writer,
        save_set=save_set,
        headset=headset,
        window=window,
        samples=msaa,
        project=project,
        scene=scene,
        shot=shot,
    )
    with bar("stage", total=frames) as progress:
        result = run_stage(run, progress=progress)
    for summary in result.takes:  # a take store's sink lists every take it recorded
        for take in summary.get("takes", [summary]):
            if "start_tc" not in take:
                continue  # nothing was recorded
            where = take.get("folder") or output
            click.echo(
                f"take {where}: {take['frames']} frames, {take['start_tc']} - "
                f"{take['end_tc']} at {take['rate']} fps"
            )
    if result.saved is not None:
        click.echo(f"set saved: {result.saved}")
    if stats:
        click.echo(result.stats.format())

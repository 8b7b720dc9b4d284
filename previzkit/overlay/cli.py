"""``previzkit overlay``: parse and hand off to :func:`previzkit.overlay.compositor.run_overlay`,
:func:`previzkit.overlay.tracking.charuco.calibrate` and the board image.

``previzkit overlay SET ...`` runs the overlay (the ``run`` subcommand is implied);
``previzkit overlay calibrate`` and ``previzkit overlay board`` are the other two."""

from __future__ import annotations

from pathlib import Path

import click

from previzkit.core.errors import InputError
from previzkit.core.optional import ensure
from previzkit.takes.cli import take_recording_options


class _DefaultRun(click.Group):
    """A group whose first argument, when it is not a subcommand, starts ``run``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("-h", "--help")):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group(
    cls=_DefaultRun,
    epilog="Examples:\n\n"
    "  previzkit overlay --camera 0 --board board.yaml --calibration cam.yaml --window SET\n\n"
    "  previzkit overlay --camera 0 --freed udp://0.0.0.0:40000 --lens-table lens.yaml SET\n\n"
    "  previzkit overlay --plate plate.mp4 --board board.yaml SET -o overlay.mp4\n\n"
    "  previzkit overlay board board.yaml -o board.png\n\n"
    "  previzkit overlay calibrate --board board.yaml --camera 0 -o cam.yaml",
)
def overlay() -> None:
    """AR overlay: the set and characters over the live plate through a tracked camera
    (ChArUco board or FreeD), the actor keyed so characters pass behind them."""


def _source(camera: str | None, plate: Path | None) -> str:
    if (camera is None) == (plate is None):
        raise InputError("overlay: give exactly one of --camera INDEX or --plate VIDEO")
    return str(camera if camera is not None else plate)


@overlay.command("run")
@click.argument("set_file", type=click.Path(path_type=Path))
@click.option("--camera", help="Live camera index (0, 1, ...).")
@click.option("--plate", type=click.Path(path_type=Path), help="A recorded plate video instead.")
@click.option("--board", type=click.Path(path_type=Path), help="ChArUco board file (YAML).")
@click.option(
    "--calibration",
    type=click.Path(path_type=Path),
    help="Lens calibration from 'overlay calibrate' (default: the set camera's lens).",
)
@click.option("--freed", help="Track from FreeD D1 packets: udp://HOST:PORT.")
@click.option("--freed-camera", type=int, help="FreeD camera id (default: any).")
@click.option(
    "--freed-delay",
    type=float,
    default=0.0,
    show_default=True,
    help="Milliseconds the plate lags the FreeD packets (picks older packets).",
)
@click.option(
    "--lens-table",
    type=click.Path(path_type=Path),
    help="FreeD zoom/focus counts -> focal mm / focus m (YAML).",
)
@click.option("--set-camera", help="Without a tracker: a fixed set camera (default: the set's).")
@click.option(
    "--matte",
    type=click.Choice(["green", "blue", "segment", "none"]),
    default="green",
    show_default=True,
    help="Actor matte: a green/blue screen key, person segmentation (no screen), none.",
)
@click.option(
    "--actor-depth",
    type=float,
    default=3.0,
    show_default=True,
    help="The actor's distance in front of the camera, metres.",
)
@click.option("--actor-mark", help="A set mark where the actor stands (overrides --actor-depth).")
@click.option(
    "--backdrop/--no-backdrop",
    default=None,
    help="Draw the set's sky and floor (default: with a green/blue screen).",
)
@click.option("--frames", type=int, help="Stop after N frames.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the overlay as MP4.")
@click.option("--window", is_flag=True, help="Show it in a desktop window (close to stop).")
@take_recording_options("overlay, plate, camera track")
@click.option("--rate", default="24", show_default=True, help="Timecode rate of the take.")
@click.option("--stats", is_flag=True, help="Print p50/p99 time per stage at the end.")
# -- clock: LTC timecode (issue 22) --
@click.option(
    "--timecode",
    "timecode_source",
    type=click.Choice(["clock", "ltc"]),
    default="clock",
    show_default=True,
    help="Frame timecode: --start-tc or the system clock, or LTC read from the plate's "
    "audio (or --ltc-input); stamps the overlay frames and the take.",
)
@click.option(
    "--ltc-input",
    type=click.Path(path_type=Path),
    help="An audio file carrying the LTC (with --timecode ltc; default: the plate's audio).",
)
def run(
    set_file,
    camera,
    plate,
    board,
    calibration,
    freed,
    freed_camera,
    freed_delay,
    lens_table,
    set_camera,
    matte,
    actor_depth,
    actor_mark,
    backdrop,
    frames,
    output,
    window,
    project,
    scene,
    shot,
    rate,
    start_tc,
    stats,
    timecode_source,
    ltc_input,
):
    """Run the overlay over SET_FILE."""
    from previzkit.core.progress import bar
    from previzkit.overlay.compositor import OverlayOptions, OverlayRun, run_overlay
    from previzkit.render.headless import create_context, keep_current_context

    if frames is not None and frames < 1:
        raise InputError(f"--frames must be >= 1, got {frames}")
    ensure("stage", "the AR overlay", "moderngl", "trimesh", "av")
    if board is not None:
        ensure("stage", "ChArUco tracking", "cv2")
    if matte == "segment":
        ensure("stage", "person segmentation", "mediapipe")
    position = None
    if actor_mark is not None:
        from previzkit.model.setfile import load_set

        marks = load_set(set_file).marks
        if actor_mark not in marks:
            raise InputError(f"--actor-mark {actor_mark!r}: set marks are {sorted(marks)}")
        x, z = marks[actor_mark].position
        position = (float(x), 1.0, float(z))
    opts = OverlayOptions(
        matte=matte, actor_depth_m=actor_depth, actor_position=position, backdrop=backdrop
    )
    job = OverlayRun(
        set_file=set_file,
        source=_source(camera, plate),
        options=opts,
        board=board,
        calibration=calibration,
        freed=freed,
        freed_camera=freed_camera,
        freed_delay_s=freed_delay / 1000.0,
        lens_table=lens_table,
        set_camera=set_camera,
        frames=frames,
        output=output,
        window=window,
        project=project,
        scene=scene,
        shot=shot,
        rate=rate,
        start_tc=start_tc,
        timecode=timecode_source,
        ltc_input=ltc_input,
    )
    with keep_current_context():  # a caller's own GL context stays current afterwards
        ctx = create_context()
        try:
            with bar("overlay", total=frames) as progress:
                result = run_overlay(ctx, job, progress=progress)
        finally:
            ctx.release()
    click.echo(f"overlay: {result.frames} frames, tracking lost on {result.lost}")
    if result.output is not None:
        click.echo(f"written: {result.output}")
    if result.take is not None:
        t = result.take
        click.echo(f"take {t['scene']}/{t['shot']}/{t['take']}: {t['folder']}")
    if stats:
        for k, (p50, p99) in result.timings.items():
            click.echo(f"{k:10s} p50 {p50 * 1e3:7.2f} ms  p99 {p99 * 1e3:7.2f} ms")


@overlay.command("calibrate")
@click.option("--board", required=True, type=click.Path(path_type=Path), help="Board file (YAML).")
@click.option("--camera", help="Live camera index.")
@click.option(
    "--plate",
    type=click.Path(path_type=Path),
    help="A video or an image folder of the board at varied angles.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(path_type=Path),
    help="Calibration file to write (YAML).",
)
@click.option(
    "--sensor-width-mm",
    type=float,
    default=24.89,
    show_default=True,
    help="Sensor width the image spans, for the focal length in mm.",
)
@click.option("--every", type=int, default=10, show_default=True, help="Use every Nth frame.")
@click.option("--max-views", type=int, default=40, show_default=True)
def calibrate_cmd(board, camera, plate, output, sensor_width_mm, every, max_views):
    """Calibrate a lens from views of the board (tilt it to varied angles)."""
    from previzkit.capture.sources import open_source
    from previzkit.overlay.tracking.charuco import calibrate, load_board

    if every < 1 or max_views < 4:
        raise InputError(f"--every {every} must be >= 1 and --max-views {max_views} >= 4")
    ensure("stage", "lens calibration", "cv2", "av")
    board_def = load_board(board)
    with open_source(_source(camera, plate)) as src:
        views = []
        for frame in src:
            if frame.index % every == 0:
                views.append(frame.image)
            if len(views) >= max_views:
                break
    cal = calibrate(board_def, views, sensor_width_mm=sensor_width_mm)
    cal.save(output)
    lens = cal.lens()
    click.echo(
        f"{output}: {cal.views} views, rms {cal.rms:.3f} px, focal {lens.focal_mm:.2f} mm "
        f"on a {sensor_width_mm} mm sensor ({cal.width}x{cal.height})"
    )


@overlay.command("board")
@click.argument("board", type=click.Path(path_type=Path))
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path), help="PNG to write."
)
@click.option("--px-per-square", type=int, default=200, show_default=True)
def board_cmd(board, output, px_per_square):
    """Write the board's printable image (print it at the board file's square size)."""
    from previzkit.media.image import write_image
    from previzkit.overlay.tracking.charuco import load_board

    if px_per_square < 20:
        raise InputError(f"--px-per-square {px_per_square}: at least 20")
    ensure("stage", "the ChArUco board image", "cv2", "PIL")
    b = load_board(board)
    write_image(output, b.image(px_per_square))
    w, h = b.size_m
    click.echo(
        f"{output}: print at {w * 100:.1f} x {h * 100:.1f} cm ({b.square_m * 100:.1f} cm squares)"
    )

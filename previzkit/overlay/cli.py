"""``previzkit overlay``: parse and hand off to :func:`previzkit.overlay.compositor.run_overlay`,
:func:`previzkit.overlay.tracking.charuco.calibrate` and the board image.

``previzkit overlay SET ...`` runs the overlay (the ``run`` subcommand is implied);
``previzkit overlay calibrate`` and ``previzkit overlay board`` are the other two."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import click

from previzkit.core.cli_types import FRAMES, Finite
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


# --- live characters and actor depth (--pose, --pose-end, --actor, --actor-body) ---------


def live_options(f: Any) -> Any:
    """The options for live characters and the actor's depth, packed into one ``live``
    argument (a dict of :class:`~previzkit.overlay.compositor.OverlayRun` fields)."""

    @functools.wraps(f)
    def wrapper(
        *args: Any, pose: Any, pose_end: str, actor: Any, actor_body: bool, **kw: Any
    ) -> Any:
        from previzkit.stage.actors import parse_actor_map
        from previzkit.stage.sources import check_plate_pose

        if pose is not None:
            check_plate_pose(pose)
        if actor_body:
            ensure("stage", "the actor's depth from their body", "mediapipe")
        live = {
            "pose": pose,
            "pose_loop": pose_end == "loop",
            "actors": parse_actor_map(actor),
            "actor_body": actor_body,
        }
        return f(*args, live=live, **kw)

    for option in reversed(
        [
            click.option(
                "--pose",
                help="Drive the characters: a .pzt pose track (played at the plate's frame "
                "times) or the pose stream, tcp://HOST:5555.",
            ),
            click.option(
                "--pose-end",
                type=click.Choice(["loop", "hold"]),
                default="loop",
                show_default=True,
                help="A pose track at its end: start over, or hold its last frame.",
            ),
            click.option(
                "--actor",
                multiple=True,
                help="ACTOR_ID=CHARACTER (repeatable; unmapped actors take free characters).",
            ),
            click.option(
                "--actor-body/--actor-plane",
                default=False,
                help="The actor's depth per pixel from their body (MediaPipe pose on the "
                "plate, about --actor-depth/--actor-mark), or one plane.",
            ),
        ]
    ):
        wrapper = option(wrapper)
    return wrapper


# ------------------------------------------------------------------------------------------


def _source(camera: str | None, plate: Path | None) -> str:
    if (camera is None) == (plate is None):
        raise InputError("overlay: give exactly one of --camera INDEX or --plate VIDEO")
    return str(camera if camera is not None else plate)


def _freed_delay(value: str) -> tuple[bool, float]:
    """``--freed-delay``: (auto, milliseconds)."""
    if value.strip().lower() == "auto":
        return True, 0.0
    try:
        ms = float(value)
    except ValueError:
        raise InputError(f"--freed-delay {value!r}: milliseconds or 'auto'") from None
    if not (ms >= 0 and ms < 10_000):
        raise InputError(f"--freed-delay {value!r}: milliseconds in [0, 10000)")
    return False, ms


# --- key controls (the green/blue screen keyer: previzkit.composite.keyer) --------------

_KEY_OPTS = (
    click.option(
        "--key-preset",
        type=click.Path(path_type=Path),
        help="Key preset file (YAML, from 'overlay key'); the options below override it.",
    ),
    click.option(
        "--key-color",
        help="Screen colour R,G,B or #rrggbb (sRGB 0..255); default: estimated from the plate.",
    ),
    click.option("--tolerance", type=Finite(), help="Screen distance keyed fully out [0.1]."),
    click.option("--softness", type=Finite(), help="Width of the soft ramp beyond it [0.2]."),
    click.option(
        "--screen-min",
        type=Finite(),
        help="Darkest screen (x the key colour's chroma) still keyed out: shadows [0.5].",
    ),
    click.option("--spill", type=Finite(), help="Despill strength 0..1 [1]."),
    click.option("--choke", type=int, help="Erode the matte by N px; negative grows [0]."),
    click.option("--blur", type=int, help="Matte blur radius, px [0]."),
    click.option(
        "--garbage",
        help="Garbage matte: a mask image, or a polygon 'x,y x,y x,y' (outside: background).",
    ),
    click.option(
        "--garbage-units",
        type=click.Choice(["normalized", "pixels"]),
        help="Polygon coordinates: 0..1 of the frame, or pixels [normalized].",
    ),
    click.option(
        "--shadow-pass", type=Finite(), help="0..1: keep the screen's shadows over the set [0]."
    ),
    click.option(
        "--key-every-frame",
        is_flag=True,
        default=None,
        help="Re-estimate the screen colour every frame (default: once, at the start).",
    ),
)
_KEY_NAMES = (
    "key_preset",
    "key_color",
    "tolerance",
    "softness",
    "screen_min",
    "spill",
    "choke",
    "blur",
    "garbage",
    "garbage_units",
    "shadow_pass",
    "key_every_frame",
)


def _key_preset(opts: dict, screen: str | None) -> object:
    """The KeyPreset the key options ask for (a preset file with overrides), or None."""
    import dataclasses

    from previzkit.composite.garbage import GarbageMatte, parse_polygon
    from previzkit.composite.key_preset import KeyPreset, load_key_preset, parse_color

    if all(v is None for v in opts.values()):
        return None
    preset = load_key_preset(opts["key_preset"]) if opts["key_preset"] else KeyPreset()
    params = preset.params
    if screen in ("green", "blue") and opts["key_preset"] is None:
        params = dataclasses.replace(params, screen=screen)
    changes = {
        k: opts[k]
        for k in ("tolerance", "softness", "screen_min", "spill", "choke", "blur")
        if opts[k] is not None
    }
    if opts["key_color"] is not None:
        changes["key_color"] = parse_color(opts["key_color"], "--key-color")
    try:
        params = dataclasses.replace(params, **changes)
    except InputError as exc:
        raise InputError(f"key options: {exc}") from None
    garbage = preset.garbage
    if opts["garbage"] is not None:
        g = opts["garbage"]
        units = opts["garbage_units"] or "normalized"
        if Path(g).is_file():
            garbage = GarbageMatte(image=Path(g))
        elif "," in g:
            garbage = GarbageMatte(polygon=parse_polygon(g), units=units)
        else:
            raise InputError(f"--garbage {g}: no such mask image (or give 'x,y x,y x,y')")
    estimate = "every" if opts["key_every_frame"] else preset.estimate
    shadow = preset.shadow_pass if opts["shadow_pass"] is None else opts["shadow_pass"]
    return KeyPreset(params, garbage, estimate, shadow)


def key_options(fn):
    """Add the key controls to a command; it receives them as one ``key`` argument
    (a KeyPreset, or None when none is given)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        opts = {k: kwargs.pop(k) for k in _KEY_NAMES}
        matte = kwargs.get("matte")
        if matte in ("segment", "none") and any(v is not None for v in opts.values()):
            raise InputError(
                f"key options: they set the green/blue screen key, not --matte {matte}"
            )
        kwargs["key"] = _key_preset(opts, matte or kwargs.get("screen"))
        return fn(*args, **kwargs)

    for opt in reversed(_KEY_OPTS):
        wrapper = opt(wrapper)
    return wrapper


@overlay.command("key")
@click.option("--camera", help="Live camera index.")
@click.option("--plate", type=click.Path(path_type=Path), help="A plate video or image folder.")
@click.option("--frame", type=int, default=0, show_default=True, help="Estimate on frame N.")
@click.option("--screen", type=click.Choice(["green", "blue"]), default="green", show_default=True)
@click.option(
    "-o", "--output", required=True, type=click.Path(path_type=Path), help="Preset to write."
)
@click.option("--matte-out", type=click.Path(path_type=Path), help="Also write that frame's matte.")
@key_options
def key_cmd(camera, plate, frame, screen, output, matte_out, key):
    """Estimate the screen colour from a plate frame and save a key preset with the key
    options. --key-preset key.yaml -o key.yaml updates a preset (comments kept;
    --key-color auto estimates again)."""
    import dataclasses

    from previzkit.capture.sources import open_source
    from previzkit.composite.key_preset import KeyPreset, format_color, save_key_preset
    from previzkit.composite.keyer import Keyer
    from previzkit.composite.ops import estimate_screen_color
    from previzkit.composite.params import KeyParams

    if frame < 0:
        raise InputError(f"--frame must be >= 0, got {frame}")
    ensure("stage", "key presets", "av")
    image = None
    with open_source(_source(camera, plate)) as src:
        for f in src:
            if f.index >= frame:
                image = f.image
                break
    if image is None:
        raise InputError(f"--frame {frame}: the plate has fewer frames")
    preset = key if key is not None else KeyPreset(KeyParams(screen=screen))
    if preset.params.key_color is None:
        color = estimate_screen_color(image, preset.params.screen)
        preset = dataclasses.replace(
            preset, params=dataclasses.replace(preset.params, key_color=color)
        )
    keyer = Keyer(preset, backend="auto")
    matte = keyer.matte(image)
    save_key_preset(preset, output)
    if matte_out is not None:
        from previzkit.media.image import write_image

        write_image(matte_out, matte)
    click.echo(
        f"{output}: {preset.params.screen} screen {format_color(preset.params.color)} "
        f"{preset.params.color}, foreground {float((matte > 127).mean()) * 100:.1f} % "
        f"of frame {frame}"
    )


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
    default="0",
    show_default=True,
    help="Milliseconds the plate lags the FreeD packets (picks older packets), or 'auto': "
    "measured from the plate's motion against the packets' in the first seconds of movement.",
)
@click.option(
    "--track-horizon",
    type=Finite(),
    default=0.4,
    show_default=True,
    help="Seconds to predict the camera through a tracking loss before the overlay fades "
    "out and shows TRACKING LOST.",
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
    type=Finite(),
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
@click.option("--frames", type=FRAMES, help="Stop after N frames.")
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
@live_options
@key_options
def run(
    set_file,
    camera,
    plate,
    board,
    calibration,
    freed,
    freed_camera,
    freed_delay,
    track_horizon,
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
    live,
    key,
):
    """Run the overlay over SET_FILE."""
    from previzkit.core.progress import bar
    from previzkit.overlay.compositor import OverlayOptions, OverlayRun, run_overlay
    from previzkit.render.headless import create_context, keep_current_context

    if frames is not None and frames < 1:
        raise InputError(f"--frames must be >= 1, got {frames}")
    delay_auto, delay_ms = _freed_delay(freed_delay)
    if not track_horizon > 0:
        raise InputError(f"--track-horizon {track_horizon}: must be > 0 seconds")
    ensure("stage", "the AR overlay", "moderngl", "trimesh", "av")
    if board is not None:
        ensure("stage", "ChArUco tracking", "cv2")
    if matte == "segment":
        ensure("stage", "person segmentation", "mediapipe")
    if delay_auto:
        ensure("stage", "FreeD delay measurement", "cv2")
    position = None
    if actor_mark is not None:
        from previzkit.model.setfile import load_set

        marks = load_set(set_file).marks
        if actor_mark not in marks:
            raise InputError(f"--actor-mark {actor_mark!r}: set marks are {sorted(marks)}")
        x, z = marks[actor_mark].position
        position = (float(x), 1.0, float(z))
    from previzkit.overlay.tracking.filter import FilterParams

    opts = OverlayOptions(
        matte=matte,
        actor_depth_m=actor_depth,
        actor_position=position,
        backdrop=backdrop,
        actor_body=live.pop("actor_body"),
        key=key,
        tracking=FilterParams(horizon_s=track_horizon),
    )
    job = OverlayRun(
        set_file=set_file,
        source=_source(camera, plate),
        options=opts,
        board=board,
        calibration=calibration,
        freed=freed,
        freed_camera=freed_camera,
        freed_delay_s=delay_ms / 1000.0,
        freed_delay_auto=delay_auto,
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
        **live,
    )
    with keep_current_context():  # a caller's own GL context stays current afterwards
        ctx = create_context()
        try:
            with bar("overlay", total=frames) as progress:
                result = run_overlay(ctx, job, progress=progress)
        finally:
            ctx.release()
    st = result.states
    click.echo(
        f"overlay: {result.frames} frames, tracking lost on {result.lost} "
        f"(predicted {st.get('predicting', 0)}, shown lost {st.get('lost', 0)})"
    )
    if result.freed_delay is not None:
        d = result.freed_delay
        click.echo(f"FreeD delay measured: {d.delay_s * 1e3:.1f} ms (correlation {d.score:.2f})")
    elif delay_auto:
        click.echo(f"FreeD delay: not measured (too little camera motion); used {delay_ms:g} ms")
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
    type=Finite(),
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

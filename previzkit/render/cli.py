"""``previzkit render``: a set to a PNG frame or an MP4 clip. Parses and hands off."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from previzkit.core.cli_types import FPS, FRAMES, MSAA, Finite
from previzkit.core.errors import InputError
from previzkit.core.optional import ensure
from previzkit.core.sizes import check_size, parse_size

if TYPE_CHECKING:
    from previzkit.model.setfile import SetDef


def _list_environments(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """--list-environments: print the preset table and stop."""
    if not value or ctx.resilient_parsing:
        return
    from previzkit.render.environments import preset_table

    click.echo(preset_table())
    ctx.exit()


@click.command(
    epilog="Examples:\n\n"
    "  previzkit render previzkit/assets/sets/sample.yaml --camera A_35mm -o frame.png\n\n"
    "  previzkit render previzkit/assets/sets/sample.yaml --camera B_85mm --frames 48 -o clip.mp4\n\n"
    "  previzkit render previzkit/assets/sets/rooftop.yaml --environment sunset -o dusk.png\n\n"
    "  previzkit render --list-environments"
)
@click.option(
    "--list-environments",
    is_flag=True,
    is_eager=True,
    expose_value=False,
    callback=_list_environments,
    help="List the shipped environment presets (kind, time of day, brightness) and exit.",
)
@click.argument("set_file", type=click.Path(path_type=Path))
@click.option("--camera", "-c", help="Camera name in the set (default: the set's default_camera).")
@click.option(
    "--output",
    "-o",
    required=True,
    type=click.Path(path_type=Path),
    help="Output file: .png/.jpg for a frame, .mp4/.mov/.mkv for a clip.",
)
@click.option(
    "--environment",
    "-e",
    default=None,
    help="Sky and lights from this environment preset instead of the set's background and lights.",
)
@click.option("--size", default="1920x1080", show_default=True, help="Image size WxH in pixels.")
@click.option(
    "--frames", type=FRAMES, default=None, help="Frames in a clip (default 48 for video outputs)."
)
@click.option("--fps", type=FPS, default=24.0, show_default=True, help="Clip frame rate.")
@click.option(
    "--move",
    type=click.Choice(["orbit", "dolly", "static"]),
    default="orbit",
    show_default=True,
    help="Camera move over a clip.",
)
@click.option(
    "--amount",
    type=Finite(-1e6, 1e6),
    default=None,
    help="Size of the move: degrees for orbit (30), metres for dolly (1.5).",
)
@click.option(
    "--stereo",
    is_flag=True,
    help="Side-by-side stereo pair (left eye left), each eye --size; eyes --ipd apart.",
)
@click.option(
    "--ipd", type=Finite(), default=63.0, show_default=True, help="Interpupillary distance, mm."
)
@click.option(
    "--msaa",
    type=MSAA,
    default=4,
    show_default=True,
    help="Multisample anti-aliasing samples (0 = off).",
)
def render(
    set_file: Path,
    camera: str | None,
    output: Path,
    environment: str | None,
    size: str,
    frames: int | None,
    fps: float,
    move: str,
    amount: float | None,
    stereo: bool,
    ipd: float,
    msaa: int,
) -> None:
    """Render SET_FILE through a camera to a frame (PNG) or a clip (MP4, H.264)."""
    ensure("render", "rendering", "moderngl", "trimesh")
    from previzkit.render import offline

    width, height = parse_size(size)
    scene: Path | SetDef = set_file
    if environment is not None:
        from previzkit.model.environments import environment_preset
        from previzkit.model.setfile import load_set
        from previzkit.render.environments import with_environment

        environment_preset(environment, "--environment")  # before the set is read
        scene = with_environment(load_set(set_file), environment)
    if stereo:  # the pair is one image twice as wide
        check_size(2 * width, height, "--size (twice as wide with --stereo)")
    ipd_m = ipd / 1000.0 if stereo else None
    offline.check_ipd(ipd_m)
    is_video = output.suffix.lower() in offline.VIDEO_SUFFIXES
    if is_video:
        ensure("render", "video encoding", "av")
    else:
        ensure("render", "writing images", "PIL")
    if not is_video:
        if frames is not None and frames != 1:
            raise InputError(
                f"--frames {frames} needs a video output ({', '.join(offline.VIDEO_SUFFIXES)}), got {output}"
            )
        path = offline.render_still(scene, output, camera, width, height, samples=msaa, ipd_m=ipd_m)
        click.echo(f"wrote {path} ({width * (2 if stereo else 1)}x{height})")
        return
    from previzkit.core.progress import bar

    n = 48 if frames is None else frames
    offline.check_clip_args(output, n, width, height, fps, move)  # fail before the bar shows
    with bar(f"render {output.name}", total=n) as progress:
        path = offline.render_clip(
            scene,
            output,
            n,
            camera,
            width,
            height,
            fps=fps,
            move=move,
            amount=amount,
            samples=msaa,
            progress=progress,
            ipd_m=ipd_m,
        )
    click.echo(f"wrote {path} ({n} frames, {width}x{height} @ {fps:g} fps)")

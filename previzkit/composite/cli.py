"""``previzkit composite``: key, composite and grade image files (parse and hand off)."""

from __future__ import annotations

from pathlib import Path
from typing import overload

import click
import numpy as np

from previzkit.core.cli_types import Finite
from previzkit.core.errors import InputError
from previzkit.core.sizes import parse_size


@overload
def _triple(value: str, name: str) -> tuple[float, float, float]: ...
@overload
def _triple(value: str | None, name: str) -> tuple[float, float, float] | None: ...
def _triple(value: str | None, name: str) -> tuple[float, float, float] | None:
    if value is None:
        return None
    parts = value.replace(" ", "").split(",")
    try:
        vals = tuple(float(p) for p in parts)
    except ValueError:
        raise InputError(
            f"--{name}: expected three numbers like 1.0,1.0,1.0, got {value!r}"
        ) from None
    if len(vals) == 1:
        vals = vals * 3
    if len(vals) != 3:
        raise InputError(f"--{name}: expected one or three numbers, got {value!r}")
    return vals


backend_option = click.option(
    "--backend", default="auto", show_default=True, help="auto, numpy, numba or cupy."
)


@click.group()
def composite() -> None:
    """Key and composite image files (PNG/JPEG/TIFF; PNG alpha is straight)."""


@composite.command("key")
@click.argument("plate", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path),
    required=True,
    help="Output image: keyed RGBA (.png), or the composite with --bg.",
)
@click.option("--screen", type=click.Choice(["green", "blue"]), default="green", show_default=True)
@click.option(
    "--key-color",
    default="auto",
    show_default=True,
    help="Screen colour R,G,B or #rrggbb (0..255); 'auto' estimates it from the plate.",
)
@click.option(
    "--tolerance",
    type=Finite(),
    default=0.1,
    show_default=True,
    help="Cb/Cr distance (in units of the screen's chroma) keyed fully out.",
)
@click.option(
    "--softness",
    type=Finite(),
    default=0.2,
    show_default=True,
    help="Width of the soft ramp beyond the tolerance.",
)
@click.option(
    "--screen-min",
    type=Finite(),
    default=0.5,
    show_default=True,
    help="Darkest screen (x the key colour's chroma) keyed out: shadows, fall-off.",
)
@click.option(
    "--screen-max",
    type=Finite(),
    default=1.5,
    show_default=True,
    help="Brightest screen (x the key colour's chroma) keyed out: hotspots.",
)
@click.option("--clip-black", type=Finite(), default=0.0, show_default=True)
@click.option("--clip-white", type=Finite(), default=1.0, show_default=True)
@click.option(
    "--spill", type=Finite(), default=1.0, show_default=True, help="Spill suppression 0..1."
)
@click.option("--choke", type=int, default=0, show_default=True, help="Pixels; negative grows.")
@click.option("--blur", type=int, default=0, show_default=True, help="Matte blur radius, pixels.")
@click.option("--garbage", type=click.Path(path_type=Path), help="Garbage matte: black = remove.")
@click.option("--bg", type=click.Path(path_type=Path), help="Composite over this background.")
@click.option(
    "--matte", "matte_path", type=click.Path(path_type=Path), help="Also write the matte."
)
@backend_option
def key_cmd(
    plate,
    output,
    screen,
    key_color,
    tolerance,
    softness,
    screen_min,
    screen_max,
    clip_black,
    clip_white,
    spill,
    choke,
    blur,
    garbage,
    bg,
    matte_path,
    backend,
) -> None:
    """Chroma-key PLATE (green or blue screen)."""
    from previzkit.composite import ops
    from previzkit.composite.key_preset import parse_color
    from previzkit.composite.params import KeyParams
    from previzkit.media.image import read_image, read_mask, write_image

    img = read_image(plate)
    kc = parse_color(key_color, "--key-color")  # None: 'auto'
    if kc is None:
        kc = ops.estimate_screen_color(img, screen)
    params = KeyParams(
        screen=screen,
        key_color=kc,
        tolerance=tolerance,
        softness=softness,
        screen_min=screen_min,
        screen_max=screen_max,
        clip_black=clip_black,
        clip_white=clip_white,
        spill=spill,
        choke=choke,
        blur=blur,
    )
    g = read_mask(garbage) if garbage else None
    matte = ops.key_matte(img, params, g, backend=backend)
    if bg is not None:
        out = ops.key_despill_over(img, read_image(bg), params, g, backend=backend)
    else:  # straight-alpha RGBA, as PNG stores it
        out = np.dstack([ops.despill(img, params, backend=backend), matte])
    write_image(output, out)
    if matte_path is not None:
        write_image(matte_path, matte)
    click.echo(f"wrote {output}")


@composite.command("over")
@click.argument("fg", type=click.Path(path_type=Path))
@click.argument("bg", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
@click.option("--premultiplied", is_flag=True, help="FG's colour is already premultiplied.")
@backend_option
def over_cmd(fg, bg, output, premultiplied, backend) -> None:
    """Composite FG (with alpha) over BG."""
    from previzkit.composite import io, ops
    from previzkit.media.image import read_image, write_image

    f = read_image(fg, alpha=True)
    b = read_image(bg)
    if not premultiplied:
        f = io.premultiply(f)
    write_image(output, ops.over(f, b, backend=backend))
    click.echo(f"wrote {output}")


@composite.command("grade")
@click.argument("image", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
@click.option("--lut", type=click.Path(path_type=Path), help="A .cube LUT (applied after the CDL).")
@click.option("--slope", help="ASC CDL slope: S or R,G,B.")
@click.option("--offset", help="ASC CDL offset: O or R,G,B.")
@click.option("--power", help="ASC CDL power: P or R,G,B.")
@click.option("--saturation", type=Finite(), default=1.0, show_default=True)
@backend_option
def grade_cmd(image, output, lut, slope, offset, power, saturation, backend) -> None:
    """Grade IMAGE with an ASC CDL and/or a .cube LUT."""
    from previzkit.composite import lut as lutmod
    from previzkit.composite import ops
    from previzkit.composite.params import CDL
    from previzkit.media.image import read_image, write_image

    img = read_image(image, alpha="auto")
    cdl = CDL(
        slope=_triple(slope, "slope") or (1.0, 1.0, 1.0),
        offset=_triple(offset, "offset") or (0.0, 0.0, 0.0),
        power=_triple(power, "power") or (1.0, 1.0, 1.0),
        saturation=saturation,
    )
    if lut is None and cdl == CDL():
        raise InputError(
            "grade: give --lut and/or CDL values (--slope/--offset/--power/--saturation)"
        )
    if cdl != CDL():
        img = ops.apply_cdl(img, cdl, img, backend=backend)
    if lut is not None:
        img = ops.apply_lut(img, lutmod.load_cube(lut), img, backend=backend)
    write_image(output, img)
    click.echo(f"wrote {output}")


@composite.command("letterbox")
@click.argument("image", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True)
@click.option("--size", required=True, help="Output WIDTHxHEIGHT, e.g. 1920x1080.")
@click.option("--color", default="0", show_default=True, help="Bar colour: V or R,G,B.")
@backend_option
def letterbox_cmd(image, output, size, color: str, backend) -> None:
    """Fit IMAGE into --size, aspect kept, with bars."""
    from previzkit.composite import ops
    from previzkit.media.image import read_image, write_image

    w, h = parse_size(size)
    out = ops.letterbox(read_image(image), w, h, color=_triple(color, "color"), backend=backend)
    write_image(output, out)
    click.echo(f"wrote {output}")


@composite.command("backends")
def backends_cmd() -> None:
    """List the compute backends present here, fastest first, and why others are not."""
    from previzkit.composite.backends import available_backends, unavailable_backends

    for name in available_backends():
        click.echo(f"{name}: available")
    for name, why in unavailable_backends().items():
        click.echo(f"{name}: not available: {why}")

"""``previzkit genai``: train, sample, evaluate and strip GAN background models.

Commands only parse arguments and hand off to the library.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from previzkit.core.cli_types import Finite
from previzkit.core.errors import InputError
from previzkit.core.optional import ensure


def _channels(text: str | None) -> tuple[int, ...] | None:
    if not text:
        return None
    try:
        vals = tuple(int(v) for v in text.split(","))
    except ValueError as exc:
        raise InputError(f"--channels: {text!r} is not a comma-separated list of integers") from exc
    if not vals or any(v < 1 for v in vals):
        raise InputError(f"--channels: {text!r} must list positive integers")
    return vals


@click.group()
def genai() -> None:
    """Train, sample and evaluate GAN backgrounds (periodic spatial GAN)."""


@genai.command()
@click.argument("image")
@click.option(
    "-o",
    "--output",
    "out",
    required=True,
    type=click.Path(dir_okay=False),
    help="Checkpoint to write (and resume from).",
)
@click.option("--steps", default=4000, show_default=True, help="Total training steps.")
@click.option(
    "--minutes", type=Finite(), default=None, help="Stop after this many minutes (saves first)."
)
@click.option("--batch", default=8, show_default=True)
@click.option(
    "--crop",
    default=128,
    show_default=True,
    help="Training crop size in pixels (multiple of the stride).",
)
@click.option("--lr", type=Finite(), default=2e-4, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--holdout",
    type=Finite(),
    default=0.25,
    show_default=True,
    help="Fraction of columns (right strip) held out for eval.",
)
@click.option("--checkpoint-every", default=250, show_default=True)
@click.option("--threads", type=int, default=None, help="torch CPU threads.")
@click.option("--device", default="cpu", show_default=True, help="cpu, cuda, cuda:N or auto.")
@click.option(
    "--channels", default=None, help="Generator widths, e.g. 128,64,32,16 (new runs only)."
)
@click.option(
    "--resume/--no-resume",
    default=True,
    show_default=True,
    help="Continue from OUTPUT if it exists.",
)
@click.option(
    "--upsample",
    type=click.Choice(["resize", "nearest", "transpose"]),
    default="resize",
    show_default=True,
    help="PSGAN upsampling (new runs only): bilinear or nearest x2 + conv, or transposed conv.",
)
def train(
    image: str, out: str, channels: str | None, resume: bool, upsample: str, **kw: object
) -> None:
    """Train a PSGAN on IMAGE (a file or skimage:NAME, e.g. skimage:gravel), or the
    conditional 360° environment model when IMAGE is a folder of panoramas (sub-folders
    night/ dusk/ day/ interior/, or a conditions.csv of file,condition lines) or
    ``shipped`` (the 18 panoramas in assets/environments)."""
    ensure("genai", "GAN backgrounds", "torch")
    if image == "shipped" or Path(image).is_dir():
        _train_environment(image, out, resume, kw)
        return
    from previzkit.core.progress import bar
    from previzkit.genai.images import load_image
    from previzkit.genai.model import ModelConfig
    from previzkit.genai.train import TrainConfig
    from previzkit.genai.train import train as run_train

    cfg = TrainConfig(**kw)  # type: ignore[arg-type]
    ch = _channels(channels)
    cfg.model = ModelConfig(g_channels=ch or ModelConfig().g_channels, upsample=upsample)
    img = load_image(image)
    cfg.validate(img.shape)
    if not resume and Path(out).exists():
        Path(out).unlink()
    with bar(f"training {Path(out).name}", total=cfg.steps, unit="step") as progress:
        result = run_train(img, out, cfg, image_name=image, resume=resume, progress=progress)
    click.echo(f"saved {result.path} after {result.steps} steps ({result.seconds:.0f} s this run)")


def _train_environment(source: str, out: str, resume: bool, kw: dict) -> None:
    from previzkit.core.progress import bar
    from previzkit.genai.envdata import folder_panoramas, training_panoramas
    from previzkit.genai.envtrain import EnvTrainConfig, train_environment

    cfg = EnvTrainConfig(
        steps=int(kw["steps"]),
        minutes=kw["minutes"],
        batch=int(kw["batch"]),
        lr_g=float(kw["lr"]),
        lr_d=float(kw["lr"]),
        seed=int(kw["seed"]),
        checkpoint_every=int(kw["checkpoint_every"]),
        threads=kw["threads"],
        device=str(kw["device"]),
    )
    cfg.validate()
    panos = training_panoramas() if source == "shipped" else folder_panoramas(source)
    if not resume and Path(out).exists():
        Path(out).unlink()
    counts = {c: sum(p.condition == c for p in panos) for c in sorted({p.condition for p in panos})}
    click.echo(
        f"{len(panos)} panoramas: " + ", ".join(f"{c} {n}" for c, n in counts.items()), err=True
    )
    with bar(f"training {Path(out).name}", total=cfg.steps, unit="step") as progress:
        result = train_environment(panos, out, cfg, resume=resume, progress=progress)
    click.echo(f"saved {result.path} after {result.steps} steps ({result.seconds:.0f} s this run)")


@genai.command()
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("--size", default="2048x1024", show_default=True, help="WIDTHxHEIGHT.")
@click.option("--seed", default=0, show_default=True)
@click.option(
    "-o", "--output", "out", required=True, type=click.Path(dir_okay=False), help="PNG to write."
)
@click.option("--tile", is_flag=True, help="Wrap in y too: a tileable ground texture.")
@click.option("--no-wrap", is_flag=True, help="Do not wrap at 360° (for comparison).")
@click.option(
    "--ground",
    "ground_model",
    default=None,
    type=click.Path(dir_okay=False),
    help="Horizon blend: ground model below the horizon.",
)
@click.option(
    "--ground-gain",
    type=Finite(),
    default=1.0,
    show_default=True,
    help="Horizon blend: ground brightness factor.",
)
@click.option(
    "--horizon", is_flag=True, help="Horizon blend with a flat ground colour (or --ground)."
)
@click.option(
    "--cubemap",
    "cubemap_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Also write six cube faces here.",
)
@click.option("--face-size", default=None, type=int, help="Cube face size (default width/4).")
@click.option("--device", default="cpu", show_default=True)
@click.option(
    "--condition",
    default="day",
    show_default=True,
    help="Environment models: night, dusk, day or interior.",
)
@click.option(
    "--ev", type=Finite(), default=0.0, show_default=True, help="Environment models: exposure."
)
def sample(
    model: str,
    size: str,
    seed: int,
    out: str,
    tile: bool,
    no_wrap: bool,
    ground_model: str | None,
    ground_gain: float,
    horizon: bool,
    cubemap_dir: str | None,
    face_size: int | None,
    device: str,
    condition: str,
    ev: float,
) -> None:
    """Generate a panorama (or a tileable texture) from MODEL."""
    ensure("genai", "GAN backgrounds", "torch")
    from previzkit.genai.environment import FORMAT, checkpoint_format, generate_environment
    from previzkit.genai.horizon import HorizonBlend, apply_horizon
    from previzkit.genai.panorama import ground_texture
    from previzkit.genai.sample import generate, parse_size
    from previzkit.genai.train import resolve_device
    from previzkit.media.image import write_image
    from previzkit.model.conditions import check_condition

    w, h = parse_size(size)
    device = str(resolve_device(device))
    if checkpoint_format(model) == FORMAT:
        img = generate_environment(
            model, check_condition(condition), seed, w, h, ev=ev, device=device
        ).srgb
    else:
        img = generate(model, seed, w, h, wrap_x=not no_wrap, wrap_y=tile, device=device)
    if horizon or ground_model:
        blend = HorizonBlend(ground_model=ground_model, ground_gain=ground_gain)
        tex = (
            ground_texture(ground_model, 0, blend.ground_size, device=device)
            if ground_model
            else None
        )
        img = apply_horizon(img, tex, blend)
    write_image(out, img)
    click.echo(f"wrote {out} ({w}x{h}, seed {seed})")
    if cubemap_dir:
        from previzkit.genai.cubemap import save_cubemap

        paths = save_cubemap(img, cubemap_dir, face_size)
        click.echo(f"wrote {len(paths)} cube faces to {cubemap_dir}")


@genai.command("eval")
@click.argument("model", type=click.Path(dir_okay=False))
@click.argument("image")
@click.option(
    "--tiles", type=click.IntRange(1, 4096), default=32, show_default=True, help="Tiles per set."
)
@click.option("--tile-size", type=click.IntRange(8, 4096), default=128, show_default=True)
@click.option("--seed", default=0, show_default=True)
@click.option(
    "--seam-seeds",
    type=click.IntRange(1, 4096),
    default=16,
    show_default=True,
    help="Panoramas pooled for the seam figures.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def eval_(
    model: str, image: str, tiles: int, tile_size: int, seed: int, seam_seeds: int, as_json: bool
) -> None:
    """Print SWD (model, real floor, untrained and noise ceilings) and seam metrics."""
    ensure("genai", "GAN backgrounds", "torch")
    from previzkit.genai.evaluate import evaluate
    from previzkit.genai.images import load_image

    report = evaluate(
        model, load_image(image), tiles=tiles, tile=tile_size, seed=seed, seam_seeds=seam_seeds
    )
    click.echo(json.dumps(report.to_dict(), indent=2) if as_json else report.format())


@genai.command("eval-env")
@click.argument("model", type=click.Path(dir_okay=False))
@click.option(
    "--samples",
    type=click.IntRange(1, 1024),
    default=16,
    show_default=True,
    help="Generated panoramas per condition.",
)
@click.option(
    "--patches",
    type=click.IntRange(64, 1 << 20),
    default=2048,
    show_default=True,
    help="SWD patches per pyramid level and set.",
)
@click.option("--seed", default=0, show_default=True)
def eval_env(model: str, samples: int, patches: int, seed: int) -> None:
    """Score an environment model on the held-out panoramas: SWD per condition beside
    the real-vs-real floor, lattice and seam."""
    ensure("genai", "GAN backgrounds", "torch")
    from previzkit.genai.envevaluate import evaluate_environment

    click.echo(evaluate_environment(model, samples, patches, seed).format())


@genai.command()
@click.argument("model", type=click.Path(dir_okay=False))
@click.option("-o", "--output", "out", required=True, type=click.Path(dir_okay=False))
def strip(model: str, out: str) -> None:
    """Copy MODEL without its training state (for shipping; cannot be resumed)."""
    ensure("genai", "GAN backgrounds", "torch")
    from previzkit.genai.checkpoint import load_checkpoint, save_checkpoint
    from previzkit.genai.environment import (
        FORMAT,
        checkpoint_format,
        load_env_checkpoint,
        save_env_checkpoint,
    )

    if checkpoint_format(model) == FORMAT:
        path = save_env_checkpoint(load_env_checkpoint(model), out, with_train_state=False)
    else:
        path = save_checkpoint(load_checkpoint(model), out, with_train_state=False)
    click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")

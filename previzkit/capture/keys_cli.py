"""``previzkit keys generate``: make CurveZMQ key pairs (pose streams, the set state)."""

from __future__ import annotations

from pathlib import Path

import click


@click.group("keys")
def keys() -> None:
    """CurveZMQ key pairs for authenticated pose streams and shared set state."""


@keys.command("generate")
@click.argument("folder", type=click.Path(path_type=Path))
@click.option("--name", default="stage", show_default=True, help="Key pair name.")
def generate(folder: Path, name: str) -> None:
    """Write FOLDER/NAME.key (public) and FOLDER/NAME.key_secret (keep private)."""
    from previzkit.capture.keys import create_keys
    from previzkit.core.optional import ensure

    ensure("capture", "CurveZMQ keys", "zmq")
    public, secret = create_keys(folder, name)
    click.echo(f"public {public}\nsecret {secret}")

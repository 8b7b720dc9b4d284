"""The ``previzkit`` command.

Subcommands live beside their area (``previzkit/<area>/cli.py``) and are imported
only when invoked, so ``previzkit --help`` stays fast and imports no heavy
dependency. Commands only parse arguments and hand off to library functions.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
import traceback

import click

from previzkit.core.errors import DependencyMissing, PrevizError
from previzkit.core.optional import COMMANDS, distribution, missing_for_command, optional_module

# name -> (module, attribute, one-line help). Help text lives here so that listing
# commands does not import their modules.
SUBCOMMANDS: dict[str, tuple[str, str, str]] = {
    "doctor": ("previzkit.doctor", "doctor", "Report what this machine has for each part."),
    "render": ("previzkit.render.cli", "render", "Render a set to a PNG frame or an MP4 clip."),
    "capture": ("previzkit.capture.cli", "capture", "Pose from video, images or a camera."),
    "composite": ("previzkit.composite.cli", "composite", "Key and composite image files."),
    "genai": ("previzkit.genai.cli", "genai", "Train, sample and evaluate GAN backgrounds."),
    "xr": ("previzkit.block.cli", "xr", "Block a set in an OpenXR headset (or offscreen)."),
    "script": ("previzkit.script.cli", "script", "Fountain screenplays: breakdown and shot plan."),
    "takes": ("previzkit.takes.cli", "takes", "List, rate and export recorded takes."),
    "stage": ("previzkit.stage.cli", "stage", "Run the real-time stage loop."),
    "overlay": ("previzkit.overlay.cli", "overlay", "AR overlay over a tracked camera."),
    "cut": ("previzkit.edit.cli", "cut", "Assemble, detect, render and export the previz cut."),
    "previz": (
        "previzkit.production.previz",
        "previz",
        "Previz a screenplay: sets, cast, takes, the cut and its outputs.",
    ),
    "demo": ("previzkit.production.demo", "demo", "Run the whole pipeline on the bundled sample."),
    "batch": ("previzkit.batch.cli", "batch", "Batch capture/render/assemble over takes on Dask."),
    "keys": ("previzkit.capture.keys_cli", "keys", "Generate CurveZMQ keys for pose streams."),
}


def _help(name: str) -> str:
    text = SUBCOMMANDS[name][2]
    if missing_for_command(name):
        text += f" (needs previzkit[{COMMANDS[name][0]}])"
    return text


def _command_of(args: list[str]) -> str | None:
    """The subcommand named on the command line (the first word that is one)."""
    return next((a for a in args if a in SUBCOMMANDS), None)


def _available(name: str) -> bool:
    module = SUBCOMMANDS[name][0]
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:
        return False


class LazyGroup(click.Group):
    """A click group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *(n for n in SUBCOMMANDS if _available(n))})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        if cmd_name not in SUBCOMMANDS or not _available(cmd_name):
            return None
        module, attr, _ = SUBCOMMANDS[cmd_name]
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            (n, _help(n) if n in SUBCOMMANDS else self.commands[n].get_short_help_str())
            for n in self.list_commands(ctx)
        ]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(package_name="previzkit")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """previzkit: virtual production and previsualization."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )


def main(argv: list[str] | None = None) -> int:
    """Entry point: user errors end with one line on stderr and exit code 2."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        cli.main(args=args, prog_name="previzkit", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        return 130
    except click.BadParameter as exc:  # a bad option value: one line naming the option
        click.echo(f"error: {' '.join(exc.format_message().split())}", err=True)
        return 2
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except PrevizError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"error: {exc}", err=True)
        return 2
    except ModuleNotFoundError as exc:
        # an optional package imported without require(): still one line, never a traceback
        top = optional_module(exc.name)
        if top is None:
            raise
        if debug:
            traceback.print_exc()
        command = _command_of(args)
        extra = COMMANDS[command][0] if command and COMMANDS.get(command, ("", ()))[0] else "all"
        feature = f"previzkit {command}" if command else "previzkit"
        click.echo(f"error: {DependencyMissing(distribution(top), extra, feature)}", err=True)
        return 2
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        return 130
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

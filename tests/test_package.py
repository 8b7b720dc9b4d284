"""The package imports light, the CLI lists its commands and fails cleanly on user errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from previzkit.cli import SUBCOMMANDS, main
from previzkit.core.errors import PrevizError

HEAVY = ["torch", "mediapipe", "cupy", "xr", "moderngl", "numba", "av", "cv2", "trimesh"]


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", f"{code}\nimport json, sys; print(json.dumps(sorted(sys.modules)))"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return set(json.loads(out.strip().splitlines()[-1]))


def test_import_previzkit_imports_no_heavy_dependency():
    loaded = _modules_after("import previzkit")
    assert not loaded & set(HEAVY)


def test_cli_help_imports_no_heavy_dependency():
    loaded = _modules_after(
        "from previzkit.cli import cli\n"
        "try:\n    cli.main(['--help'], standalone_mode=False)\nexcept SystemExit:\n    pass"
    )
    assert not loaded & set(HEAVY)


def test_help_lists_available_commands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "doctor" in out


def test_every_registered_command_module_that_exists_loads():
    from previzkit.cli import LazyGroup, _available, cli

    assert isinstance(cli, LazyGroup)
    for name in SUBCOMMANDS:
        if _available(name):
            assert cli.get_command(None, name) is not None, name


def test_user_error_is_one_line_and_nonzero(capsys):
    import click

    from previzkit import cli as cli_module

    @click.command()
    def boom() -> None:
        raise PrevizError("set.yaml: cameras.A: unknown lens")

    cli_module.cli.add_command(boom, "boom-test")
    try:
        assert main(["boom-test"]) == 2
        err = capsys.readouterr().err
        assert err.strip() == "error: set.yaml: cameras.A: unknown lens"
        assert "Traceback" not in err
        assert main(["--debug", "boom-test"]) == 2
        assert "Traceback" in capsys.readouterr().err
    finally:
        cli_module.cli.commands.pop("boom-test")


def test_unknown_command_exits_nonzero():
    assert main(["no-such-command"]) != 0


@pytest.mark.gl
def test_doctor_reports_each_part(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out.splitlines()
    parts = [line.split()[1] for line in out]
    for part in ["OpenGL", "OpenXR", "CUDA/CuPy", "MediaPipe", "PyAV", "numba", "torch"]:
        assert part in parts
    gl_line = next(line for line in out if line.split()[1] == "OpenGL")
    assert gl_line.startswith("ok"), gl_line

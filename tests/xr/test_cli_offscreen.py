"""`previzkit xr SET --offscreen` runs the frame loop with no headset; bad options are named."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from previzkit.cli import main
from previzkit.core.errors import InputError
from previzkit.core.sizes import parse_size
from tests.helpers import REPO


@pytest.mark.gl
@pytest.mark.slow
def test_offscreen_cli_renders_frames_without_a_runtime(tmp_path):
    env = dict(os.environ, XR_RUNTIME_JSON=str(tmp_path / "none.json"))
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "previzkit",
            "xr",
            "previzkit/assets/sets/sample.yaml",
            "--offscreen",
            "--frames",
            "3",
            "--eye-size",
            "160x120",
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "3 frames" in proc.stdout and "session OFFSCREEN" in proc.stdout


@pytest.mark.parametrize("text", ["64", "axb", "0x10", "-5x5"])
def test_bad_eye_size_is_named(text):
    with pytest.raises(InputError, match="--eye-size"):
        parse_size(text, "--eye-size", "1024x1024")


def test_eye_size_parses():
    assert parse_size("1832x1920", "--eye-size") == (1832, 1920)


def test_cli_reports_bad_eye_size_in_one_line(capsys):
    assert (
        main(["xr", "previzkit/assets/sets/sample.yaml", "--offscreen", "--eye-size", "big"]) == 2
    )
    assert (
        capsys.readouterr().err.strip() == "error: --eye-size must look like 1024x1024, got 'big'"
    )

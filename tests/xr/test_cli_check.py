"""`previzkit xr --check` against Monado reports runtime, system, view sizes and timing."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.helpers import REPO

pytestmark = [pytest.mark.xr, pytest.mark.gl, pytest.mark.slow]


def test_check_reports_runtime_system_views_and_timing(xr_env, runtime_service):
    with runtime_service(xr_env):
        proc = subprocess.run(
            [sys.executable, "-m", "previzkit", "xr", "--check", "--frames", "30", "--json"],
            env=xr_env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=180,
        )
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout[proc.stdout.index("{") :])
    assert report["runtime"].startswith("Monado")
    assert report["system"] == "Monado: Simulated HMD"
    assert report["view_sizes"] == [[320, 240], [320, 240]]
    assert report["binding"] == "egl"
    assert report["timing"]["frames"] >= 30
    assert report["timing"]["wait_ms"] > 0 and report["timing"]["app_ms"] > 0
    assert report["states"][-1] == "EXITING"


def test_cli_needs_a_set_or_check(tmp_path):
    from previzkit.cli import main

    assert main(["xr"]) != 0
    assert main(["xr", str(tmp_path / "missing.yaml")]) == 2

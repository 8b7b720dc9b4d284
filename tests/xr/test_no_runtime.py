"""With no OpenXR runtime present the user gets one clear line, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from previzkit.core.errors import XRRuntimeUnavailable
from tests.helpers import REPO


def _env(tmp_path):
    env = dict(os.environ)
    env["XR_RUNTIME_JSON"] = str(tmp_path / "no-such-runtime.json")
    env["XDG_CONFIG_HOME"] = str(tmp_path)  # no user-level active_runtime.json either
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("XR_ENABLE_API_LAYERS", None)
    return env


@pytest.mark.parametrize(
    "args", [["xr", "--check"], ["xr", "previzkit/assets/sets/sample.yaml", "--frames", "5"]]
)
def test_cli_prints_one_line_naming_the_missing_runtime(tmp_path, args):
    pytest.importorskip("xr")
    proc = subprocess.run(
        [sys.executable, "-m", "previzkit", *args],
        env=_env(tmp_path),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    err = [line for line in proc.stderr.splitlines() if line.startswith("error:")]
    assert len(err) == 1, proc.stderr
    assert "no OpenXR runtime available" in err[0]
    assert "no-such-runtime.json (file does not exist)" in err[0]
    assert "30-monado.sh" in err[0]


def test_library_raises_xr_runtime_unavailable(tmp_path):
    pytest.importorskip("xr")
    code = (
        "from previzkit.xr.instance import XRInstance\n"
        "from previzkit.core.errors import XRRuntimeUnavailable\n"
        "try:\n    XRInstance()\nexcept XRRuntimeUnavailable as e:\n    print('OK', e)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], env=_env(tmp_path), capture_output=True, text=True, timeout=60
    )
    assert proc.stdout.startswith("OK no OpenXR runtime available"), proc.stdout + proc.stderr
    assert issubclass(XRRuntimeUnavailable, Exception)

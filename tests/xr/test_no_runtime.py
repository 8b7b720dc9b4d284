"""With no OpenXR runtime present the user gets one clear line, not a traceback, and
none of the OpenXR loader's own lines; with one installed it is found unasked."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from previzkit.core.errors import XRRuntimeUnavailable
from tests.helpers import REPO

LOADER = "OpenXR-Loader"  # what the loader's own stderr lines carry


def _env(tmp_path):
    env = dict(os.environ)
    env["XR_RUNTIME_JSON"] = str(tmp_path / "no-such-runtime.json")
    env["XDG_CONFIG_HOME"] = str(tmp_path)  # no user-level active_runtime.json either
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("XR_ENABLE_API_LAYERS", None)
    env.pop("XR_LOADER_DEBUG", None)
    return env


def _previzkit(
    *args: str, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "previzkit", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


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
    assert "30-monado.sh" in err[0] or "apt-get install monado-service" in err[0]
    assert LOADER not in proc.stderr


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


def test_doctor_reports_the_missing_runtime_without_loader_lines(tmp_path):
    pytest.importorskip("xr")
    proc = _previzkit("doctor", env=_env(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert LOADER not in proc.stderr, proc.stderr
    line = next(x for x in proc.stdout.splitlines() if " OpenXR " in x)
    assert line.startswith("MISS"), line
    assert "no-such-runtime.json) from XR_RUNTIME_JSON (file does not exist)" in line
    assert "export XR_RUNTIME_JSON=" in line


def test_debug_shows_the_loader_lines(tmp_path):
    pytest.importorskip("xr")
    proc = _previzkit("--debug", "doctor", env=_env(tmp_path))
    assert LOADER in proc.stderr, proc.stderr


def test_user_setting_of_xr_loader_debug_is_kept(tmp_path):
    pytest.importorskip("xr")
    proc = _previzkit("doctor", env=dict(_env(tmp_path), XR_LOADER_DEBUG="error"))
    assert LOADER in proc.stderr, proc.stderr


def test_installed_monado_is_found_with_no_variable_set(xr_env, runtime_service):
    """The CI runtime environment without XR_RUNTIME_JSON (nor XRT_COMPOSITOR_NULL nor a
    display): discovery finds Monado, sets what it needs, and a session runs."""
    env = dict(xr_env)
    for key in ("XR_RUNTIME_JSON", "XRT_COMPOSITOR_NULL", "DISPLAY", "WAYLAND_DISPLAY"):
        env.pop(key, None)
    with runtime_service(xr_env):
        doctor = _previzkit("doctor", env=env)
        proc = _previzkit("xr", "--check", "--json", "--frames", "5", env=env, timeout=240)
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = json.loads(proc.stdout)
    assert "Monado" in report["manifest"], report["manifest"]
    assert "XRT_COMPOSITOR_NULL=1" in report["manifest"]
    assert report["states"][-1] == "EXITING"
    assert LOADER not in proc.stderr
    line = next(x for x in doctor.stdout.splitlines() if " OpenXR " in x)
    assert line.startswith("ok") and "Monado" in line and "EGL binding: yes" in line, line

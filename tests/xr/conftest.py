"""OpenXR tests run against a real Monado runtime (simulated HMD, null compositor).

The runtime is found in the cache prefix that scripts/setup.d/30-monado.sh builds
(Debian 12) or in the system (Debian 13 packages). Sessions run in subprocesses
(tests/helpers/xr_scenario.py): the loader allows one instance per process, Monado reads its
environment once per process, and other areas' tests share this process's GL context.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.helpers import REPO, worker, worker_env

MANIFESTS = [
    Path(os.environ.get("PREVIZKIT_MONADO_PREFIX", "/var/cache/previzkit/monado-25.0.0"))
    / "share/openxr/1/openxr_monado.json",
    Path("/usr/share/openxr/1/openxr_monado.json"),
    Path("/etc/xdg/openxr/1/openxr_monado.json"),
]


def find_monado() -> Path | None:
    return next((m for m in MANIFESTS if m.is_file()), None)


@pytest.fixture(scope="session")
def xr_env(tmp_path_factory) -> dict[str, str]:
    """Environment for a subprocess that talks to Monado's simulated HMD headless."""
    manifest = find_monado()
    if manifest is None:
        pytest.skip(
            "Monado OpenXR runtime not installed (looked in "
            + ", ".join(str(m) for m in MANIFESTS)
            + "): run scripts/setup.d/30-monado.sh as root"
        )
    runtime_dir = tmp_path_factory.mktemp("xdg-runtime")
    runtime_dir.chmod(0o700)
    env = worker_env()
    env.update(
        XR_RUNTIME_JSON=str(manifest),
        XRT_COMPOSITOR_NULL="1",
        SIMULATED_ENABLE="1",
        SIMULATED_LEFT="simple",
        SIMULATED_RIGHT="simple",
        XDG_RUNTIME_DIR=str(runtime_dir),
        XDG_CONFIG_HOME=str(tmp_path_factory.mktemp("xdg-config")),
        XRT_LOG="warning",
    )
    env.pop("XR_ENABLE_API_LAYERS", None)
    return env


def needs_service(env: dict[str, str]) -> bool:
    """Debian's packaged Monado is an IPC client of monado-service; ours runs in-process."""
    prefix = os.environ.get("PREVIZKIT_MONADO_PREFIX", "/var/cache/previzkit/monado-25.0.0")
    return (
        not env["XR_RUNTIME_JSON"].startswith(prefix) and shutil.which("monado-service") is not None
    )


@contextlib.contextmanager
def monado_service(env: dict[str, str]):
    """Run monado-service with ``env`` (devices, compositor) while the block runs, if needed."""
    if not needs_service(env):
        yield
        return
    sock = Path(env["XDG_RUNTIME_DIR"]) / "monado_comp_ipc"
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()
    # stdin a pipe: monado-service watches stdin with epoll (a line or EOF quits it),
    # and epoll refuses /dev/null, which is stdin under CI ("epoll_ctl(stdin) failed")
    log = (Path(env["XDG_RUNTIME_DIR"]) / "monado-service.log").open("w+")
    proc = subprocess.Popen(
        ["monado-service"], env=env, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT
    )
    try:
        deadline = time.monotonic() + 30
        while not sock.exists() and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.1)
        if proc.poll() is not None:
            log.seek(0)
            raise AssertionError(
                f"monado-service exited with {proc.returncode}:\n{log.read()[-4000:]}"
            )
        yield
    finally:
        proc.stdin.close()
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def run_scenario(name: str, env: dict[str, str], out: Path, timeout: float = 240.0) -> dict:
    """Run scenario ``name`` of tests/helpers/xr_scenario.py in a subprocess; return its JSON result."""
    out.mkdir(parents=True, exist_ok=True)
    with monado_service(env):
        proc = subprocess.run(
            worker("xr_scenario", name, out),
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    result_file = out / "result.json"
    if proc.returncode != 0 or not result_file.exists():
        raise AssertionError(
            f"scenario {name} failed (rc {proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
        )
    result = json.loads(result_file.read_text())
    result["_stdout"], result["_stderr"] = proc.stdout, proc.stderr
    return result


@pytest.fixture(scope="session")
def runtime_service():
    """monado_service(env): runs monado-service around a block where the runtime needs one."""
    return monado_service


@pytest.fixture(scope="session")
def scenario():
    """run_scenario(name, env, out) for tests that need their own subprocess."""
    return run_scenario


@pytest.fixture(scope="session")
def session_run(xr_env, tmp_path_factory) -> dict:
    """One headset run shared by the session tests (sample set, then the test pattern)."""
    return run_scenario("session", xr_env, tmp_path_factory.mktemp("xr-session"))

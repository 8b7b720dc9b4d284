"""Helpers shared by the tests, imported as ``from tests.helpers import ...``.

Kept light (standard library only here) because worker processes import it too:
``python -m tests.helpers.<worker>`` with :func:`worker_env` (the repository on
``PYTHONPATH``) starts one of the worker scripts in this package.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ASSETS = REPO / "previzkit" / "assets"
SAMPLE_SET = ASSETS / "sets" / "sample.yaml"


def worker_env(env: dict[str, str] | None = None, **extra: str) -> dict[str, str]:
    """``env`` (default: this process's environment) plus ``extra``, with the repository
    first on ``PYTHONPATH`` so a subprocess imports this tree's previzkit and tests."""
    out = dict(os.environ if env is None else env)
    out.update(extra)
    rest = out.get("PYTHONPATH", "")
    out["PYTHONPATH"] = str(REPO) + (os.pathsep + rest if rest else "")
    return out


def worker(name: str, *args: object) -> list[str]:
    """The command line that runs ``tests/helpers/<name>.py`` as a module with ``args``
    (start it with ``env=worker_env()``)."""
    return [sys.executable, "-m", f"tests.helpers.{name}", *(str(a) for a in args)]


def start_worker(
    name: str, *args: object, stdin: bool = False
) -> tuple[subprocess.Popen[str], str]:
    """Start the worker ``name`` (text pipes; stdin piped too with ``stdin``) and read
    the ``endpoint ADDRESS`` line it prints once bound: (process, address). A worker
    that prints anything else is killed and the test fails with its stderr."""
    import pytest

    proc = subprocess.Popen(
        worker(name, *args),
        env=worker_env(),
        stdin=subprocess.PIPE if stdin else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline().split()
    if not line or line[0] != "endpoint":
        proc.kill()
        pytest.fail(f"{name} did not start: {proc.stderr.read()}")
    return proc, line[1]


def write_set(
    folder: Path, text: str, props: tuple[str, ...] = ("ball.glb",), name: str = "set.yaml"
) -> Path:
    """Write set-file ``text`` as ``folder/name`` next to copies of the shipped prop
    meshes it names (``props``); return the set file's path."""
    import shutil

    for mesh in props:
        shutil.copy(ASSETS / "props" / mesh, folder / mesh)
    path = folder / name
    path.write_text(text)
    return path


def flat_stage(
    name: str,
    size: float = 8,
    background: tuple[float, float, float] = (0.2, 0.3, 0.8),
) -> str:
    """Set-file text for a ``size`` x ``size`` m stage lit by white ambient light only
    (flat colours: what the overlay and tracking tests compare), to which a test
    appends its cameras, marks and props."""
    r, g, b = background
    return (
        f"name: {name}\n"
        f"stage: {{width: {size:g}, depth: {size:g}, grid: 1.0}}\n"
        f"background: {{color: [{r}, {g}, {b}]}}\n"
        "lights:\n"
        "  - {type: ambient, color: [1.0, 1.0, 1.0]}\n"
    )

"""Shared fixtures: one headless EGL context per session, GL errors checked per test.

Layout: one folder per area (tests/capture, tests/stage, tests/overlay, ...), each with
its own conftest.py for its fixtures. Test modules are imported with
``--import-mode=importlib`` (so equal file names in two folders do not clash), which
means a test cannot import a conftest or a sibling module. Code shared by tests lives
in the package ``tests.helpers`` instead: ``tests`` is a package (tests/__init__.py) and
pytest's ``pythonpath = ["."]`` (pyproject.toml) puts the repository root on sys.path,
so a test writes ``from tests.helpers import REPO, write_set`` or
``from tests.helpers.media import write_plate``; nothing touches sys.path by hand.
Helper processes are modules there too, started as
``subprocess.run(worker("recorder_worker", ...), env=worker_env())``, i.e.
``python -m tests.helpers.recorder_worker`` with the root on PYTHONPATH.

Everyday subset: ``python3 -m pytest -m "not slow"`` leaves out the tests marked
``slow`` (more than about 10 s each: the 120 s soak, long renders, fuzz runs); CI
(``.ci/run``) runs everything.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def gl_ctx():
    """A moderngl context through EGL (Mesa llvmpipe on CI, the GPU's EGL elsewhere)."""
    moderngl = pytest.importorskip("moderngl")
    ctx = moderngl.create_standalone_context(backend="egl")
    yield ctx
    ctx.release()


@pytest.fixture
def gl(gl_ctx):
    """The session's GL context, current for the test, asserting no GL error before and
    after it (a command run in-process may have made its own context current)."""
    with gl_ctx:
        assert gl_ctx.error == "GL_NO_ERROR", "a GL error was left by an earlier test"
        yield gl_ctx
        assert gl_ctx.error == "GL_NO_ERROR"


@pytest.fixture(scope="session")
def display():
    """A virtual X display (Xvfb) for windows and the GLX binding, as ``":N"``."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        pytest.skip("Xvfb not installed (scripts/setup.d/30-monado.sh installs it)")
    r, w = os.pipe()
    proc = subprocess.Popen(
        [xvfb, "-displayfd", str(w), "-screen", "0", "1280x720x24", "-nolisten", "tcp"],
        pass_fds=(w,),
    )
    os.close(w)
    number = b""
    while not number.endswith(b"\n"):
        chunk = os.read(r, 16)
        if not chunk:
            break
        number += chunk
    os.close(r)
    if not number.strip():
        proc.kill()
        pytest.fail("Xvfb did not report a display number")
    yield f":{number.decode().strip()}"
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="session")
def quick_demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One ``previzkit demo --quick`` for the session, into a folder whose name has a
    space and an accent (``quick démo``): (output folder, stdout). Read it, don't change
    it: a test that moves or edits it copies it first."""
    import sys

    out = tmp_path_factory.mktemp("demo") / "quick démo"
    proc = subprocess.run(
        [sys.executable, "-m", "previzkit", "demo", "--quick", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out, proc.stdout

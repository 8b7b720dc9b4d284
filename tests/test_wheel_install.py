"""The built wheel installs and runs outside the checkout (project issue 14).

The wheel is built from a copy of the checkout (``pip wheel --no-deps
--no-build-isolation``: offline, and setuptools' ``build/`` folder lands in the copy,
not in the checkout), then installed into a fresh venv in an empty temporary folder, and
``previzkit demo --quick`` and ``previzkit capture`` run there on the shipped assets only.

Why ``--system-site-packages`` plus ``pip install --no-deps --ignore-installed``: the
heavy dependencies (moderngl, mediapipe, torch, PyAV, OTIO, ...) come from the system
install, so the venv costs seconds instead of gigabytes and needs no index. The system
site-packages may hold an editable install of a checkout (``__editable__.previzkit-*.pth``
and its finder). That finder is *appended* to ``sys.meta_path``, after the ordinary path
finder, and the venv's own site-packages comes before the system one on ``sys.path``, so
the wheel's copy wins; ``--ignore-installed`` makes pip install the wheel although a
previzkit of the same version is visible in the system site-packages. The test does not
trust that reasoning: it asserts that ``previzkit.__file__`` and the assets folder of the
venv's previzkit lie inside the venv and not in any checkout, and that the console script
runs the venv's interpreter.

Both tests together took 90-155 s on 2 shared, busy cores (the wheel build ~10 s, the rest
mostly `previzkit demo --quick`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
_NOT_COPIED = shutil.ignore_patterns(
    ".git", "build", "dist", "*.egg-info", "__pycache__", "*.pyc", ".*_cache", ".hypothesis"
)


def _env(cache: Path) -> dict[str, str]:
    """The environment of every command: nothing that points back at a checkout."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PREVIZKIT_"))}
    env.update(PREVIZKIT_CACHE=str(cache), PIP_NO_INPUT="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float) -> str:
    proc = subprocess.run(
        cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert proc.returncode == 0, (
        f"{' '.join(map(str, cmd))} exited {proc.returncode}\n{proc.stdout[-3000:]}\n"
        f"{proc.stderr[-3000:]}"
    )
    return proc.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("wheel")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=_NOT_COPIED)
    out = tmp / "dist"
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"]
    _run([*cmd, "-q", "-w", str(out), str(src)], tmp, _env(tmp / "cache"), 600)
    (whl,) = out.glob("previzkit-*.whl")
    return whl


def test_wheel_carries_every_asset_and_no_test_or_benchmark(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    assets = {
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "previzkit" / "assets").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    assert assets and assets <= names, sorted(assets - names)
    assert {n.split("/")[0] for n in names} == {
        "previzkit",
        wheel.name.split("-py")[0] + ".dist-info",
    }
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/")) or "/tests/" in n]
    from previzkit import __version__

    assert f"previzkit-{__version__}-" in wheel.name


def test_installed_wheel_runs_demo_and_capture_outside_the_checkout(wheel, tmp_path):
    venv, work, cache = tmp_path / "venv", tmp_path / "work", tmp_path / "cache"
    work.mkdir()
    env = _env(cache)
    _run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], work, env, 300)
    py, exe = venv / "bin" / "python", venv / "bin" / "previzkit"
    pip = [str(py), "-m", "pip", "install", "-q", "--no-deps", "--ignore-installed"]
    _run([*pip, str(wheel)], work, env, 600)

    where = _run(
        [
            str(py),
            "-c",
            "import sys, previzkit; from previzkit.core.resources import assets_dir;"
            "print(previzkit.__file__); print(assets_dir()); print(previzkit.__version__);"
            "print(sys.executable)",
        ],
        work,
        env,
        120,
    ).splitlines()
    package_file, assets, version = Path(where[0]), Path(where[1]), where[2]
    assert package_file.is_relative_to(venv), f"imported {package_file}, not the wheel's copy"
    assert assets.is_relative_to(venv) and (assets / "models").is_dir()
    assert not package_file.is_relative_to(ROOT) and Path(where[3]).parent == venv / "bin"
    from previzkit import __version__

    assert version == __version__
    assert _run([str(exe), "--version"], work, env, 120).split()[-1] == __version__
    shipped = sorted(p for p in assets.rglob("*") if p.is_file())

    _run([str(exe), "demo", "--quick", "-o", "out"], work, env, 900)
    for name in ("cut.otio", "cut.edl", "previz.mp4"):
        assert (work / "out" / name).stat().st_size > 0, name

    photo = assets / "images" / "grace_hopper.jpg"
    _run([str(exe), "capture", str(photo), "-o", "pose.json"], work, env, 300)
    frames = json.loads((work / "pose.json").read_text())["frames"]
    people = frames[0]["people"]
    assert len(people) >= 1 and len(people[0]["landmarks"]) == 33

    # what is built on demand went to the user cache, not into the installed package
    assert sorted(p for p in assets.rglob("*") if p.is_file()) == shipped
    assert not [p for p in work.rglob("*") if re.search(r"\.egg-info|__editable__", str(p))]

"""The layer contracts in pyproject.toml catch what they promise: ``lint-imports`` on a
copy of the package fails, naming the broken contract and the import, once a module
imports across a forbidden layer or pulls a GPU library into the domain model; the
unchanged copy passes."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.helpers import REPO

LINT_IMPORTS = shutil.which("lint-imports")
pytestmark = pytest.mark.skipif(LINT_IMPORTS is None, reason="import-linter not installed")

FUTURE = "from __future__ import annotations\n"


@pytest.fixture
def copy(tmp_path):
    """previzkit/ (without its assets) and pyproject.toml, copied to ``tmp_path``."""
    shutil.copytree(
        REPO / "previzkit",
        tmp_path / "previzkit",
        ignore=shutil.ignore_patterns("assets", "__pycache__", "*.pyc"),
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def lint(root) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(root))
    return subprocess.run(
        [LINT_IMPORTS, "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def add_import(root, module: str, line: str) -> None:
    """Put ``line`` right after the ``from __future__`` import of ``module``'s file."""
    path = root / "previzkit" / module
    text = path.read_text()
    assert FUTURE in text, path
    path.write_text(text.replace(FUTURE, FUTURE + line + "\n", 1))


def test_the_unchanged_package_keeps_its_contracts(copy):
    r = lint(copy)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 broken" in r.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract", "named"),
    [
        (
            "render/gl.py",
            "from previzkit.stage import loop",
            "layers",
            "previzkit.render.gl -> previzkit.stage.loop",
        ),
        (
            "model/setfile.py",
            "from previzkit.render import renderer",
            "layers",
            "previzkit.model.setfile -> previzkit.render.renderer",
        ),
        (
            "model/camera.py",
            "import moderngl",
            "core and the domain model import no GL",
            "previzkit.model.camera -> moderngl",
        ),
    ],
    ids=["render-imports-stage", "model-imports-render", "model-imports-moderngl"],
)
def test_a_forbidden_import_fails_naming_contract_and_import(copy, module, line, contract, named):
    add_import(copy, module, line)
    r = lint(copy)
    out = r.stdout + r.stderr
    assert r.returncode != 0, out
    broken = [ln for ln in out.splitlines() if ln.endswith(" BROKEN")]
    assert any(ln.startswith(contract) for ln in broken), out
    assert named in out, out

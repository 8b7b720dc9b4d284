"""Khronos' glTF validator (node; scripts/setup.d/55-gltf-validator.sh installs it):
an independent reader of the glTF files previzkit writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

VALIDATE_JS = """
const validator = require(process.argv[2]);
const fs = require("fs");
const bytes = new Uint8Array(fs.readFileSync(process.argv[3]));
validator.validateBytes(bytes, {uri: process.argv[3]})
  .then((report) => console.log(JSON.stringify(report)))
  .catch((err) => { console.error(String(err)); process.exit(1); });
"""


def _validator() -> Path:
    prefix = Path(os.environ.get("PREVIZKIT_GLTF_VALIDATOR_PREFIX", "/opt/previzkit-node"))
    package = prefix / "node_modules" / "gltf-validator"
    if shutil.which("node") is None:
        pytest.skip("node is not installed (scripts/setup.d/55-gltf-validator.sh installs it)")
    if not (package / "package.json").is_file():
        pytest.skip(f"gltf-validator not in {prefix} (run scripts/setup.d/55-gltf-validator.sh)")
    return package


def validate(path: Path) -> dict:
    """The validator's report (JSON) on ``path``; skips where node or it is missing."""
    script = path.with_name(path.name + ".validate.js")
    script.write_text(VALIDATE_JS)
    proc = subprocess.run(
        ["node", str(script), str(_validator()), str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)

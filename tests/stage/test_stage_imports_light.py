"""``previzkit.stage`` and its CLI module import no heavy dependency until used."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("torch", "mediapipe", "cupy", "xr", "moderngl", "numba", "av", "cv2", "trimesh", "zmq")


def test_stage_modules_import_light():
    code = (
        "import sys, previzkit.stage, previzkit.stage.cli, previzkit.stage.loop, "
        "previzkit.stage.state, previzkit.stage.sync, previzkit.stage.sources; "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout

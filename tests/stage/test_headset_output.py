"""The stage loop's headset output against a real OpenXR runtime (Monado's simulated
HMD, null compositor; run in a subprocess: one OpenXR instance per process): the pose
track drives the character and both eyes show it where its joints project."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.helpers import worker, worker_env

pytestmark = [pytest.mark.xr, pytest.mark.gl, pytest.mark.slow]

PREFIX = Path(os.environ.get("PREVIZKIT_MONADO_PREFIX", "/var/cache/previzkit/monado-25.0.0"))
MANIFEST = PREFIX / "share/openxr/1/openxr_monado.json"

SET = """
name: headset
stage: {width: 8, depth: 8, grid: 1.0}
cameras:
  CAM: {lens: {focal_mm: 35}, position: [0.0, 1.3, 6.0], target: [0.0, 1.1, 0.0]}
characters:
  - {name: ALEX, model: mannequin, position: [0.0, 0.0, -2.5], yaw_deg: 0, color: [0.95, 0.2, 0.9]}
"""


def test_headset_eyes_show_the_posed_character(tmp_path, wave_track):
    if not MANIFEST.is_file():
        pytest.skip(
            f"Monado (in-process build) not installed at {PREFIX}: run scripts/setup.d/30-monado.sh"
        )
    set_file = tmp_path / "headset.yaml"
    set_file.write_text(SET)
    rt = tmp_path / "xdg"
    rt.mkdir(mode=0o700)
    env = worker_env(
        XR_RUNTIME_JSON=str(MANIFEST),
        XRT_COMPOSITOR_NULL="1",
        SIMULATED_ENABLE="1",
        SIMULATED_LEFT="simple",
        SIMULATED_RIGHT="simple",
        XDG_RUNTIME_DIR=str(rt),
        XDG_CONFIG_HOME=str(tmp_path),
        XRT_LOG="error",
    )
    env.pop("XR_ENABLE_API_LAYERS", None)
    out = tmp_path / "headset.json"
    run = subprocess.run(
        worker("headset_process", set_file, wave_track, out),
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    rep = json.loads(out.read_text())
    assert rep["stage_frames"] == 30 and rep["xr_frames"] >= 25
    assert rep["states"][-1] == "EXITING" and "FOCUSED" in rep["states"]
    for eye in ("0", "1"):
        for probe in rep["probes"][eye]:
            r, g, b = probe["rgb"]
            assert r - g > 50 and b - g > 50, (eye, probe)  # the character's colour
    # the eyes are apart: the same joint lands further right in the left eye
    assert rep["probes"]["0"][0]["xy"][0] > rep["probes"]["1"][0]["xy"][0]

"""The atheris harness runs clean (a short coverage-guided run from the seeds;
``atheris_fuzz.py TARGET -atheris_runs=N`` for a long one). Skipped where atheris
does not install."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.helpers import worker, worker_env

pytest.importorskip("atheris", reason="atheris not installed (pip install 'previzkit[fuzz]')")
RUNS = max(200, int(os.environ.get("PREVIZKIT_FUZZ_EXAMPLES", "150")))


TARGETS = ["pose", "fountain", "setfile", "freed", "cube", "edl", "otio"]
# CI runs the network-facing decoder (each run pays a fresh interpreter and imports);
# PREVIZKIT_ATHERIS_ALL=1 runs every target.
CI_TARGETS = TARGETS if os.environ.get("PREVIZKIT_ATHERIS_ALL") else TARGETS[:1]


@pytest.mark.slow
@pytest.mark.parametrize("target", CI_TARGETS)
def test_atheris_target_runs_clean(target, tmp_path):
    r = subprocess.run(
        worker("atheris_fuzz", target, f"-atheris_runs={RUNS}", "-max_len=8192"),
        cwd=tmp_path,
        env=worker_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-4000:]
    assert f"Done {RUNS}" in r.stderr
    assert not list(tmp_path.glob("crash-*"))

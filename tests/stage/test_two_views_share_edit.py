"""Two views in two processes share one set state over pyzmq: a mark moved in one view
is drawn in the other's next frame, the other's prop move comes back, and a save
request writes both into the set file."""

from __future__ import annotations

import json
import subprocess
import time

import numpy as np
import pytest

from previzkit.core.geometry import view_matrix
from previzkit.model.camera import Lens, perspective_from_lens, project_points
from previzkit.model.setfile import load_set
from previzkit.stage.state import SetState
from previzkit.stage.sync import StateSync
from tests.helpers import worker, worker_env

pytestmark = [pytest.mark.gl, pytest.mark.slow]


def _yellow(patch: np.ndarray) -> bool:
    p = patch.reshape(-1, 3).astype(int)
    return bool(np.any((p[:, 0] > 150) & (p[:, 1] > 110) & (p[:, 2] < 100)))


def _line(proc, prefix: str, timeout: float = 60.0) -> str:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(prefix):
            return line.strip()
    raise AssertionError(f"view process never printed {prefix!r}: {proc.stderr.read()[-2000:]}")


def test_mark_moved_in_one_view_appears_in_the_other_within_one_frame(
    small_set, wave_track, tmp_path
):
    set_def = load_set(small_set)
    state = SetState.from_set(set_def, "viewA")
    out = tmp_path / "viewB.json"
    with StateSync(state, set_def.name, "tcp://127.0.0.1:0") as a:
        proc = subprocess.Popen(
            worker("view_process", small_set, wave_track, a.endpoint, out),
            env=worker_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            b_endpoint = _line(proc, "endpoint").split()[1]
            a.connect(b_endpoint)
            assert a.wait_for_peers(1, timeout=30)
            _line(proc, "ready")  # B renders steadily in real time
            edit = a.edit("mark/A", position=[1.0, 0.5])
            end = time.monotonic() + 30
            while state.get("prop/ball")["position"] != [-1.5, 0.0, 1.0] and time.monotonic() < end:
                a.poll(timeout=0.05)
            assert state.get("prop/ball")["position"] == [-1.5, 0.0, 1.0], (
                "B's edit never came back"
            )
            a.request_save()
            proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 0, proc.stderr.read()[-2000:]
    rep = json.loads(out.read_text())
    k = rep["moved_frame"]
    assert k is not None
    polled = rep["polled"]
    # within one frame: at most one of B's frames took its inputs between the edit being
    # sent and the frame that drew it (the one already under way when it arrived)
    between = [p for p in polled[:k] if p > edit.wall]
    assert len(between) <= 1, f"edit sent at {edit.wall}, frames polled after it: {between}"
    assert polled[k] >= edit.wall
    (key, wall, _applied_at), *_ = rep["applied"]
    assert key == "mark/A" and wall == pytest.approx(edit.wall)
    # B's frame k draws the mark at its new place; frame k-1 did not
    imgs = np.load(str(out) + ".npz")
    cam = np.array(rep["camera_to_world"])
    proj = perspective_from_lens(Lens(rep["focal_mm"]), 320 / 180)
    x, y = project_points(np.array([[1.0, 0.003, 0.5]]), view_matrix(cam), proj, 320, 180)[0]
    x, y = round(float(x)), round(float(y))
    assert _yellow(imgs[f"f{k}"][y - 2 : y + 3, x - 2 : x + 3])
    assert not _yellow(imgs[f"f{k - 1}"][y - 2 : y + 3, x - 2 : x + 3])
    # saved on request: both views' edits in the set file
    saved = load_set(rep["saved"])
    assert saved.marks["A"].position == (1.0, 0.5)
    assert saved.props[0].position == (-1.5, 0.0, 1.0)

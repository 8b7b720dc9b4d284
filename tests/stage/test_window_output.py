"""The desktop window output shows each presented frame, plate composite included
(a real glfw window on a virtual X display, Xvfb)."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from tests.helpers import worker, worker_env

pytestmark = [pytest.mark.gl, pytest.mark.slow]


def test_window_shows_the_composited_frame(small_set, wave_track, plate_video, tmp_path, display):
    pytest.importorskip("glfw")
    out = tmp_path / "window.npz"
    env = worker_env(DISPLAY=display)
    run = subprocess.run(
        worker("window_process", small_set, wave_track, plate_video, out),
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    z = np.load(out)
    assert int(z["frames"]) == 5
    shown, last = z["shown"], z["last"]
    assert shown.shape == last.shape == (180, 320, 3)
    # the window shows the presented image (plate composite included). Read back after
    # the buffer swap, part of the window can come back black (the back buffer is
    # undefined after a swap on Mesa/Xvfb): compare where it is not
    lit = shown.sum(axis=2) > 0
    assert lit.mean() > 0.25
    assert np.abs(shown[lit].astype(int) - last[lit].astype(int)).mean() < 3.0
    assert abs(int(last[5, 315, 1]) - 140) < 12  # the plate's green where nothing is drawn

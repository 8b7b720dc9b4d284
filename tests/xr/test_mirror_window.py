"""The desktop mirror window shows the headset's left eye (on a virtual X display)."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = [pytest.mark.xr, pytest.mark.gl, pytest.mark.slow]


def test_mirror_window_shows_the_left_eye(xr_env, scenario, display, tmp_path):
    env = dict(xr_env, DISPLAY=display)
    result = scenario("mirror", env, tmp_path)
    assert result["frames"] >= 10 and result["states"][-1] == "EXITING"
    window, left = np.load(tmp_path / "window.npy"), np.load(tmp_path / "left.npy")
    h, w = window.shape[:2]
    assert (w, h) == (960, 540)
    # 320x240 letterboxed into 960x540: 720 wide, black bars of 120 px each side.
    assert window[:, :100].max() == 0 and window[:, -100:].max() == 0
    inner = window[:, 120:840]
    small = inner[::9, ::9][:60, :80].astype(int)  # 540/240 = 2.25 -> compare on a coarse grid
    ref = left[::4, ::4, :3][:60, :80].astype(int)
    assert np.abs(small - ref).mean() < 25
    # The red cube in the middle of the left eye is in the middle of the window.
    assert window[h // 2, w // 2, 0] > 200 and window[h // 2, w // 2, 1] < 60

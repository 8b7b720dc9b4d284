"""The loop draws what the shared state adds and deletes: a duplicated prop gets its
own drawable, a deleted one is released, a character follows its mark."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = pytest.mark.gl


def test_loop_builds_and_releases_props_and_moves_characters(gl, small_set, wave_track):
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.sources import TrackSource

    with StageLoop(gl, small_set, TrackSource(wave_track), StageOptions(96, 54)) as loop:
        loop.step()
        s = loop.state
        ball = dict(s.get("prop/ball"))
        s.add("prop/ball_2", **{**ball, "position": [-1.0, 0.0, 1.0]})
        s.add("mark/C", position=[2.0, 1.0])
        s.add("camera/1-A", position=[0.0, 1.6, 4.0], focal_mm=50)
        s.edit("character/ALEX", mark="C")
        loop.step()
        scene = loop.drawables
        assert set(scene.props) == {"ball", "ball_2"}
        np.testing.assert_allclose(scene.props["ball_2"].model[:3, 3], (-1.0, 0.0, 1.0))
        assert "C" in scene.set.marks and "1-A" in scene.set.cameras
        alex = scene.set.characters[0]
        assert alex.mark == "C" and alex.position == (2.0, 0.0, 1.0)
        s.edit("mark/C", position=[2.5, 1.5])  # the character stands on it, wherever it goes
        s.delete("prop/ball")
        loop.step()
        assert set(scene.props) == {"ball_2"}
        assert scene.set.characters[0].position == (2.5, 0.0, 1.5)
        n = len(s.log)
        loop.step()  # nothing changed: nothing rebuilt
        assert loop._log_index == n
        assert loop.last_image is not None

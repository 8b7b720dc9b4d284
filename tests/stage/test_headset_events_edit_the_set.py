"""Controller events from the headset (previzkit.xr.events) become set-state edits
that the loop draws from its next frame, and that can be saved to the set file."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.core.geometry import look_at
from previzkit.model.camera import Lens
from previzkit.model.setfile import load_set

pytestmark = pytest.mark.gl


def test_events_edit_marks_and_add_a_camera_beside_the_sets(gl, small_set, wave_track, tmp_path):
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.sources import TrackSource
    from previzkit.xr.events import CameraPlaced, LensChanged, MarkMoved, MarkPlaced

    with StageLoop(gl, small_set, TrackSource(wave_track), StageOptions(160, 90)) as loop:
        loop.step()
        cam_before = loop.camera()
        loop.on_xr_event(MarkMoved("B", (-2.0, 1.0), final=True))
        loop.on_xr_event(MarkPlaced("NEW", (0.0, 3.0)))  # a new mark is kept
        pose = look_at((2.0, 1.7, 4.0), (0.0, 1.0, 0.0))
        loop.on_xr_event(CameraPlaced(pose, Lens(24.0)))  # a new camera, not the set's CAM
        loop.on_xr_event(LensChanged(Lens(50.0)))
        assert loop.drawables.set.marks["NEW"].position == (0.0, 3.0)  # drawn at once
        loop.step()
        assert loop.drawables.set.marks["B"].position == (-2.0, 1.0)
        placed = loop.drawables.set.cameras["cam1"]
        np.testing.assert_allclose(placed.camera_to_world(), pose, atol=1e-9)
        assert placed.lens.focal_mm == 50.0
        np.testing.assert_allclose(loop.camera().camera_to_world, cam_before.camera_to_world)
        assert loop.camera().lens.focal_mm == cam_before.lens.focal_mm
        loop.edit("prop/ball", position=[0.0, 0.0, 2.0])
        loop.step()
        np.testing.assert_allclose(loop.drawables.props["ball"].model[:3, 3], (0.0, 0.0, 2.0))
        saved = loop.save_set()
    back = load_set(saved)
    assert back.marks["B"].position == (-2.0, 1.0) and back.marks["NEW"].position == (0.0, 3.0)
    assert back.cameras["cam1"].lens.focal_mm == 50.0
    assert back.cameras["CAM"] == load_set(small_set).cameras["CAM"]
    assert back.props[0].position == (0.0, 0.0, 2.0)


def test_save_needs_a_set_file(gl, small_set, wave_track):
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.sources import TrackSource

    loop = StageLoop(gl, load_set(small_set), TrackSource(wave_track), StageOptions(64, 36))
    with loop, pytest.raises(InputError, match="did not come from a file"):
        loop.save_set()


def test_loop_input_errors(gl, small_set, wave_track, tmp_path):
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.sources import TrackSource

    with pytest.raises(InputError, match="no camera named 'X'"):
        StageLoop(gl, small_set, TrackSource(wave_track), StageOptions(64, 36, camera="X"))
    with pytest.raises(InputError, match="at least 2x2"):
        StageLoop(gl, small_set, TrackSource(wave_track), StageOptions(1, 36))
    bare = tmp_path / "bare.yaml"
    bare.write_text("name: bare\n")
    with pytest.raises(InputError, match="has no camera to render through"):
        StageLoop(gl, bare, TrackSource(wave_track), StageOptions(64, 36))

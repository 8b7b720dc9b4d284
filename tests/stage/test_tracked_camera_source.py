"""The stage loop with a tracked camera (a :class:`previzkit.stage.camera.CameraSource`
in place of the set camera): it renders through the source's camera over a real video
plate, and a set without cameras is fine then."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.core.geometry import look_at

pytestmark = pytest.mark.gl


def test_the_loop_renders_through_the_camera_source(gl, small_set, plate_video, wave_track):
    from previzkit.model.camera import Lens
    from previzkit.stage.camera import CameraSource, FixedCamera
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.plate import PlateReader
    from previzkit.stage.sources import TrackSource

    side = look_at((3.0, 1.2, 3.0), (0.0, 1.0, 0.0))
    source = FixedCamera(side, Lens(28.0))
    assert isinstance(source, CameraSource)
    images = {}
    for name, cam in (("set", None), ("tracked", source)):
        with StageLoop(
            gl,
            small_set,
            TrackSource(wave_track),
            StageOptions(160, 90),
            plate=PlateReader(plate_video, (160, 90)),
            camera_source=cam,
        ) as loop:
            assert loop.step()
            images[name] = loop.last_image
            camera = loop.last_camera
            assert loop.tracked == (cam is not None) and loop.lost == 0
    np.testing.assert_allclose(camera.position, side[:3, 3], atol=1e-6)
    assert camera.lens.focal_mm == pytest.approx(28.0)
    differ = np.any(np.abs(images["set"].astype(int) - images["tracked"]) > 30, axis=-1)
    assert differ.sum() > 100  # the character seen from the side, not from CAM


def test_a_set_without_cameras_needs_a_camera_source(gl, tmp_path, wave_track):
    from previzkit.model.camera import Lens
    from previzkit.stage.camera import FixedCamera
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.sources import TrackSource
    from tests.helpers import write_set

    bare = write_set(
        tmp_path,
        "name: bare\nstage: {width: 4, depth: 4}\n"
        "characters:\n  - {name: ALEX, model: mannequin, position: [0, 0, 0]}\n",
        props=(),
    )
    with pytest.raises(InputError, match="has no camera"):
        StageLoop(gl, bare, TrackSource(wave_track), StageOptions(64, 36))
    cam = FixedCamera(look_at((0.0, 1.2, 4.0), (0.0, 1.0, 0.0)), Lens())
    with StageLoop(gl, bare, TrackSource(wave_track), StageOptions(64, 36), camera_source=cam):
        pass  # without a plate the source is never asked: the loop's initial camera is used
    with pytest.raises(InputError, match="compositor needs a plate"):
        StageLoop(
            gl,
            bare,
            TrackSource(wave_track),
            StageOptions(64, 36),
            camera_source=cam,
            compositor=object(),  # type: ignore[arg-type]
        )

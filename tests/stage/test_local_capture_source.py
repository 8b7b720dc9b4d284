"""Local capture: MediaPipe in its own thread on a real video (frames of a real
photograph, scikit-image's ``astronaut()``, NASA, public domain) drives the character."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = [pytest.mark.gl, pytest.mark.media, pytest.mark.slow]


def _video(path, frames=4):
    import av
    from skimage import data

    img = np.ascontiguousarray(data.astronaut())  # 512 x 512 RGB
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 512, 512, "yuv420p"
        for _ in range(frames):
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def test_capture_source_poses_the_character(gl, small_set, tmp_path):
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.sources import CaptureSource

    src = CaptureSource(_video(tmp_path / "astronaut.mp4"), realtime=False, max_people=1)
    with StageLoop(gl, small_set, src, StageOptions(160, 90)) as loop:
        stats = loop.run(frames=10)  # the video (4 frames) ends first
        ch = loop.drawables.characters["ALEX"]
        rotations = dict(ch.pose.rotations)
    assert loop.index == 4 and len(stats) == 4
    assert loop.actors.map.assigned == {0: "ALEX"}
    # MediaPipe saw her arms and shoulders: the character's upper body left the rest pose
    assert {"chest", "left_upper_arm", "right_upper_arm"} & set(rotations)
    # every frame had a pose, captured and received in the capture thread
    assert all(f.captured is not None and f.received >= f.captured for f in stats.frames)


def test_capture_source_missing_input_is_named(tmp_path):
    from previzkit.core.errors import MissingFileError
    from previzkit.stage.sources import CaptureSource

    with pytest.raises(MissingFileError, match=r"nowhere\.mp4"):
        CaptureSource(tmp_path / "nowhere.mp4")

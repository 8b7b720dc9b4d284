"""The render mannequin driven by a real actor's retargeted pose (moderngl on EGL)."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.capture.pipeline import CaptureOptions, capture
from previzkit.capture.retarget import retarget_clip

pytestmark = [pytest.mark.gl, pytest.mark.media]


def test_mannequin_takes_the_actors_pose_and_stands_on_the_floor(gl, lite_image, astronaut):
    from previzkit.model.setfile import CharacterDef
    from previzkit.render.character import character_from_def

    (pose,) = lite_image.detect(astronaut)
    skeleton, (sk_pose,) = retarget_clip([pose], min_visibility=0.3)
    ch = character_from_def(gl, CharacterDef(name="actor"), skeleton=skeleton)
    try:
        ch.set_pose(sk_pose)
        j = ch.joint_positions()
        ix = skeleton.index
        # the astronaut's arms hang down holding the helmet: elbows below the shoulders
        for side in ("left", "right"):
            assert j[ix(f"{side}_forearm"), 1] < j[ix(f"{side}_upper_arm"), 1] - 0.1
        # her left (image right) is the mannequin's +x, as MediaPipe's left is
        assert j[ix("left_upper_arm"), 0] > j[ix("right_upper_arm"), 0]
        verts = ch.cpu_vertices()
        assert abs(verts[:, 1].min()) < 0.06  # skinned mesh stands on the floor
    finally:
        ch.release()


def test_mannequin_moves_with_the_actor_across_the_frame(moving_video):
    path, truth = moving_video
    track = capture(path, CaptureOptions(max_people=1))
    _, poses = retarget_clip(track.actor(0))
    xs = np.array([p.root[0] for p in poses])
    # the photo moves right 4 px/frame at ~190 px per ~0.5 m torso: metres to the right
    assert xs[0] == 0.0 and xs[-1] > xs[0] + 0.05
    assert np.all(np.diff(xs) > -0.02)
    assert len(poses) == len(truth)

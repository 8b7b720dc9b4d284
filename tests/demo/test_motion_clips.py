"""The shipped actor clips and the BVH conversion behind them (pure numpy)."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.core.resources import asset_path
from previzkit.production import motion

BVH = """HIERARCHY
ROOT Hips
{
  OFFSET 0 0 0
  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation
  JOINT Chest
  {
    OFFSET 0 10 0
    CHANNELS 3 Zrotation Xrotation Yrotation
    End Site
    {
      OFFSET 0 5 0
    }
  }
}
MOTION
Frames: 2
Frame Time: 0.5
0 90 0 0 0 0 0 0 0
0 90 0 0 0 0 90 0 0
"""


def test_parse_and_forward_kinematics() -> None:
    clip = motion.parse_bvh(BVH, "t.bvh")
    assert clip.names == ["Hips", "Chest"] and clip.parents == [-1, 0]
    assert clip.fps == 2.0 and list(clip.end_sites) == [1]
    rot, pos = motion.forward_kinematics(clip)
    assert np.allclose(pos[:, 1], [[0, 100, 0], [0, 100, 0]])
    # Zrotation 90 on the chest turns its end site (0, 5, 0) to (-5, 0, 0)
    tip = pos[1, 1] + rot[1, 1] @ clip.end_sites[1]
    assert np.allclose(tip, [-5, 100, 0], atol=1e-9)


def test_forward_kinematics_matches_bvhio_on_the_shipped_take() -> None:
    """Every joint of every 10th frame of the mocap take where bvhio (an independent
    BVH reader) puts it; the deepest frame kneels on one knee."""
    bvhio = pytest.importorskip("bvhio")
    path = asset_path("motion", "source", "mocapbank_crouch.bvh")
    clip = motion.read_bvh(path)
    _, pos = motion.forward_kinematics(clip)
    root = bvhio.readAsHierarchy(str(path))
    for k in range(0, pos.shape[0], 10):
        root.loadPose(k)
        for joint, *_ in root.layout():
            if joint.Name in clip.names:
                got = pos[k, clip.names.index(joint.Name)]
                assert np.allclose(got, np.array(joint.PositionWorld), atol=1e-3), (k, joint.Name)
    knees = pos[:, [clip.names.index("LeftKnee"), clip.names.index("RightKnee")], 1]
    low = int(np.argmin(pos[:, clip.names.index("Hips"), 1]))
    assert knees[low].min() < 10 < knees[low].max()  # cm: one knee down, one up


@pytest.mark.parametrize(
    "text, why",
    [
        ("MOTION", "HIERARCHY"),
        (BVH.replace("Frames: 2", "Frames: 3"), "18 motion values"),
        (BVH.replace("OFFSET 0 10 0", "OFFSET 0 ten 0"), "malformed"),
    ],
)
def test_bad_bvh_names_the_file(text: str, why: str) -> None:
    with pytest.raises(InputError, match=f"t.bvh.*{why}"):
        motion.parse_bvh(text, "t.bvh")


def test_shipped_source_converts_to_the_shipped_clips(tmp_path) -> None:
    out = motion.build_sample_clips(
        asset_path("motion", "source", "mocapbank_crouch.bvh"), tmp_path
    )
    for p in out:
        fps, new = motion.clip_landmarks(p)
        fps0, old = motion.clip_landmarks(asset_path("motion", p.name))
        assert fps == fps0 == 30.0 and np.allclose(new, old, atol=1e-5)


def test_clips_are_real_motion_facing_the_camera() -> None:
    fps, lm = motion.clip_landmarks(asset_path("motion", "mara.pzt"))
    assert fps == 30.0 and lm.shape == (454, 33, 3)  # 15 s
    hips = (lm[:, 23] + lm[:, 24]) / 2
    assert hips[:, 1].max() - hips[:, 1].min() > 0.3  # the actor kneels and stands up
    left = lm[:10, 23] - lm[:10, 24]
    assert np.all(left[:, 0] > 0) and np.allclose(left[:, 2].mean(), 0, atol=0.02)
    toes = lm[:10, 31:33, 2] - lm[:10, 27:29, 2]
    assert np.all(toes > 0)  # feet point at the camera (+z)
    _, mirrored = motion.clip_landmarks(asset_path("motion", "jonas.pzt"))
    assert np.allclose(mirrored[:, 11, 0], -lm[:, 12, 0], atol=1e-4)  # left <-> right


def test_retime_speed_start_and_hold() -> None:
    lm = np.arange(11, dtype=float)[:, None, None] * np.ones((11, 33, 3))
    out = motion.retime(lm, fps=10, out_fps=10, speed=2.0, start_s=0.2, duration_s=0.6)
    assert out[:, 0, 0].tolist() == pytest.approx([2, 4, 6, 8, 10, 10])
    near = motion.retime(lm, 10, 24, speed=0.8, nearest=True)
    assert set(np.unique(near[:, 0, 0])) <= set(range(11))
    with pytest.raises(InputError, match="speed"):
        motion.retime(lm, 10, 10, speed=0)

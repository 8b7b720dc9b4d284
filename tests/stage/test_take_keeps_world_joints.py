"""A two-actor take recorded by the stage loop on the sample set keeps where every
character stood: ``joints.npz`` holds their world joints, and the take's BVH and glTF
exports, read back with bvhio and trimesh, put each actor's root on its mark."""

from __future__ import annotations

import numpy as np
import pytest

from tests.helpers import SAMPLE_SET

pytestmark = [pytest.mark.gl, pytest.mark.media]

MARKS = {"ALEX": (-1.2, 0.0), "SAM": (1.3, -1.0)}  # sample.yaml: marks A and B (x, z)
FRAMES = 10


@pytest.fixture
def two_actor_take(gl, make_track, tmp_path):
    """Take 1 of 2/2-A: 10 frames of two waving actors (0 -> ALEX, 1 -> SAM)."""
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.sink import RecorderSink, ThreadedSink
    from previzkit.stage.sources import TrackSource
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore

    track = make_track(tmp_path / "two.pzt", FRAMES, actors=(0, 1))
    store = TakeStore(tmp_path / "day1")
    rec = Recorder(store, "2", "2-A", rate="30", start_tc="01:00:00:00", size=(160, 90))
    loop = StageLoop(
        gl,
        SAMPLE_SET,
        TrackSource(track),
        StageOptions(160, 90),
        actors={0: "ALEX", 1: "SAM"},
        sinks=[ThreadedSink(RecorderSink(rec))],
    )
    with loop:
        loop.run(frames=FRAMES)
    with store:
        yield store, store.get("2", "2-A", 1)


def test_joints_npz_holds_the_characters_where_they_stand(two_actor_take):
    from previzkit.model.camera_track import read_camera_track
    from previzkit.model.joint_track import read_joint_track
    from previzkit.model.skeleton import SKELETON

    store, take = two_actor_take
    assert take.files["joints"] == "joints.npz"
    joints = read_joint_track(store.file(take, "joints"))
    camera = read_camera_track(store.file(take, "camera"))
    assert joints.characters == ["ALEX", "SAM"] and tuple(joints.joints) == SKELETON
    assert len(joints) == FRAMES == take.duration_frames
    np.testing.assert_array_equal(joints.index, camera.index)
    np.testing.assert_allclose(joints.time, camera.time)
    assert np.all(np.isfinite(joints.world))
    for name, (x, z) in MARKS.items():
        hips, head = joints.joint(name, "hips"), joints.joint(name, "head")
        assert np.all(head[:, 1] > hips[:, 1] + 0.3)
        for foot in ("left_foot", "right_foot"):
            assert np.all(np.abs(joints.joint(name, foot)[:, 1]) < 0.15)
        np.testing.assert_allclose(hips[:, [0, 2]], np.tile([x, z], (FRAMES, 1)), atol=0.15)
    # ALEX's left hand waves (the track's motion reached the take)
    hand = joints.joint("ALEX", "left_hand")
    assert np.ptp(hand[:, 1]) > 0.02


def test_bvh_and_gltf_exports_put_each_actor_on_its_mark(two_actor_take, tmp_path):
    import bvhio
    import trimesh

    from previzkit.model.joint_track import read_joint_track
    from previzkit.takes.motion_export import export_take_motion

    store, take = two_actor_take
    track = read_joint_track(store.file(take, "joints"))
    out = export_take_motion(track, tmp_path / "export")
    assert sorted(out.files) == ["ALEX", "SAM"] and out.fps == 30.0
    roots = {}
    for name, (x, z) in MARKS.items():
        bvh = bvhio.readAsHierarchy(str(out.files[name]["bvh"]))
        assert bvh.Name == "hips"
        bvh.loadPose(0)
        p = np.array(bvh.PositionWorld, float) / 100.0  # centimetres
        assert abs(p[0] - x) < 0.15 and abs(p[2] - z) < 0.15, (name, p)
        np.testing.assert_allclose(p, track.joint(name, "hips")[0], atol=1e-3)
        # the head lands where the take had it (rotations carry the facing)
        head = bvh.filter("head")[0]
        np.testing.assert_allclose(
            np.array(head.PositionWorld, float) / 100.0, track.joint(name, "head")[0], atol=0.01
        )
        scene = trimesh.load(str(out.files[name]["glb"]), force="scene")
        hips_world, _ = scene.graph.get("hips")
        assert abs(hips_world[0, 3] - x) < 0.15 and abs(hips_world[2, 3] - z) < 0.15
        mesh = (
            scene.to_geometry() if hasattr(scene, "to_geometry") else scene.dump(concatenate=True)
        )
        centre = mesh.bounds.mean(axis=0)
        assert abs(centre[0] - x) < 0.4 and abs(centre[2] - z) < 0.4, (name, centre)
        roots[name] = p
    # two actors of one take stand apart where they stood
    assert np.linalg.norm(roots["ALEX"][[0, 2]] - roots["SAM"][[0, 2]]) > 2.0

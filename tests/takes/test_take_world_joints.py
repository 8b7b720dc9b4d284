"""The recorder keeps the characters' world joints: journaled per frame, written as
``joints.npz`` at stop, rebuilt by recovery after a SIGKILL, exported as BVH / glTF
with each root where the character stood."""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

from previzkit.core.errors import InputError, ShapeError
from previzkit.model.frame_joints import FrameJoints
from previzkit.model.joint_track import read_joint_track
from previzkit.model.skeleton import SKELETON
from previzkit.takes.recorder import Recorder
from previzkit.takes.recovery import recover
from previzkit.takes.store import TakeStore
from tests.helpers import worker_env

# Two mannequins waving on their marks (x, z, yaw degrees), frame i at i / 24 s.
# Only ALEX is on the set in frame 0: SAM enters in frame 1.
JOINTS_OF = textwrap.dedent(
    """
    import math
    import numpy as np
    from previzkit.core.geometry import translation
    from previzkit.model.frame_joints import FrameJoints
    from previzkit.model.kinematics import forward_kinematics
    from previzkit.model.skeleton import SKELETON, default_skeleton
    from previzkit.stage.synth import wave_pose

    PLACES = {"ALEX": (-1.2, 0.0, 120.0), "SAM": (1.3, -1.0, -60.0)}
    SK = default_skeleton(1.75)

    def joints_of(i):
        out = {}
        for name, (x, z, yaw) in PLACES.items():
            if name == "SAM" and i == 0:
                out[name] = None
                continue
            fk = translation((x, 0.0, z), math.radians(yaw)) @ forward_kinematics(
                SK, wave_pose(SK, i / 24))
            out[name] = fk[:, :3, 3]
        return FrameJoints.of(out, SKELETON)
    """
)
_ns: dict = {}
exec(JOINTS_OF, _ns)
joints_of = _ns["joints_of"]
PLACES = _ns["PLACES"]

# A recording process that journals FRAMES frames with joints, waits until they are
# durable, then dies by SIGKILL (no stop: the take stays "recording").
CHILD = JOINTS_OF + textwrap.dedent(
    """
    import os, signal, sys, threading
    from previzkit.model.camera import Lens
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore

    project, frames = sys.argv[1], int(sys.argv[2])
    durable = threading.Event()
    rec = Recorder(TakeStore(project), "8", "8-A", rate="24", start_tc="02:00:00:00",
                   flush_interval=0.1,
                   on_flush=lambda n: durable.set() if n >= 3 * frames else None)
    rec.start()
    lens = Lens(35.0, 24.89, 18.66, 4.0)
    for i in range(frames):  # 3 records a frame: camera, joints, tick
        rec.frame(camera=((0.0, 1.5, 5.0), (0, 0, 0, 1), lens), joints=joints_of(i),
                  time_s=i / 24)
    if not durable.wait(20):
        sys.exit(5)
    os.kill(os.getpid(), signal.SIGKILL)
    """
)


def _check(track, frames):
    assert track.characters == ["ALEX", "SAM"] and tuple(track.joints) == SKELETON
    assert len(track) == frames
    np.testing.assert_array_equal(track.index, np.arange(frames))
    np.testing.assert_allclose(track.time, np.arange(frames) / 24)
    assert np.all(np.isnan(track.world[0, 1])) and np.all(np.isfinite(track.world[1:]))
    for i in (0, frames - 1):
        want = joints_of(i).world
        np.testing.assert_allclose(track.world[i], want, atol=1e-6)
    for name, (x, z, _) in PLACES.items():
        hips = track.joint(name, "hips")[1:]
        np.testing.assert_allclose(hips[:, [0, 2]], np.tile([x, z], (frames - 1, 1)), atol=0.05)


def test_the_recorder_writes_joints_npz_at_stop(tmp_path):
    with TakeStore(tmp_path / "proj") as store:
        with Recorder(store, "8", "8-A", rate="24", start_tc="02:00:00:00") as rec:
            for i in range(6):
                rec.frame(joints=joints_of(i), time_s=i / 24)
        take = rec.take
        assert take.status == "ok" and take.files["joints"] == "joints.npz"
        track = read_joint_track(store.file(take, "joints"))
    _check(track, 6)
    assert track.meta["rate"] == "24" and track.meta["start_tc"] == "02:00:00:00"


def test_a_take_without_joints_has_no_joints_file(tmp_path):
    with TakeStore(tmp_path / "proj") as store:
        with Recorder(store, "8", "8-B", start_tc="00:00:00:00") as rec:
            rec.frame(time_s=0.0)
        assert "joints" not in rec.take.files


def test_a_take_killed_mid_recording_keeps_its_joints(tmp_path):
    project, frames = tmp_path / "proj", 12
    child = subprocess.run(
        [sys.executable, "-c", CHILD, str(project), str(frames)],
        capture_output=True,
        text=True,
        env=worker_env(),
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    with TakeStore(project) as store:
        assert store.get("8", "8-A", 1).status == "recording"
        (take,) = recover(store)
        assert take.status == "recovered"
        assert {"camera", "joints"} <= set(take.files)
        track = read_joint_track(store.file(take, "joints"))
    assert take.duration_frames == frames
    _check(track, frames)


def test_bad_joints_are_named(tmp_path):
    with pytest.raises(ShapeError, match=r"ALEX has positions of shape \(3, 3\)"):
        FrameJoints.of({"ALEX": np.zeros((3, 3))}, SKELETON)
    with pytest.raises(ShapeError, match="expected"):
        FrameJoints(("ALEX",), SKELETON, np.zeros((2, len(SKELETON), 3)))
    with (
        TakeStore(tmp_path / "proj") as store,
        Recorder(store, "8", "8-C", start_tc="00:00:00:00") as rec,
    ):
        with pytest.raises(InputError, match="not FrameJoints"):
            rec.frame(joints=np.zeros((1, 23, 3)))  # type: ignore[arg-type]
        rec.frame()


def test_export_motion_cli_places_each_character(tmp_path, capsys):
    import bvhio

    from previzkit.cli import main

    project = tmp_path / "proj"
    with TakeStore(project) as store:
        with Recorder(store, "8", "8-A", rate="24", start_tc="02:00:00:00") as rec:
            for i in range(4):
                rec.frame(joints=joints_of(i), time_s=i / 24)
        with Recorder(store, "8", "8-A", start_tc="02:00:00:00") as rec:
            rec.frame(time_s=0.0)
    out = tmp_path / "motion"
    args = ["takes", "export-motion", "-p", str(project), "8", "8-A", "1", "-o", str(out)]
    assert main([*args, "--units", "m"]) == 0
    printed = capsys.readouterr().out
    assert "ALEX:" in printed and "SAM:" in printed
    assert sorted(p.name for p in out.iterdir()) == ["ALEX.bvh", "ALEX.glb", "SAM.bvh", "SAM.glb"]
    for name, (x, z, yaw) in PLACES.items():
        root = bvhio.readAsHierarchy(str(out / f"{name}.bvh"))
        root.loadPose(0)  # SAM is absent in frame 0: it holds its first frame there
        p = np.array(root.PositionWorld, float)
        assert abs(p[0] - x) < 0.05 and abs(p[2] - z) < 0.05, (name, p)
        # facing: the character's front (+z at rest) turned by its mark's yaw
        left, right = (
            np.array(root.filter(f"{side}_upper_leg")[0].PositionWorld, float)
            for side in ("left", "right")
        )
        front = np.cross(left - right, (0.0, 1.0, 0.0))
        want = (math.sin(math.radians(yaw)), math.cos(math.radians(yaw)))
        assert np.dot(front[[0, 2]] / np.linalg.norm(front), want) > 0.95, (name, front)
    # a take recorded without joints: one line saying so
    assert main([*args[:-3], "2", "-o", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "has no joints.npz" in err[0]
    assert os.path.exists(out / "ALEX.bvh")

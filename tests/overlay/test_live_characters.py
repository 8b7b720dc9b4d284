"""Live characters in the AR overlay: a real mocap pose track (the shipped walk) drives
the set's character through the stage loop, played at the plate's frame times; the
characters' joints move on screen as the pose does."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.core.geometry import view_matrix
from previzkit.core.resources import asset_path
from previzkit.model.camera import perspective_from_lens, project_points
from previzkit.overlay.compositor import FixedCamera, Overlay, OverlayOptions
from tests.helpers import flat_stage, write_set

W, H = 320, 240
WALK = ("motion", "library", "walk.pzt")
SET = (
    flat_stage("live stage")
    + """cameras:
  CAM: {lens: {focal_mm: 24}, position: [0.0, 1.1, 4.5], target: [0.0, 0.9, 0.0]}
characters:
  - {name: ALEX, model: mannequin, position: [0.0, 0, 0.0], yaw_deg: 0, color: [0.95, 0.2, 0.9]}
"""
)
MAGENTA = np.array([242, 51, 230])
PLATE = np.full((H, W, 3), (40, 200, 60), np.uint8)


@pytest.fixture
def set_file(tmp_path):
    return write_set(tmp_path, SET, props=())


def _camera(set_file):
    from previzkit.model.setfile import load_set

    cam = load_set(set_file).camera("CAM")
    return cam.camera_to_world(), cam.lens


def _pixels(world, pose, lens):
    proj = perspective_from_lens(lens, W / H)
    return project_points(np.asarray(world, np.float64), view_matrix(pose), proj, W, H)


@pytest.mark.gl
def test_a_pose_file_moves_the_character_in_the_overlay(gl, set_file):
    pose, lens = _camera(set_file)
    times = (0.0, 0.3, 0.6, 0.9)
    frames, joints = [], []
    opts = OverlayOptions(W, H, matte="none")
    with Overlay(
        gl, set_file, FixedCamera(pose, lens), opts, poses=asset_path(*WALK), actors={0: "ALEX"}
    ) as ov:
        for t in times:
            frames.append(ov.process(PLATE, time_s=t).image)
            joints.append(ov.joints())
        assert ov.loop.actors.map.assigned == {0: "ALEX"}
    with Overlay(gl, set_file, FixedCamera(pose, lens), opts) as rest:
        still = rest.process(PLATE).image
        rest_joints = rest.joints()
    names = joints[0].joints
    hands = [names.index(n) for n in ("left_hand", "right_hand", "left_foot", "right_foot")]
    px = [_pixels(j.world[0, hands], pose, lens) for j in joints]
    # the walk moves the hands and feet on screen between plate frames (pixels)
    for a, b in itertools.pairwise(px):
        assert np.abs(a - b).max() > 4.0, (a, b)
    # ... and the picture follows: the character is drawn where its joints are, and
    # the frames differ from each other and from the rest pose
    for img, j, p in zip(frames, joints, px, strict=True):
        on = [names.index("chest"), *hands]
        for x, y in np.floor(_pixels(j.world[0, on], pose, lens)).astype(int):
            assert np.abs(img[y, x].astype(int) - MAGENTA).max() < 70, (x, y, img[y, x])
        assert (p >= 0).all() and (p[:, 0] < W).all() and (p[:, 1] < H).all()
    for a, b in itertools.pairwise(frames):
        assert np.any(np.abs(a.astype(int) - b) > 30, axis=-1).sum() > 50
    assert not np.allclose(rest_joints.world, joints[0].world, atol=0.02)
    assert np.any(np.abs(still.astype(int) - frames[0]) > 30, axis=-1).sum() > 50


@pytest.mark.gl
def test_the_track_holds_its_last_frame_or_loops(gl, set_file):
    pose, lens = _camera(set_file)
    opts = OverlayOptions(W, H, matte="none")
    got = {}
    for loop in (True, False):
        with Overlay(
            gl, set_file, FixedCamera(pose, lens), opts, poses=asset_path(*WALK), pose_loop=loop
        ) as ov:
            ov.process(PLATE, time_s=0.0)
            start = ov.joints().world.copy()
            ov.process(PLATE, time_s=1.24)  # the walk's last frame (1.233 s)
            last = ov.joints().world.copy()
            ov.process(PLATE, time_s=1.27)  # past its end (period 1.267 s): frame 0 again
            got[loop] = (start, last, ov.joints().world.copy())
    start, last, after = got[True]
    np.testing.assert_allclose(after, start, atol=1e-5)  # looped
    start, last, after = got[False]
    np.testing.assert_allclose(after, last, atol=1e-5)  # held


def test_track_times_and_bad_pose_specs(tmp_path):
    from previzkit.stage.sources import StreamSource, TrackSource, plate_pose_source

    t = {"now": 5.0}  # a plate whose first frame is at 5 s
    src = TrackSource(asset_path(*WALK), clock=lambda: t["now"], loop=False)
    assert src.index_at(0.0) == 0 and src.index_at(0.034) == 1 and src.index_at(0.5) == 15
    assert src.index_at(99.0) == len(src) - 1  # held
    first = src.poll()
    assert len(first) == 1 and first[0].frame == 0  # the track starts with the plate
    assert src.poll() == []  # one sample per new track frame
    t["now"] = 5.1
    assert src.poll()[0].frame == 3
    assert not src.finished  # the plate ends the run
    looped = TrackSource(asset_path(*WALK), clock=lambda: 0.0, loop=True)
    assert looped.index_at(len(looped) / looped.fps + 0.034) == 1
    with pytest.raises(InputError, match=r"--pose take\.json"):
        plate_pose_source("take.json", lambda: 0.0)
    stream = plate_pose_source("tcp://127.0.0.1:5999", lambda: 0.0)
    assert isinstance(stream, StreamSource)
    stream.close()


@pytest.mark.gl
def test_the_pose_stream_drives_the_character(gl, set_file):
    """Real mocap frames published over ZeroMQ on 127.0.0.1 (a publisher thread) drive
    the overlay's character; a malformed packet between them is dropped."""
    import queue
    import threading

    from previzkit.capture.stream import PosePublisher
    from previzkit.model.pose_track import read_track

    track = read_track(asset_path(*WALK))
    endpoint: queue.Queue[str] = queue.Queue()
    stop = threading.Event()

    def publish() -> None:
        with PosePublisher("tcp://127.0.0.1:0") as pub:
            endpoint.put(pub.endpoint)
            if not pub.wait_for_subscribers(1, timeout=30):
                return
            i = 0
            while not stop.is_set():
                if i == 3:
                    pub.publish_raw([b"pose/0", b"not msgpack"])
                frame = track.frames[i % len(track.frames)]
                pub.publish(frame.people[0], frame=i, fps=30.0, size=(640, 480))
                i += 1
                stop.wait(1 / 30)

    thread = threading.Thread(target=publish, daemon=True)
    thread.start()
    pose, lens = _camera(set_file)
    try:
        address = endpoint.get(timeout=10)
        opts = OverlayOptions(W, H, matte="none")
        with Overlay(gl, set_file, FixedCamera(pose, lens), opts, poses=address) as ov:
            seen = []
            for _ in range(400):  # until the character has taken a few different poses
                ov.process(PLATE)
                if ov.loop.poses():
                    seen.append(ov.joints().world[0].copy())
                if len(seen) >= 2 and np.abs(seen[-1] - seen[0]).max() > 0.05:
                    break
                stop.wait(0.02)
            stats = ov.loop.source.stats
    finally:
        stop.set()
        thread.join(5)
    assert len(seen) >= 2 and np.abs(seen[-1] - seen[0]).max() > 0.05
    assert ov.loop.actors.map.assigned == {0: "ALEX"}
    assert stats.received >= 2
    if stats.received >= 4:  # the good pose after the bad one came: the bad one was dropped
        assert stats.malformed == 1


@pytest.mark.gl
@pytest.mark.media
def test_overlay_cli_plays_a_pose_track_over_a_plate(gl, set_file, capsys):
    """``previzkit overlay --pose walk.pzt --actor 0=ALEX`` over a real H.264 plate: the
    character's pixels change from frame to frame of the written MP4."""
    from previzkit.cli import main
    from previzkit.media.video import VideoReader
    from tests.helpers.media import write_video

    plate = write_video(set_file.parent / "grey.mp4", [PLATE] * 6, fps=10)
    out = set_file.parent / "live.mp4"
    args = ["overlay", "--plate", str(plate), "--matte", "none", str(set_file), "-o", str(out)]
    project = set_file.parent / "day1"
    live = ["--pose", str(asset_path(*WALK)), "--actor", "0=ALEX", "-p", str(project)]
    assert main([*args, *live, "--scene", "3", "--shot", "3-A"]) == 0, capsys.readouterr().err
    with VideoReader(out) as r:
        got = [f.image for f in r.frames()]
    assert len(got) == 6
    for a, b in itertools.pairwise(got):  # 0.1 s apart: the walk moves the character
        assert np.any(np.abs(a.astype(int) - b) > 40, axis=-1).sum() > 40
    # the take keeps the actor's poses and where the character was
    from previzkit.model.joint_track import read_joint_track
    from previzkit.model.pose_track import read_track
    from previzkit.takes.store import TakeStore

    with TakeStore(project) as store:
        take = store.get("3", "3-A", 1)
        joints = read_joint_track(store.file(take, "joints"))
        poses = read_track(store.file(take, "pose"))
    assert joints.characters == ["ALEX"] and len(joints) == 6
    assert np.ptp(joints.joint("ALEX", "left_hand")[:, 2]) > 0.05  # the arm swings
    assert [p.actor_id for f in poses.frames for p in f.people] == [0] * 6
    capsys.readouterr()
    assert main([*args, "--pose", str(set_file)]) == 2
    assert capsys.readouterr().err.strip().startswith("error: --pose ")
    assert main([*args, "--pose", str(asset_path(*WALK)), "--actor", "0=BOB"]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: actor 0: no character 'BOB' in the set (characters: ALEX)"
    )
    assert main([*args, "--pose", str(set_file.parent / "gone.pzt")]) == 2
    assert "gone.pzt: no such pose track" in capsys.readouterr().err

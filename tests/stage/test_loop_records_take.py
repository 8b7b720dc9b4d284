"""The loop offscreen for N frames from a recorded pose file over a video plate: the
take recorded through the recorder has N frames, the right timecode, and the character
is drawn where its pose puts it (joints projected with camera.project_points)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from previzkit.core.geometry import view_matrix
from previzkit.model.camera import perspective_from_lens, project_points

pytestmark = [pytest.mark.gl, pytest.mark.media]

W, H = 320, 180
N = 12


def magenta(patch: np.ndarray) -> bool:
    """Any pixel of the character's colour (0.95, 0.2, 0.9), shaded, in ``patch``."""
    p = patch.reshape(-1, 3).astype(int)
    return bool(np.any((p[:, 0] - p[:, 1] > 50) & (p[:, 2] - p[:, 1] > 50)))


def hand_px(loop, camera):
    ch = loop.drawables.characters["ALEX"]
    j = ch.joint_positions()[ch.skeleton.names.index("left_hand")]
    proj = perspective_from_lens(camera.lens, W / H)
    return project_points(j[None], view_matrix(camera.camera_to_world), proj, W, H)[0]


def test_loop_writes_take_with_character_where_pose_says(
    gl, small_set, wave_track, plate_video, tmp_path
):
    import av

    from previzkit.model import timecode as tc
    from previzkit.model.camera_track import read_camera_track
    from previzkit.model.pose_track import read_track
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.plate import PlateReader
    from previzkit.stage.sink import RecorderSink
    from previzkit.stage.sources import TrackSource
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore

    store = TakeStore(tmp_path / "day1")
    rec = Recorder(store, "1", "1-A", rate="29.97", start_tc="00:00:59;28", size=(W, H))
    sink = RecorderSink(rec)
    seen = []
    loop = StageLoop(
        gl,
        small_set,
        TrackSource(wave_track),
        StageOptions(W, H),
        plate=PlateReader(plate_video, (W, H)),
        sinks=[sink],
        on_frame=lambda i, img: seen.append((i, img.copy(), hand_px(loop, loop.camera()))),
    )
    with loop, store:
        stats = loop.run(frames=100)  # the track (12 frames) ends first
        takes = loop.close()
    assert loop.index == N and len(seen) == N and len(stats) == N
    summary = takes[0]
    # timecode: 29.97 drop-frame across the minute (00:00:59;29 -> 00:01:00;02)
    assert summary["start_tc"] == "00:00:59;28"
    assert summary["end_tc"] == "00:01:00;12"
    assert summary["frames"] == N
    folder = Path(summary["folder"])
    with av.open(str(folder / "1_1-A_T001.mp4")) as c:  # named after take 1/1-A/1
        assert c.streams.video[0].metadata["timecode"] == "00:00:59;28"
        decoded = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(decoded) == N
    cams = read_camera_track(folder / "camera.npz")
    start = tc.timecode_to_frames("00:00:59;28", "29.97")
    assert [tc.frames_to_timecode(start + int(i), "29.97") for i in cams.index[:4]] == [
        "00:00:59;28",
        "00:00:59;29",
        "00:01:00;02",
        "00:01:00;03",
    ]
    assert cams.focal_mm[0] == 35.0
    track = read_track(folder / "pose.pzt")
    assert len(track.frames) == N and track.frames[2].people[0].timecode == "00:01:00;02"

    # the waving hand moves: its projection differs between frames, and every frame
    # (the exact one and the decoded H.264 one) has the character's colour there
    hands = np.array([h for _, _, h in seen])
    assert np.ptp(hands[:, 1]) > 8  # pixels of vertical travel over the wave
    for (i, img, (x, y)), video in zip(seen, decoded, strict=True):
        xi, yi = round(float(x)), round(float(y))
        assert 3 <= xi < W - 3 and 3 <= yi < H - 3, f"frame {i}: hand off screen at {x, y}"
        assert magenta(img[yi - 3 : yi + 4, xi - 3 : xi + 4]), (
            f"frame {i}: no character at the hand"
        )
        assert magenta(video[yi - 3 : yi + 4, xi - 3 : xi + 4]), (
            f"frame {i}: hand lost in the video"
        )
    # where the hand was at its lowest, the frame with the hand at its highest shows plate
    lo, hi = int(np.argmax(hands[:, 1])), int(np.argmin(hands[:, 1]))
    x, y = (round(float(v)) for v in hands[lo])
    assert not magenta(seen[hi][1][y - 1 : y + 2, x - 1 : x + 2])
    # the plate shows where nothing virtual is drawn (its colour: green 140)
    corner = seen[0][1][2:10, W - 10 : W - 2].reshape(-1, 3).astype(int)
    assert np.all(np.abs(corner[:, 1] - 140) < 12)


def test_loop_without_plate_draws_the_set_background(gl, small_set, wave_track):
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.sources import TrackSource

    with StageLoop(gl, small_set, TrackSource(wave_track), StageOptions(W, H)) as loop:
        loop.run(frames=3)
        img = loop.last_image
    assert loop.index == 3 and img.shape == (H, W, 3)
    # top rows: the set's solid background colour (0.12, 0.13, 0.16)
    top = img[2, W // 2].astype(int)
    assert np.all(np.abs(top - np.array([31, 33, 41])) <= 3)

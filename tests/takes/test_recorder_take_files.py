"""The recorder writes a whole take: journal replayed into pose/camera tracks, H.264
video and plate (fragmented MP4, read back by PyAV), WAV audio, SMPTE timecode."""

from __future__ import annotations

import re
import wave

import numpy as np
import pytest

from previzkit.core.errors import InputError, RecordingError, ShapeError, TimecodeError
from previzkit.core.types import Pose
from previzkit.model.camera import Lens
from previzkit.model.camera_track import CameraSample, read_camera_track
from previzkit.model.pose_track import read_track
from previzkit.takes.journal import read_journal
from previzkit.takes.recorder import Recorder
from previzkit.takes.store import TakeStore

pytestmark = pytest.mark.media


def _pose(i: int, actor: int = 0) -> Pose:
    img = np.full((33, 3), 0.5, np.float32)
    img[:, 0] = np.arange(33) + i
    world = np.zeros((33, 3), np.float32)
    world[:, 1] = np.linspace(-0.8, 0.8, 33) + 0.001 * i
    return Pose(i / 30, actor, img, world, 0.9)


def _image(i: int, w: int = 64, h: int = 48) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[..., 0] = (i * 8) % 256
    img[: h // 2, : w // 2, 1] = 200
    return img


@pytest.fixture
def store(tmp_path):
    with TakeStore(tmp_path / "proj") as s:
        yield s


def test_a_take_records_every_track_and_plays_back(store):
    import av

    lens = Lens(35.0, 24.89, 18.66, 4.0)
    n = 40
    with Recorder(
        store,
        "1",
        "1-B",
        rate="29.97",
        start_tc="00:00:59;20",
        size=(64, 48),
        plate_size=(32, 24),
        audio=(8000, 1),
        flush_interval=0.2,
    ) as rec:
        assert rec.take.status == "recording"
        assert store.get("1", "1-B", 1).status == "recording"
        for i in range(n):
            cam = ((0.1 * i, 1.6, 5.0), (0.0, 0.0, 0.0, 1.0), lens)
            rec.frame(
                _image(i),
                poses=[_pose(i), _pose(i, 1)],
                camera=cam,
                plate=_image(i, 32, 24),
                time_s=i * 1001 / 30000,
            )
            rec.audio(np.sin(np.arange(267) / 10.0) * 0.5)
    take = rec.take
    assert take.status == "ok"
    assert take.duration_frames == n
    assert take.start_tc == "00:00:59;20"
    assert take.end_tc == "00:01:01;02"  # 00:01:00;00 and ;01 do not exist at 29.97 DF
    assert set(take.files) == {"pose", "camera", "video", "plate", "audio"}
    folder = store.take_dir(take)

    track = read_track(folder / take.files["pose"])
    assert len(track.frames) == n and not track.truncated
    assert track.actor_ids() == [0, 1]
    labels = [f.people[0].timecode for f in track.frames]
    assert labels[9] == "00:00:59;29" and labels[10] == "00:01:00;02"
    np.testing.assert_allclose(track.frames[7].people[0].world, _pose(7).world)
    np.testing.assert_allclose(track.frames[7].people[1].image, _pose(7).image)

    cams = read_camera_track(folder / take.files["camera"])
    assert cams.position.shape == (n, 3)
    np.testing.assert_allclose(cams.position[:, 0], 0.1 * np.arange(n))
    np.testing.assert_allclose(cams.focal_mm, 35.0)
    np.testing.assert_allclose(cams.focus_m, 4.0)
    np.testing.assert_allclose(cams.sensor_mm[0], (24.89, 18.66))
    assert cams.meta["start_tc"] == "00:00:59;20"

    with av.open(str(folder / take.files["video"])) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert s.average_rate == pytest.approx(30000 / 1001)
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(frames) == n
    assert abs(int(frames[20][40, 50, 0]) - (20 * 8) % 256) <= 6
    assert frames[20][5, 5, 1] > 150 and frames[20][40, 50, 1] < 40
    with av.open(str(folder / take.files["plate"])) as c:
        assert sum(1 for _ in c.decode(video=0)) == n
    with wave.open(str(folder / take.files["audio"])) as w:
        assert w.getframerate() == 8000 and w.getnframes() == 267 * n

    journal = read_journal(folder / "journal.pzj")
    assert journal.ended and not journal.truncated
    assert journal.meta["scene"] == "1" and journal.meta["take"] == 1


def test_takes_count_up_and_timecode_defaults_to_the_clock(store):
    for expected in (1, 2):
        with Recorder(store, "2", "2-A", rate="25") as rec:
            rec.frame(poses=[_pose(0)])
        assert rec.take.take == expected
        assert re.fullmatch(r"\d\d:\d\d:\d\d:\d\d", rec.take.start_tc)
        assert rec.take.files == {"pose": "pose.pzt"}
        assert rec.take.duration_frames == 1


def test_camera_samples_and_marks_go_to_the_journal(store):
    with Recorder(store, "3", "3-A", rate="24", start_tc="01:00:00:00") as rec:
        sample = CameraSample(
            99, 0.0, (1.0, 2.0, 3.0), (0.0, 0.7071068, 0.0, 0.7071068), 50.0, 36.0, 24.0, 2.5
        )
        rec.frame(camera=sample)
        rec.mark(event="action")
        rec.frame(camera=sample)
        assert rec.timecode() == "01:00:00:02"
    j = read_journal(store.take_dir(rec.take) / "journal.pzj")
    cams = j.cameras()
    assert [c.index for c in cams] == [0, 1]  # re-indexed to the take's frames
    assert cams[1].position == (1.0, 2.0, 3.0) and cams[1].focal_mm == 50.0
    assert j.marks() == [{"frame": 1, "event": "action"}]


def test_bad_inputs_name_what_is_wrong(store):
    with pytest.raises(InputError, match="size"):
        Recorder(store, "1", "1-A", size=(63, 48))
    with pytest.raises(TimecodeError):
        Recorder(store, "1", "1-A", rate="29.97", start_tc="00:01:00;00")
    with pytest.raises(TimecodeError):
        Recorder(store, "1", "1-A", rate="31")
    rec = Recorder(store, "1", "1-A", size=(64, 48), start_tc="00:00:00:00")
    with pytest.raises(RecordingError, match="not recording"):
        rec.frame()
    rec.start()
    with pytest.raises(ShapeError, match=r"\(48, 64, 3\)"):
        rec.frame(np.zeros((48, 60, 3), np.uint8))
    with pytest.raises(InputError, match="plate"):
        rec.frame(plate=np.zeros((48, 64, 3), np.uint8))
    with pytest.raises(RecordingError, match="audio"):
        rec.audio(np.zeros(10))
    with pytest.raises(ShapeError, match=r"poses\[1\] \(actor 4\) world has shape \(33, 2\)"):
        bad = _pose(0, 4)
        bad.world = np.zeros((33, 2), np.float32)
        rec.frame(poses=[_pose(0), bad])
    with pytest.raises(InputError, match="not a Pose"):
        rec.frame(poses=["nope"])
    with pytest.raises(InputError, match="camera must be"):
        rec.frame(camera=((0, 0, 0), (0, 0, 0, 1), "not a lens"))
    with pytest.raises(ShapeError, match="orientation"):
        rec.frame(camera=((0, 0, 0), (0, 0, 1), Lens()))
    rec.frame(np.zeros((48, 64, 3), np.uint8))  # a bad frame does not stop the take
    take = rec.stop()
    assert rec.stop() is take
    assert take.duration_frames == 1 and take.status == "ok"
    with pytest.raises(RecordingError):
        rec.frame()
    with pytest.raises(RecordingError, match="already"):
        rec.start()

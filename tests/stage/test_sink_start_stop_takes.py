"""Takes start and stop on the button: a run of the loop records only the frames
between ``start()`` and ``stop()``, each start opening the next take of the shot."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.gl, pytest.mark.media]


def test_start_stop_records_frames_78_to_109(gl, small_set, make_track, tmp_path):
    from previzkit.media.video import count_frames
    from previzkit.model import timecode as tc
    from previzkit.model.camera_track import read_camera_track
    from previzkit.model.pose_track import read_track
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.sink import RecorderSink, ThreadedSink
    from previzkit.stage.sources import TrackSource
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore

    track = make_track(tmp_path / "wave150.pzt", 150, fps=25.0)
    with TakeStore(tmp_path / "day1") as store:

        def recorder(shot: str) -> Recorder:
            return Recorder(store, "3", shot, rate="25", start_tc="01:00:00:00", size=(64, 36))

        whole = RecorderSink(recorder("3-A"))  # armed: today's behaviour, the whole run
        button = RecorderSink(recorder("3-C"), armed=False)
        assert whole.recording and not button.recording
        threaded = ThreadedSink(button)
        loop = StageLoop(
            gl, small_set, TrackSource(track), StageOptions(64, 36), sinks=[whole, threaded]
        )
        with loop:
            for i in range(150):
                if i in (78, 130):
                    threaded.start()
                if i in (110, 140):
                    threaded.stop()
                assert threaded.recording == (78 <= i < 110 or 130 <= i < 140)
                assert loop.step()
            full, summary = loop.close()

    assert full["frames"] == 150 and [t["take"] for t in full["takes"]] == [1]
    assert [(t["take"], t["frames"]) for t in summary["takes"]] == [(1, 32), (2, 10)]
    assert summary["take"] == 2  # the last take's record, as close() always returned
    with TakeStore(tmp_path / "day1", create=False) as store:
        take1, take2 = store.list(scene="3", shot="3-C")
        all_take = store.get("3", "3-A", 1)
        assert (take1.take, take1.duration_frames, take1.status) == (1, 32, "ok")
        assert take1.start_tc == tc.frames_to_timecode(
            tc.timecode_to_frames("01:00:00:00", "25") + 78, "25"
        )
        assert take2.start_tc == "01:00:05:05"  # frame 130 at 25 fps
        assert count_frames(store.file(take1, "video")) == 32
        assert count_frames(store.file(all_take, "video")) == 150

        poses = read_track(store.file(take1, "pose"))
        whole_poses = read_track(store.file(all_take, "pose"))
        assert len(poses.frames) == 32
        assert poses.frames[0].people[0].timecode == take1.start_tc
        assert whole_poses.frames[78].people[0].timecode == take1.start_tc
        for k in (0, 31):  # the same performance as the whole run's frames 78..109
            a, b = poses.frames[k].people[0], whole_poses.frames[78 + k].people[0]
            assert (a.world == b.world).all()
            assert poses.frames[k].time == pytest.approx(k / 25.0)

        cam = read_camera_track(store.file(take1, "camera"))
        assert len(cam) == 32
        assert list(cam.index) == list(range(32))
        assert cam.time[0] == 0.0 and cam.time[-1] == pytest.approx(31 / 25.0)
        assert (cam.focal_mm == 35.0).all() and (cam.focus_m > 0).all()

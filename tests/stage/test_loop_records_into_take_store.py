"""The loop records through the take recorder into the take store (journal, video,
plate, pose and camera tracks, timecode)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.gl, pytest.mark.media]


def test_recorder_sink_catalogues_the_take(gl, small_set, wave_track, plate_video, tmp_path):
    import av

    from previzkit.model.pose_track import read_track
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.plate import PlateReader
    from previzkit.stage.sink import RecorderSink, TakeSink
    from previzkit.stage.sources import TrackSource
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore

    with TakeStore(tmp_path / "day1") as store:
        rec = Recorder(
            store,
            "3",
            "3-C",
            rate="25",
            start_tc="01:00:00:00",
            size=(320, 180),
            plate_size=(320, 180),
        )
        sink = RecorderSink(rec)
        assert isinstance(sink, TakeSink)
        loop = StageLoop(
            gl,
            small_set,
            TrackSource(wave_track),
            StageOptions(320, 180),
            plate=PlateReader(plate_video, (320, 180)),
            sinks=[sink],
        )
        with loop:
            loop.run(frames=8)
            (summary,) = loop.close()
        take = store.get("3", "3-C", 1)
        assert take.status == "ok" and take.duration_frames == 8
        assert summary["end_tc"] == "01:00:00:08" == take.end_tc
        with av.open(str(store.file(take, "video"))) as c:
            assert sum(1 for _ in c.decode(video=0)) == 8
        with av.open(str(store.file(take, "plate"))) as c:
            assert sum(1 for _ in c.decode(video=0)) == 8
        poses = read_track(store.file(take, "pose"))
        assert len(poses.frames) == 8
        assert poses.frames[3].people[0].timecode == "01:00:00:03"

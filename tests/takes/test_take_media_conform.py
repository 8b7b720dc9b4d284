"""Take media an editor can conform: every take MP4 the recorder writes carries its
take's start timecode (a ``tmcd`` track and the container's tag) and reel name at the
exact frame rate, read back by PyAV, by ffprobe and by previzkit's own readers."""

from __future__ import annotations

import json
import shutil
import subprocess
from fractions import Fraction

import numpy as np
import pytest

from previzkit.media.video import count_frames, read_reel, read_timecode
from previzkit.takes.recorder import Recorder
from previzkit.takes.store import TakeStore

av = pytest.importorskip("av")
pytestmark = pytest.mark.media

# (rate name, start timecode, exact frames per second)
RATES = [
    ("23.976", "10:00:00:00", Fraction(24000, 1001)),
    ("24", "10:01:00:12", Fraction(24)),
    ("29.97", "10:02:00;02", Fraction(30000, 1001)),
    ("59.94", "10:03:00;04", Fraction(60000, 1001)),
]
FRAMES = 12


@pytest.fixture(scope="module")
def takes(tmp_path_factory):
    """One short take per rate, recorded through the recorder, scene 1A shot 1A-AA."""
    out = []
    with TakeStore(tmp_path_factory.mktemp("media") / "proj") as store:
        for name, start, _ in RATES:
            with Recorder(
                store, "1A", "1A-AA", rate=name, start_tc=start, size=(64, 48), flush_interval=0.2
            ) as rec:
                for i in range(FRAMES):
                    rec.frame(np.full((48, 64, 3), i * 20, np.uint8), time_s=i / 24)
            out.append((rec.take, store.file(rec.take, "video")))
    return out


def _ffprobe(path) -> dict:
    if shutil.which("ffprobe") is None:
        pytest.skip("ffprobe not installed (scripts/setup.d/45-media.sh)")
    proc = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def test_pyav_reads_the_take_start_timecode_and_reel(takes) -> None:
    for take, path in takes:
        with av.open(str(path)) as c:
            assert c.streams.video[0].metadata["timecode"] == take.start_tc, take.label
            assert c.metadata["timecode"] == take.start_tc
            assert c.metadata["reel_name"] == take.reel == f"1A_1A-AA_T{take.take:03d}"
        assert read_timecode(path) == take.start_tc
        assert read_reel(path) == take.reel


def test_ffprobe_finds_a_tmcd_track_at_the_take_timecode(takes) -> None:
    for take, path in takes:
        info = _ffprobe(path)
        (tmcd,) = [s for s in info["streams"] if s.get("codec_tag_string") == "tmcd"]
        assert tmcd["codec_type"] == "data"
        assert tmcd["tags"]["timecode"] == take.start_tc, take.label
        assert info["format"]["tags"]["timecode"] == take.start_tc
        assert info["format"]["tags"]["reel_name"] == take.reel


def test_drop_frame_rates_write_a_semicolon(takes) -> None:
    by_rate = {t.rate: read_timecode(p) for t, p in takes}
    assert by_rate["29.97"] == "10:02:00;02" and by_rate["59.94"] == "10:03:00;04"
    assert ";" not in by_rate["23.976"] + by_rate["24"]


def test_the_frame_rate_is_exact(takes) -> None:
    rates = {name: fps for name, _, fps in RATES}
    for take, path in takes:
        with av.open(str(path)) as c:
            s = c.streams.video[0]
            assert s.average_rate == rates[take.rate], take.rate
            # the time base counts whole frames: 1/24000 at 23.976, 1/30000 at 29.97
            assert (1 / s.time_base) % rates[take.rate] == 0
        assert count_frames(path) == FRAMES
        info = _ffprobe(path)
        video = next(s for s in info["streams"] if s["codec_type"] == "video")
        assert Fraction(video["avg_frame_rate"]) == rates[take.rate]
        assert Fraction(video["r_frame_rate"]) == rates[take.rate]


def test_a_file_without_tags_reads_none(tmp_path) -> None:
    from previzkit.core.errors import MissingFileError
    from previzkit.media.video import VideoWriter

    path = tmp_path / "plain.mp4"
    with VideoWriter(path, 32, 32, 24) as w:
        w.write(np.zeros((32, 32, 3), np.uint8))
    assert read_timecode(path) is None and read_reel(path) is None
    with pytest.raises(MissingFileError, match=r"gone\.mp4"):
        read_timecode(tmp_path / "gone.mp4")

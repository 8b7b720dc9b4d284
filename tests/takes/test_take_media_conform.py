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


def test_every_take_video_has_a_silent_track_as_long_as_the_take(takes) -> None:
    rates = {name: fps for name, _, fps in RATES}
    for take, path in takes:
        with av.open(str(path)) as c:
            (a,) = c.streams.audio
            assert a.codec_context.name == "aac" and a.sample_rate == 48000
            v = c.streams.video[0]
            video_s = float(v.duration * v.time_base)
            audio_s = float(a.duration * a.time_base)
            sound = np.concatenate([f.to_ndarray().ravel() for f in c.decode(a)])
        assert video_s == pytest.approx(FRAMES / float(rates[take.rate]), abs=1e-3)
        assert audio_s == pytest.approx(video_s, abs=0.03), take.label
        assert np.abs(sound).max() < 1e-3  # nothing was recorded: silence


def _tone(n: int, rate: int, hz: float = 440.0) -> np.ndarray:
    return (0.5 * np.sin(2 * np.pi * hz * np.arange(n) / rate)).astype(np.float32)


def _rms(a: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(a, dtype=np.float64))))


def test_recorded_sound_goes_into_the_video_and_the_wav_stays(tmp_path) -> None:
    with TakeStore(tmp_path / "proj") as store:
        with Recorder(
            store, "2", "2-A", rate="24", start_tc="11:00:00:00", size=(64, 48), audio=(8000, 1)
        ) as rec:
            for i in range(24):
                rec.frame(np.full((48, 64, 3), i * 10, np.uint8), time_s=i / 24)
                rec.audio(_tone(333, 8000))
        take = rec.take
        video, wav = store.file(take, "video"), store.file(take, "audio")
    assert wav is not None and wav.is_file()  # the master is kept
    with av.open(str(video)) as c:
        (a,) = c.streams.audio
        sound = np.concatenate([f.to_ndarray().ravel() for f in c.decode(a)])
    assert a.sample_rate == 48000
    assert _rms(sound[4800:-4800]) == pytest.approx(0.5 / np.sqrt(2), rel=0.1)
    assert read_timecode(video) == "11:00:00:00" and read_reel(video) == take.reel
    assert take.status == "ok" and take.duration_frames == 24
    assert count_frames(video) == 24


def test_any_wav_is_muxed_stereo_and_resampled(tmp_path) -> None:
    from previzkit.media.audio import WavWriter
    from previzkit.media.mux import mux_audio
    from previzkit.media.video import VideoWriter

    video = tmp_path / "clip.mp4"
    with VideoWriter(video, 32, 32, Fraction(30000, 1001), timecode="01:00:00;00", reel="R1") as w:
        for i in range(30):
            w.write(np.full((32, 32, 3), i * 8, np.uint8))
    wav = tmp_path / "dialogue.wav"
    w2 = WavWriter(wav, 44100, 2)
    w2.write(np.stack([_tone(44100, 44100), np.zeros(44100, np.float32)], 1))
    w2.close()
    assert mux_audio(video, wav) == video
    with av.open(str(video)) as c:
        (a,) = c.streams.audio
        assert (a.sample_rate, a.codec_context.channels) == (48000, 2)
        planes = np.concatenate([f.to_ndarray() for f in c.decode(a)], axis=1)
        assert c.streams.video[0].average_rate == Fraction(30000, 1001)
    assert _rms(planes[0, 4800:-4800]) == pytest.approx(0.5 / np.sqrt(2), rel=0.1)
    assert _rms(planes[1]) < 1e-3
    assert (read_timecode(video), read_reel(video), count_frames(video)) == (
        "01:00:00;00",
        "R1",
        30,
    )
    assert [p.name for p in tmp_path.iterdir() if "muxing" in p.name] == []


def test_a_missing_or_soundless_input_names_the_file(tmp_path) -> None:
    from previzkit.core.errors import MissingFileError, VideoOpenError
    from previzkit.media.mux import mux_audio
    from previzkit.media.video import VideoWriter

    video = tmp_path / "clip.mp4"
    with VideoWriter(video, 32, 32, 24) as w:
        w.write(np.zeros((32, 32, 3), np.uint8))
    before = video.read_bytes()
    with pytest.raises(MissingFileError, match=r"nothing\.wav"):
        mux_audio(video, tmp_path / "nothing.wav")
    with pytest.raises(VideoOpenError, match=r"clip\.mp4: has no audio stream"):
        mux_audio(video, video)
    assert video.read_bytes() == before


CHILD = """
import sys, time
import numpy as np
from previzkit.takes.recorder import Recorder
from previzkit.takes.store import TakeStore

rec = Recorder(TakeStore(sys.argv[1]), "3", "3-A", rate="29.97", start_tc="12:00:00;00",
               size=(64, 48), audio=(8000, 1), flush_interval=0.1, gop=6,
               on_flush=lambda n: print("FLUSH", n, flush=True))
rec.start()
i = 0
while True:
    rec.frame(np.full((48, 64, 3), i % 256, np.uint8), time_s=i / 30)
    rec.audio(np.full(267, 0.25, np.float32))
    i += 1
    time.sleep(0.003)
"""


def test_a_take_recovered_after_sigkill_gets_its_sound_too(tmp_path) -> None:
    import os
    import signal
    import sys

    from previzkit.takes.recovery import recover
    from tests.helpers import REPO

    project = tmp_path / "proj"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(project)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        flushes = 0
        for line in child.stdout:  # a few durable flushes: several 6-frame fragments
            flushes += line.startswith("FLUSH")
            if flushes >= 5:
                break
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
        child.stdout.close()
    with TakeStore(project) as store:
        (take,) = recover(store)
        video = store.file(take, "video")
    assert take.status == "recovered" and take.duration_frames > 0
    with av.open(str(video)) as c:
        (a,) = c.streams.audio
        sound = np.concatenate([f.to_ndarray().ravel() for f in c.decode(a)])
    assert _rms(sound[4800:-4800]) == pytest.approx(0.25, rel=0.1)  # the recorded level
    assert read_timecode(video) == "12:00:00;00" and read_reel(video) == take.reel

"""previzkit.media.video: the H.264 writer against PyAV's own container reading (and
ffprobe where installed), the reader against the frames written, and errors that
name the file."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from fractions import Fraction

import numpy as np
import pytest

from previzkit.core.errors import MissingFileError, ShapeError, VideoOpenError, VideoWriteError
from previzkit.media.video import (
    ThreadedWriter,
    VideoReader,
    VideoWriter,
    count_frames,
    mp4_boxes,
    probe_video,
    trim_fragmented_mp4,
)

from .conftest import psnr

av = pytest.importorskip("av")
pytestmark = pytest.mark.media

NTSC = Fraction(24000, 1001)


@pytest.fixture(scope="module")
def clip(tmp_path_factory, frames):
    """The push-in at 23.976 fps with a start timecode, as the stage sink writes it."""
    path = tmp_path_factory.mktemp("video") / "push.mov"
    with VideoWriter(path, 160, 120, NTSC, crf=18, timecode="01:00:00:00") as w:
        for f in frames:
            w.write(f)
    assert w.frames == len(frames)
    return path


def test_pyav_reads_what_the_writer_wrote(clip, frames):
    with av.open(str(clip)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "h264"
        assert s.codec_context.pix_fmt == "yuv420p"
        assert (s.codec_context.width, s.codec_context.height) == (160, 120)
        assert s.average_rate == NTSC
        assert s.frames == len(frames)
        tcs = [s.metadata.get("timecode")] + [d.metadata.get("timecode") for d in c.streams.data]
        assert "01:00:00:00" in tcs
        decoded = [f.to_ndarray(format="rgb24") for f in c.decode(s)]
    assert len(decoded) == len(frames)
    assert min(psnr(a, b) for a, b in zip(decoded, frames, strict=True)) > 30


@pytest.mark.skipif(
    shutil.which("ffprobe") is None, reason="ffprobe not installed (scripts/setup.d/45-media.sh)"
)
def test_ffprobe_reads_what_the_writer_wrote(clip, frames):
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_frames",
            "-select_streams",
            "v:0",
            "-show_streams",
            "-of",
            "json",
            str(clip),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    (s,) = json.loads(out.stdout)["streams"]
    assert (s["codec_name"], s["pix_fmt"], s["width"], s["height"]) == ("h264", "yuv420p", 160, 120)
    assert int(s["nb_read_frames"]) == len(frames)
    assert s["avg_frame_rate"] == "24000/1001"


def test_reader_reports_and_decodes(clip, frames):
    with VideoReader(clip) as r:
        assert (r.width, r.height, r.rate, r.frame_count) == (160, 120, NTSC, len(frames))
        assert r.start_timecode == "01:00:00:00" and not r.has_audio
        got = list(r.frames())
    assert [f.index for f in got] == list(range(len(frames)))
    assert got[10].time == pytest.approx(10 / float(NTSC), abs=1e-3)
    assert all(f.image.shape == (120, 160, 3) and f.image.dtype == np.uint8 for f in got)
    info = probe_video(clip)
    assert (info.frames, info.width, info.height) == (len(frames), 160, 120)
    assert info.fps == pytest.approx(23.976, abs=1e-3)
    assert info.start_timecode == "01:00:00:00"
    assert count_frames(clip) == len(frames)


def test_seek_gives_the_frame_asked_for(clip):
    with VideoReader(clip) as r:
        every = [f.image for f in r.frames()]
    for start in (0, 1, 17, 40):
        with VideoReader(clip) as r:
            first = next(r.frames(start))
        assert first.index == start
        assert np.array_equal(first.image, every[start]), start


def test_planes_are_yuv420(clip, frames):
    with VideoReader(clip) as r:
        y, u, v = next(r.planes())
        assert y.shape == (120, 160) and u.shape == v.shape == (60, 80)
        n = 1 + sum(1 for _ in r.planes())
    assert n == len(frames)


def test_fragmented_mp4_survives_a_torn_end(tmp_path, frames):
    path = tmp_path / "take.mp4"
    w = ThreadedWriter(VideoWriter(path, 160, 120, 24, fragmented=True, gop=12))
    for f in frames:
        w.write(f)
    w.sync()
    w.close()
    kinds = [k for k, _, _ in mp4_boxes(path)]
    assert kinds[:2] == ["ftyp", "moov"] and kinds.count("moof") == len(frames) // 12
    with av.open(str(path)) as c:
        keys = [i for i, p in enumerate(c.demux(video=0)) if p.is_keyframe]
    assert keys == [0, 12, 24, 36]
    assert count_frames(path) == len(frames)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 500])  # killed while writing the last fragment
    assert trim_fragmented_mp4(path) > 0
    assert count_frames(path) == 36
    assert trim_fragmented_mp4(path) == 0


def test_audio_stream(tmp_path, frames):
    from previzkit.media.audio import read_audio

    rate = 48000
    t = np.arange(2 * rate) / rate
    tone = (0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    path = tmp_path / "av.mp4"
    with VideoWriter(path, 160, 120, 24, audio_rate=rate) as w:
        for f in frames:
            w.write(f)
        w.end_video()
        w.write_audio(tone)
    assert probe_video(path).has_audio
    with av.open(str(path)) as c:
        assert c.streams.audio[0].codec_context.name == "aac"
    back = read_audio(path, rate)
    assert back is not None and abs(len(back) - len(tone)) < 2048
    spectrum = np.abs(np.fft.rfft(back[4800:43200]))
    assert abs(np.argmax(spectrum) * rate / 38400 - 440) < 5


def test_bad_video_files_name_the_file(tmp_path, clip):
    with pytest.raises(MissingFileError, match=r"gone\.mp4"):
        VideoReader(tmp_path / "gone.mp4")
    with pytest.raises(MissingFileError, match=r"gone\.mp4: no such file"):
        VideoReader(tmp_path / "gone.mp4", what="plate")
    text = tmp_path / "notes.mp4"
    text.write_text("a shot list, not a video\n" * 20)
    zero = tmp_path / "zero.mp4"
    zero.write_bytes(b"")
    cut = tmp_path / "cut.mov"
    data = clip.read_bytes()
    cut.write_bytes(data[: len(data) // 3])
    codec = tmp_path / "codec.mov"
    codec.write_bytes(data.replace(b"avc1", b"zzz1").replace(b"avcC", b"zzzC"))
    for bad in (text, zero, cut, codec):
        with pytest.raises(VideoOpenError, match=bad.name), VideoReader(bad) as r:
            for _ in r.frames():
                pass
        with pytest.raises(VideoOpenError, match=bad.name):
            count_frames(bad)


def test_writer_refuses_bad_sizes_and_frames(tmp_path, frames):
    with pytest.raises(VideoWriteError, match=r"odd\.mp4"):
        VideoWriter(tmp_path / "odd.mp4", 161, 120, 24)
    with pytest.raises(VideoWriteError, match=r"nowhere"):
        VideoWriter(tmp_path / "nowhere" / "x.mp4", 160, 120, 24, fragmented=True)
    with VideoWriter(tmp_path / "ok.mp4", 160, 120, 24) as w:
        with pytest.raises(ShapeError, match=r"ok\.mp4"):
            w.write(frames[0][:, :100])
        w.write(frames[0])


def test_importing_media_does_not_import_av_or_pillow():
    code = (
        "import sys, previzkit.media.video, previzkit.media.image, previzkit.media.audio;"
        "print('av' in sys.modules or 'PIL' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"

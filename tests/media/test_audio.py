"""previzkit.media.audio: WAV written, torn and repaired, read back by the standard
library's reader; audio decoded from a file without sound is None."""

from __future__ import annotations

import wave

import numpy as np
import pytest

from previzkit.core.errors import MissingFileError, ShapeError, VideoOpenError, VideoWriteError
from previzkit.media.audio import WavWriter, read_audio, repair_wav


def test_wav_round_trip_and_repair(tmp_path):
    rate = 16000
    tone = 0.5 * np.sin(2 * np.pi * 440 * np.arange(rate) / rate)
    path = tmp_path / "a.wav"
    w = WavWriter(path, rate, channels=2)
    w.write(np.stack([tone, -tone], axis=1))
    w.sync()
    w.close()
    with wave.open(str(path)) as r:
        assert (r.getnchannels(), r.getsampwidth(), r.getframerate()) == (2, 2, rate)
        data = np.frombuffer(r.readframes(r.getnframes()), "<i2").reshape(-1, 2)
    assert len(data) == rate
    assert np.abs(data[:, 0] / 32767.0 - tone).max() < 1e-4
    assert (data[:, 0] == -data[:, 1]).all()
    # a writer killed before patching the header: sizes 0, a torn last sample
    raw = bytearray(path.read_bytes())
    raw[4:8] = raw[40:44] = b"\0\0\0\0"
    path.write_bytes(bytes(raw) + b"\x01")
    assert repair_wav(path) == rate
    with wave.open(str(path)) as r:
        assert r.getnframes() == rate


def test_wav_errors_name_the_file(tmp_path):
    with pytest.raises(VideoWriteError, match=r"a\.wav"):
        WavWriter(tmp_path / "a.wav", 0)
    w = WavWriter(tmp_path / "b.wav", 8000)
    with pytest.raises(ShapeError, match=r"b\.wav"):
        w.write(np.zeros((10, 2)))
    w.close()
    bad = tmp_path / "c.wav"
    bad.write_bytes(b"RIFX" + b"\0" * 60)
    with pytest.raises(VideoOpenError, match=r"c\.wav"):
        repair_wav(bad)


def test_read_audio(tmp_path, frames):
    pytest.importorskip("av")
    from previzkit.media.video import VideoWriter

    silent = tmp_path / "silent.mp4"
    with VideoWriter(silent, 160, 120, 24) as w:
        w.write(frames[0])
    assert read_audio(silent, 16000) is None
    with pytest.raises(MissingFileError, match=r"none\.wav"):
        read_audio(tmp_path / "none.wav", 16000)
    wav = tmp_path / "t.wav"
    w2 = WavWriter(wav, 48000)
    w2.write(np.full(4800, 0.25, np.float32))
    w2.close()
    back = read_audio(wav, 16000)
    assert back is not None and back.dtype == np.float32 and abs(len(back) - 1600) <= 32
    assert np.median(back) == pytest.approx(0.25, abs=1e-3)
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"RIFF" + b"\xff" * 100)
    with pytest.raises(VideoOpenError, match=r"junk\.wav"):
        read_audio(junk, 16000)

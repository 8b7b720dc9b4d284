"""previzkit.media.ltc: LTC written by libltc's encoder (through our binding) and read
back by its decoder at 24, 25 and 29.97 drop-frame, across the minute where drop-frame
skips labels; from a WAV file through PyAV."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import ShapeError, TimecodeError
from previzkit.media import ltc
from previzkit.model.timecode import frames_to_timecode, timecode_to_frames

pytestmark = pytest.mark.skipif(not ltc.available(), reason="libltc11 not installed")


@pytest.mark.parametrize(
    ("start", "fps", "rate"),
    [("00:59:59:20", 24, "24"), ("10:59:59:20", 25, "25"), ("00:00:59;25", 29.97, "29.97")],
)
def test_encoded_ltc_decodes_to_the_labels(start, fps, rate):
    n = 12
    for pcm in (ltc.encode_ltc(start, n, fps), None):
        if pcm is None:  # the same signal as int16, as a sound card gives it
            pcm = (ltc.encode_ltc(start, n, fps) * 32767).astype(np.int16)
        words = ltc.decode_ltc(pcm, 48000, fps)
        # every word but the last (its end needs the next word's sync) comes back
        assert len(words) == n - 1
        first = timecode_to_frames(start, rate)
        assert [w.label for w in words] == [
            frames_to_timecode(first + i, rate) for i in range(n - 1)
        ]
        assert all(w.drop_frame == (rate == "29.97") for w in words)
        assert all(abs(w.fps - fps) < 0.5 for w in words)
        # spans: consecutive words, one video frame of samples each
        starts = np.array([w.start for w in words])
        assert np.abs(np.diff(starts) - 48000 / fps).max() <= 4
        assert words[0].time_s < 2 / fps
    if rate == "29.97":  # the minute boundary: 00:00:59;29 -> 00:01:00;02
        labels = [w.label for w in words]
        assert "00:00:59;29" in labels and "00:01:00;02" in labels
        assert "00:01:00;00" not in labels


def test_ltc_from_a_wav_file(tmp_path):
    from previzkit.media.audio import WavWriter

    pcm = ltc.encode_ltc("01:02:03:04", 20, 25, sample_rate=44100)
    w = WavWriter(tmp_path / "ltc.wav", 44100)
    w.write(np.concatenate([np.zeros(4410, np.float32), pcm]))  # 0.1 s of silence first
    w.close()
    words = ltc.read_ltc(tmp_path / "ltc.wav", fps=25)
    # LTC has no checksum: the word read as the signal starts out of silence can be
    # garbled (the overlay's clock votes it out); the rest are exact
    labels = {w.label: w for w in words[1:]}
    assert list(labels) == [f"01:02:03:{f:02d}" for f in range(5, 23)]
    # resampled to 48 kHz, the time kept: word 5 starts 0.1 s + one frame in
    assert abs(labels["01:02:03:05"].time_s - 0.14) < 0.002


def test_a_missing_libltc_names_the_debian_package():
    with pytest.raises(ltc.LtcUnavailable, match="apt-get install libltc11"):
        ltc.load_library("libltc-not-here.so.11")


def test_bad_input_is_named():
    with pytest.raises(ShapeError, match="mono"):
        ltc.decode_ltc(np.zeros((10, 2), np.float32), 48000)
    with pytest.raises(TimecodeError, match="HH:MM:SS"):
        ltc.encode_ltc("1:00", 5, 25)
    with pytest.raises(TimecodeError, match=r"29\.97"):
        ltc.encode_ltc("00:00:00;00", 5, 25)

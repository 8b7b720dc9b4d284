"""``previzkit overlay --timecode ltc``: a real plate (H.264 + PCM audio carrying LTC
written by libltc's encoder, muxed with PyAV) through the CLI; the recorded take starts
at the LTC label of its first frame and its frames follow it, at 25 and at 29.97
drop-frame across a minute; a plate without LTC ends in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from previzkit.cli import main
from previzkit.media import ltc
from tests.helpers import flat_stage, write_set

pytestmark = [
    pytest.mark.gl,
    pytest.mark.media,
    pytest.mark.skipif(not ltc.available(), reason="libltc11 not installed"),
]

W, H, N = 320, 180, 6
SET = (
    flat_stage("ltc stage")
    + """cameras:
  CAM: {lens: {focal_mm: 24, sensor: super35, focus_m: 3.0}, position: [0.0, 1.4, 5.6], target: [0.0, 0.4, 3.0]}
"""
)


def _plate(path: Path, fps: str, ltc_start: str | None) -> Path:
    """N frames of H.264 at ``fps`` with a 48 kHz PCM track of LTC from ``ltc_start``
    (aligned with the first frame), or silence."""
    from fractions import Fraction

    import av

    rate = Fraction(30000, 1001) if fps == "29.97" else Fraction(fps)
    words = N + 3  # the decoder needs the next word's sync to close a word
    pcm = (
        ltc.encode_ltc(ltc_start, words, float(rate))
        if ltc_start
        else np.zeros(round(48000 * words / rate), np.float32)
    )
    s16 = (pcm * 32767).astype(np.int16)
    with av.open(str(path), "w") as c:
        v = c.add_stream("libx264", rate=rate)
        v.width, v.height, v.pix_fmt = W, H, "yuv420p"
        a = c.add_stream("pcm_s16le", rate=48000, layout="mono")
        for i in range(N):
            img = np.full((H, W, 3), 40 + 30 * i, np.uint8)
            for p in v.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        frame = av.AudioFrame.from_ndarray(s16[None, :], format="s16", layout="mono")
        frame.sample_rate, frame.pts = 48000, 0
        for p in a.encode(frame):
            c.mux(p)
        for stream in (v, a):
            for p in stream.encode():
                c.mux(p)
    return path


@pytest.mark.parametrize(
    ("fps", "start", "fifth"),
    [("25", "10:59:59:22", "11:00:00:02"), ("29.97", "00:00:59;27", "00:01:00;04")],
)
def test_the_take_is_stamped_with_the_plates_ltc(gl, tmp_path, capsys, fps, start, fifth):
    from previzkit.media.video import read_timecode
    from previzkit.model.timecode import frames_to_timecode
    from previzkit.takes.store import TakeStore

    write_set(tmp_path, SET)
    plate = _plate(tmp_path / "plate.mov", fps, start)
    project = tmp_path / "proj"
    args = ["overlay", "--plate", str(plate), str(tmp_path / "set.yaml"), "--matte", "none"]
    args += ["-p", str(project), "--rate", fps, "--timecode", "ltc", "-o", str(tmp_path / "o.mp4")]
    assert main(args) == 0, capsys.readouterr().err
    with TakeStore(project) as store:
        take = store.get("1", "1-A", 1)
        video = store.file(take, "video")
    assert take.status == "ok" and take.duration_frames == N
    assert take.start_tc == start
    assert frames_to_timecode(take.start_frame + 5, fps) == fifth
    assert read_timecode(video) == start  # the take's video carries it (tmcd track)
    assert read_timecode(tmp_path / "o.mp4") == start  # and the overlay's MP4


def test_a_plate_without_ltc_ends_in_one_line(tmp_path, capsys):
    write_set(tmp_path, SET)
    plate = _plate(tmp_path / "plate.mov", "25", None)
    args = ["overlay", "--plate", str(plate), str(tmp_path / "set.yaml"), "--matte", "none"]
    assert main([*args, "--rate", "25", "--timecode", "ltc", "--frames", "2"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]  # after the progress bar
    assert err.startswith("error: ") and "no LTC found" in err and "plate.mov" in err
    assert main([*args, "--timecode", "ltc", "--start-tc", "01:00:00:00"]) == 2
    assert "exclusive" in capsys.readouterr().err
    assert main([*args, "--timecode", "ltc", "--ltc-input", str(tmp_path / "no.wav")]) == 2
    err = capsys.readouterr().err
    assert "--ltc-input" in err and "no.wav" in err
    # LTC at 25 fps read for a 24 fps take: the rate is named
    plate25 = _plate(tmp_path / "ltc25.mov", "25", "01:00:00:00")
    args = ["overlay", "--plate", str(plate25), str(tmp_path / "set.yaml"), "--matte", "none"]
    assert main([*args, "--rate", "24", "--timecode", "ltc"]) == 2
    assert "about 25" in capsys.readouterr().err

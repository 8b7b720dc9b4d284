"""Reading take media for the editor: video facts and audio levels (PyAV)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import MissingFileError, VideoOpenError


@dataclass(frozen=True)
class VideoInfo:
    """A video file's frame rate, frame count, size and whether it carries audio."""

    fps: float
    frames: int
    width: int
    height: int
    has_audio: bool


def video_info(path: str | Path) -> VideoInfo:
    """Probe ``path`` (counting frames by decoding when the header has no count)."""
    import av

    src = Path(path)
    if not src.is_file():
        raise MissingFileError(f"video {src}: no such file")
    try:
        with av.open(str(src)) as c:
            if not c.streams.video:
                raise VideoOpenError(f"video {src}: has no video stream")
            s = c.streams.video[0]
            if s.codec_context is None:  # a codec FFmpeg has no decoder for
                raise VideoOpenError(f"video {src}: its codec cannot be decoded here")
            fps = float(s.average_rate or s.guessed_rate or 0)
            frames = s.frames
            if not frames:
                frames = sum(1 for _ in c.demux(s) if _.size)
            return VideoInfo(fps, int(frames), s.width, s.height, bool(c.streams.audio))
    except av.FFmpegError as exc:
        raise VideoOpenError(f"video {src}: cannot open ({exc})") from exc


def audio_levels(path: str | Path, fps: float, frames: int) -> npt.NDArray[np.float64] | None:
    """RMS level in dBFS per video frame (``frames`` values) of the first audio stream
    of ``path``; None when it has no audio."""
    import av

    src = Path(path)
    if not src.is_file():
        raise MissingFileError(f"audio {src}: no such file")
    rate = 16000
    chunks = []
    try:
        with av.open(str(src)) as c:
            if not c.streams.audio:
                return None
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate)
            for frame in c.decode(c.streams.audio[0]):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except av.FFmpegError as exc:
        raise VideoOpenError(f"audio {src}: cannot decode ({exc})") from exc
    samples = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    per = rate / fps
    out = np.full(frames, -120.0)
    for i in range(frames):
        seg = samples[int(i * per) : int((i + 1) * per)]
        if len(seg):
            out[i] = 20 * np.log10(max(float(np.sqrt(np.mean(seg.astype(np.float64) ** 2))), 1e-6))
    return out

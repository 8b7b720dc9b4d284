"""Audio in and out: decoding any file's first audio stream (PyAV) and crash-safe WAV.

:func:`read_audio` decodes to mono float32 samples (-1..1) at a chosen sample rate.
:class:`WavWriter` writes 16-bit PCM; :func:`repair_wav` fixes the RIFF sizes of a WAV
whose writer was killed before it could patch its header. Errors name the file.
"""

from __future__ import annotations

import os
import struct
import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import MissingFileError, ShapeError, VideoOpenError, VideoWriteError
from previzkit.core.optional import require


def read_audio(
    path: str | Path, sample_rate: int, *, from_zero: bool = False
) -> npt.NDArray[np.float32] | None:
    """The first audio stream of ``path`` as mono float32 samples at ``sample_rate``
    samples per second; None when the file has no audio. ``from_zero``: a stream that
    starts late is padded with silence, so sample 0 is at time 0 s."""
    av = require("av", "edit", "audio decoding")
    src = Path(path)
    if not src.is_file():
        raise MissingFileError(f"audio {src}: no such file")
    chunks = []
    start = None
    try:
        with av.open(str(src)) as c:
            if not c.streams.audio:
                return None
            resampler = av.AudioResampler(format="flt", layout="mono", rate=sample_rate)
            for frame in c.decode(c.streams.audio[0]):
                if start is None:
                    start = frame.time or 0.0
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except (av.FFmpegError, OSError) as exc:
        raise VideoOpenError(f"audio {src}: cannot decode ({exc})") from exc
    data = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    if from_zero and start and start > 0:
        data = np.concatenate([np.zeros(round(start * sample_rate), np.float32), data])
    samples: npt.NDArray[np.float32] = data.astype(np.float32)
    return samples


class WavWriter:
    """16-bit PCM WAV at ``sample_rate`` samples per second; ``write(samples)`` takes
    int16 or float (-1..1) arrays shaped (n,) or (n, channels). :func:`repair_wav` fixes
    the header if the writer is killed."""

    def __init__(self, path: str | Path, sample_rate: int, channels: int = 1) -> None:
        if sample_rate <= 0 or channels <= 0:
            raise VideoWriteError(f"audio {path}: sample_rate {sample_rate}, channels {channels}")
        self.path = Path(path)
        self.channels = int(channels)
        self.samples = 0
        try:
            self._wav = wave.open(str(self.path), "wb")  # noqa: SIM115
            self._wav.setnchannels(self.channels)
            self._wav.setsampwidth(2)
            self._wav.setframerate(int(sample_rate))
        except OSError as exc:
            raise VideoWriteError(f"audio {self.path}: cannot open ({exc})") from exc

    def write(self, samples: npt.NDArray[np.generic]) -> None:
        """Append samples; floats are clipped to -1..1 and scaled to int16."""
        a = np.asarray(samples)
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2 or a.shape[1] != self.channels:
            raise ShapeError(
                f"audio {self.path}: samples {np.shape(samples)}, expected (n, {self.channels})"
            )
        if a.dtype != np.int16:
            a = (np.clip(a.astype(np.float32), -1.0, 1.0) * 32767.0).round().astype(np.int16)
        try:
            self._wav.writeframesraw(a.astype("<i2").tobytes())
            self._wav._file.flush()  # type: ignore[attr-defined]
        except OSError as exc:
            raise VideoWriteError(f"audio {self.path}: write failed ({exc})") from exc
        self.samples += len(a)

    def sync(self) -> None:
        """fsync what has been written."""
        f = self._wav._file  # type: ignore[attr-defined]
        f.flush()
        os.fsync(f.fileno())

    def close(self) -> None:
        """Patch the header and close."""
        try:
            self._wav.close()
        except OSError as exc:
            raise VideoWriteError(f"audio {self.path}: closing failed ({exc})") from exc


def repair_wav(path: str | Path) -> int:
    """Rewrite the RIFF and data sizes of a PCM WAV from its length on disk (a writer
    killed mid-take leaves them at 0); drops a trailing partial sample frame. Returns
    the number of sample frames."""
    path = Path(path)
    with open(path, "r+b") as f:
        head = f.read(44)
        if len(head) < 44 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise VideoOpenError(f"audio {path}: not a RIFF/WAVE file")
        _channels, _, _, block = struct.unpack("<HIIH", head[22:34])
        if head[36:40] != b"data":
            raise VideoOpenError(f"audio {path}: no data chunk right after fmt (not ours)")
        size = os.fstat(f.fileno()).st_size
        data = (size - 44) // max(block, 1) * max(block, 1)
        f.truncate(44 + data)
        f.seek(4)
        f.write(struct.pack("<I", 36 + data))
        f.seek(40)
        f.write(struct.pack("<I", data))
        f.flush()
        os.fsync(f.fileno())
    return int(data // max(block, 1))

"""Speech from text with the espeak-ng command (offline): :func:`synthesize`.

One line of text and the voice parameters give mono float32 samples (-1..1) at the
asked sample rate, leading and trailing silence trimmed, so the length is the spoken
duration. :func:`cached_synthesize` keeps each result in a folder under a content hash
of the text, the parameters and the espeak-ng version, so reruns do not synthesize a
line again. :class:`SpeechError` names the line when espeak-ng is missing or fails.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import struct
import subprocess
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import PrevizError

ESPEAK = "espeak-ng"
APT_PACKAGE = "espeak-ng"
SILENCE = 1e-3  # amplitude below which leading/trailing samples count as silence


class SpeechError(PrevizError):
    """espeak-ng is missing or failed on a line."""


@dataclass(frozen=True)
class SpeechParams:
    """espeak-ng settings: ``voice`` (language + variant, ``"en-us+m3"``), ``pitch``
    0..99 (50 default), ``rate_wpm`` words per minute (80..900), ``amplitude`` 0..200
    (100 default), ``word_gap`` extra pause between words (units of 10 ms)."""

    voice: str = "en-us"
    pitch: int = 50
    rate_wpm: int = 175
    amplitude: int = 100
    word_gap: int = 0

    def args(self) -> list[str]:
        """The espeak-ng command-line options."""
        return [
            "-v",
            self.voice,
            "-p",
            str(int(np.clip(self.pitch, 0, 99))),
            "-s",
            str(int(np.clip(self.rate_wpm, 80, 900))),
            "-a",
            str(int(np.clip(self.amplitude, 0, 200))),
            "-g",
            str(max(0, int(self.word_gap))),
        ]


def espeak_available() -> bool:
    """Whether the espeak-ng command is on the PATH."""
    return shutil.which(ESPEAK) is not None


@functools.lru_cache(maxsize=1)
def espeak_version() -> str:
    """espeak-ng's version line (part of the cache key)."""
    exe = _exe("version check")
    done = subprocess.run([exe, "--version"], capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _exe(what: str) -> str:
    exe = shutil.which(ESPEAK)
    if exe is None:
        raise SpeechError(
            f"{what}: espeak-ng not found; install the Debian package "
            f"{APT_PACKAGE} (apt-get install {APT_PACKAGE}) for scratch dialogue"
        )
    return exe


def parse_wav_bytes(data: bytes, what: str) -> tuple[npt.NDArray[np.float32], int]:
    """Mono float32 samples and the sample rate of a 16-bit PCM WAV in ``data`` (the
    data chunk runs to the end: espeak-ng's streamed header has no true length)."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SpeechError(f"{what}: espeak-ng gave no WAV data")
    pos, rate, channels, bits = 12, 0, 1, 16
    while pos + 8 <= len(data):
        tag, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if tag == b"fmt ":
            _, channels, rate, _, _, bits = struct.unpack("<HHIIHH", data[pos + 8 : pos + 24])
        elif tag == b"data":
            body = data[pos + 8 :]
            if bits != 16 or rate <= 0:
                raise SpeechError(f"{what}: espeak-ng WAV is {bits}-bit at {rate} Hz")
            body = body[: len(body) // (2 * channels) * 2 * channels]
            pcm = np.frombuffer(body, "<i2").reshape(-1, channels).mean(axis=1)
            return (pcm / 32768.0).astype(np.float32), int(rate)
        pos += 8 + size + (size & 1)
    raise SpeechError(f"{what}: espeak-ng WAV has no data chunk")


def trim_silence(
    samples: npt.NDArray[np.float32], threshold: float = SILENCE
) -> npt.NDArray[np.float32]:
    """``samples`` without the leading and trailing samples below ``threshold``."""
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if loud.size == 0:
        return samples[:0]
    return samples[loud[0] : loud[-1] + 1]


def resample(samples: npt.NDArray[np.float32], rate: int, to_rate: int) -> npt.NDArray[np.float32]:
    """``samples`` at ``rate`` Hz resampled to ``to_rate`` Hz (linear interpolation)."""
    if rate == to_rate or samples.size == 0:
        return samples.astype(np.float32)
    n = max(1, round(samples.size * to_rate / rate))
    t = np.arange(n) * (rate / to_rate)
    out: npt.NDArray[np.float32] = np.interp(t, np.arange(samples.size), samples).astype(np.float32)
    return out


def synthesize(
    text: str, params: SpeechParams, sample_rate: int = 48000, *, what: str = "line"
) -> npt.NDArray[np.float32]:
    """``text`` spoken by espeak-ng with ``params``: mono float32 samples at
    ``sample_rate`` Hz, silence trimmed at both ends. ``what`` names the line in errors
    (``"tiny.fountain line 12 (MARA)"``)."""
    if not text.strip():
        return np.zeros(0, np.float32)
    exe = _exe(what)
    cmd = [exe, *params.args(), "--stdout"]
    try:
        done = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SpeechError(f"{what}: espeak-ng failed ({exc})") from exc
    if done.returncode != 0:
        err = done.stderr.decode("utf-8", "replace").strip() or f"exit {done.returncode}"
        raise SpeechError(f"{what}: espeak-ng failed with voice {params.voice!r} ({err})")
    samples, rate = parse_wav_bytes(done.stdout, what)
    return resample(trim_silence(samples), rate, sample_rate)


def cache_key(text: str, params: SpeechParams, sample_rate: int) -> str:
    """Content hash of what a synthesized line depends on."""
    blob = json.dumps([text, asdict(params), sample_rate, espeak_version()], sort_keys=True).encode(
        "utf-8"
    )
    return hashlib.sha256(blob).hexdigest()[:24]


def cached_synthesize(
    folder: str | Path | None,
    text: str,
    params: SpeechParams,
    sample_rate: int = 48000,
    *,
    what: str = "line",
) -> npt.NDArray[np.float32]:
    """:func:`synthesize`, kept in ``folder`` (``<hash>.npy``; None: no cache). A
    cached line is read back, not synthesized again; files are written whole (renamed
    from a temporary name)."""
    if folder is None:
        return synthesize(text, params, sample_rate, what=what)
    folder = Path(folder)
    path = folder / f"{cache_key(text, params, sample_rate)}.npy"
    if path.is_file():
        try:
            kept: npt.NDArray[np.float32] = np.load(path).astype(np.float32)
            return kept
        except (OSError, ValueError):
            pass  # a damaged entry is made again
    samples = synthesize(text, params, sample_rate, what=what)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npy")
    np.save(tmp, samples)
    tmp.replace(path)
    return samples

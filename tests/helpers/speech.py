"""Measuring speech in decoded audio with numpy alone (not previzkit's code): energy
segments above the noise floor and the median pitch by autocorrelation."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None,
    reason="espeak-ng not installed (Debian package espeak-ng: installed by scripts/install.sh)",
)

WINDOW_S = 0.01  # energy window (s)


def energy(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """RMS per 10 ms window."""
    win = max(1, round(sample_rate * WINDOW_S))
    n = len(samples) // win * win
    return np.sqrt(np.mean(np.square(samples[:n].reshape(-1, win)), axis=1))


def speech_segments(
    samples: np.ndarray, sample_rate: int, min_db: float = -45.0, min_s: float = 0.03
) -> list[tuple[float, float]]:
    """(start s, end s) of each run of windows whose energy is above both 10x the noise
    floor (the 10th percentile of window energy) and ``min_db`` dBFS; runs shorter than
    ``min_s`` are dropped."""
    e = energy(samples, sample_rate)
    if e.size == 0:
        return []
    threshold = max(float(np.percentile(e, 10)) * 10.0, 10 ** (min_db / 20.0))
    on = np.r_[False, e > threshold, False].astype(np.int8)
    edges = np.flatnonzero(np.diff(on))
    out = []
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if (b - a) * WINDOW_S >= min_s:
            out.append((a * WINDOW_S, b * WINDOW_S))
    return out


def median_pitch(samples: np.ndarray, sample_rate: int) -> float:
    """Median fundamental frequency (Hz, 60..400) over the voiced 40 ms frames: the lag
    of the autocorrelation peak where it is at least 0.3 of the frame's energy."""
    w = round(0.04 * sample_rate)
    lo, hi = sample_rate // 400, sample_rate // 60
    found = []
    for i in range(0, len(samples) - w, w // 2):
        s = samples[i : i + w] - samples[i : i + w].mean()
        if np.sqrt(np.mean(s**2)) < 0.02:
            continue
        ac = np.correlate(s, s, "full")[w - 1 :]
        k = lo + int(np.argmax(ac[lo:hi]))
        if ac[k] > 0.3 * ac[0]:
            found.append(sample_rate / k)
    return float(np.median(found)) if found else 0.0

"""The tracker-to-plate delay, measured: the plate's global image motion correlated with
the image motion the tracker's rotation predicts.

A camera turning by a small rotation ``d`` (camera frame, radians: x right, y up) moves
the scene in the image by ``f * (d_y, d_x)`` pixels (right, down; ``f`` the focal length
in pixels). The plate's motion between frames comes from phase correlation of
downscaled gray frames (:class:`MotionMeter`); the tracker's from its orientations
interpolated at each plate frame's time minus a candidate delay. The delay whose
prediction correlates best (Pearson, both axes) wins, refined to sub-frame by a parabola
through the peak (:func:`estimate_delay`). Positive: the plate shows the camera as the
tracker reported it that long before (the plate lags the tracker).

Translation moves near things more than far ones; a handheld or pedestal camera's image
motion is mostly rotation, and the correlation only needs the timing, not the scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError
from previzkit.core.geometry import axis_rotation
from previzkit.core.optional import require


@dataclass(frozen=True)
class DelayEstimate:
    """``delay_s`` (plate behind tracker, seconds), ``score`` the correlation at the
    peak (-1..1; above about 0.6 is a clear match), ``frames`` plate frames used,
    ``motion_px`` RMS image motion per frame of the plate (too little motion: no
    estimate)."""

    delay_s: float
    score: float
    frames: int
    motion_px: float


class MotionMeter:
    """Global image motion between consecutive frames (pixels of the full frame: +x
    right, +y down), by phase correlation of gray frames downscaled to ``width`` px."""

    def __init__(self, width: int = 240) -> None:
        self.width = int(width)
        self._prev: np.ndarray | None = None
        self._window: np.ndarray | None = None
        self._scale = 1.0

    def __call__(self, image: npt.NDArray[np.uint8]) -> tuple[float, float] | None:
        """The motion from the previous frame to ``image`` (RGB or gray uint8), or None
        for the first frame."""
        cv2 = require("cv2", "stage", "tracking delay measurement")

        gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        h, w = gray.shape
        self._scale = w / self.width
        small = cv2.resize(
            gray, (self.width, max(8, round(h / self._scale))), interpolation=cv2.INTER_AREA
        ).astype(np.float32)
        if self._window is None or self._window.shape != small.shape:
            self._window = cv2.createHanningWindow(small.shape[::-1], cv2.CV_32F)
            self._prev = None
        prev, self._prev = self._prev, small
        if prev is None:
            return None
        (dx, dy), _ = cv2.phaseCorrelate(prev, small, self._window)
        return dx * self._scale, dy * self._scale


def predicted_motion(rotations: np.ndarray, focal_px: float) -> np.ndarray:
    """(N-1, 2) image motion (px, right/down) the camera-to-world ``rotations``
    (N, 3, 3) cause between consecutive frames (small-angle: rotation only)."""
    d = np.einsum("nji,njk->nik", rotations[:-1], rotations[1:])  # R_k^T R_k+1, camera frame
    wx = 0.5 * (d[:, 2, 1] - d[:, 1, 2])
    wy = 0.5 * (d[:, 0, 2] - d[:, 2, 0])
    return focal_px * np.stack([wy, wx], axis=1)


def freed_rotations(angles_deg: np.ndarray) -> np.ndarray:
    """(N, 3, 3) camera-to-world rotations of FreeD (pan, tilt, roll) degrees (N, 3),
    as :meth:`previzkit.overlay.tracking.freed.FreeDPacket.rotation`."""
    a = np.radians(np.asarray(angles_deg, np.float64))
    return axis_rotation(1, -a[:, 0]) @ axis_rotation(0, a[:, 1]) @ axis_rotation(2, -a[:, 2])


def estimate_delay(
    plate_times: npt.ArrayLike,
    plate_motion: npt.ArrayLike,
    tracker_times: npt.ArrayLike,
    tracker_angles_deg: npt.ArrayLike,
    max_delay_s: float = 0.5,
    step_s: float = 0.002,
    min_motion_px: float = 0.5,
) -> DelayEstimate | None:
    """The delay of the plate behind the tracker (see module doc).

    ``plate_times`` (N,) seconds of the plate frames; ``plate_motion`` (N-1, 2) px from
    frame k to k+1 (:class:`MotionMeter`); ``tracker_times`` (M,) seconds on the same
    clock, rising; ``tracker_angles_deg`` (M, 3) FreeD pan, tilt, roll (the focal length
    only scales the prediction, which the correlation ignores). Delays in [-max_delay_s, max_delay_s] are tried
    every ``step_s``. None when the plate hardly moves (RMS motion below
    ``min_motion_px``) or the tracker's packets do not cover the plate's time."""
    tp = np.asarray(plate_times, np.float64)
    mot = np.asarray(plate_motion, np.float64)
    tt = np.asarray(tracker_times, np.float64)
    ang = np.asarray(tracker_angles_deg, np.float64)
    if mot.shape != (len(tp) - 1, 2) or ang.shape != (len(tt), 3) or len(tp) < 8:
        raise InputError(
            f"estimate_delay: plate_motion {mot.shape} for {len(tp)} plate times (need "
            f"(N-1, 2), N >= 8), tracker angles {ang.shape} for {len(tt)} times (need (M, 3))"
        )
    if not (max_delay_s > 0 and step_s > 0):
        raise InputError(f"estimate_delay: max_delay_s {max_delay_s}, step_s {step_s}: must be > 0")
    good = np.all(np.isfinite(mot), axis=1)
    rms = float(np.sqrt(np.mean(np.sum(mot[good] ** 2, axis=1)))) if good.any() else 0.0
    if rms < min_motion_px or good.sum() < 6:
        return None
    ang = ang.copy()
    ang[:, 0] = np.degrees(np.unwrap(np.radians(ang[:, 0])))  # pan across +-180
    delays = np.arange(-max_delay_s, max_delay_s + step_s / 2, step_s)
    # only plate frames the tracker covers at every candidate delay
    inside = (tp - max_delay_s >= tt[0]) & (tp + max_delay_s <= tt[-1])
    use = good & inside[:-1] & inside[1:]
    if use.sum() < 6:
        return None
    m = mot[use] - mot[use].mean(axis=0)
    m_norm = float(np.sqrt(np.sum(m * m)))
    if m_norm == 0:
        return None
    scores = np.empty(len(delays))
    for i, d in enumerate(delays):
        at = tp - d
        a = np.stack([np.interp(at, tt, ang[:, j]) for j in range(3)], axis=1)
        pred = predicted_motion(freed_rotations(a), 1.0)[use]
        pred = pred - pred.mean(axis=0)
        n = float(np.sqrt(np.sum(pred * pred)))
        scores[i] = float(np.sum(pred * m)) / (n * m_norm) if n > 0 else -1.0
    k = int(np.argmax(scores))
    best = float(delays[k])
    score = float(scores[k])
    if 0 < k < len(delays) - 1:  # parabola through the peak
        y0, y1, y2 = scores[k - 1 : k + 2]
        den = y0 - 2 * y1 + y2
        if den < 0:
            best += float(0.5 * (y0 - y2) / den * step_s)
    return DelayEstimate(best, score, int(use.sum()) + 1, rms)


class AutoDelay:
    """Collects plate motion and tracker packets as they come and estimates the delay
    once ``window_s`` seconds of moving plate are in (then again each window until one
    scores at least ``min_score``). Times are seconds on one clock (the receiver's
    ``time.monotonic()``)."""

    def __init__(
        self, window_s: float = 3.0, max_delay_s: float = 0.5, min_score: float = 0.6
    ) -> None:
        if not (window_s > 0 and max_delay_s > 0):
            raise InputError(f"auto delay: window_s {window_s}, max_delay_s {max_delay_s}: > 0")
        self.window_s = float(window_s)
        self.max_delay_s = float(max_delay_s)
        self.min_score = float(min_score)
        self.meter = MotionMeter()
        self.estimate: DelayEstimate | None = None
        self.tries = 0
        self._plate_t: list[float] = []
        self._motion: list[tuple[float, float]] = []
        self._tracker: list[tuple[float, float, float, float]] = []

    @property
    def done(self) -> bool:
        return self.estimate is not None and self.estimate.score >= self.min_score

    def add_packets(self, packets: Sequence[tuple[Any, float]]) -> None:
        """FreeD packets with their arrival times (rising)."""
        for p, t in packets:
            if not self._tracker or t > self._tracker[-1][0]:
                self._tracker.append((float(t), p.pan, p.tilt, p.roll))

    def add_frame(self, t: float, image: npt.NDArray[np.uint8]) -> DelayEstimate | None:
        """A plate frame at time ``t``; returns a new estimate when one is made."""
        if self.done:
            return None
        moved = self.meter(image)
        if moved is None or (self._plate_t and t <= self._plate_t[-1]):
            self._plate_t, self._motion = [float(t)], []
            return None
        self._plate_t.append(float(t))
        self._motion.append(moved)
        # wait for the window plus the tracker's packets beyond it (positive delays)
        if t - self._plate_t[0] < self.window_s + self.max_delay_s:
            return None
        if not self._tracker or self._tracker[-1][0] < t - 0.05:
            return None
        tr = np.asarray(self._tracker)
        est = estimate_delay(self._plate_t, self._motion, tr[:, 0], tr[:, 1:], self.max_delay_s)
        self.tries += 1
        keep = self._tracker[-1][0] - 2 * self.max_delay_s
        self._tracker = [x for x in self._tracker if x[0] >= keep]
        self._plate_t, self._motion = [self._plate_t[-1]], []
        if est is None:
            return None
        if self.estimate is None or est.score > self.estimate.score:
            self.estimate = est
        return est

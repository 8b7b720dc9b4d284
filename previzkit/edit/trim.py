"""Heads and tails: where the action starts and ends in a take.

Pure functions over per-frame signals. Motion energy is the mean speed (m/s) of the
visible pose landmarks (plus the root's speed when known); audio level is the RMS
per video frame in dBFS. A frame is *active* when its motion is above
``motion_floor`` + ``motion_ratio`` x (peak - floor) or its audio is above
``audio_db``; the action runs from the first to the last active frame (short gaps
inside are kept: this trims heads and tails, it does not cut inside a take), widened
by ``handles_s`` on each side.

A take recorded from a scene's performance carries its own timing instead: its
*clock*, knots (take s, scene s) mapping take time to the scene's performance time
(:class:`TakeClock`), so the editor can place a beat in it by time, not by motion.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError
from previzkit.model.pose_track import ActorTrack


@dataclass(frozen=True)
class TrimRules:
    """Thresholds for :func:`action_range`: see module doc; ``min_action_s`` is the
    shortest action kept (else the whole take is used)."""

    motion_ratio: float = 0.2
    audio_db: float = -35.0
    handles_s: float = 0.5
    smooth_s: float = 0.25
    min_action_s: float = 0.5


def motion_energy(
    track: ActorTrack, fps: float, frames: int | None = None
) -> npt.NDArray[np.float64]:
    """Per-video-frame motion (m/s) from a pose track, resampled to ``frames`` frames."""
    if fps <= 0:
        raise InputError(f"fps {fps}: must be > 0")
    n = len(track)
    frames = n if frames is None else frames
    if n < 2:
        return np.zeros(frames)
    dt = np.diff(track.times)
    dt = np.where(dt > 0, dt, 1.0 / fps)
    step = np.linalg.norm(np.diff(track.world, axis=0), axis=2)  # (n-1, 33)
    vis = (track.visibility[1:] > 0.5) & ~track.held[1:] & ~track.held[:-1]
    speed = np.where(vis, step, 0.0).sum(1) / np.maximum(vis.sum(1), 1) / dt
    if track.root is not None:
        speed = speed + np.linalg.norm(np.diff(track.root, axis=0), axis=1) / dt
    speed = np.concatenate([[speed[0]], speed])
    frame_times = np.arange(frames) / fps
    return np.interp(frame_times, track.times, speed)


def _smooth(x: npt.NDArray[np.float64], width: int) -> npt.NDArray[np.float64]:
    if width <= 1 or len(x) < width:
        return x
    kernel = np.ones(width) / width
    return np.convolve(
        np.pad(x, (width // 2, width - 1 - width // 2), mode="edge"), kernel, "valid"
    )


def action_range(
    frames: int,
    fps: float,
    motion: npt.NDArray[np.float64] | None = None,
    audio_db: npt.NDArray[np.float64] | None = None,
    rules: TrimRules = TrimRules(),
) -> tuple[int, int, int, int]:
    """(action_in, action_out, cut_in, cut_out) frames of a take of ``frames`` frames.

    ``action_*`` is [first, last + 1) active frame; ``cut_*`` adds the handles,
    clamped to the take. With no signal, or less than ``min_action_s`` of action,
    the whole take is the action.
    """
    if frames <= 0:
        raise InputError(f"frames {frames}: a take needs at least one frame")
    active = np.zeros(frames, bool)
    width = max(1, round(rules.smooth_s * fps))
    for name, sig in (("motion", motion), ("audio_db", audio_db)):
        if sig is not None and len(sig) != frames:
            raise InputError(f"{name}: {len(sig)} values for {frames} frames")
    if motion is not None and len(motion):
        m = _smooth(np.asarray(motion, float), width)
        floor, peak = np.percentile(m, 5), m.max()
        if peak > floor + 1e-6:
            active |= m > floor + rules.motion_ratio * (peak - floor)
    if audio_db is not None and len(audio_db):
        active |= _smooth(np.asarray(audio_db, float), width) > rules.audio_db
    idx = np.flatnonzero(active)
    if len(idx) == 0 or (idx[-1] + 1 - idx[0]) < rules.min_action_s * fps:
        return 0, frames, 0, frames
    a, b = int(idx[0]), int(idx[-1]) + 1
    h = round(rules.handles_s * fps)
    return a, b, max(0, a - h), min(frames, b + h)


@dataclass(frozen=True)
class TakeClock:
    """A take's map from take time to scene time: ``knots`` (take s, scene s), take
    times increasing, scene times not decreasing, linear in between. The knots after
    the first and before the last are where the take's covered beats start and end
    (the first and last are its pre- and post-roll)."""

    knots: tuple[tuple[float, float], ...]

    @classmethod
    def from_meta(cls, raw: Any) -> TakeClock:
        """The clock of a pose file's ``timeline`` meta: a list of [take s, scene s]."""
        try:
            knots = tuple((float(x), float(y)) for x, y in raw)
        except (TypeError, ValueError) as exc:
            raise InputError(f"timeline {raw!r}: not a list of [take s, scene s] pairs") from exc
        if len(knots) < 4:
            raise InputError(f"timeline: {len(knots)} knots, needs >= 4 (rolls and one beat)")
        xs, ys = np.array(knots).T
        if not (np.isfinite(xs).all() and np.isfinite(ys).all()):
            raise InputError("timeline: knots must be finite numbers")
        if (np.diff(xs) <= 0).any() or (np.diff(ys) < 0).any():
            raise InputError("timeline: take times must increase and scene times not decrease")
        return cls(knots)

    def scale(self, script_in_s: float, script_out_s: float) -> float:
        """Scene seconds per script second, given the script times (s, from the scene's
        top) where the take's covered beats start and end."""
        if script_out_s <= script_in_s:
            raise InputError(f"script span {script_in_s}..{script_out_s} s: must be > 0")
        return (self.knots[-2][1] - self.knots[1][1]) / (script_out_s - script_in_s)

    def frame(self, scene_s: float, fps: float, frames: int) -> int:
        """The take frame (0..``frames``) where the take plays scene time ``scene_s``."""
        if fps <= 0:
            raise InputError(f"fps {fps}: must be > 0")
        xs, ys = np.array(self.knots).T
        return int(np.clip(round(float(np.interp(scene_s, ys, xs)) * fps), 0, frames))


def script_times(estimates: Sequence[float]) -> list[tuple[float, float]]:
    """(start, end) script seconds of consecutive beats of ``estimates`` seconds each."""
    ends = np.cumsum(np.asarray(estimates, dtype=np.float64))
    return [(float(e - d), float(e)) for e, d in zip(ends, estimates, strict=True)]

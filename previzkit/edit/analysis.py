"""Measuring takes for the editor: trims, tracking quality, marks (reads take files)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.edit.scoring import TakeAnalysis, tracking_stats
from previzkit.edit.trim import TrimRules, action_range, motion_energy
from previzkit.media.audio import read_audio
from previzkit.media.video import probe_video
from previzkit.model import timecode as tc
from previzkit.model.pose_track import read_actor_track
from previzkit.model.take import Take
from previzkit.takes.store import TakeStore


def analyse_take(
    store: TakeStore,
    take: Take,
    estimate_s: float | None = None,
    marks: Sequence[tuple[float, float]] = (),
    rules: TrimRules | None = None,
) -> TakeAnalysis:
    """Measure ``take``: action range from pose motion and audio, tracking quality,
    distance from the nearest of ``marks`` ((x, z) metres on the floor) at the action's
    end (when the pose track has root positions)."""
    rules = rules or TrimRules()
    video = store.file(take, "video")
    fps = float(tc.rate(take.rate).fps)
    if video is None or not video.is_file():
        return TakeAnalysis(take, fps, take.duration_frames, has_video=False, estimate_s=estimate_s)
    info = probe_video(video)
    frames = info.frames
    motion = confidence = dropouts = mark_error = None
    pose_path = store.file(take, "pose")
    if pose_path is not None:
        track = read_actor_track(pose_path)
        motion = motion_energy(track, fps, frames)
        confidence, dropouts = tracking_stats(track.confidence, track.held)
        if track.root is not None and marks:
            _, b, _, _ = action_range(frames, fps, motion, None, rules)
            end_t = (b - 1) / fps
            k = int(np.clip(np.searchsorted(track.times, end_t), 0, len(track) - 1))
            xz = np.array([track.root[k, 0], track.root[k, 2]])
            mark_error = float(min(np.hypot(*(xz - np.asarray(m))) for m in marks))
    audio_path = store.file(take, "audio") or (video if info.has_audio else None)
    levels = audio_levels(audio_path, fps, frames) if audio_path is not None else None
    action = action_range(frames, fps, motion, levels, rules)
    return TakeAnalysis(
        take,
        fps,
        frames,
        action,
        confidence,
        dropouts,
        mark_error,
        estimate_s,
        True,
        info.has_audio,
    )


def audio_levels(path: str | Path, fps: float, frames: int) -> npt.NDArray[np.float64] | None:
    """RMS level in dBFS per video frame (``frames`` values at ``fps``) of the first
    audio stream of ``path``; None when it has no audio."""
    rate = 16000
    samples = read_audio(path, rate)
    if samples is None:
        return None
    per = rate / fps
    out = np.full(frames, -120.0)
    for i in range(frames):
        seg = samples[int(i * per) : int((i + 1) * per)]
        if len(seg):
            out[i] = 20 * np.log10(max(float(np.sqrt(np.mean(seg.astype(np.float64) ** 2))), 1e-6))
    return out

"""Videos with shot boundaries at known frames, for tests and the detection benchmark.

Each shot is a moving texture (smooth noise in its own palette, panning, with a
moving disc and per-frame grain), so frames within a shot are never flat or still.
Shots are joined by hard cuts, dissolves or fades through black. The ground truth is
the frame where the new shot starts: the cut frame, or the middle of a transition.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError
from previzkit.core.optional import require
from previzkit.media.video import VideoWriter


@dataclass(frozen=True)
class Transition:
    """How a shot begins: ``"cut"``, ``"dissolve"`` or ``"fade"`` (through black) over
    ``frames`` frames (ignored for cuts)."""

    kind: str = "cut"
    frames: int = 0


@dataclass
class SyntheticVideo:
    """A generated video: its path, fps, frame count and true shot starts."""

    path: Path
    fps: int
    frames: int
    cuts: list[int] = field(default_factory=list)  # frame where each new shot starts
    spans: list[tuple[int, int]] = field(default_factory=list)  # transition frames [a, b)


def _texture(rng: np.random.Generator, h: int, w: int) -> npt.NDArray[np.float32]:
    """Smooth colour noise (h, w, 3) in [0, 1] with a random palette."""
    gaussian_filter = require("scipy.ndimage", "edit", "synthetic footage").gaussian_filter

    base = rng.random((h, w, 3)).astype(np.float32)
    sigma = rng.uniform(4.0, 12.0)
    tex = np.stack([gaussian_filter(base[..., c], sigma, mode="wrap") for c in range(3)], -1)
    tex = (tex - tex.min()) / max(float(np.ptp(tex)), 1e-6)
    palette = rng.random((2, 3)).astype(np.float32)
    lum = tex.mean(axis=2, keepdims=True)
    return np.clip(palette[0] * (1 - lum) + palette[1] * lum + 0.25 * (tex - 0.5), 0, 1)


class _Shot:
    def __init__(self, rng: np.random.Generator, width: int, height: int) -> None:
        self.w, self.h = width, height
        tex = _texture(rng, height * 2, width * 2)
        self.period = tex.shape[:2]
        self.tex = np.pad(tex, ((0, height), (0, width), (0, 0)), mode="wrap")
        self.grain = rng.normal(0, 0.02, (4, height, width, 3)).astype(np.float32)
        self.vel = rng.uniform(-3.0, 3.0, size=2)
        self.start = rng.uniform(0, [width, height])
        self.disc_color = rng.random(3).astype(np.float32)
        self.disc_phase = rng.uniform(0, 2 * np.pi)
        self.radius = rng.uniform(0.06, 0.15) * height
        self.rng = rng
        yy, xx = np.mgrid[0:height, 0:width]
        self.yy, self.xx = yy.astype(np.float32), xx.astype(np.float32)

    def frame(self, t: int) -> npt.NDArray[np.float32]:
        x0, y0 = (self.start + self.vel * t).astype(int)
        y0, x0 = y0 % self.period[0], x0 % self.period[1]
        img = self.tex[y0 : y0 + self.h, x0 : x0 + self.w] + self.grain[t % len(self.grain)]
        cx = self.w * (0.5 + 0.35 * np.sin(self.disc_phase + t * 0.07))
        cy = self.h * (0.5 + 0.3 * np.cos(self.disc_phase + t * 0.05))
        r = self.radius
        ya, yb = max(int(cy - r), 0), min(int(cy + r) + 1, self.h)
        xa, xb = max(int(cx - r), 0), min(int(cx + r) + 1, self.w)
        mask = (self.xx[ya:yb, xa:xb] - cx) ** 2 + (self.yy[ya:yb, xa:xb] - cy) ** 2 < r * r
        img[ya:yb, xa:xb][mask] = self.disc_color
        return img


def write_synthetic_video(
    path: str | Path,
    shot_lengths: list[int],
    transitions: list[Transition] | None = None,
    *,
    width: int = 320,
    height: int = 180,
    fps: int = 24,
    seed: int = 0,
) -> SyntheticVideo:
    """Write an H.264 MP4 of ``len(shot_lengths)`` shots and return the ground truth.

    ``transitions[i]`` is how shot ``i + 1`` begins (default: hard cuts). A transition
    of ``n`` frames overlaps the end of one shot and the start of the next, so the
    total length is ``sum(shot_lengths) - sum(n)``.
    """
    n = len(shot_lengths)
    transitions = list(transitions or [Transition()] * max(n - 1, 0))
    if len(transitions) != max(n - 1, 0):
        raise InputError(
            f"transitions: {len(transitions)} given for {n} shots (need {max(n - 1, 0)})"
        )
    for i, tr in enumerate(transitions):
        if tr.kind not in ("cut", "dissolve", "fade"):
            raise InputError(f"transitions[{i}].kind: {tr.kind!r} (cut, dissolve or fade)")
        if tr.kind != "cut" and not 2 <= tr.frames < min(shot_lengths[i], shot_lengths[i + 1]):
            raise InputError(f"transitions[{i}].frames: {tr.frames} outside [2, shot length)")
    rng = np.random.default_rng(seed)
    shots = [_Shot(rng, width, height) for _ in range(n)]

    # timeline: which shot(s) and weights each output frame shows
    plan: list[list[tuple[int, int, float]]] = []  # per frame: (shot, local t, weight)
    cuts: list[int] = []
    spans: list[tuple[int, int]] = []
    for i, length in enumerate(shot_lengths):
        overlap = transitions[i - 1].frames if i > 0 and transitions[i - 1].kind != "cut" else 0
        start = len(plan) - overlap
        if i > 0:
            tr = transitions[i - 1]
            cuts.append(start if tr.kind == "cut" else start + overlap // 2)
            if tr.kind != "cut":
                spans.append((start, start + overlap))
        for t in range(length):
            k = start + t
            if t < overlap:
                tr = transitions[i - 1]
                a = (t + 1) / (overlap + 1)
                if tr.kind == "dissolve":
                    plan[k] = [(plan[k][0][0], plan[k][0][1], 1 - a), (i, t, a)]
                else:  # fade: first half fades out, second half fades in
                    half = overlap / 2
                    if t < half:
                        plan[k] = [(plan[k][0][0], plan[k][0][1], 1 - (t + 1) / (half + 1))]
                    else:
                        plan[k] = [(i, t, (t - half + 1) / (overlap - half + 1))]
            else:
                plan.append([(i, t, 1.0)])

    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with VideoWriter(out, width, height, fps, crf=20, preset="ultrafast") as writer:
        for parts in plan:
            img = np.zeros((height, width, 3), np.float32)
            for shot, t, w in parts:
                img += w * shots[shot].frame(t)
            writer.write((np.clip(img, 0, 1) * 255).astype(np.uint8))
    return SyntheticVideo(out, fps, len(plan), cuts, spans)


def write_take_video(
    path: str | Path,
    frames: int,
    fps: float | Fraction = 24,
    *,
    width: int = 160,
    height: int = 96,
    seed: int = 0,
    sound: tuple[int, int] | None = None,
    flashes: tuple[int, ...] = (),
    sample_rate: int = 48000,
) -> Path:
    """An H.264 + AAC take: a moving texture, a 440 Hz tone during frames ``sound``
    [a, b) (near-silence elsewhere), and at each frame of ``flashes`` a white frame
    with a 1 kHz click of one frame's length (to check audio/video sync)."""
    rate = Fraction(fps).limit_denominator(1001)
    rng = np.random.default_rng(seed)
    shot = _Shot(rng, width, height)
    spf = sample_rate / float(rate)
    total = round(frames * spf)
    t = np.arange(total) / sample_rate
    audio = rng.normal(0, 0.0005, total).astype(np.float32)
    if sound is not None:
        a, b = int(sound[0] * spf), int(sound[1] * spf)
        audio[a:b] += 0.25 * np.sin(2 * np.pi * 440 * t[a:b]).astype(np.float32)
    for f in flashes:
        a, b = int(f * spf), int((f + 1) * spf)
        audio[a:b] = 0.8 * np.sin(2 * np.pi * 1000 * t[a:b]).astype(np.float32)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with VideoWriter(
        out, width, height, rate, crf=23, preset="ultrafast", audio_rate=sample_rate
    ) as writer:
        for i in range(frames):
            writer.write(
                np.full((height, width, 3), 255, np.uint8)
                if i in flashes
                else (np.clip(shot.frame(i), 0, 1) * 255).astype(np.uint8)
            )
        writer.write_audio(audio)
    return out


def synthetic_actor_track(
    frames: int,
    fps: float,
    action: tuple[int, int],
    *,
    confidence: float = 0.95,
    dropouts: float = 0.0,
    end_xz: tuple[float, float] = (0.0, 0.0),
    seed: int = 0,
) -> Any:
    """One actor's track (:class:`~previzkit.model.pose_track.ActorTrack`) that stands still, moves during frames ``action`` [a, b) (arms
    swinging, walking to ``end_xz`` on the floor) and stands still again."""
    from previzkit.model.pose_track import ActorTrack

    rng = np.random.default_rng(seed)
    times = np.arange(frames) / float(fps)
    rest = rng.normal(0, 0.3, (33, 3)).astype(np.float32)
    world = np.repeat(rest[None], frames, axis=0)
    a, b = action
    phase = np.clip((np.arange(frames) - a) / max(b - a, 1), 0, 1)
    moving = (np.arange(frames) >= a) & (np.arange(frames) < b)
    swing = np.sin(2 * np.pi * 1.5 * times)[:, None] * moving[:, None]
    world[:, 11:23, 0] += 0.3 * swing
    world += rng.normal(0, 0.002, world.shape).astype(np.float32)
    root = np.zeros((frames, 3), np.float32)
    root[:, 0] = end_xz[0] * phase
    root[:, 2] = end_xz[1] * phase
    root[:, 1] = 0.95
    held = rng.random((frames, 33)) < dropouts
    vis = np.full((frames, 33), 0.95, np.float32)
    conf = np.clip(rng.normal(confidence, 0.01, frames), 0, 1).astype(np.float32)
    return ActorTrack(times, world, vis, conf, held, root)

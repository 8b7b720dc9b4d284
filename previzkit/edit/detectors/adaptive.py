"""Adaptive detector: thresholds set by the footage, flashes and camera moves ignored.

Per frame it keeps the 16 x 9 grid of mean Y, U, V (as :mod:`.content`) and a 32 x 18
luma thumbnail. With ``d[t]`` the mean grid difference to the previous frame (8-bit
levels):

- **Adaptive thresholds.** A hard cut is a spike of ``d`` above ``cut_ratio`` times
  the local baseline (running median of ``d``: what motion in this stretch looks
  like), ``neighbour_ratio`` times both neighbours, and a floor of ``threshold``
  times the local contrast (running median of the grid's mean absolute deviation of
  Y): a cut between two angles of a dark set changes few levels, but many for its
  contrast.
- **Flashes and brightness jumps.** A spike is no cut when some frame of the
  ``bridge`` frames before it looks like some frame of the ``bridge`` frames after
  it (closest pair under ``bridge_ratio`` times the spike): the picture came back.
- **Camera moves.** Each frame's thumbnail is compared with the previous one shifted
  by up to +-4 x +-2 cells; where the best shift explains the change
  (``motion_ratio``), the change is a pan or tilt. Spikes and gradual transitions
  explained that way are dropped.
- **Fades and dissolves** are found as by :mod:`.content` (runs of raised ``d`` whose
  ends differ; straight paths in feature space), and kept only when the path is
  nearly straight (the summed frame differences at most ``path_ratio`` times the
  difference between its ends, no single step above ``step_ratio`` of it; a fade
  through black, whose luma dips below both ends, only the latter against its summed
  steps) and not a camera move.

A transition counts once, at its middle; boundaries closer than ``min_shot`` frames
are merged (a hard cut wins).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, ShapeError
from previzkit.edit.detectors.base import Planes
from previzkit.edit.detectors.content import (
    _regions,
    _running_median,
    cell_means,
    dissolve_score,
    frame_differences,
    grid_features,
)

THUMB = (32, 18)  # luma thumbnail cells across, down
SHIFT = (4, 2)  # largest camera move searched between frames, thumbnail cells


def thumbnail(y: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    """Mean luma of a 32 x 18 grid: (18, 32) float32 in 8-bit levels."""
    return cell_means(y, THUMB, samples=4)


def motion_explained(thumbs: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """Per frame: the thumbnail difference to the previous frame after the best shift
    (up to :data:`SHIFT` cells), over the difference without one (1 at frame 0; near 0
    for a pan over a still, near 1 for a cut)."""
    n, h, w = thumbs.shape
    out = np.ones(n)
    if n < 2:
        return out
    raw = np.abs(np.diff(thumbs, axis=0)).mean(axis=(1, 2))
    best = raw.copy()
    sx, sy = SHIFT
    for dy in range(-sy, sy + 1):
        for dx in range(-sx, sx + 1):
            if dx == dy == 0:
                continue
            a = thumbs[1:, max(0, dy) : h + min(0, dy), max(0, dx) : w + min(0, dx)]
            b = thumbs[:-1, max(0, -dy) : h + min(0, -dy), max(0, -dx) : w + min(0, -dx)]
            best = np.minimum(best, np.abs(a - b).mean(axis=(1, 2)))
    out[1:] = np.where(raw > 0.5, best / np.maximum(raw, 1e-6), 1.0)
    return out


def local_contrast(grid: npt.NDArray[np.float32], radius: int) -> npt.NDArray[np.float64]:
    """Running median of each frame's mean absolute deviation of the Y cells (levels)."""
    y = grid[:, :144].astype(np.float64)
    dev = np.abs(y - y.mean(axis=1, keepdims=True)).mean(axis=1)
    return _running_median(dev, radius)


def bridge_distance(grid: npt.NDArray[np.float32], t: int, width: int) -> float:
    """Smallest mean grid difference between a frame of the ``width`` before ``t`` and
    one of ``t`` .. ``t + width - 1`` (a flash or brightness jump gives a small one)."""
    before = grid[max(0, t - width) : t]
    after = grid[t : t + width]
    if len(before) == 0 or len(after) == 0:
        return float("inf")
    return float(np.abs(before[:, None, :] - after[None, :, :]).mean(axis=2).min())


def brightness_change(grid: npt.NDArray[np.float32], t: int) -> tuple[float, float]:
    """(uniformity, structure) of the change from frame ``t - 1`` to ``t``: how much
    the Y cells moved the same way (1: all brighter or all darker) and the correlation
    of the two frames' Y layouts (1: same picture, another exposure). A flash or
    brightness jump scores near (1, 1); a cut does not."""
    a, b = grid[t - 1, :144].astype(np.float64), grid[t, :144].astype(np.float64)
    dy = b - a
    uniform = abs(float(dy.mean())) / max(float(np.abs(dy).mean()), 1e-6)
    a, b = a - a.mean(), b - b.mean()
    structure = float((a * b).sum() / np.sqrt((a * a).sum() * (b * b).sum() + 1e-9))
    return uniform, structure


FLASH = (0.95, 0.9)  # uniformity and structure above which a spike is a flash
# (one picture at another exposure correlates above 0.9; two different soft pictures,
# cut one to the other, can correlate 0.8 with a uniform brightness rise)


@dataclass
class AdaptiveDetector:
    """Hard cuts, fades and dissolves with footage-set thresholds (see module doc).

    ``threshold``: a hard cut's floor as a fraction of the local contrast (the
    ``--threshold`` of ``previzkit cut detect``; lower finds more); ``cut_ratio``:
    times the local baseline; ``neighbour_ratio``: times the larger neighbour;
    ``bridge`` (frames) and ``bridge_ratio``: flash suppression; ``motion_ratio``:
    changes a shift explains to below this fraction are camera moves;
    ``gradual_ratio``/``gradual_floor``: how raised a frame's difference must be in
    a fade run; ``gradual_threshold``: how different a fade's or dissolve's ends
    must be, as a fraction of the local contrast; ``dissolve_threshold``: the
    straightness score a dissolve must reach, same units; ``path_ratio``: summed
    differences over end difference a transition may have, ``step_ratio``: its largest
    single step over it (a flash or cut inside is no dissolve); ``dissolve_windows``:
    half-windows (frames); ``min_gradual``: shortest fade run (frames); ``min_shot``:
    boundaries closer than this (frames) are merged; ``radius``: frames each side
    for the local baseline and contrast; ``min_contrast``: the contrast (levels)
    fades and dissolves are measured against in flatter footage, so that drift in a
    flat picture is no transition.
    """

    threshold: float = 0.12
    cut_ratio: float = 3.0
    neighbour_ratio: float = 2.0
    bridge: int = 5
    bridge_ratio: float = 0.4
    motion_ratio: float = 0.5
    gradual_ratio: float = 2.2
    gradual_floor: float = 1.0
    gradual_threshold: float = 0.5
    dissolve_threshold: float = 0.3
    path_ratio: float = 2.0
    step_ratio: float = 0.35
    dissolve_windows: tuple[int, ...] = (4, 8, 12)
    min_gradual: int = 4
    min_shot: int = 6
    radius: int = 24
    min_contrast: float = 15.0
    _grid: list[npt.NDArray[np.float32]] = field(default_factory=list, repr=False)
    _thumbs: list[npt.NDArray[np.float32]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        for name in (
            "threshold",
            "cut_ratio",
            "neighbour_ratio",
            "bridge_ratio",
            "motion_ratio",
            "gradual_ratio",
            "gradual_threshold",
            "dissolve_threshold",
            "path_ratio",
            "step_ratio",
            "min_contrast",
        ):
            if not getattr(self, name) > 0:
                raise InputError(f"AdaptiveDetector.{name}: must be > 0, got {getattr(self, name)}")
        if self.min_gradual < 2 or self.min_shot < 1 or self.bridge < 1 or self.radius < 1:
            raise InputError(
                "AdaptiveDetector: min_gradual >= 2, min_shot, bridge and radius >= 1 needed, "
                f"got {self.min_gradual}, {self.min_shot}, {self.bridge}, {self.radius}"
            )
        if not self.dissolve_windows or min(self.dissolve_windows) < 1:
            raise InputError(
                f"AdaptiveDetector.dissolve_windows: {self.dissolve_windows} (positive frames)"
            )

    def process_frame(self, index: int, planes: Planes) -> list[int]:
        """Store frame ``index``'s features; boundaries come from :meth:`post_process`."""
        if index != len(self._grid):
            raise InputError(f"frame index {index}: expected {len(self._grid)} (in order)")
        self._grid.append(grid_features(planes))
        self._thumbs.append(thumbnail(planes[0]))
        return []

    def post_process(self, frames: int) -> list[int]:
        """Shot starts (frame numbers) over the ``frames`` frames seen."""
        if not self._grid:
            return []
        grid, thumbs = np.stack(self._grid), np.stack(self._thumbs)
        self._grid, self._thumbs = [], []
        return detect_adaptive(grid, thumbs, self)


def detect_adaptive(
    grid: npt.NDArray[np.float32], thumbs: npt.NDArray[np.float32], p: AdaptiveDetector
) -> list[int]:
    """Shot starts from per-frame grid features (N, 432) and thumbnails (N, 18, 32)."""
    return [f for f, _, _ in boundaries(grid, thumbs, p)]


KINDS = ("dissolve", "fade", "cut")  # by priority


def boundaries(
    grid: npt.NDArray[np.float32], thumbs: npt.NDArray[np.float32], p: AdaptiveDetector
) -> list[tuple[int, str, float]]:
    """(frame, kind, strength) of each shot start: kind "cut", "fade" or "dissolve";
    strength the difference that found it (levels)."""
    n = len(grid)
    if n < 3:
        return []
    if thumbs.shape[0] != n:
        raise ShapeError(f"thumbs: {thumbs.shape[0]} frames for {n} grid frames")
    d = frame_differences(grid)
    base = np.maximum(_running_median(d, p.radius), 0.05)
    seen = local_contrast(grid, p.radius)
    contrast = np.maximum(seen, p.min_contrast)  # for fades and dissolves
    moved = motion_explained(thumbs)
    prev = np.concatenate([[0.0], d[:-1]])
    nxt = np.concatenate([d[1:], [0.0]])
    spike = (
        (d >= p.threshold * np.maximum(seen, 2.0))  # a dark set's cuts change few levels
        & (d >= p.cut_ratio * base)
        & (d >= p.neighbour_ratio * np.maximum(prev, nxt))
    )
    spike[0] = False
    found: list[tuple[int, int, float, int, int]] = []  # (frame, priority, strength, span)
    flash_at = -p.bridge - 1
    for t in np.flatnonzero(spike):
        if moved[t] < p.motion_ratio:
            continue  # a jerk of the camera
        if bridge_distance(grid, int(t), p.bridge) < p.bridge_ratio * d[t]:
            continue  # a flash: the picture came back
        uniform, structure = brightness_change(grid, int(t))
        if uniform >= FLASH[0] and (structure >= FLASH[1] or t - flash_at <= p.bridge):
            flash_at = int(t)
            continue  # the same picture brighter or darker: a flash, or its end
        found.append((int(t), 2, float(d[t]), int(t), int(t)))

    def straight(a: int, b: int, through_black: bool = False) -> bool:
        """Frames a .. b are a transition, not motion or a flash. A fade through black
        goes the long way round: only its spread (no single step dominates) is checked."""
        a, b = max(a, 0), min(b, n - 1)
        steps = d[a + 1 : b + 1]
        ends = float(steps.sum()) if through_black else float(np.abs(grid[b] - grid[a]).mean())
        return (
            (through_black or float(steps.sum()) <= p.path_ratio * ends)
            and float(steps.max()) <= p.step_ratio * ends
            and float(np.median(moved[a + 1 : b + 1])) >= p.motion_ratio
        )

    # fades: runs of raised difference (a frame's gap of one is bridged)
    raised = (d >= np.maximum(p.gradual_ratio * base, p.gradual_floor)) & ~spike
    raised[0] = False
    bridged = raised.copy()
    bridged[1:-1] |= raised[:-2] & raised[2:] & ~spike[1:-1]
    for a, b in _regions(bridged):
        if b - a >= p.min_gradual:
            change = float(np.abs(grid[min(b, n - 1)] - grid[a - 1]).mean())
            luma = grid[a - 1 : min(b, n - 1) + 1, :144].mean(axis=1)
            dark = float(luma.min()) < 0.6 * min(float(luma[0]), float(luma[-1]))
            if change >= p.gradual_threshold * contrast[a] and straight(a - 1, b, dark):
                found.append(((a + b) // 2, 1, change, a - 1, b))

    # dissolves: straight paths between different-looking frames
    scores = np.stack([dissolve_score(grid, k) for k in p.dissolve_windows])
    score = scores.max(axis=0)
    which = np.asarray(p.dissolve_windows)[scores.argmax(axis=0)]
    for a, b in _regions(score >= p.dissolve_threshold * contrast):
        mid = (a + b - 1) // 2
        k = int(which[mid])
        if straight(mid - k, mid + k):
            found.append((int(mid), 0, float(score[a:b].max()), mid - k, mid + k))

    # one boundary per transition: overlapping spans, or closer than min_shot, merge
    kept: list[tuple[int, int, float, int, int]] = []
    for item in sorted(found, key=lambda x: x[3]):
        if kept and (item[3] <= kept[-1][4] + 2 or item[0] - kept[-1][0] < p.min_shot):
            best = max(kept[-1], item, key=lambda x: x[1:3])
            kept[-1] = (*best[:3], min(kept[-1][3], item[3]), max(kept[-1][4], item[4]))
            continue
        kept.append(item)
    return [(int(f), KINDS[k], s) for f, k, s, _, _ in kept if 0 < f < n]


DETECTOR = AdaptiveDetector  # found by name "adaptive" (previzkit.edit.detectors.DETECTORS)

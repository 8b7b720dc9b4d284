"""Content detector: hard cuts, dissolves and fades from coarse colour layout.

Each frame is reduced to a 16 x 9 grid of mean Y, U and V values, straight from the
decoded 4:2:0 planes (no colour conversion or scaling). With ``F[t]`` that grid and
``d[t] = mean |F[t] - F[t-1]|`` (8-bit levels), against the local baseline (the
running median of ``d``, i.e. what motion inside a shot looks like):

- a hard cut is a single-frame spike: ``d[t]`` well above the baseline, above an
  absolute floor, and well above both neighbours;
- a fade (through black, or any fast gradual change) is a run of several frames of
  raised ``d`` whose ends differ a lot (twin comparison);
- a dissolve is a straight path in feature space: over a window of +-k frames the
  ends differ (``D = mean |F[t+k] - F[t-k]|``) while the middle frame is their
  average (``R = mean |F[t] - (F[t-k] + F[t+k]) / 2|`` small). Motion inside a shot
  wanders instead, so ``S = D - 2R`` stays near zero there.

A transition counts once, at its middle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, ShapeError
from previzkit.core.optional import require
from previzkit.edit.detectors.base import Planes

GRID = (16, 9)  # cells across, down


def cell_means(
    plane: npt.ArrayLike, grid: tuple[int, int] = GRID, samples: int = 8
) -> npt.NDArray[np.float32]:
    """Mean of each cell of a ``grid`` (cells across, down) over ``plane``: (down,
    across) float32 in the plane's levels. About ``samples`` x ``samples`` pixels per
    cell are plenty for a cell mean: big planes are subsampled."""
    plane = np.asarray(plane)
    gw, gh = grid
    h, w = plane.shape
    ch, cw = h // gh, w // gw
    if ch == 0 or cw == 0:
        raise ShapeError(f"frame plane: shape {plane.shape} is smaller than the {gw}x{gh} grid")
    step = max(1, min(ch, cw) // samples)
    ch, cw = ch // step, cw // step
    crop = plane[: ch * gh * step : step, : cw * gw * step : step]
    return crop.reshape(gh, ch, gw, cw).mean(axis=(1, 3), dtype=np.float32)


def _cells(plane: npt.NDArray[np.uint8]) -> npt.NDArray[np.float32]:
    return cell_means(plane).reshape(-1)


def grid_features(planes: Planes) -> npt.NDArray[np.float32]:
    """Mean Y, U, V per cell of a 16 x 9 grid: (3 * 144,) float32 in 8-bit levels."""
    if len(planes) != 3:
        raise ShapeError(f"planes: expected (Y, U, V), got {len(planes)} arrays")
    return np.concatenate([_cells(p) for p in planes])


def _running_median(x: npt.NDArray[np.float64], radius: int) -> npt.NDArray[np.float64]:
    ndimage = require("scipy.ndimage", "edit", "shot detection")
    return ndimage.median_filter(x, size=2 * radius + 1, mode="nearest")


@dataclass
class ContentDetector:
    """Hard cuts, fades and dissolves (see module doc).

    ``cut_threshold``: absolute floor of a hard cut's frame difference (8-bit levels);
    ``cut_ratio``: how many times the local baseline and the larger neighbour a spike
    must be; ``gradual_ratio``/``gradual_floor``: how raised a frame's difference must
    be to belong to a fade run; ``gradual_threshold``: how different the frames around
    a run (or a dissolve window) must be; ``dissolve_threshold``: the straightness
    score ``S`` a dissolve must reach; ``dissolve_windows``: half-windows k (frames);
    ``min_gradual``: shortest fade run (frames); ``min_shot``: boundaries closer than
    this (frames) are merged, the strongest kept.
    """

    cut_threshold: float = 10.0
    cut_ratio: float = 3.0
    gradual_ratio: float = 2.2
    gradual_floor: float = 2.0
    gradual_threshold: float = 15.0
    dissolve_threshold: float = 5.0
    dissolve_windows: tuple[int, ...] = (4, 8, 12)
    min_gradual: int = 4
    min_shot: int = 12
    baseline_radius: int = 24
    _features: list[npt.NDArray[np.float32]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        for name in (
            "cut_threshold",
            "cut_ratio",
            "gradual_ratio",
            "gradual_threshold",
            "dissolve_threshold",
        ):
            if not getattr(self, name) > 0:
                raise InputError(f"ContentDetector.{name}: must be > 0, got {getattr(self, name)}")
        if self.min_gradual < 2 or self.min_shot < 1 or not self.dissolve_windows:
            raise InputError(
                "ContentDetector: min_gradual >= 2, min_shot >= 1 and at least one "
                f"dissolve window needed, got {self.min_gradual}, {self.min_shot}, "
                f"{self.dissolve_windows}"
            )

    def process_frame(self, index: int, planes: Planes) -> list[int]:
        """Store frame ``index``'s grid features; boundaries come from :meth:`post_process`."""
        if index != len(self._features):
            raise InputError(f"frame index {index}: expected {len(self._features)} (in order)")
        self._features.append(grid_features(planes))
        return []

    def post_process(self, frames: int) -> list[int]:
        """Shot starts (frame numbers) over the ``frames`` frames seen."""
        feats = np.stack(self._features) if self._features else np.zeros((0, 1), np.float32)
        self._features = []
        return detect_in_features(feats, self)


def frame_differences(feats: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """``d[t]``: mean |feats[t] - feats[t-1]| (d[0] = 0)."""
    d = np.zeros(len(feats))
    if len(feats) > 1:
        d[1:] = np.abs(np.diff(feats, axis=0)).mean(axis=1)
    return d


def dissolve_score(feats: npt.NDArray[np.float32], k: int) -> npt.NDArray[np.float64]:
    """``S[t] = D - 2R`` over a +-k window (0 where the window leaves the video)."""
    n = len(feats)
    s = np.zeros(n)
    if n <= 2 * k:
        return s
    a, m, b = feats[: n - 2 * k], feats[k : n - k], feats[2 * k :]
    span = np.abs(b - a).mean(axis=1)
    bend = np.abs(m - 0.5 * (a + b)).mean(axis=1)
    s[k : n - k] = span - 2.0 * bend
    return s


def _regions(mask: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """[start, end) of each run of True."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def detect_in_features(feats: npt.NDArray[np.float32], p: ContentDetector) -> list[int]:
    """Shot starts from per-frame grid features (N, K); see :class:`ContentDetector`."""
    n = len(feats)
    if n < 3:
        return []
    d = frame_differences(feats)
    base = np.maximum(_running_median(d, p.baseline_radius), 0.5)
    prev = np.concatenate([[0.0], d[:-1]])
    nxt = np.concatenate([d[1:], [0.0]])
    spike = (
        (d >= p.cut_threshold)
        & (d >= p.cut_ratio * base)
        & (d >= p.cut_ratio * np.maximum(prev, nxt))
    )
    spike[0] = False
    # (frame, priority, strength): hard cuts win over fades over dissolves when merged
    found: list[tuple[int, int, float]] = [(int(t), 2, float(d[t])) for t in np.flatnonzero(spike)]

    # fades: runs of raised difference (a frame's gap of one is bridged)
    raised = (d >= np.maximum(p.gradual_ratio * base, p.gradual_floor)) & ~spike
    raised[0] = False
    bridged = raised.copy()
    bridged[1:-1] |= raised[:-2] & raised[2:] & ~spike[1:-1]
    for a, b in _regions(bridged):
        if b - a >= p.min_gradual:
            change = float(np.abs(feats[min(b, n - 1)] - feats[a - 1]).mean())
            if change >= p.gradual_threshold:
                found.append(((a + b) // 2, 1, change))

    # dissolves: straight paths between different-looking frames
    score = np.max([dissolve_score(feats, k) for k in p.dissolve_windows], axis=0)
    for a, b in _regions(score >= p.dissolve_threshold):
        mid = (a + b - 1) // 2
        found.append((int(mid), 0, float(score[a:b].max())))
    found.sort()

    kept: list[tuple[int, int, float]] = []
    for item in found:
        if kept and item[0] - kept[-1][0] < p.min_shot:
            if item[1:] > kept[-1][1:]:
                kept[-1] = item
            continue
        kept.append(item)
    return [int(f) for f, _, _ in kept if 0 < f < n]


DETECTOR = ContentDetector  # found by name "content" (previzkit.edit.detectors.DETECTORS)

"""Foot contacts: where a foot is planted, and how much a planted foot slides.

The one contact detector of the project: the motion library measures its clips with it
(:mod:`previzkit.production.library`) and capture finds the actor's planted feet with it
(:mod:`previzkit.capture.root`, :mod:`previzkit.capture.retarget`).

Input: (F, 33, 3) BlazePose landmarks in a y-up frame (metres; the set frame, or any
frame whose +y is up), ``fps`` frames per second. Pure numpy, no I/O.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError

FEET = {"left": (29, 31), "right": (30, 32)}  # (heel, toe) landmark per foot
CONTACT_HEIGHT_M = 0.06  # lowest foot point at most this far above the floor
CONTACT_SPEED_M_S = 0.25  # and moving slower than this horizontally
MIN_CONTACT_FRAMES = 3


def check_landmarks(landmarks: npt.ArrayLike, fps: float) -> npt.NDArray[np.float64]:
    """``landmarks`` as float64 (F, 33, 3), F >= 1, or an InputError naming the shape."""
    lm = np.asarray(landmarks, dtype=np.float64)
    if lm.ndim != 3 or lm.shape[1:] != (33, 3) or len(lm) < 1:
        raise InputError(f"foot contacts: landmarks of shape {lm.shape}, expected (F, 33, 3)")
    if not fps > 0:
        raise InputError(f"foot contacts: fps {fps} is not > 0")
    return lm


def contact_ranges(mask: npt.ArrayLike) -> list[tuple[int, int]]:
    """Inclusive (first, last) frame ranges where the (F,) boolean ``mask`` is True."""
    m = np.asarray(mask, dtype=bool)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], m.astype(np.int8), [0]])))
    return [(int(a), int(b) - 1) for a, b in zip(edges[::2], edges[1::2], strict=True)]


def keep_runs(mask: npt.ArrayLike, min_frames: int) -> npt.NDArray[np.bool_]:
    """(F,) ``mask`` with its runs of True shorter than ``min_frames`` frames cleared."""
    if min_frames < 1:
        raise InputError(f"foot contacts: min_frames must be >= 1, got {min_frames}")
    m = np.asarray(mask, dtype=bool)
    out = np.zeros_like(m)
    for a, b in contact_ranges(m):
        if b - a + 1 >= min_frames:
            out[a : b + 1] = True
    return out


def lowest_foot_point(lm: npt.NDArray[np.float64], foot: str) -> npt.NDArray[np.float64]:
    """(F, 3) the lower (y) of the foot's heel and toe in each frame."""
    heel, toe = FEET[foot]
    pick = lm[:, toe, 1] < lm[:, heel, 1]
    return np.where(pick[:, None], lm[:, toe], lm[:, heel])


def horizontal_speed(points: npt.NDArray[np.float64], fps: float) -> npt.NDArray[np.float64]:
    """(F,) speed in the x-z plane (m/s), central differences (one-sided at the ends)."""
    if len(points) < 2:
        return np.zeros(len(points))
    v = np.gradient(points[:, [0, 2]], axis=0) * fps
    return np.asarray(np.linalg.norm(v, axis=1), dtype=np.float64)


def clip_floor(landmarks: npt.ArrayLike) -> float:
    """The floor height (m) of a clip that stands on one level: the 2nd percentile of
    the lowest foot landmark (ankle, heel, toe) per frame."""
    lm = check_landmarks(landmarks, 1.0)
    return float(np.percentile(lm[:, 27:33, 1].min(axis=1), 2))


def contact_mask(
    landmarks: npt.ArrayLike,
    fps: float,
    *,
    floor: float | None = None,
    height_m: float | None = CONTACT_HEIGHT_M,
    speed_m_s: float = CONTACT_SPEED_M_S,
    min_frames: int = MIN_CONTACT_FRAMES,
) -> npt.NDArray[np.bool_]:
    """(F, 2) per frame, True where the (left, right) foot is planted.

    Planted: the foot's lowest point (heel or toe) within ``height_m`` of the floor and
    moving slower than ``speed_m_s`` horizontally, for at least ``min_frames`` frames in
    a row. ``floor`` is the floor's height (m, y up); None: :func:`clip_floor`.
    ``height_m=None`` drops the height test (a foot standing on a box or a step is
    planted too: speed alone decides).
    """
    lm = check_landmarks(landmarks, fps)
    level = clip_floor(lm) if floor is None else float(floor)
    out = np.zeros((len(lm), 2), dtype=bool)
    for k, foot in enumerate(FEET):
        low = lowest_foot_point(lm, foot)
        mask = horizontal_speed(low, fps) < speed_m_s
        if height_m is not None:
            mask &= low[:, 1] - level < height_m
        out[:, k] = keep_runs(mask, min_frames)
    return out


def foot_contacts(
    landmarks: npt.ArrayLike,
    fps: float,
    height_m: float = CONTACT_HEIGHT_M,
    speed_m_s: float = CONTACT_SPEED_M_S,
    min_frames: int = MIN_CONTACT_FRAMES,
    *,
    floor: float | None = None,
) -> dict[str, list[tuple[int, int]]]:
    """Frame ranges (first, last, inclusive) where each foot is planted (see
    :func:`contact_mask`; the floor defaults to :func:`clip_floor`)."""
    mask = contact_mask(
        landmarks,
        fps,
        floor=floor,
        height_m=height_m,
        speed_m_s=speed_m_s,
        min_frames=min_frames,
    )
    return {foot: contact_ranges(mask[:, k]) for k, foot in enumerate(FEET)}


def foot_skate(
    landmarks: npt.ArrayLike,
    fps: float,
    contacts: dict[str, list[tuple[int, int]]],
    *,
    within: bool = False,
) -> dict[str, float]:
    """Each foot's median horizontal speed (cm/s) over its contact frames (NaN if none).

    Speeds are central differences over the clip; ``within=True`` takes instead the step
    from each contact frame to the next one of the same contact, so a short contact
    (a few frames of a low-rate video) is not measured across its lift-off.
    """
    lm = check_landmarks(landmarks, fps)
    out = {}
    for foot, ranges in contacts.items():
        low = lowest_foot_point(lm, foot)
        if within:
            steps = [np.diff(low[a : b + 1, [0, 2]], axis=0) for a, b in ranges]
            speed = np.concatenate([np.zeros((0, 2)), *steps])
            sel = np.linalg.norm(speed, axis=1) * fps
            out[foot] = float(np.median(sel) * 100.0) if sel.size else math.nan
            continue
        speed = horizontal_speed(low, fps)
        sel = np.concatenate([speed[a : b + 1] for a, b in ranges]) if ranges else np.array([])
        out[foot] = float(np.median(sel) * 100.0) if sel.size else math.nan
    return out

"""Matching action at cuts: how far characters jump between the last frame out and the
first frame in, and the cut point near the script's edit point that jumps least.

Poses come from the takes' world joint tracks (:mod:`previzkit.model.joint_track`:
metres, set frame). A character's *jump* between frame ``a`` of one take and frame ``b``
of another is the mean over its joints (those finite in both) of the distance between
the two positions, in metres; it bounds the jump of the character's mean joint position
(the triangle inequality). Characters present on only one side (entering, exiting, not
in the track) are left out. Frames are take frame indices (``JointTrack.index``).

Pure (numpy): the assembler (:mod:`previzkit.edit.assemble`) reads the files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError
from previzkit.model.joint_track import JointTrack

#: Screenplay words that put a time jump (or a jump in place) inside a scene: written in
#: capitals, as screenplays do ("MOMENTS LATER", "> INTERCUT <", "MONTAGE").
TIME_JUMP = re.compile(
    r"\b(LATER|MONTAGE|FLASHBACK|INTERCUT|TIME CUT|JUMP CUT|SMASH CUT|"
    r"THE NEXT (?:MORNING|DAY|NIGHT))\b"
)


@dataclass(frozen=True)
class ContinuityRules:
    """How the assembler matches action at cuts within a scene.

    ``slack_s``: how far (s) a cut's out frame, its in frame and its record position
    may each move from the script's edit point (also kept inside the takes' handles);
    ``max_jump_m``: the largest jump (m) a cut may have without a motive in the script;
    ``shift_cost_m``: metres of pose distance one second of moving is worth (a cut stays
    at the script's point unless moving matches poses better); ``take_margin``: score
    points another take of the incoming shot may be behind the best take and still
    replace it when only it matches.
    """

    slack_s: float = 0.5
    max_jump_m: float = 0.3
    shift_cost_m: float = 0.1
    take_margin: float = 15.0

    def __post_init__(self) -> None:
        for name in ("slack_s", "max_jump_m", "shift_cost_m", "take_margin"):
            value = getattr(self, name)
            if not np.isfinite(value) or value < 0:
                raise InputError(f"continuity rules: {name} {value!r} must be >= 0")


@dataclass(frozen=True)
class CutPoint:
    """A cut's frames and how well its poses match there.

    ``out_frame``: last frame shown of the outgoing take; ``in_frame``: first frame
    shown of the incoming take (take frame indices); ``jump_m``: the largest
    character's jump (0 when no character is on both sides); ``distance_m``:
    :func:`pose_distance` there; ``character``: who jumps most (None: nobody shared).
    """

    out_frame: int
    in_frame: int
    jump_m: float
    distance_m: float
    character: str | None


def poses_at(track: JointTrack, frames: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """(N, C, J, 3) world joints (m) at take frames ``frames``; NaN for a frame the
    track does not have."""
    want = np.asarray(frames, dtype=np.int64).reshape(-1)
    out = np.full((len(want), *track.world.shape[1:]), np.nan, np.float32)
    if len(track) == 0 or len(want) == 0:
        return out
    order = np.argsort(track.index, kind="stable")
    idx = track.index[order]
    pos = np.clip(np.searchsorted(idx, want), 0, len(idx) - 1)
    hit = idx[pos] == want
    out[hit] = track.world[order[pos[hit]]]
    return out


def _shared(
    a: JointTrack, b: JointTrack, characters: Sequence[str] | None
) -> tuple[list[str], list[int], list[int], list[int], list[int]]:
    """Characters and joints both tracks have (and ``characters`` names), as indices."""
    names = [c for c in a.characters if c in b.characters]
    if characters is not None:
        names = [c for c in names if c in set(characters)]
    joints = [j for j in a.joints if j in b.joints]
    return (
        names,
        [a.characters.index(c) for c in names],
        [b.characters.index(c) for c in names],
        [a.joints.index(j) for j in joints],
        [b.joints.index(j) for j in joints],
    )


def jump_grid(
    track_a: JointTrack,
    frames_a: npt.ArrayLike,
    track_b: JointTrack,
    frames_b: npt.ArrayLike,
    characters: Sequence[str] | None = None,
) -> tuple[list[str], npt.NDArray[np.float64]]:
    """Each shared character's jump (m) for every pair of ``frames_a`` x ``frames_b``:
    (names, (Na, Nb, C) array, NaN where the character is not on both sides)."""
    names, ca, cb, ja, jb = _shared(track_a, track_b, characters)
    pa = poses_at(track_a, frames_a)[:, ca][:, :, ja].astype(np.float64)  # (Na, C, J, 3)
    pb = poses_at(track_b, frames_b)[:, cb][:, :, jb].astype(np.float64)
    d = np.linalg.norm(pa[:, None] - pb[None], axis=-1)  # (Na, Nb, C, J)
    ok = np.isfinite(d)
    n = ok.sum(-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        jumps = np.where(n > 0, np.where(ok, d, 0.0).sum(-1) / n, np.nan)
    return names, jumps


def character_jumps(
    track_a: JointTrack,
    frame_a: int,
    track_b: JointTrack,
    frame_b: int,
    characters: Sequence[str] | None = None,
) -> dict[str, float]:
    """Jump (m) of each character on both sides between frame ``frame_a`` of
    ``track_a`` and frame ``frame_b`` of ``track_b``."""
    names, jumps = jump_grid(track_a, [frame_a], track_b, [frame_b], characters)
    return {c: float(v) for c, v in zip(names, jumps[0, 0], strict=True) if np.isfinite(v)}


def pose_distance(
    track_a: JointTrack,
    frame_a: int,
    track_b: JointTrack,
    frame_b: int,
    characters: Sequence[str] | None = None,
) -> float:
    """Mean over the characters on both sides (of ``characters`` when given) of their
    mean joint position difference (m, set frame) between frame ``frame_a`` of
    ``track_a`` and frame ``frame_b`` of ``track_b``; 0.0 when none is on both.

    >>> import numpy as np
    >>> from previzkit.model.joint_track import JointTrack
    >>> a = JointTrack.from_frames(["MARA"], ["hips", "head"], [np.zeros((1, 2, 3))], 24)
    >>> b = JointTrack.from_frames(["MARA"], ["hips", "head"], [np.full((1, 2, 3), 0.1)], 24)
    >>> round(pose_distance(a, 0, b, 0), 3)
    0.173
    """
    jumps = character_jumps(track_a, frame_a, track_b, frame_b, characters)
    return float(np.mean(list(jumps.values()))) if jumps else 0.0


def best_cut(
    track_a: JointTrack,
    out_frames: Sequence[int] | npt.ArrayLike,
    track_b: JointTrack,
    in_frames: Sequence[int] | npt.ArrayLike,
    script_cut: tuple[int, int],
    fps: float,
    rules: ContinuityRules = ContinuityRules(),
    allowed: npt.ArrayLike | None = None,
) -> CutPoint | None:
    """The cut among ``out_frames`` x ``in_frames`` (take frames; ``allowed``, (Na, Nb)
    bool, masks pairs) that matches poses best; None when no allowed pair has frames in
    both tracks.

    Best: no character jumping more than ``rules.max_jump_m`` where possible, then the
    least :func:`pose_distance` plus ``rules.shift_cost_m`` per second moved from
    ``script_cut`` (out frame, in frame); ties go to the pair nearest the script's.
    """
    if fps <= 0:
        raise InputError(f"fps {fps}: must be > 0")
    fa = np.asarray(out_frames, dtype=np.int64).reshape(-1)
    fb = np.asarray(in_frames, dtype=np.int64).reshape(-1)
    mask = np.ones((len(fa), len(fb)), bool) if allowed is None else np.asarray(allowed, bool)
    if mask.shape != (len(fa), len(fb)):
        raise InputError(f"allowed: shape {mask.shape}, expected {(len(fa), len(fb))}")
    ka, kb = np.isin(fa, track_a.index), np.isin(fb, track_b.index)
    fa, fb, mask = fa[ka], fb[kb], mask[ka][:, kb]
    if not mask.any():
        return None
    names, jumps = jump_grid(track_a, fa, track_b, fb)
    present = np.isfinite(jumps)
    n = present.sum(-1)
    zeroed = np.where(present, jumps, 0.0)
    dist = np.where(n > 0, zeroed.sum(-1) / np.maximum(n, 1), 0.0)  # (Na, Nb)
    worst = zeroed.max(-1) if names else np.zeros_like(dist)
    moved = (np.abs(fa - script_cut[0])[:, None] + np.abs(fb - script_cut[1])[None]) / fps
    cost = dist + rules.shift_cost_m * moved + 1e6 * (worst > rules.max_jump_m) + 1e9 * ~mask
    flat = np.lexsort((moved.ravel(), cost.ravel()))[0]
    i, j = np.unravel_index(flat, cost.shape)
    who = names[int(np.argmax(zeroed[i, j]))] if names and n[i, j] > 0 else None
    return CutPoint(int(fa[i]), int(fb[j]), float(worst[i, j]), float(dist[i, j]), who)


def motivated(elements: Sequence[Any]) -> bool:
    """Whether the script elements between two shots (and the incoming one's first)
    put a jump there: a transition, or a time jump in capitals (:data:`TIME_JUMP`)."""
    from previzkit.script.model import ElementType

    return any(
        el.type is ElementType.TRANSITION or TIME_JUMP.search(el.text or "") for el in elements
    )

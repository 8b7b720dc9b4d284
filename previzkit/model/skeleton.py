"""The previzkit humanoid rig: its joints, rest pose and proportions.

Pure data, no GL. Frames: right-handed, metres, y up. The rest pose stands on y = 0 at
the origin, facing +z, in a **T pose** (arms straight out along x). The actor's left
(MediaPipe's ``LEFT_*``) is +x, the actor's right is -x.

Every joint's rest orientation is the identity: in the rest pose each joint frame is
parallel to the world axes. A :class:`~previzkit.core.types.SkeletonPose` rotation
(x, y, z, w) is the joint's local rotation relative to that rest, expressed in the
joint's own (parent-rotated) frame; ``SkeletonPose.root`` is the hips' position in the
skeleton's parent frame (see :mod:`previzkit.model.kinematics` for the transforms).

Where the 33 BlazePose landmarks sit on the rig is :mod:`previzkit.model.landmarks`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, ShapeError
from previzkit.core.types import SkeletonPose
from previzkit.model.landmarks import (
    LANDMARK_ATTACHMENTS,
    LANDMARK_INDEX,
    SIDES,
    bone_lengths_from_landmarks,
)

#: Height (m) the reference proportions below are given for.
REFERENCE_HEIGHT_M = 1.75

# name, parent, rest offset from the parent (m, at 1.75 m), tail offset from the joint
# (the bone's child end; for chains it equals the child's offset). Parents come first.
_Row = tuple[str, str | None, tuple[float, float, float], tuple[float, float, float]]
_TORSO: list[_Row] = [
    ("hips", None, (0.0, 0.95, 0.0), (0.0, 0.10, 0.0)),
    ("spine", "hips", (0.0, 0.10, 0.0), (0.0, 0.20, 0.0)),
    ("chest", "spine", (0.0, 0.20, 0.0), (0.0, 0.22, 0.0)),
    ("neck", "chest", (0.0, 0.22, 0.0), (0.0, 0.10, 0.0)),
    ("head", "neck", (0.0, 0.10, 0.0), (0.0, 0.18, 0.0)),
]


def _limbs() -> list[_Row]:
    out: list[_Row] = []
    for side, s in SIDES.items():
        out += [
            (f"{side}_shoulder", "chest", (s * 0.03, 0.17, 0.0), (s * 0.16, 0.0, 0.0)),
            (f"{side}_upper_arm", f"{side}_shoulder", (s * 0.16, 0.0, 0.0), (s * 0.28, 0.0, 0.0)),
            (f"{side}_forearm", f"{side}_upper_arm", (s * 0.28, 0.0, 0.0), (s * 0.26, 0.0, 0.0)),
            (f"{side}_hand", f"{side}_forearm", (s * 0.26, 0.0, 0.0), (s * 0.18, 0.0, 0.0)),
        ]
    for side, s in SIDES.items():
        out += [
            (f"{side}_upper_leg", "hips", (s * 0.09, -0.05, 0.0), (0.0, -0.43, 0.0)),
            (f"{side}_lower_leg", f"{side}_upper_leg", (0.0, -0.43, 0.0), (0.0, -0.40, 0.0)),
            (f"{side}_foot", f"{side}_lower_leg", (0.0, -0.40, 0.0), (0.0, -0.04, 0.13)),
            (f"{side}_toe", f"{side}_foot", (0.0, -0.04, 0.13), (0.0, 0.0, 0.07)),
        ]
    return out


_JOINT_TABLE = _TORSO + _limbs()

#: Joint names, parents before children. Index 0 is the root (hips).
SKELETON: tuple[str, ...] = tuple(row[0] for row in _JOINT_TABLE)
#: Parent joint name per joint (None for the root).
PARENTS: dict[str, str | None] = {row[0]: row[1] for row in _JOINT_TABLE}


@dataclass(frozen=True)
class Skeleton:
    """A humanoid skeleton in its rest pose (metres; see the module docstring for frames).

    ``offsets[j]`` is joint j's position in its parent's frame at rest (the root's is
    its position above the origin); ``tails[j]`` is the bone's child end in joint j's
    frame; ``landmark_joint[k]`` / ``landmark_offset[k]`` place BlazePose landmark k.
    """

    names: tuple[str, ...]
    parents: npt.NDArray[np.int64]  # (J,), -1 for the root
    offsets: npt.NDArray[np.float64]  # (J, 3)
    tails: npt.NDArray[np.float64]  # (J, 3)
    landmark_joint: npt.NDArray[np.int64]  # (33,)
    landmark_offset: npt.NDArray[np.float64]  # (33, 3)
    height_m: float = REFERENCE_HEIGHT_M
    _index: dict[str, int] = field(default_factory=dict, compare=False, repr=False)
    # derived from the fields, computed once: rest positions, chains, retarget's plan
    _rest: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        j = len(self.names)
        for name, arr, shape in (
            ("parents", self.parents, (j,)),
            ("offsets", self.offsets, (j, 3)),
            ("tails", self.tails, (j, 3)),
            ("landmark_joint", self.landmark_joint, (33,)),
            ("landmark_offset", self.landmark_offset, (33, 3)),
        ):
            if np.shape(arr) != shape:
                raise ShapeError(f"Skeleton.{name} has shape {np.shape(arr)}, expected {shape}")
        for i, p in enumerate(self.parents):
            if not (p == -1 if i == 0 else 0 <= p < i):
                raise InputError(
                    f"Skeleton.parents[{i}] = {p}: the root must be joint 0 and parents "
                    "must come before their children"
                )
        self._index.update({n: i for i, n in enumerate(self.names)})

    @property
    def num_joints(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        """Index of joint ``name``; raises :class:`InputError` listing the joints if unknown."""
        try:
            return self._index[name]
        except KeyError:
            raise InputError(
                f"unknown joint {name!r}; the skeleton's joints are: {', '.join(self.names)}"
            ) from None

    def parent(self, name: str) -> str | None:
        p = int(self.parents[self.index(name)])
        return None if p < 0 else self.names[p]

    def children(self, name: str) -> list[str]:
        i = self.index(name)
        return [n for n, p in zip(self.names, self.parents, strict=True) if p == i]

    def rest_positions(self) -> npt.NDArray[np.float64]:
        """(J, 3) joint positions in the rest pose (hips above the origin), metres."""
        if "positions" not in self._rest:
            pos = np.zeros((self.num_joints, 3))
            for j, p in enumerate(self.parents):
                pos[j] = self.offsets[j] + (pos[p] if p >= 0 else 0.0)
            pos.flags.writeable = False
            self._rest["positions"] = pos
        rest: npt.NDArray[np.float64] = self._rest["positions"]
        return rest.copy()

    def rest_tails(self) -> npt.NDArray[np.float64]:
        """(J, 3) bone tail (child end) positions in the rest pose, metres."""
        return self.rest_positions() + self.tails

    def chain_children(self) -> npt.NDArray[np.int64]:
        """(J,) per joint, the child joint at its bone's tail (-1 for none: leaves)."""
        if "chain" not in self._rest:
            out = np.full(self.num_joints, -1, dtype=np.int64)
            for c in range(1, self.num_joints):
                p = int(self.parents[c])
                if out[p] < 0 and np.allclose(self.offsets[c], self.tails[p], atol=1e-9):
                    out[p] = c
            self._rest["chain"] = out
        chain: npt.NDArray[np.int64] = self._rest["chain"]
        return chain.copy()

    def rest_pose(self) -> SkeletonPose:
        """The rest pose: identity rotations, hips at their rest position."""
        x, y, z = (float(v) for v in self.offsets[0])
        return SkeletonPose(root=(x, y, z), rotations={})

    def rest_landmarks(self) -> npt.NDArray[np.float64]:
        """(33, 3) BlazePose landmark positions on the rest pose (y up, metres)."""
        return self.rest_positions()[self.landmark_joint] + self.landmark_offset

    def bone_lengths(self) -> dict[str, float]:
        """Per joint, the rest distance between its MediaPipe head and tail points (m).

        These are the lengths :func:`skeleton_with_bone_lengths` accepts, measured the
        same way on a capture (see
        :func:`~previzkit.model.landmarks.bone_lengths_from_landmarks`), plus
        ``hip_width`` (23 to 24).
        """
        return bone_lengths_from_landmarks(self.rest_landmarks())


def default_skeleton(height_m: float = REFERENCE_HEIGHT_M) -> Skeleton:
    """The previzkit humanoid, all proportions scaled to ``height_m`` (top of head, m)."""
    if not (isinstance(height_m, int | float) and math.isfinite(height_m) and height_m > 0):
        raise InputError(f"skeleton height_m must be a positive number of metres, got {height_m!r}")
    s = float(height_m) / REFERENCE_HEIGHT_M
    index = {n: i for i, n in enumerate(SKELETON)}
    parents = np.array([-1 if p is None else index[p] for _, p, _, _ in _JOINT_TABLE])
    offsets = np.array([o for _, _, o, _ in _JOINT_TABLE], dtype=np.float64) * s
    tails = np.array([t for _, _, _, t in _JOINT_TABLE], dtype=np.float64) * s
    lm_joint = np.array([index[LANDMARK_ATTACHMENTS[k][0]] for k in range(33)])
    lm_off = np.array([LANDMARK_ATTACHMENTS[k][1] for k in range(33)], dtype=np.float64) * s
    return Skeleton(SKELETON, parents, offsets, tails, lm_joint, lm_off, float(height_m))


def _scale_to(
    vec: npt.NDArray[np.float64], rest_len: float, new_len: float
) -> npt.NDArray[np.float64]:
    return vec if rest_len <= 1e-9 else vec * (new_len / rest_len)


def skeleton_with_bone_lengths(
    lengths: Mapping[str, float], base: Skeleton | None = None
) -> Skeleton:
    """A skeleton whose bones have the given lengths (m), keeping the base's directions.

    ``lengths`` uses the keys of :meth:`Skeleton.bone_lengths` (joint names measured
    between their MediaPipe head and tail landmarks, and ``hip_width``); joints not in
    ``lengths`` keep the base's length. ``hips``, ``spine`` and ``chest`` all measure the
    torso (mid-hip to mid-shoulder): the first one given sets it. ``left_shoulder`` and
    ``right_shoulder`` both measure half the shoulder width: their mean sets both
    sides. Other left and right bones are set independently. The result still stands on y = 0 (the hips' height follows the legs).
    """
    base = base or default_skeleton()
    known = set(base.names) | {"hip_width"}
    for key, value in lengths.items():
        if key not in known:
            raise InputError(
                f"bone lengths: unknown bone {key!r}; known: {', '.join(sorted(known))}"
            )
        if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
            raise InputError(
                f"bone lengths: {key!r} must be a positive number of metres, got {value!r}"
            )
    rest = base.bone_lengths()
    off = base.offsets.copy()
    tails = base.tails.copy()
    lm_off = base.landmark_offset.copy()
    ix = base.index

    def chain(bone: str, child: str) -> None:
        """Scale a chain bone: the child's offset and this joint's tail."""
        if bone in lengths:
            off[ix(child)] = _scale_to(off[ix(child)], rest[bone], lengths[bone])
            tails[ix(bone)] = off[ix(child)]

    for side in SIDES:
        chain(f"{side}_upper_arm", f"{side}_forearm")
        chain(f"{side}_forearm", f"{side}_hand")
        chain(f"{side}_upper_leg", f"{side}_lower_leg")
        chain(f"{side}_lower_leg", f"{side}_foot")
        hand, foot, toe = ix(f"{side}_hand"), ix(f"{side}_foot"), ix(f"{side}_toe")
        if f"{side}_hand" in lengths:
            k = lengths[f"{side}_hand"] / rest[f"{side}_hand"]
            tails[hand] *= k
            lm_off[base.landmark_joint == hand] *= k
        if f"{side}_foot" in lengths:
            k = lengths[f"{side}_foot"] / rest[f"{side}_foot"]
            off[toe] *= k
            tails[foot] = off[toe]
            tails[toe] *= k
            lm_off[base.landmark_joint == toe] *= k
            lm_off[LANDMARK_INDEX[f"{side}_heel"]] *= k
    shoulders = [lengths[k] for k in ("left_shoulder", "right_shoulder") if k in lengths]
    if shoulders:
        # mid-shoulder to each shoulder is half the shoulder width (the same both sides):
        # scale the x of the clavicle and upper-arm offsets on both sides
        k = float(np.mean(shoulders)) / rest["left_shoulder"]
        for side in SIDES:
            sh, ua = ix(f"{side}_shoulder"), ix(f"{side}_upper_arm")
            off[sh, 0] *= k
            off[ua, 0] *= k
            tails[sh] = off[ua]
    torso = next((lengths[k] for k in ("hips", "spine", "chest") if k in lengths), None)
    if torso is not None:
        # mid-hip (hips + leg offset y) to mid-shoulder (spine + chest + clavicle y)
        k = torso / rest["hips"]
        for name in (
            "spine",
            "chest",
            "left_shoulder",
            "right_shoulder",
            "left_upper_leg",
            "right_upper_leg",
        ):
            off[ix(name), 1] *= k
        tails[ix("hips")] = off[ix("spine")]
        tails[ix("spine")] = off[ix("chest")]
    if "hip_width" in lengths:
        k = lengths["hip_width"] / rest["hip_width"]
        for side in SIDES:
            off[ix(f"{side}_upper_leg"), 0] *= k
    if "head" in lengths:
        k = lengths["head"] / rest["head"]
        head = ix("head")
        lm_off[base.landmark_joint == head] *= k
        tails[head] *= k
    if "neck" in lengths:
        # mid-shoulder to mid-ear, measured after the other changes: the neck's and the
        # head's offsets along y share the difference in proportion
        now = replace(base, offsets=off, tails=tails, landmark_offset=lm_off, _index={})
        neck, head = ix("neck"), ix("head")
        span = off[neck, 1] + off[head, 1]
        k = max(span + lengths["neck"] - now.bone_lengths()["neck"], 0.1 * span) / span
        off[neck, 1] *= k
        off[head, 1] *= k
        tails[ix("chest")] = off[neck]
        tails[neck] = off[head]
    # stand on the floor: the hips' height follows the legs (soles stay where they were)
    out = replace(base, offsets=off, tails=tails, landmark_offset=lm_off, _index={})
    off[0, 1] += _sole_height(base) - _sole_height(out)
    out = replace(out, offsets=off, _index={})
    top = float(out.rest_tails()[out.index("head"), 1])
    return replace(out, height_m=top, _index={})


def _sole_height(skeleton: Skeleton) -> float:
    """Height of the lowest foot point (ankle, heel, toe tip) at rest (0 by default)."""
    ix = skeleton.index
    feet = [ix("left_foot"), ix("right_foot"), ix("left_toe"), ix("right_toe")]
    heels = [LANDMARK_INDEX["left_heel"], LANDMARK_INDEX["right_heel"]]
    return min(
        float(skeleton.rest_positions()[feet, 1].min()),
        float(skeleton.rest_tails()[feet, 1].min()),
        float(skeleton.rest_landmarks()[heels, 1].min()),
    )

"""The previzkit humanoid skeleton: joints, rest pose, MediaPipe mapping, forward kinematics.

Pure numpy, no GL. Frames: right-handed, metres, y up. The rest pose stands on y = 0 at
the origin, facing +z, in a **T pose** (arms straight out along x). The actor's left
(MediaPipe's ``LEFT_*``) is +x, the actor's right is -x.

Every joint's rest orientation is the identity: in the rest pose each joint frame is
parallel to the world axes. A :class:`~previzkit.core.types.SkeletonPose` rotation
(x, y, z, w) is the joint's local rotation relative to that rest, expressed in the
joint's own (parent-rotated) frame; ``SkeletonPose.root`` is the hips' position in the
skeleton's parent frame (for a :class:`~previzkit.render.character.Character`, the frame
of its mark; for :func:`forward_kinematics`, the world).

    joint_to_world[j] = joint_to_world[parent(j)] @ T(offset[j]) @ R(rotation[j])
    joint_to_world[hips] = T(root) @ R(rotation[hips])

MediaPipe BlazePose's 33 landmarks map onto the skeleton two ways:

- :data:`JOINT_LANDMARKS`: per joint, the landmark(s) at the joint (head) and at its
  child end (tail), averaged when several, plus an optional "across" pair whose
  difference points to the actor's left (fixes the twist of hips, chest and head).
  Example: ``left_upper_arm`` is 11 -> 13; ``hips`` is mid(23, 24) -> mid(11, 12).
- :attr:`Skeleton.landmark_joint` / :attr:`Skeleton.landmark_offset`: where each of the
  33 landmarks sits on the skeleton (a joint and an offset in its frame), so
  :func:`landmark_positions` gives the landmarks of any pose (retarget checks).
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

#: Height (m) the reference proportions below are given for.
REFERENCE_HEIGHT_M = 1.75

# name, parent, rest offset from the parent (m, at 1.75 m), tail offset from the joint
# (the bone's child end; for chains it equals the child's offset). Parents come first.
_SIDE = {"left": 1.0, "right": -1.0}
_TORSO = [
    ("hips", None, (0.0, 0.95, 0.0), (0.0, 0.10, 0.0)),
    ("spine", "hips", (0.0, 0.10, 0.0), (0.0, 0.20, 0.0)),
    ("chest", "spine", (0.0, 0.20, 0.0), (0.0, 0.22, 0.0)),
    ("neck", "chest", (0.0, 0.22, 0.0), (0.0, 0.10, 0.0)),
    ("head", "neck", (0.0, 0.10, 0.0), (0.0, 0.18, 0.0)),
]


def _limbs() -> list[
    tuple[str, str | None, tuple[float, float, float], tuple[float, float, float]]
]:
    out = []
    for side, s in _SIDE.items():
        out += [
            (f"{side}_shoulder", "chest", (s * 0.03, 0.17, 0.0), (s * 0.16, 0.0, 0.0)),
            (f"{side}_upper_arm", f"{side}_shoulder", (s * 0.16, 0.0, 0.0), (s * 0.28, 0.0, 0.0)),
            (f"{side}_forearm", f"{side}_upper_arm", (s * 0.28, 0.0, 0.0), (s * 0.26, 0.0, 0.0)),
            (f"{side}_hand", f"{side}_forearm", (s * 0.26, 0.0, 0.0), (s * 0.18, 0.0, 0.0)),
        ]
    for side, s in _SIDE.items():
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
class LandmarkMapping:
    """MediaPipe landmarks of one joint: head (at the joint), tail (child end), across.

    Each entry is a tuple of BlazePose indices whose mean is the point. ``across`` is
    (from, to): ``to - from`` points to the actor's left in the joint frame (+x at rest).
    """

    head: tuple[int, ...]
    tail: tuple[int, ...]
    across: tuple[tuple[int, ...], tuple[int, ...]] | None = None


# BlazePose landmark indices.
LANDMARK_NAMES: tuple[str, ...] = (
    "nose",
    "left_eye_inner",
    "left_eye",
    "left_eye_outer",
    "right_eye_inner",
    "right_eye",
    "right_eye_outer",
    "left_ear",
    "right_ear",
    "mouth_left",
    "mouth_right",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_pinky",
    "right_pinky",
    "left_index",
    "right_index",
    "left_thumb",
    "right_thumb",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
    "left_heel",
    "right_heel",
    "left_foot_index",
    "right_foot_index",
)
_LM = {n: i for i, n in enumerate(LANDMARK_NAMES)}
_HIPS = (_LM["left_hip"], _LM["right_hip"])
_SHOULDERS = (_LM["left_shoulder"], _LM["right_shoulder"])
_EARS = (_LM["left_ear"], _LM["right_ear"])


def _joint_landmarks() -> dict[str, LandmarkMapping]:
    m = {
        "hips": LandmarkMapping(_HIPS, _SHOULDERS, ((24,), (23,))),
        "spine": LandmarkMapping(_HIPS, _SHOULDERS, ((24,), (23,))),
        "chest": LandmarkMapping(_HIPS, _SHOULDERS, ((12,), (11,))),
        "neck": LandmarkMapping(_SHOULDERS, _EARS, ((12,), (11,))),
        "head": LandmarkMapping(_EARS, (0,), ((8,), (7,))),
    }
    for side in _SIDE:
        lm = {k[len(side) + 1 :]: v for k, v in _LM.items() if k.startswith(side + "_")}
        m |= {
            f"{side}_shoulder": LandmarkMapping(_SHOULDERS, (lm["shoulder"],)),
            f"{side}_upper_arm": LandmarkMapping((lm["shoulder"],), (lm["elbow"],)),
            f"{side}_forearm": LandmarkMapping((lm["elbow"],), (lm["wrist"],)),
            f"{side}_hand": LandmarkMapping((lm["wrist"],), (lm["pinky"], lm["index"])),
            f"{side}_upper_leg": LandmarkMapping((lm["hip"],), (lm["knee"],)),
            f"{side}_lower_leg": LandmarkMapping((lm["knee"],), (lm["ankle"],)),
            f"{side}_foot": LandmarkMapping((lm["ankle"],), (lm["foot_index"],)),
            f"{side}_toe": LandmarkMapping((lm["heel"],), (lm["foot_index"],)),
        }
    return {name: m[name] for name in SKELETON}


#: Per joint, the BlazePose landmarks at its head and tail (see module docstring).
JOINT_LANDMARKS: dict[str, LandmarkMapping] = _joint_landmarks()


def _landmark_attachments() -> dict[int, tuple[str, tuple[float, float, float]]]:
    """Where each landmark sits at rest: (joint, offset in the joint frame, m at 1.75 m)."""
    a: dict[int, tuple[str, tuple[float, float, float]]] = {
        _LM["nose"]: ("head", (0.0, 0.06, 0.11)),
        _LM["mouth_left"]: ("head", (0.025, 0.01, 0.10)),
        _LM["mouth_right"]: ("head", (-0.025, 0.01, 0.10)),
    }
    for side, s in _SIDE.items():
        a |= {
            _LM[f"{side}_eye_inner"]: ("head", (s * 0.015, 0.09, 0.10)),
            _LM[f"{side}_eye"]: ("head", (s * 0.032, 0.09, 0.095)),
            _LM[f"{side}_eye_outer"]: ("head", (s * 0.048, 0.09, 0.088)),
            _LM[f"{side}_ear"]: ("head", (s * 0.075, 0.07, 0.0)),
            _LM[f"{side}_shoulder"]: (f"{side}_upper_arm", (0.0, 0.0, 0.0)),
            _LM[f"{side}_elbow"]: (f"{side}_forearm", (0.0, 0.0, 0.0)),
            _LM[f"{side}_wrist"]: (f"{side}_hand", (0.0, 0.0, 0.0)),
            _LM[f"{side}_pinky"]: (f"{side}_hand", (s * 0.09, 0.0, -0.03)),
            _LM[f"{side}_index"]: (f"{side}_hand", (s * 0.10, 0.0, 0.03)),
            _LM[f"{side}_thumb"]: (f"{side}_hand", (s * 0.05, 0.0, 0.05)),
            _LM[f"{side}_hip"]: (f"{side}_upper_leg", (0.0, 0.0, 0.0)),
            _LM[f"{side}_knee"]: (f"{side}_lower_leg", (0.0, 0.0, 0.0)),
            _LM[f"{side}_ankle"]: (f"{side}_foot", (0.0, 0.0, 0.0)),
            _LM[f"{side}_heel"]: (f"{side}_foot", (0.0, -0.05, -0.05)),
            _LM[f"{side}_foot_index"]: (f"{side}_toe", (0.0, -0.01, 0.07)),
        }
    return dict(sorted(a.items()))


_LANDMARK_ATTACH = _landmark_attachments()


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
        return self._rest["positions"].copy()

    def rest_tails(self) -> npt.NDArray[np.float64]:
        """(J, 3) bone tail (child end) positions in the rest pose, metres."""
        return self.rest_positions() + self.tails

    def chain_children(self) -> npt.NDArray[np.int64]:
        """(J,) per joint, the child joint at its bone's tail (-1 for none: leaves)."""
        if "chain" not in self._rest:
            out = np.full(self.num_joints, -1)
            for c in range(1, self.num_joints):
                p = int(self.parents[c])
                if out[p] < 0 and np.allclose(self.offsets[c], self.tails[p], atol=1e-9):
                    out[p] = c
            self._rest["chain"] = out
        return self._rest["chain"].copy()

    def rest_pose(self) -> SkeletonPose:
        """The rest pose: identity rotations, hips at their rest position."""
        return SkeletonPose(root=tuple(float(v) for v in self.offsets[0]), rotations={})

    def rest_landmarks(self) -> npt.NDArray[np.float64]:
        """(33, 3) BlazePose landmark positions on the rest pose (y up, metres)."""
        return self.rest_positions()[self.landmark_joint] + self.landmark_offset

    def bone_lengths(self) -> dict[str, float]:
        """Per joint, the rest distance between its MediaPipe head and tail points (m).

        These are the lengths :func:`skeleton_with_bone_lengths` accepts, measured the
        same way on a capture (see :func:`bone_lengths_from_landmarks`), plus
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
    lm_joint = np.array([index[_LANDMARK_ATTACH[k][0]] for k in range(33)])
    lm_off = np.array([_LANDMARK_ATTACH[k][1] for k in range(33)], dtype=np.float64) * s
    return Skeleton(SKELETON, parents, offsets, tails, lm_joint, lm_off, float(height_m))


# --- bone lengths ------------------------------------------------------------------------


def _mid(points: npt.NDArray[np.float64], idx: tuple[int, ...]) -> npt.NDArray[np.float64]:
    return points[list(idx)].mean(axis=0)


def bone_lengths_from_landmarks(world: npt.ArrayLike) -> dict[str, float]:
    """Bone lengths (m) measured on 33 BlazePose world landmarks (33, 3) or (33, >=3).

    Per joint, ``|mean(tail) - mean(head)|`` of :data:`JOINT_LANDMARKS`, plus
    ``hip_width`` (left hip to right hip). Average several frames' results for a steady
    estimate; pass the dict to :func:`skeleton_with_bone_lengths`.
    """
    pts = np.asarray(world, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[0] != 33 or pts.shape[1] < 3:
        raise ShapeError(f"landmarks must have shape (33, 3), got {pts.shape}")
    pts = pts[:, :3]
    out = {
        name: float(np.linalg.norm(_mid(pts, m.tail) - _mid(pts, m.head)))
        for name, m in JOINT_LANDMARKS.items()
    }
    out["hip_width"] = float(np.linalg.norm(pts[_LM["left_hip"]] - pts[_LM["right_hip"]]))
    return out


def _scale_to(vec: npt.NDArray[np.float64], rest_len: float, new_len: float):
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

    for side in _SIDE:
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
            lm_off[_LM[f"{side}_heel"]] *= k
    shoulders = [lengths[k] for k in ("left_shoulder", "right_shoulder") if k in lengths]
    if shoulders:
        # mid-shoulder to each shoulder is half the shoulder width (the same both sides):
        # scale the x of the clavicle and upper-arm offsets on both sides
        k = float(np.mean(shoulders)) / rest["left_shoulder"]
        for side in _SIDE:
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
        for side in _SIDE:
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
    heels = [_LM["left_heel"], _LM["right_heel"]]
    return min(
        float(skeleton.rest_positions()[feet, 1].min()),
        float(skeleton.rest_tails()[feet, 1].min()),
        float(skeleton.rest_landmarks()[heels, 1].min()),
    )


# --- quaternions -----------------------------------------------------------------------


def quat_to_matrix_batch(q: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """(N, 3, 3) rotation matrices from (N, 4) quaternions (x, y, z, w), normalised here."""
    q = np.asarray(q, dtype=np.float64)
    q = q / np.linalg.norm(q, axis=-1, keepdims=True)
    x, y, z, w = q[..., 0], q[..., 1], q[..., 2], q[..., 3]
    m = np.empty((*q.shape[:-1], 3, 3))
    m[..., 0, 0] = 1 - 2 * (y * y + z * z)
    m[..., 0, 1] = 2 * (x * y - z * w)
    m[..., 0, 2] = 2 * (x * z + y * w)
    m[..., 1, 0] = 2 * (x * y + z * w)
    m[..., 1, 1] = 1 - 2 * (x * x + z * z)
    m[..., 1, 2] = 2 * (y * z - x * w)
    m[..., 2, 0] = 2 * (x * z - y * w)
    m[..., 2, 1] = 2 * (y * z + x * w)
    m[..., 2, 2] = 1 - 2 * (x * x + y * y)
    return m


def quat_from_axis_angle(
    axis: npt.ArrayLike, angle_rad: float
) -> tuple[float, float, float, float]:
    """Quaternion (x, y, z, w) rotating ``angle_rad`` (right hand) about ``axis``."""
    a = np.asarray(axis, dtype=np.float64)
    n = np.linalg.norm(a)
    if n == 0:
        raise InputError("quat_from_axis_angle: axis is the zero vector")
    s = math.sin(angle_rad / 2) / n
    return (float(a[0] * s), float(a[1] * s), float(a[2] * s), math.cos(angle_rad / 2))


def quat_from_matrix(m: npt.ArrayLike) -> tuple[float, float, float, float]:
    """Quaternion (x, y, z, w), w >= 0, of a 3x3 rotation matrix (or a 4x4's rotation)."""
    # scalar arithmetic on the nine entries: called per joint per frame by retarget
    (r00, r01, r02), (r10, r11, r12), (r20, r21, r22) = np.asarray(m, dtype=np.float64)[
        :3, :3
    ].tolist()
    t = r00 + r11 + r22
    if t > 0:
        s = math.sqrt(t + 1.0) * 2
        q = ((r21 - r12) / s, (r02 - r20) / s, (r10 - r01) / s, 0.25 * s)
    elif r00 > r11 and r00 > r22:
        s = math.sqrt(1.0 + r00 - r11 - r22) * 2
        q = (0.25 * s, (r01 + r10) / s, (r02 + r20) / s, (r21 - r12) / s)
    elif r11 > r22:
        s = math.sqrt(1.0 + r11 - r00 - r22) * 2
        q = ((r01 + r10) / s, 0.25 * s, (r12 + r21) / s, (r02 - r20) / s)
    else:
        s = math.sqrt(1.0 + r22 - r00 - r11) * 2
        q = ((r02 + r20) / s, (r12 + r21) / s, 0.25 * s, (r10 - r01) / s)
    n = math.sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3])
    if q[3] < 0:
        n = -n
    return (q[0] / n, q[1] / n, q[2] / n, q[3] / n)


def quat_between(u: npt.ArrayLike, v: npt.ArrayLike) -> tuple[float, float, float, float]:
    """Shortest-arc quaternion (x, y, z, w) rotating direction ``u`` onto direction ``v``."""
    a = np.asarray(u, dtype=np.float64)
    b = np.asarray(v, dtype=np.float64)
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        raise InputError("quat_between: a direction is the zero vector")
    a, b = a / na, b / nb
    d = float(np.dot(a, b))
    if d < -1 + 1e-12:  # opposite: any perpendicular axis
        axis = np.cross(a, (1.0, 0.0, 0.0))
        if np.linalg.norm(axis) < 1e-6:
            axis = np.cross(a, (0.0, 1.0, 0.0))
        return quat_from_axis_angle(axis, math.pi)
    c = np.cross(a, b)
    q = np.array([c[0], c[1], c[2], 1.0 + d])
    q /= np.linalg.norm(q)
    return (float(q[0]), float(q[1]), float(q[2]), float(q[3]))


# --- forward kinematics ----------------------------------------------------------------


def pose_arrays(
    skeleton: Skeleton, pose: SkeletonPose
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Validate ``pose`` against ``skeleton``: (root (3,), rotations (J, 4) x,y,z,w unit)."""
    root = np.asarray(pose.root, dtype=np.float64)
    if root.shape != (3,) or not np.all(np.isfinite(root)):
        raise ShapeError(f"SkeletonPose.root must be 3 finite numbers (m), got {pose.root!r}")
    quats = np.zeros((skeleton.num_joints, 4))
    quats[:, 3] = 1.0
    for name, q in pose.rotations.items():
        j = skeleton.index(name) if name in skeleton._index else None
        if j is None:
            raise InputError(
                f"SkeletonPose.rotations[{name!r}]: unknown joint; "
                f"the skeleton's joints are: {', '.join(skeleton.names)}"
            )
        qa = np.asarray(q, dtype=np.float64)
        if qa.shape != (4,) or not np.all(np.isfinite(qa)):
            raise ShapeError(
                f"SkeletonPose.rotations[{name!r}] must be a quaternion (x, y, z, w), got {q!r}"
            )
        n = np.linalg.norm(qa)
        if n < 1e-8:
            raise InputError(f"SkeletonPose.rotations[{name!r}] is a zero quaternion")
        quats[j] = qa / n
    return root, quats


def forward_kinematics_arrays(
    skeleton: Skeleton, root: npt.ArrayLike, quats: npt.ArrayLike
) -> npt.NDArray[np.float64]:
    """FK on arrays: root (..., 3), quats (..., J, 4) -> joint-to-world (..., J, 4, 4).

    The leading axes batch poses (e.g. frames of an animation). No validation.
    """
    root = np.asarray(root, dtype=np.float64)
    quats = np.asarray(quats, dtype=np.float64)
    lead = quats.shape[:-2]
    j_count = skeleton.num_joints
    local = np.zeros((*lead, j_count, 4, 4))
    local[..., :3, :3] = quat_to_matrix_batch(quats)
    local[..., :3, 3] = skeleton.offsets
    local[..., 0, :3, 3] = root
    local[..., 3, 3] = 1.0
    world = np.empty_like(local)
    if not lead:  # one pose: index plainly (faster than ellipsis indexing per joint)
        world[0] = local[0]
        for j, p in enumerate(skeleton.parents[1:].tolist(), start=1):
            np.matmul(world[p], local[j], out=world[j])
        return world
    world[..., 0, :, :] = local[..., 0, :, :]
    for j in range(1, j_count):
        world[..., j, :, :] = world[..., skeleton.parents[j], :, :] @ local[..., j, :, :]
    return world


def forward_kinematics(
    skeleton: Skeleton, pose: SkeletonPose | None = None
) -> npt.NDArray[np.float64]:
    """Joint-to-world transforms (J, 4, 4) of ``pose`` (the rest pose if None), metres.

    Column j's translation is joint j's world position; its rotation maps joint-frame
    directions (rest: world-aligned) to world. Unknown joints or bad quaternions raise
    :class:`~previzkit.core.errors.InputError` naming the joint.
    """
    root, quats = pose_arrays(skeleton, pose if pose is not None else skeleton.rest_pose())
    return forward_kinematics_arrays(skeleton, root, quats)


def skinning_matrices(skeleton: Skeleton, joint_to_world: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """(J, 4, 4) joint_to_world @ inverse(rest joint_to_world): rest-pose model space -> posed.

    The matrices linear-blend skinning applies to vertices modelled on the rest pose.
    """
    rest = skeleton.rest_positions()
    m = np.array(joint_to_world, dtype=np.float64, copy=True)
    # rest joint frames are pure translations: inverse bind = T(-rest)
    m[..., :3, 3] -= np.einsum("...jab,jb->...ja", m[..., :3, :3], rest)
    return m


def joint_positions(
    skeleton: Skeleton, pose: SkeletonPose | None = None
) -> npt.NDArray[np.float64]:
    """(J, 3) world joint positions of ``pose`` (metres)."""
    return forward_kinematics(skeleton, pose)[:, :3, 3]


def landmark_positions(
    skeleton: Skeleton, pose: SkeletonPose | None = None
) -> npt.NDArray[np.float64]:
    """(33, 3) BlazePose landmark positions (world, y up, metres) of ``pose``."""
    fk = forward_kinematics(skeleton, pose)
    m = fk[skeleton.landmark_joint]
    return np.einsum("kab,kb->ka", m[:, :3, :3], skeleton.landmark_offset) + m[:, :3, 3]


def relaxed_pose(skeleton: Skeleton, arm_down_deg: float = 75.0) -> SkeletonPose:
    """A standing pose with the arms lowered ``arm_down_deg`` from the T (idle, for sets).

    Rotations are about +z (left arm) and -z (right arm) at the upper arms, a slight
    elbow bend forward; the hips stay at their rest height.
    """
    a = math.radians(arm_down_deg)
    bend = math.radians(10.0)
    return SkeletonPose(
        root=skeleton.rest_pose().root,
        rotations={
            "left_upper_arm": quat_from_axis_angle((0.0, 0.0, 1.0), -a),
            "right_upper_arm": quat_from_axis_angle((0.0, 0.0, 1.0), a),
            "left_forearm": quat_from_axis_angle((0.0, 1.0, 0.0), -bend),
            "right_forearm": quat_from_axis_angle((0.0, 1.0, 0.0), bend),
        },
    )

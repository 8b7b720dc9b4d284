"""MediaPipe BlazePose's 33 landmarks and where they sit on the previzkit skeleton.

Pure data, no GL. Landmark positions are in the skeleton's frame (right-handed, y up,
metres, the actor facing +z with their left, MediaPipe's ``LEFT_*``, on +x).

The landmarks map onto the skeleton's joints (see :mod:`previzkit.model.skeleton`)
two ways:

- :data:`JOINT_LANDMARKS`: per joint, the landmark(s) at the joint (head) and at its
  child end (tail), averaged when several, plus an optional "across" pair whose
  difference points to the actor's left (fixes the twist of hips, chest and head).
  Example: ``left_upper_arm`` is 11 -> 13; ``hips`` is mid(23, 24) -> mid(11, 12).
- :data:`LANDMARK_ATTACHMENTS`: where each of the 33 landmarks sits on the skeleton at
  rest (a joint and an offset in its frame), so the landmarks of any pose can be
  computed (:func:`previzkit.model.kinematics.landmark_positions`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import ShapeError

#: The 33 BlazePose landmark names, by index.
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
#: BlazePose landmark index by name.
LANDMARK_INDEX: dict[str, int] = {n: i for i, n in enumerate(LANDMARK_NAMES)}

#: The actor's sides and the sign of x on each (left is +x).
SIDES: dict[str, float] = {"left": 1.0, "right": -1.0}

_LM = LANDMARK_INDEX
_HIPS = (_LM["left_hip"], _LM["right_hip"])
_SHOULDERS = (_LM["left_shoulder"], _LM["right_shoulder"])
_EARS = (_LM["left_ear"], _LM["right_ear"])


@dataclass(frozen=True)
class LandmarkMapping:
    """MediaPipe landmarks of one joint: head (at the joint), tail (child end), across.

    Each entry is a tuple of BlazePose indices whose mean is the point. ``across`` is
    (from, to): ``to - from`` points to the actor's left in the joint frame (+x at rest).
    """

    head: tuple[int, ...]
    tail: tuple[int, ...]
    across: tuple[tuple[int, ...], tuple[int, ...]] | None = None


def _joint_landmarks() -> dict[str, LandmarkMapping]:
    """In the skeleton's joint order: torso, arms (left, right), legs (left, right)."""
    m = {
        "hips": LandmarkMapping(_HIPS, _SHOULDERS, ((24,), (23,))),
        "spine": LandmarkMapping(_HIPS, _SHOULDERS, ((24,), (23,))),
        "chest": LandmarkMapping(_HIPS, _SHOULDERS, ((12,), (11,))),
        "neck": LandmarkMapping(_SHOULDERS, _EARS, ((12,), (11,))),
        "head": LandmarkMapping(_EARS, (0,), ((8,), (7,))),
    }
    side_lm = {
        side: {k[len(side) + 1 :]: v for k, v in _LM.items() if k.startswith(side + "_")}
        for side in SIDES
    }
    for side, lm in side_lm.items():
        m |= {
            f"{side}_shoulder": LandmarkMapping(_SHOULDERS, (lm["shoulder"],)),
            f"{side}_upper_arm": LandmarkMapping((lm["shoulder"],), (lm["elbow"],)),
            f"{side}_forearm": LandmarkMapping((lm["elbow"],), (lm["wrist"],)),
            f"{side}_hand": LandmarkMapping((lm["wrist"],), (lm["pinky"], lm["index"])),
        }
    for side, lm in side_lm.items():
        m |= {
            f"{side}_upper_leg": LandmarkMapping((lm["hip"],), (lm["knee"],)),
            f"{side}_lower_leg": LandmarkMapping((lm["knee"],), (lm["ankle"],)),
            f"{side}_foot": LandmarkMapping((lm["ankle"],), (lm["foot_index"],)),
            f"{side}_toe": LandmarkMapping((lm["heel"],), (lm["foot_index"],)),
        }
    return m


#: Per joint (in the skeleton's joint order), the landmarks at its head and tail.
JOINT_LANDMARKS: dict[str, LandmarkMapping] = _joint_landmarks()


def _landmark_attachments() -> dict[int, tuple[str, tuple[float, float, float]]]:
    a: dict[int, tuple[str, tuple[float, float, float]]] = {
        _LM["nose"]: ("head", (0.0, 0.06, 0.11)),
        _LM["mouth_left"]: ("head", (0.025, 0.01, 0.10)),
        _LM["mouth_right"]: ("head", (-0.025, 0.01, 0.10)),
    }
    for side, s in SIDES.items():
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


#: Per landmark index, where it sits at rest: (joint, offset in the joint frame, m at 1.75 m).
LANDMARK_ATTACHMENTS: dict[int, tuple[str, tuple[float, float, float]]] = _landmark_attachments()


def _mid(points: npt.NDArray[np.float64], idx: tuple[int, ...]) -> npt.NDArray[np.float64]:
    mid: npt.NDArray[np.float64] = points[list(idx)].mean(axis=0)
    return mid


def bone_lengths_from_landmarks(world: npt.ArrayLike) -> dict[str, float]:
    """Bone lengths (m) measured on 33 BlazePose world landmarks (33, 3) or (33, >=3).

    Per joint, ``|mean(tail) - mean(head)|`` of :data:`JOINT_LANDMARKS`, plus
    ``hip_width`` (left hip to right hip). Average several frames' results for a steady
    estimate; pass the dict to :func:`previzkit.model.skeleton.skeleton_with_bone_lengths`.
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

"""DeepMimic humanoid motion files (``humanoid3d_*.txt``) as BVH clips.

DeepMimic (Peng et al. 2018) stores retargeted motion capture for its 15-body
humanoid as JSON: per frame the frame time (s), the root position (metres, y up,
facing +x, right on +z), then one local rotation per joint (quaternion w, x, y, z for
ball joints, an angle in radians about z for knees and elbows). This module turns one
into a :class:`~previzkit.production.motion.BvhClip` in centimetres with ZXY Euler
channels, so the BVH path (:mod:`previzkit.production.motion`) plays it. Pure numpy
apart from :func:`read_deepmimic`.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, MissingFileError
from previzkit.core.geometry import axis_rotation, euler_zxy_degrees, quat_to_matrix_batch
from previzkit.production.motion import BvhClip

# (BVH name, parent index, offset in metres, DeepMimic kind: "root", "ball", "hinge", "fixed")
# from the humanoid's joint frames (pybullet_data/humanoid/humanoid.urdf at its 0.25 scale)
_JOINTS: list[tuple[str, int, tuple[float, float, float], str]] = [
    ("Hips", -1, (0.0, 0.0, 0.0), "root"),
    ("Chest", 0, (0.0, 0.236151, 0.0), "ball"),
    ("Head", 1, (0.0, 0.223894, 0.0), "ball"),  # DeepMimic's neck joint carries the head
    ("RightUpLeg", 0, (0.0, 0.0, 0.084887), "ball"),
    ("RightLeg", 3, (0.0, -0.421546, 0.0), "hinge"),
    ("RightFoot", 4, (0.0, -0.40987, 0.0), "ball"),
    ("RightArm", 1, (-0.02405, 0.2435, 0.18311), "ball"),
    ("RightForeArm", 6, (0.0, -0.274788, 0.0), "hinge"),
    ("RightHand", 7, (0.0, -0.258947, 0.0), "fixed"),
    ("LeftUpLeg", 0, (0.0, 0.0, -0.084887), "ball"),
    ("LeftLeg", 9, (0.0, -0.421546, 0.0), "hinge"),
    ("LeftFoot", 10, (0.0, -0.40987, 0.0), "ball"),
    ("LeftArm", 1, (-0.02405, 0.2435, -0.18311), "ball"),
    ("LeftForeArm", 12, (0.0, -0.274788, 0.0), "hinge"),
    ("LeftHand", 13, (0.0, -0.258947, 0.0), "fixed"),
]
# order of the joints' values in a frame, after the frame time, root position and rotation
_FRAME_ORDER = [
    "Chest",
    "Head",
    "RightUpLeg",
    "RightLeg",
    "RightFoot",
    "RightArm",
    "RightForeArm",
    "LeftUpLeg",
    "LeftLeg",
    "LeftFoot",
    "LeftArm",
    "LeftForeArm",
]
_END_SITES = {  # metres: top of the head, toe tip (front-bottom of the foot box), hand tip
    "Head": (0.0, 0.2, 0.0),
    "RightFoot": (0.1335, -0.05, 0.0),
    "LeftFoot": (0.1335, -0.05, 0.0),
    "RightHand": (0.0, -0.08, 0.0),
    "LeftHand": (0.0, -0.08, 0.0),
}


def _kind(name: str) -> str:
    return next(k for n, _, _, k in _JOINTS if n == name)


_WIDTH = 1 + 3 + 4 + sum(1 if _kind(n) == "hinge" else 4 for n in _FRAME_ORDER)


def deepmimic_bvh(text: str, source: str = "<deepmimic>") -> BvhClip:
    """The DeepMimic motion ``text`` as a BVH clip in centimetres; raises
    :class:`InputError` naming ``source`` when it is not a humanoid3d motion."""
    try:
        frames = np.asarray(json.loads(text)["Frames"], dtype=np.float64)
    except (ValueError, KeyError, TypeError) as exc:
        raise InputError(
            f"DeepMimic motion {source}: not a JSON object with Frames ({exc})"
        ) from None
    if frames.ndim != 2 or frames.shape[1] != _WIDTH or len(frames) < 2:
        raise InputError(
            f"DeepMimic motion {source}: frames of shape {frames.shape}, "
            f"expected (F >= 2, {_WIDTH}) for the humanoid3d character"
        )
    dt = float(np.median(frames[:-1, 0]))
    if dt <= 0:
        raise InputError(f"DeepMimic motion {source}: frame time {dt} s is not > 0")
    f = len(frames)
    cols = [frames[:, 1:4] * 100.0]  # root position, cm
    cols.append(_zxy(frames[:, 4:8]))
    rot = {}
    c = 8
    for name in _FRAME_ORDER:
        if _kind(name) == "hinge":
            rot[name] = euler_zxy_degrees(axis_rotation(2, frames[:, c]))
            c += 1
        else:
            rot[name] = _zxy(frames[:, c : c + 4])
            c += 4
    for name, _, _, kind in _JOINTS[1:]:
        cols.append(rot[name] if kind != "fixed" else np.zeros((f, 3)))
    names = [n for n, _, _, _ in _JOINTS]
    return BvhClip(
        names=names,
        parents=[p for _, p, _, _ in _JOINTS],
        offsets=np.array([o for _, _, o, _ in _JOINTS]) * 100.0,
        end_sites={names.index(n): np.array(o) * 100.0 for n, o in _END_SITES.items()},
        channels=[["Xposition", "Yposition", "Zposition", "Zrotation", "Xrotation", "Yrotation"]]
        + [["Zrotation", "Xrotation", "Yrotation"] for _ in _JOINTS[1:]],
        motion=np.concatenate(cols, axis=1),
        frame_time=dt,
    )


def _zxy(wxyz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """(F, 3) ZXY Euler degrees of (F, 4) quaternions (w, x, y, z)."""
    return euler_zxy_degrees(quat_to_matrix_batch(wxyz[:, [1, 2, 3, 0]]))


def read_deepmimic(path: str | Path) -> BvhClip:
    p = Path(path)
    if not p.is_file():
        raise MissingFileError(f"DeepMimic motion {p}: no such file")
    return deepmimic_bvh(p.read_text(encoding="utf-8"), str(p))

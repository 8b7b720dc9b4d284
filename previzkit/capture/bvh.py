"""BVH export of a retargeted clip (Biovision hierarchy, text).

HIERARCHY: the skeleton's joints, parents before children, offsets from the skeleton's
rest pose (every joint's rest orientation is the identity, so BVH's "zero rotation =
rest pose" holds), an End Site at each leaf's bone tail. The root has six channels
(Xposition Yposition Zposition Zrotation Xrotation Yrotation), the others three
(Zrotation Xrotation Yrotation). Rotations are degrees, intrinsic Z then X then Y
(R = Rz · Rx · Ry), the most common BVH order. Lengths are in ``units`` (centimetres
by default; metres if ``units="m"``). Frames: y up, the character faces +z.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.geometry import euler_zxy_degrees, quat_to_matrix_batch
from previzkit.core.types import SkeletonPose
from previzkit.model.kinematics import pose_arrays
from previzkit.model.skeleton import Skeleton

_UNITS = {"cm": 100.0, "m": 1.0, "mm": 1000.0}


def _fmt(v: float) -> str:
    s = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def bvh_text(
    skeleton: Skeleton, poses: Sequence[SkeletonPose], frame_time: float, units: str = "cm"
) -> str:
    """The BVH document of ``poses`` (one per frame, ``frame_time`` s apart)."""
    if units not in _UNITS:
        raise InputError(f"BVH units must be one of {', '.join(_UNITS)}, got {units!r}")
    if not (math.isfinite(frame_time) and frame_time > 0):
        raise InputError(f"BVH frame time must be > 0 s, got {frame_time!r}")
    if not poses:
        raise InputError("BVH export needs at least one frame")
    k = _UNITS[units]
    children: dict[int, list[int]] = {j: [] for j in range(skeleton.num_joints)}
    for j, p in enumerate(skeleton.parents):
        if p >= 0:
            children[int(p)].append(j)
    lines = ["HIERARCHY"]

    def joint(j: int, depth: int) -> None:
        ind = "  " * depth
        off = skeleton.offsets[j] * k
        if j == 0:
            lines.append(f"ROOT {skeleton.names[j]}")
            off = np.zeros(3)  # the root's position is in its channels
            channels = "CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation"
        else:
            lines.append(f"{ind}JOINT {skeleton.names[j]}")
            channels = "CHANNELS 3 Zrotation Xrotation Yrotation"
        lines.append(f"{ind}{{")
        lines.append(f"{ind}  OFFSET {' '.join(_fmt(v) for v in off)}")
        lines.append(f"{ind}  {channels}")
        if children[j]:
            for c in children[j]:
                joint(c, depth + 1)
        else:
            tail = skeleton.tails[j] * k
            lines.append(f"{ind}  End Site")
            lines.append(f"{ind}  {{")
            lines.append(f"{ind}    OFFSET {' '.join(_fmt(v) for v in tail)}")
            lines.append(f"{ind}  }}")
        lines.append(f"{ind}}}")

    joint(0, 0)
    order = []

    def walk(j: int) -> None:
        order.append(j)
        for c in children[j]:
            walk(c)

    walk(0)
    roots = []
    quats = []
    for p in poses:
        r, q = pose_arrays(skeleton, p)
        roots.append(r)
        quats.append(q)
    angles = euler_zxy_degrees(quat_to_matrix_batch(np.array(quats)))  # (F, J, 3)
    roots_k = np.array(roots) * k
    lines += ["MOTION", f"Frames: {len(poses)}", f"Frame Time: {frame_time:.6f}"]
    for f in range(len(poses)):
        vals = list(roots_k[f]) + [a for j in order for a in angles[f, j]]
        lines.append(" ".join(_fmt(float(v)) for v in vals))
    return "\n".join(lines) + "\n"


def write_bvh(
    path: str | Path,
    skeleton: Skeleton,
    poses: Sequence[SkeletonPose],
    frame_time: float,
    units: str = "cm",
) -> Path:
    """Write a BVH file; see :func:`bvh_text`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(bvh_text(skeleton, poses, frame_time, units))
    return path

"""World joint positions -> skeleton poses: the rotations that put a rig's joints where
a take's ``joints.npz`` says they were (metres, set frame, y up).

:func:`fit_skeleton` measures the rig from the positions: each bone's length is its
median over the frames, its rest direction the previzkit skeleton's (the mannequin is
that skeleton scaled, so its joints come back exactly). :func:`fit_poses` then gives
each frame a :class:`~previzkit.core.types.SkeletonPose` whose root is the hips' world
position (the character's mark plus the performance's root motion) and whose rotations
carry the character's facing: forward kinematics of the pose reproduces the joints.

Per joint, the world rotation turns the rest offsets of its children onto the measured
ones: a best-fit rotation (Kabsch) where it has two or more children (hips, chest), the
shortest arc from where its parent carries the bone where it has one (no invented
twist), its parent's rotation at a leaf (hands, toes, head: positions hold no turn of
their own). Local rotation = parent⁻¹ · world. Pure numpy.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, ShapeError
from previzkit.core.geometry import quat_from_matrix
from previzkit.core.types import SkeletonPose
from previzkit.model.skeleton import Skeleton, default_skeleton


def _check(skeleton: Skeleton, world: npt.ArrayLike) -> npt.NDArray[np.float64]:
    w = np.asarray(world, dtype=np.float64)
    if w.ndim != 3 or w.shape[1:] != (skeleton.num_joints, 3):
        raise ShapeError(
            f"skeleton fit: world joints have shape {w.shape}, "
            f"expected (frames, {skeleton.num_joints}, 3)"
        )
    if len(w) == 0 or not np.all(np.isfinite(w)):
        raise InputError("skeleton fit: world joints must be finite, at least one frame")
    return w


def fit_skeleton(world: npt.ArrayLike, base: Skeleton | None = None) -> Skeleton:
    """``base`` (default: the previzkit skeleton) with the bone lengths measured in
    ``world`` ((F, J, 3) joints in ``base.names`` order, metres): each offset keeps its
    rest direction and takes the median parent-to-joint distance; tails and landmarks
    scale with the rig's overall size."""
    base = base or default_skeleton()
    w = _check(base, world)
    parents = base.parents
    measured = np.median(np.linalg.norm(w[:, 1:] - w[:, parents[1:]], axis=-1), axis=0)
    rest = np.linalg.norm(base.offsets[1:], axis=-1)
    ratio = np.where(rest > 1e-9, measured / np.maximum(rest, 1e-9), 1.0)
    scale = float(np.median(ratio))
    offsets = base.offsets.copy()
    offsets[1:] *= ratio[:, None]
    # the root's rest height: as high above the floor as the measured legs hold it
    leg = [base.index(n) for n in ("left_upper_leg", "left_lower_leg", "left_foot")]
    offsets[0] *= float(np.sum(measured[np.array(leg) - 1]) / np.sum(rest[np.array(leg) - 1]))
    tails = base.tails * scale
    for j in range(1, base.num_joints):  # a chain's tail is its only child's offset
        if np.sum(parents == parents[j]) == 1:
            tails[parents[j]] = offsets[j]
    return replace(
        base,
        offsets=offsets,
        tails=tails,
        landmark_offset=base.landmark_offset * scale,
        height_m=base.height_m * scale,
        _index={},
    )


def _kabsch(rest: npt.NDArray[np.float64], seen: npt.NDArray[np.float64]) -> np.ndarray:
    """(F, 3, 3) rotations R minimising sum |R rest_k - seen_k|² (rest (K, 3), seen (F, K, 3))."""
    h = np.einsum("fki,kj->fij", seen, rest)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(u @ vt))
    u[:, :, 2] *= d[:, None]
    return u @ vt


def _arc(u: npt.NDArray[np.float64], v: npt.NDArray[np.float64]) -> np.ndarray:
    """(F, 3, 3) shortest-arc rotations taking directions u onto v (each (F, 3))."""
    u = u / np.maximum(np.linalg.norm(u, axis=-1, keepdims=True), 1e-12)
    v = v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)
    axis = np.cross(u, v)
    c = np.einsum("fi,fi->f", u, v)
    s = np.linalg.norm(axis, axis=-1)
    # opposite directions: half a turn about any axis perpendicular to u
    flip = (s < 1e-9) & (c < 0)
    if np.any(flip):
        other = np.where(np.abs(u[flip, :1]) < 0.9, [[1.0, 0.0, 0.0]], [[0.0, 1.0, 0.0]])
        axis[flip] = np.cross(u[flip], other)
        s[flip] = 0.0
    k = axis / np.maximum(np.linalg.norm(axis, axis=-1, keepdims=True), 1e-12)
    angle = np.arctan2(s, c)
    kx = np.zeros((len(u), 3, 3))
    kx[:, 0, 1], kx[:, 0, 2], kx[:, 1, 2] = -k[:, 2], k[:, 1], -k[:, 0]
    kx[:, 1, 0], kx[:, 2, 0], kx[:, 2, 1] = k[:, 2], -k[:, 1], k[:, 0]
    sa, ca = np.sin(angle)[:, None, None], np.cos(angle)[:, None, None]
    return np.eye(3) + sa * kx + (1 - ca) * (kx @ kx)


def fit_poses(skeleton: Skeleton, world: npt.ArrayLike) -> list[SkeletonPose]:
    """One :class:`SkeletonPose` per frame of ``world`` ((F, J, 3), ``skeleton.names``
    order, metres, set frame): root = the hips' position, rotations relative to rest."""
    w = _check(skeleton, world)
    f, j_count = w.shape[:2]
    parents = skeleton.parents
    children = [np.flatnonzero(parents == j) for j in range(j_count)]
    rot = np.empty((f, j_count, 3, 3))
    for j in range(j_count):
        p = int(parents[j])
        up = rot[:, p] if p >= 0 else np.broadcast_to(np.eye(3), (f, 3, 3))
        kids = children[j]
        if len(kids) >= 2 or (p < 0 and len(kids) >= 1):
            rot[:, j] = _kabsch(skeleton.offsets[kids], w[:, kids] - w[:, j : j + 1])
        elif len(kids) == 1:
            c = int(kids[0])
            carried = np.einsum("fab,b->fa", up, skeleton.offsets[c])
            rot[:, j] = _arc(carried, w[:, c] - w[:, j]) @ up
        else:
            rot[:, j] = up
    local = rot.copy()
    local[:, 1:] = np.einsum("fjba,fjbc->fjac", rot[:, parents[1:]], rot[:, 1:])
    names = skeleton.names
    return [
        SkeletonPose(
            (float(w[i, 0, 0]), float(w[i, 0, 1]), float(w[i, 0, 2])),
            {names[j]: quat_from_matrix(local[i, j]) for j in range(j_count)},
        )
        for i in range(f)
    ]

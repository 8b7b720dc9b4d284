"""Skinned meshes: data, the rig that poses them from the previzkit skeleton, LBS.

A :class:`SkinnedMesh` is what the GPU draws: vertices in bind space with up to four
joint influences, the skin's joints (names, parents, bind transforms, inverse bind
matrices) and each skin joint's previzkit skeleton joint (or -1). Both the procedural
mannequin and glTF/GLB characters end up as one (see :mod:`.mannequin` and
:mod:`.character_gltf`). :func:`skin_matrices` turns skeleton forward kinematics into the
per-joint matrices of linear-blend skinning; :func:`lbs` is the numpy reference the
vertex shader (:mod:`.character`) is tested against.

Posing a skin whose bind differs from the skeleton's rest (other proportions, bone
frames not parallel to the world): each mapped skin joint takes its skeleton joint's
world rotation *change from rest* on top of its own bind orientation, keeps its own
bind offsets from its parent, and the root follows the skeleton root's displacement.
Unmapped joints keep their bind local transform. Metres, y up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import ShapeError
from previzkit.model.kinematics import skinning_matrices
from previzkit.model.skeleton import Skeleton

F = npt.NDArray[np.float64]


@dataclass
class Submesh:
    """A run of triangles sharing a material: index range, base colour, texture slot."""

    first: int  # first index (not triangle) in SkinnedMesh.indices.ravel()
    count: int  # number of indices
    base_color: tuple[float, float, float, float] | None = None  # None: the character's colour
    texture: int = -1  # index into SkinnedMesh.textures, -1 for none


@dataclass
class SkinnedMesh:
    """Vertices in bind space with joint influences, and the skin's joints.

    Arrays: positions/normals (N, 3) float32, joints (N, 4) int32 skin-joint indices,
    weights (N, 4) float32 summing to 1, indices (M, 3) uint32, uvs (N, 2) float32
    (glTF convention: v = 0 at the image's top) or None. Skin joints (K of them):
    names, parents (K,) (-1: no parent in the skin), local_bind (K, 4, 4) local to the
    parent joint (or to the world for roots), inverse_bind (K, 4, 4), skeleton_joint
    (K,) previzkit joint index or -1.
    """

    positions: npt.NDArray[np.float32]
    normals: npt.NDArray[np.float32]
    joints: npt.NDArray[np.int32]
    weights: npt.NDArray[np.float32]
    indices: npt.NDArray[np.uint32]
    joint_names: list[str]
    parents: npt.NDArray[np.int64]
    local_bind: F
    inverse_bind: F
    skeleton_joint: npt.NDArray[np.int64]
    uvs: npt.NDArray[np.float32] | None = None
    submeshes: list[Submesh] = field(default_factory=list)
    textures: list[npt.NDArray[np.uint8]] = field(default_factory=list)  # (H, W, 4) RGBA

    def __post_init__(self) -> None:
        n, k = len(self.positions), len(self.joint_names)
        checks: list[tuple[str, npt.ArrayLike, tuple[int, ...]]] = [
            ("positions", self.positions, (n, 3)),
            ("normals", self.normals, (n, 3)),
            ("joints", self.joints, (n, 4)),
            ("weights", self.weights, (n, 4)),
            ("parents", self.parents, (k,)),
            ("local_bind", self.local_bind, (k, 4, 4)),
            ("inverse_bind", self.inverse_bind, (k, 4, 4)),
            ("skeleton_joint", self.skeleton_joint, (k,)),
        ]
        if self.uvs is not None:
            checks.append(("uvs", self.uvs, (n, 2)))
        for name, arr, shape in checks:
            if np.shape(arr) != shape:
                raise ShapeError(f"SkinnedMesh.{name} has shape {np.shape(arr)}, expected {shape}")
        if np.ndim(self.indices) != 2 or np.shape(self.indices)[1] != 3:
            raise ShapeError(
                f"SkinnedMesh.indices has shape {np.shape(self.indices)}, expected (M, 3)"
            )
        if n and (self.joints.min() < 0 or self.joints.max() >= k):
            raise ShapeError(f"SkinnedMesh.joints index outside the skin's {k} joints")
        if len(self.indices) and self.indices.max() >= n:
            raise ShapeError(f"SkinnedMesh.indices refer past the {n} vertices")
        if not self.submeshes:
            self.submeshes = [Submesh(0, int(self.indices.size))]

    @property
    def num_skin_joints(self) -> int:
        return len(self.joint_names)

    def bind_world(self) -> F:
        """(K, 4, 4) skin joints' world transforms in the bind pose."""
        out = np.empty_like(self.local_bind)
        for k, p in enumerate(self.parents):
            out[k] = self.local_bind[k] if p < 0 else out[p] @ self.local_bind[k]
        return out


def identity_rig(skeleton: Skeleton) -> tuple[npt.NDArray[np.int64], F, F]:
    """Skin joints equal to the skeleton's: (parents, local_bind, inverse_bind)."""
    j = skeleton.num_joints
    local = np.tile(np.eye(4), (j, 1, 1))
    local[:, :3, 3] = skeleton.offsets
    inv = np.tile(np.eye(4), (j, 1, 1))
    inv[:, :3, 3] = -skeleton.rest_positions()
    return skeleton.parents.copy(), local, inv


def skin_matrices(mesh: SkinnedMesh, skeleton: Skeleton, joint_to_world: npt.ArrayLike) -> F:
    """(K, 4, 4) linear-blend skinning matrices: bind space -> posed, in the skeleton's frame.

    ``joint_to_world`` is :func:`~previzkit.model.kinematics.forward_kinematics` of a
    pose on ``skeleton``; skin joints follow it as described in the module docstring.
    """
    fk = np.asarray(joint_to_world, dtype=np.float64)
    if fk.shape != (skeleton.num_joints, 4, 4):
        raise ShapeError(
            f"joint_to_world has shape {fk.shape}, expected ({skeleton.num_joints}, 4, 4)"
        )
    rig = _rig_cache(mesh, skeleton)
    if rig["identity"]:  # the skin's joints are the skeleton's (mannequin, our exports)
        return skinning_matrices(skeleton, fk)
    rest, bind, roots, align = rig["rest"], rig["bind"], rig["roots"], rig["align"]
    posed = np.empty_like(bind)
    for k, p in enumerate(mesh.parents):
        j = int(mesh.skeleton_joint[k])
        parent = posed[p] if p >= 0 else roots[k]
        if j < 0:
            posed[k] = parent @ mesh.local_bind[k]
            continue
        world = np.eye(4)
        # the skeleton joint's rotation from its (identity) rest, applied to the skin
        # joint's bind orientation with the bind-to-T alignment taken out
        world[:3, :3] = fk[j, :3, :3] @ align[k].T @ bind[k, :3, :3]
        if j == 0 or p < 0:  # the root: follow the skeleton root's displacement
            world[:3, 3] = bind[k, :3, 3] + (fk[j, :3, 3] - rest[j])
        else:
            world[:3, 3] = (parent @ mesh.local_bind[k])[:3, 3]
        posed[k] = world
    return posed @ mesh.inverse_bind


def _rig_cache(mesh: SkinnedMesh, skeleton: Skeleton) -> dict:
    """Per (mesh, skeleton) constants of :func:`skin_matrices`, computed once.

    A SkinnedMesh is treated as immutable once built.
    """
    key = (id(skeleton), skeleton.offsets.tobytes())
    cache = mesh.__dict__.setdefault("_rig_cache", {})
    rig = cache.get(key)
    if rig is None:
        bind = mesh.bind_world()
        roots = {
            k: bind[k] @ np.linalg.inv(mesh.local_bind[k]) for k in np.flatnonzero(mesh.parents < 0)
        }
        parents, local, inv = identity_rig(skeleton)
        identity = (
            mesh.num_skin_joints == skeleton.num_joints
            and np.array_equal(mesh.skeleton_joint, np.arange(skeleton.num_joints))
            and np.array_equal(mesh.parents, parents)
            and np.allclose(mesh.local_bind, local, atol=1e-7)
            and np.allclose(mesh.inverse_bind, inv, atol=1e-6)
        )
        rig = {
            "rest": skeleton.rest_positions(),
            "bind": bind,
            "roots": roots,
            "align": bind_alignment(mesh, skeleton, bind),
            "identity": identity,
        }
        cache.clear()
        cache[key] = rig
    return rig


def bind_alignment(mesh: SkinnedMesh, skeleton: Skeleton, bind: F | None = None) -> F:
    """(K, 3, 3) per skin joint, the world rotation taking its skeleton joint's rest (T
    pose) bone direction to the skin's bind bone direction; the identity for T-bound skins.

    A bone's bind direction runs from the skin joint to the skin joint mapped to the
    skeleton joint's tail child. Joints without one (hands, toes, head, unmapped) take
    their skin parent's alignment; a bone's own alignment is its parent's followed by
    the shortest arc that remains, so a twist about the bone itself is not seen.
    """
    bind = mesh.bind_world() if bind is None else bind
    k_of = {int(j): k for k, j in enumerate(mesh.skeleton_joint) if j >= 0}
    chain = skeleton.chain_children()
    out = np.tile(np.eye(3), (mesh.num_skin_joints, 1, 1))
    for k, p in enumerate(mesh.parents):  # parents first
        j = int(mesh.skeleton_joint[k])
        out[k] = out[p] if p >= 0 else np.eye(3)
        if j < 0 or chain[j] < 0 or int(chain[j]) not in k_of:
            continue
        d_bind = bind[k_of[int(chain[j])], :3, 3] - bind[k, :3, 3]
        out[k] = align_bone(out[k], skeleton.tails[j], d_bind)
    return out


def align_bone(inherited: F, d_rest: F, d_bind: F) -> F:
    """``inherited`` followed by the shortest arc from ``inherited @ d_rest`` to ``d_bind``."""
    from previzkit.core.geometry import quat_between, quat_to_matrix

    d = inherited @ d_rest
    n_bind, n_rest = np.linalg.norm(d_bind), np.linalg.norm(d)
    if n_bind < 1e-9 or n_rest < 1e-9:
        return inherited
    if float(np.dot(d_bind, d)) / (n_bind * n_rest) > 1 - 1e-12:
        return inherited
    return quat_to_matrix(quat_between(d, d_bind)) @ inherited


def lbs(
    positions: npt.ArrayLike,
    joints: npt.ArrayLike,
    weights: npt.ArrayLike,
    matrices: npt.ArrayLike,
) -> F:
    """Numpy linear-blend skinning: (N, 3) bind positions -> (N, 3) posed positions.

    ``joints`` (N, 4) index ``matrices`` (K, 4, 4); ``weights`` (N, 4) sum to 1.
    """
    pos = np.asarray(positions, dtype=np.float64)
    mats = np.asarray(matrices, dtype=np.float64)
    w = np.asarray(weights, dtype=np.float64)
    blended = np.einsum("ni,niab->nab", w, mats[np.asarray(joints)])
    return np.einsum("nab,nb->na", blended[:, :3, :3], pos) + blended[:, :3, 3]


def normalize_weights(weights: npt.ArrayLike) -> npt.NDArray[np.float32]:
    """Weights (N, 4) scaled to sum to 1 per vertex (all-zero rows get (1, 0, 0, 0))."""
    w = np.asarray(weights, dtype=np.float64).copy()
    s = w.sum(axis=1, keepdims=True)
    zero = s[:, 0] <= 0
    w[zero] = (1.0, 0.0, 0.0, 0.0)
    s[zero] = 1.0
    return (w / s).astype(np.float32)


def load_gltf_skin(
    path: str | Path, skeleton: Skeleton | None = None, name_map: Mapping[str, str] | None = None
) -> SkinnedMesh:
    """A skinned .glb/.gltf as a :class:`SkinnedMesh` mapped onto ``skeleton``.

    Shorthand for :func:`previzkit.render.character_gltf.load_skinned_gltf`.
    """
    from previzkit.render.character_gltf import load_skinned_gltf

    return load_skinned_gltf(path, skeleton, name_map)

"""The previz-standard procedural mannequin: one simple solid per bone.

Each bone of the :mod:`~previzkit.model.skeleton` gets a solid (trimesh primitives)
built on the rest (T) pose and bound rigidly (weight 1) to its joint, so it draws
through the same GPU skinning path as glTF characters. Limb capsules are centred
on their joint and tail (so a joint lies inside its solids), the hands' boxes end at
the finger tips, the
head's sphere touches the top of the head, the feet's soles lie on y = 0. Metres, y up,
facing +z.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from previzkit.core.optional import require
from previzkit.model.skeleton import Skeleton, default_skeleton
from previzkit.render.skinning import SkinnedMesh, Submesh, identity_rig

if TYPE_CHECKING:
    import trimesh

# Radii / sizes at 1.75 m, scaled with the skeleton's height.
_LIMB_RADIUS = {
    "shoulder": 0.045,
    "upper_arm": 0.05,
    "forearm": 0.042,
    "upper_leg": 0.075,
    "lower_leg": 0.058,
    "neck": 0.05,
}


def _capsule(a: np.ndarray, b: np.ndarray, radius: float):
    """A capsule around segment ``a``-``b``: its round ends are centred on the joints."""
    trimesh = require("trimesh", "render", "the mannequin")

    d = b - a
    length = float(np.linalg.norm(d))
    mesh = trimesh.creation.capsule(height=length, radius=radius, count=[16, 12])
    mesh.apply_transform(trimesh.geometry.align_vectors((0.0, 0.0, 1.0), d / length))
    mesh.apply_translation((a + b) / 2)
    return mesh


def _box(lo, hi):
    trimesh = require("trimesh", "render", "the mannequin")

    lo, hi = np.asarray(lo, float), np.asarray(hi, float)
    return trimesh.creation.box(extents=hi - lo, transform=_translate((lo + hi) / 2))


def _translate(t) -> np.ndarray:
    m = np.eye(4)
    m[:3, 3] = t
    return m


def mannequin_solids(skeleton: Skeleton) -> dict[str, trimesh.Trimesh]:
    """Joint name -> trimesh solid on the rest pose (model space = rest world, metres)."""
    trimesh = require("trimesh", "render", "the mannequin")

    s = skeleton.height_m / 1.75
    pos = skeleton.rest_positions()
    tail = skeleton.rest_tails()
    ix = skeleton.index
    out: dict[str, Any] = {}

    p = lambda n: pos[ix(n)]  # noqa: E731
    t = lambda n: tail[ix(n)]  # noqa: E731
    hip_y = min(p("left_upper_leg")[1], p("right_upper_leg")[1])
    half_hips = abs(p("left_upper_leg")[0] - p("right_upper_leg")[0]) / 2
    out["hips"] = _box(
        (-half_hips - 0.07 * s, hip_y - 0.06 * s, -0.09 * s),
        (half_hips + 0.07 * s, p("spine")[1], 0.09 * s),
    )
    out["spine"] = _box((-0.13 * s, p("spine")[1], -0.08 * s), (0.13 * s, p("chest")[1], 0.08 * s))
    sh_y = max(p("left_upper_arm")[1], p("right_upper_arm")[1])
    out["chest"] = _box(
        (-0.16 * s, p("chest")[1], -0.10 * s), (0.16 * s, sh_y + 0.03 * s, 0.10 * s)
    )
    out["neck"] = _capsule(
        p("neck"), p("head") + np.array([0.0, 0.03 * s, 0.0]), _LIMB_RADIUS["neck"] * s
    )
    head_top = t("head")
    head_r = float(np.linalg.norm(head_top - p("head"))) / 2
    sphere = trimesh.creation.icosphere(subdivisions=3, radius=head_r)
    sphere.apply_translation(head_top - (0.0, head_r, 0.0))
    out["head"] = sphere
    for side in ("left", "right"):
        for bone in ("shoulder", "upper_arm", "forearm", "upper_leg", "lower_leg"):
            name = f"{side}_{bone}"
            out[name] = _capsule(p(name), t(name), _LIMB_RADIUS[bone] * s)
        hand = f"{side}_hand"
        a, b = p(hand), t(hand)
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        d = np.abs(b - a).argmax()  # box along the bone's main axis
        pad = np.array([0.045, 0.015, 0.045]) * s
        pad[d] = 0.0
        if d == 1:
            pad[0] = 0.045 * s
        out[hand] = _box(lo - pad, hi + pad)
        foot, toe = p(f"{side}_foot"), p(f"{side}_toe")
        x = foot[0]
        w = 0.05 * s
        heel_z = foot[2] - 0.06 * s
        out[f"{side}_foot"] = _box((x - w, 0.0, heel_z), (x + w, foot[1] + 0.03 * s, toe[2]))
        toe_tip = t(f"{side}_toe")
        out[f"{side}_toe"] = _box((x - w, 0.0, toe[2]), (x + w, toe[1] + 0.01 * s, toe_tip[2]))
    return {n: out[n] for n in skeleton.names if n in out}


def mannequin_mesh(skeleton: Skeleton | None = None) -> SkinnedMesh:
    """The mannequin as a :class:`SkinnedMesh` rigidly bound to ``skeleton``'s joints.

    Boxes are flat-shaded, capsules and spheres smooth; the colour is left to the
    character (``Submesh.base_color`` None). Built meshes are cached per skeleton.
    """
    skeleton = skeleton or default_skeleton()
    key = (skeleton.offsets.tobytes(), skeleton.tails.tobytes(), skeleton.height_m)
    cached = _CACHE.get(key)
    if cached is None:
        cached = _CACHE[key] = _build(skeleton)
        while len(_CACHE) > 16:
            _CACHE.pop(next(iter(_CACHE)))
    return cached


_CACHE: dict[tuple[bytes, bytes, float], SkinnedMesh] = {}


def _build(skeleton: Skeleton) -> SkinnedMesh:
    positions, normals, joints, faces = [], [], [], []
    base = 0
    for name, solid in mannequin_solids(skeleton).items():
        if len(solid.faces) == 12:  # a box: unshared corners for flat faces
            verts = solid.vertices[solid.faces].reshape(-1, 3)
            nrm = np.repeat(solid.face_normals, 3, axis=0)
            tris = np.arange(len(verts)).reshape(-1, 3)
        else:  # capsules and spheres: smooth
            verts, nrm, tris = solid.vertices, solid.vertex_normals, solid.faces
        positions.append(verts)
        normals.append(nrm)
        joints.append(np.full(len(verts), skeleton.index(name)))
        faces.append(np.asarray(tris) + base)
        base += len(verts)
    n = base
    jnt = np.zeros((n, 4), np.int32)
    jnt[:, 0] = np.concatenate(joints)
    w = np.zeros((n, 4), np.float32)
    w[:, 0] = 1.0
    parents, local, inv = identity_rig(skeleton)
    idx = np.concatenate(faces).astype(np.uint32)
    return SkinnedMesh(
        positions=np.concatenate(positions).astype(np.float32),
        normals=np.concatenate(normals).astype(np.float32),
        joints=jnt,
        weights=w,
        indices=idx,
        joint_names=list(skeleton.names),
        parents=parents,
        local_bind=local,
        inverse_bind=inv,
        skeleton_joint=np.arange(skeleton.num_joints),
        submeshes=[Submesh(0, int(idx.size))],
    )

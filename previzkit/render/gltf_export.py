"""Export the mannequin and skeleton animations as binary glTF (.glb).

The files are glTF 2.0: one node per skeleton joint (named as in
:data:`~previzkit.model.skeleton.SKELETON`, translation = rest offset, identity
rotation: the T pose facing +z), the mannequin mesh skinned to them (JOINTS_0 /
WEIGHTS_0, inverse bind matrices), and for animations one rotation channel per joint
plus the hips' translation (``SkeletonPose.root``), sampled at ``fps`` with LINEAR
interpolation. Metres, y up. Written with the standard library and numpy only; any
glTF reader (Blender, three.js, trimesh, :mod:`.character_gltf`) loads them.
"""

from __future__ import annotations

import json
import math
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import ExportError, InputError
from previzkit.core.progress import ProgressFn
from previzkit.core.types import SkeletonPose
from previzkit.model.kinematics import forward_kinematics, pose_arrays, skinning_matrices
from previzkit.model.skeleton import Skeleton, default_skeleton
from previzkit.render.skinning import SkinnedMesh, lbs

_FLOAT, _UBYTE, _USHORT, _UINT = 5126, 5121, 5123, 5125
_TYPES = {1: "SCALAR", 2: "VEC2", 3: "VEC3", 4: "VEC4", 16: "MAT4"}
_ARRAY_BUFFER, _ELEMENT_ARRAY_BUFFER = 34962, 34963


class _GltfBuilder:
    """Collects buffer views and accessors into one binary chunk."""

    def __init__(self) -> None:
        self.bin = bytearray()
        self.views: list[dict] = []
        self.accessors: list[dict] = []

    def add(
        self, data: np.ndarray, component: int, target: int | None = None, minmax: bool = False
    ) -> int:
        arr = np.ascontiguousarray(data)
        ncomp = 1 if arr.ndim == 1 else int(np.prod(arr.shape[1:]))
        while len(self.bin) % 4:
            self.bin.append(0)
        view = {"buffer": 0, "byteOffset": len(self.bin), "byteLength": arr.nbytes}
        if target is not None:
            view["target"] = target
        self.bin += arr.tobytes()
        self.views.append(view)
        acc = {
            "bufferView": len(self.views) - 1,
            "componentType": component,
            "count": int(arr.shape[0]),
            "type": _TYPES[ncomp],
        }
        if minmax:
            flat = arr.reshape(len(arr), -1)
            acc["min"] = [float(v) for v in flat.min(axis=0)]
            acc["max"] = [float(v) for v in flat.max(axis=0)]
        self.accessors.append(acc)
        return len(self.accessors) - 1


def _glb(doc: dict, binary: bytes | bytearray) -> bytes:
    js = json.dumps(doc, separators=(",", ":")).encode()
    js += b" " * (-len(js) % 4)
    binary = bytes(binary) + b"\0" * (-len(binary) % 4)
    total = 12 + 8 + len(js) + 8 + len(binary)
    return (
        struct.pack("<4sII", b"glTF", 2, total)
        + struct.pack("<I4s", len(js), b"JSON")
        + js
        + struct.pack("<I4s", len(binary), b"BIN\0")
        + binary
    )


def _skeleton_nodes(skeleton: Skeleton, bind_pose: SkeletonPose | None = None) -> list[dict]:
    nodes: list[dict] = []
    root, quats = pose_arrays(skeleton, bind_pose or skeleton.rest_pose())
    for j, name in enumerate(skeleton.names):
        t = root if j == 0 else skeleton.offsets[j]
        node: dict = {"name": name, "translation": [float(v) for v in t]}
        if not np.allclose(quats[j], (0.0, 0.0, 0.0, 1.0)):
            node["rotation"] = [float(v) for v in quats[j]]
        kids = [int(c) for c in np.flatnonzero(skeleton.parents == j)]
        if kids:
            node["children"] = kids
        nodes.append(node)
    return nodes


def _document(
    skeleton: Skeleton,
    mesh: SkinnedMesh | None,
    color: tuple[float, float, float],
    builder: _GltfBuilder,
    name: str,
    bind_pose: SkeletonPose | None = None,
) -> dict:
    nodes = _skeleton_nodes(skeleton, bind_pose)
    doc: dict = {
        "asset": {"version": "2.0", "generator": "previzkit"},
        "scene": 0,
        "scenes": [{"name": name, "nodes": [0]}],
        "nodes": nodes,
    }
    if mesh is None:
        return doc
    if list(mesh.joint_names) != list(skeleton.names):
        raise ExportError("glTF export: the mesh's skin joints must be the skeleton's joints")
    positions: npt.NDArray[np.floating[Any]]
    normals: npt.NDArray[np.floating[Any]]
    inverse_bind: npt.NDArray[np.floating[Any]]
    positions, normals, inverse_bind = mesh.positions, mesh.normals, mesh.inverse_bind
    if bind_pose is not None:  # bake the mesh into the bind pose
        fk = forward_kinematics(skeleton, bind_pose)
        skin = skinning_matrices(skeleton, fk)
        positions = lbs(mesh.positions, mesh.joints, mesh.weights, skin)
        rot = skin.copy()
        rot[:, :3, 3] = 0.0
        normals = lbs(mesh.normals, mesh.joints, mesh.weights, rot)
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        inverse_bind = np.linalg.inv(fk)
    ibm = np.ascontiguousarray(np.transpose(inverse_bind, (0, 2, 1)), dtype=np.float32)
    attrs = {
        "POSITION": builder.add(
            np.asarray(positions, np.float32), _FLOAT, _ARRAY_BUFFER, minmax=True
        ),
        "NORMAL": builder.add(np.asarray(normals, np.float32), _FLOAT, _ARRAY_BUFFER),
        "JOINTS_0": builder.add(mesh.joints.astype(np.uint8), _UBYTE, _ARRAY_BUFFER),
        "WEIGHTS_0": builder.add(mesh.weights.astype(np.float32), _FLOAT, _ARRAY_BUFFER),
    }
    if mesh.num_skin_joints > 255:
        raise ExportError("glTF export: more than 255 skin joints")
    big = len(mesh.positions) > 65535
    idx = mesh.indices.ravel().astype(np.uint32 if big else np.uint16)
    indices = builder.add(idx, _UINT if big else _USHORT, _ELEMENT_ARRAY_BUFFER)
    doc["materials"] = [
        {
            "name": f"{name}_material",
            "pbrMetallicRoughness": {
                "baseColorFactor": [*(float(c) for c in color), 1.0],
                "metallicFactor": 0.0,
                "roughnessFactor": 0.8,
            },
        }
    ]
    doc["meshes"] = [
        {
            "name": name,
            "primitives": [{"attributes": attrs, "indices": indices, "material": 0, "mode": 4}],
        }
    ]
    doc["skins"] = [
        {
            "name": f"{name}_skin",
            "joints": list(range(skeleton.num_joints)),
            "skeleton": 0,
            "inverseBindMatrices": builder.add(ibm.reshape(-1, 16), _FLOAT),
        }
    ]
    nodes.append({"name": name, "mesh": 0, "skin": 0})
    doc["scenes"][0]["nodes"].append(len(nodes) - 1)
    return doc


def _write(path: str | Path, doc: dict, builder: _GltfBuilder) -> Path:
    path = Path(path)
    if path.suffix.lower() != ".glb":
        raise InputError(f"glTF export: output {str(path)!r} must end in .glb")
    doc["buffers"] = [{"byteLength": len(builder.bin) + (-len(builder.bin) % 4)}]
    doc["bufferViews"] = builder.views
    doc["accessors"] = builder.accessors
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_glb(doc, builder.bin))
    except OSError as exc:
        raise ExportError(f"cannot write {path}: {exc}") from exc
    return path


def export_mannequin_glb(
    path: str | Path,
    skeleton: Skeleton | None = None,
    color: tuple[float, float, float] = (0.75, 0.72, 0.68),
    bind_pose: SkeletonPose | None = None,
) -> Path:
    """Write the mannequin on ``skeleton`` (default 1.75 m) as a skinned .glb.

    Bound in the T pose, or in ``bind_pose`` (e.g. an A pose for a DCC tool's rig):
    the mesh, the joint nodes' rotations and the inverse bind matrices are then baked
    in that pose.
    """
    from previzkit.render.mannequin import mannequin_mesh

    skeleton = skeleton or default_skeleton()
    builder = _GltfBuilder()
    doc = _document(skeleton, mannequin_mesh(skeleton), color, builder, "mannequin", bind_pose)
    return _write(path, doc, builder)


def export_skinned_glb(
    path: str | Path,
    mesh: SkinnedMesh,
    skeleton: Skeleton,
    color: tuple[float, float, float] = (0.75, 0.72, 0.68),
    name: str = "character",
) -> Path:
    """Write any :class:`SkinnedMesh` whose skin joints are ``skeleton``'s joints as a .glb."""
    builder = _GltfBuilder()
    return _write(path, _document(skeleton, mesh, color, builder, name), builder)


def export_animation_glb(
    path: str | Path,
    poses: Sequence[SkeletonPose],
    fps: float,
    skeleton: Skeleton | None = None,
    *,
    with_mesh: bool = True,
    name: str = "take",
    color: tuple[float, float, float] = (0.75, 0.72, 0.68),
    progress: ProgressFn | None = None,
    bind_pose: SkeletonPose | None = None,
) -> Path:
    """Write ``poses`` (one per frame at ``fps``) as a glTF animation in a .glb.

    Frame i is at time i / fps seconds. With ``with_mesh`` the mannequin is included
    skinned to the joints so the file plays as is; without it only the joint nodes.
    ``bind_pose`` (default: the T pose) is the pose the nodes and mesh rest in, what a
    reader that ignores animations shows (e.g. the first frame: the character where
    the take starts).
    ``progress(done, total)`` is called per frame if given. Bad poses raise
    :class:`~previzkit.core.errors.InputError` naming the frame.
    """
    if not (isinstance(fps, int | float) and math.isfinite(fps) and fps > 0):
        raise InputError(f"animation export: fps must be a positive number, got {fps!r}")
    if len(poses) == 0:
        raise InputError("animation export: no poses given (need at least one frame)")
    skeleton = skeleton or default_skeleton()
    n, j = len(poses), skeleton.num_joints
    roots = np.empty((n, 3), np.float32)
    quats = np.empty((n, j, 4), np.float32)
    for i, pose in enumerate(poses):
        try:
            r, q = pose_arrays(skeleton, pose)
        except InputError as exc:
            raise type(exc)(f"animation export: frame {i}: {exc}") from exc
        roots[i], quats[i] = r, q
        if progress is not None:
            progress(i + 1, n)
    # keep consecutive quaternions on the same hemisphere so LINEAR blends the short way
    for i in range(1, n):
        flip = np.einsum("jc,jc->j", quats[i], quats[i - 1]) < 0
        quats[i, flip] *= -1
    builder = _GltfBuilder()
    mesh = None
    if with_mesh:
        from previzkit.render.mannequin import mannequin_mesh

        mesh = mannequin_mesh(skeleton)
    doc = _document(skeleton, mesh, color, builder, name, bind_pose)
    times = builder.add(np.arange(n, dtype=np.float32) / np.float32(fps), _FLOAT, minmax=True)
    samplers = [{"input": times, "output": builder.add(roots, _FLOAT), "interpolation": "LINEAR"}]
    channels = [{"sampler": 0, "target": {"node": 0, "path": "translation"}}]
    for k in range(j):
        samplers.append(
            {"input": times, "output": builder.add(quats[:, k], _FLOAT), "interpolation": "LINEAR"}
        )
        channels.append({"sampler": k + 1, "target": {"node": k, "path": "rotation"}})
    doc["animations"] = [{"name": name, "samplers": samplers, "channels": channels}]
    return _write(path, doc, builder)

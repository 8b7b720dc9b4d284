"""Read skinned glTF 2.0 characters (.glb / .gltf) into :class:`SkinnedMesh`.

A small reader on the raw glTF JSON and buffers (numpy only; PIL for textures): the
first skin and every triangle primitive of the meshes that use it, with POSITION,
NORMAL, TEXCOORD_0, JOINTS_0, WEIGHTS_0, indices, the material's base colour and
base-colour texture, the skin's inverse bind matrices and joint hierarchy. Skin
joints map to previzkit joints by name (:data:`DEFAULT_NAME_MAP`: previzkit's own
names as written by :mod:`.gltf_export`, Mixamo's and VRM's humanoid names). The
character should be bound in a T pose facing +z, y up, metres (glTF's convention);
poses apply relative to its bind pose.
"""

from __future__ import annotations

import base64
import json
import re
import struct
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import numpy as np

from previzkit.core.errors import InputError, MissingFileError
from previzkit.core.geometry import quat_to_matrix
from previzkit.media.image import decode_image
from previzkit.model.skeleton import SKELETON, Skeleton, default_skeleton
from previzkit.render.skinning import SkinnedMesh, Submesh, align_bone, normalize_weights


def _norm(name: str) -> str:
    """Normalised joint name: no namespace prefix ("mixamorig:"), lower case, alnum only."""
    return re.sub(r"[^a-z0-9]", "", name.split(":")[-1].lower())


def _aliases() -> dict[str, str]:
    out = {_norm(n): n for n in SKELETON}
    mixamo = {
        "hips": "hips",
        "spine": "spine",
        "spine2": "chest",
        "neck": "neck",
        "head": "head",
        "shoulder": "shoulder",
        "arm": "upper_arm",
        "forearm": "forearm",
        "hand": "hand",
        "upleg": "upper_leg",
        "leg": "lower_leg",
        "foot": "foot",
        "toebase": "toe",
    }
    vrm = {
        "chest": "chest",
        "shoulder": "shoulder",
        "upperarm": "upper_arm",
        "lowerarm": "forearm",
        "upperleg": "upper_leg",
        "lowerleg": "lower_leg",
        "toes": "toe",
    }
    for table in (mixamo, vrm):
        for src, dst in table.items():
            if dst in SKELETON:
                out.setdefault(src, dst)
            else:
                for side in ("left", "right"):
                    out.setdefault(side + src, f"{side}_{dst}")
    return out


#: Normalised glTF joint name -> previzkit joint name.
DEFAULT_NAME_MAP: dict[str, str] = _aliases()

_COMPONENTS = {
    5120: np.int8,
    5121: np.uint8,
    5122: np.int16,
    5123: np.uint16,
    5125: np.uint32,
    5126: np.float32,
}
_NCOMP = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}


class GltfFile:
    """A parsed glTF: its JSON and its buffers; :meth:`accessor` gives numpy arrays."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise MissingFileError(f"glTF file not found: {self.path}")
        data = self.path.read_bytes()
        glb_bin = None
        try:
            if data[:4] == b"glTF":
                self.doc, glb_bin = _parse_glb(data)
            else:
                self.doc = json.loads(data.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, struct.error) as exc:
            raise InputError(f"{self.path}: not a readable glTF/GLB file ({exc})") from exc
        if not isinstance(self.doc, dict) or not str(
            self.doc.get("asset", {}).get("version", "")
        ).startswith("2"):
            raise InputError(f"{self.path}: asset.version: not a glTF 2.0 file")
        self.buffers = [
            self._buffer(i, b, glb_bin) for i, b in enumerate(self.doc.get("buffers", []))
        ]

    def _buffer(self, i: int, buf: dict, glb_bin: bytes | None) -> bytes:
        uri = buf.get("uri")
        if uri is None:
            if glb_bin is None:
                raise InputError(
                    f"{self.path}: buffers[{i}] has no uri and there is no GLB BIN chunk"
                )
            return glb_bin
        if uri.startswith("data:"):
            return base64.b64decode(uri.split(",", 1)[1])
        file = self.path.parent / uri
        if not file.is_file():
            raise MissingFileError(f"{self.path}: buffers[{i}].uri: file not found: {file}")
        return file.read_bytes()

    def view_bytes(self, index: int) -> bytes:
        v = self.doc["bufferViews"][index]
        start = v.get("byteOffset", 0)
        return self.buffers[v["buffer"]][start : start + v["byteLength"]]

    def accessor(self, index: int) -> np.ndarray:
        """Accessor ``index`` as (count, n) (or (count,) for scalars), normalised ints as float."""
        try:
            a = self.doc["accessors"][index]
            dtype = np.dtype(_COMPONENTS[a["componentType"]])
            n = _NCOMP[a["type"]]
            count = a["count"]
            if "sparse" in a:
                raise InputError(
                    f"{self.path}: accessors[{index}]: sparse accessors are not supported"
                )
            if "bufferView" not in a:
                arr = np.zeros((count, n), dtype)
            else:
                v = self.doc["bufferViews"][a["bufferView"]]
                buf = self.buffers[v["buffer"]]
                start = v.get("byteOffset", 0) + a.get("byteOffset", 0)
                stride = v.get("byteStride") or dtype.itemsize * n
                raw = np.frombuffer(
                    buf,
                    np.uint8,
                    count=(count - 1) * stride + dtype.itemsize * n if count else 0,
                    offset=start,
                )
                rows = (
                    np.lib.stride_tricks.as_strided(raw, (count, dtype.itemsize * n), (stride, 1))
                    if count
                    else raw.reshape(0, dtype.itemsize * n)
                )
                arr = np.ascontiguousarray(rows).view(dtype).reshape(count, n)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            raise InputError(f"{self.path}: accessors[{index}]: malformed ({exc})") from exc
        if a.get("normalized") and dtype.kind in "iu":
            int_dtype = cast("np.dtype[np.integer[Any]]", dtype)  # kind "i" or "u"
            arr = np.maximum(arr.astype(np.float32) / np.iinfo(int_dtype).max, -1.0)
        return arr[:, 0] if n == 1 else arr

    def node_local(self, index: int) -> np.ndarray:
        """(4, 4) local transform of node ``index`` (matrix, or T @ R @ S)."""
        node = self.doc["nodes"][index]
        if "matrix" in node:
            return np.asarray(node["matrix"], np.float64).reshape(4, 4).T

        m = np.eye(4)
        m[:3, :3] = quat_to_matrix(node.get("rotation", (0.0, 0.0, 0.0, 1.0))) * np.asarray(
            node.get("scale", (1.0, 1.0, 1.0))
        )
        m[:3, 3] = node.get("translation", (0.0, 0.0, 0.0))
        return m

    def node_parents(self) -> list[int]:
        parents = [-1] * len(self.doc.get("nodes", []))
        for i, node in enumerate(self.doc.get("nodes", [])):
            for c in node.get("children", []):
                parents[c] = i
        return parents

    def node_world(self) -> list[np.ndarray]:
        parents = self.node_parents()
        cache: dict[int, np.ndarray] = {}

        def world(i: int) -> np.ndarray:
            if i not in cache:
                p = parents[i]
                cache[i] = self.node_local(i) if p < 0 else world(p) @ self.node_local(i)
            return cache[i]

        return [world(i) for i in range(len(parents))]

    def image(self, index: int) -> np.ndarray:
        """Image ``index`` decoded to RGBA uint8 (H, W, 4), row 0 at the top."""
        img = self.doc["images"][index]
        if "bufferView" in img:
            data = self.view_bytes(img["bufferView"])
        elif img.get("uri", "").startswith("data:"):
            data = base64.b64decode(img["uri"].split(",", 1)[1])
        else:
            file = self.path.parent / img.get("uri", "")
            if not file.is_file():
                raise MissingFileError(f"{self.path}: images[{index}].uri: file not found: {file}")
            data = file.read_bytes()
        return decode_image(data, f"{self.path}: images[{index}]", alpha=True)


def _parse_glb(data: bytes) -> tuple[dict, bytes | None]:
    _magic, version, length = struct.unpack_from("<4sII", data, 0)
    if version != 2:
        raise ValueError(f"GLB version {version}, expected 2")
    off, doc, binary = 12, None, None
    while off + 8 <= min(length, len(data)):
        size, kind = struct.unpack_from("<I4s", data, off)
        chunk = data[off + 8 : off + 8 + size]
        if kind == b"JSON":
            doc = json.loads(chunk.decode("utf-8"))
        elif kind == b"BIN\0" and binary is None:
            binary = chunk
        off += 8 + size + (-size % 4)
    if doc is None:
        raise ValueError("no JSON chunk")
    return doc, binary


def _map_joints(
    names: list[str], name_map: Mapping[str, str] | None, skeleton: Skeleton, path: Path
) -> np.ndarray:
    table = dict(DEFAULT_NAME_MAP)
    if name_map:
        for src, dst in name_map.items():
            skeleton.index(dst)  # raises naming the unknown joint
            table[_norm(src)] = dst
    out = np.array([skeleton.index(table[_norm(n)]) if _norm(n) in table else -1 for n in names])
    # one skin joint per skeleton joint: keep the first (closest to the root)
    seen: set[int] = set()
    for k, j in enumerate(out):
        if j in seen:
            out[k] = -1
        elif j >= 0:
            seen.add(int(j))
    if not seen:
        raise InputError(
            f"{path}: none of the skin's joints ({', '.join(names[:8])}{', ...' if len(names) > 8 else ''}) "
            "match previzkit's skeleton; pass name_map={'their_name': 'previzkit_joint'}"
        )
    return out


def _first_skin(gf: GltfFile) -> int:
    skins = gf.doc.get("skins") or []
    if not skins:
        raise InputError(
            f"{gf.path}: skins: the file has no skin (a character must be a skinned mesh)"
        )
    return 0


def load_skinned_gltf(
    path: str | Path,
    skeleton: Skeleton | None = None,
    name_map: Mapping[str, str] | None = None,
) -> SkinnedMesh:
    """The first skin of a .glb/.gltf and the triangles bound to it, mapped onto ``skeleton``.

    ``name_map`` adds glTF joint name -> previzkit joint name pairs to
    :data:`DEFAULT_NAME_MAP`. Raises :class:`~previzkit.core.errors.InputError` naming the
    file and the part (skin, accessor, primitive) that is wrong.
    """
    gf = GltfFile(path)
    skeleton = skeleton or skeleton_from_gltf(path, name_map=name_map)
    doc = gf.doc
    skin_i = _first_skin(gf)
    skin = doc["skins"][skin_i]
    joint_nodes: list[int] = list(skin.get("joints", []))
    if not joint_nodes:
        raise InputError(f"{gf.path}: skins[{skin_i}].joints is empty")
    nodes = doc.get("nodes", [])
    names = [nodes[n].get("name", f"node{n}") for n in joint_nodes]
    world = gf.node_world()
    node_parent = gf.node_parents()
    k_of = {n: k for k, n in enumerate(joint_nodes)}
    parents = np.full(len(joint_nodes), -1)
    local = np.empty((len(joint_nodes), 4, 4))
    for k, n in enumerate(joint_nodes):
        up = node_parent[n]
        while up >= 0 and up not in k_of:
            up = node_parent[up]
        parents[k] = k_of[up] if up >= 0 else -1
        local[k] = world[n] if up < 0 else np.linalg.inv(world[up]) @ world[n]
    order = _topological(parents)
    if "inverseBindMatrices" in skin:
        ibm = (
            gf.accessor(skin["inverseBindMatrices"])
            .reshape(-1, 4, 4)
            .transpose(0, 2, 1)
            .astype(np.float64)
        )
        if len(ibm) != len(joint_nodes):
            raise InputError(
                f"{gf.path}: skins[{skin_i}].inverseBindMatrices has {len(ibm)} matrices for {len(joint_nodes)} joints"
            )
    else:
        ibm = np.tile(np.eye(4), (len(joint_nodes), 1, 1))
    mapping = _map_joints(names, name_map, skeleton, gf.path)

    pos_l, nrm_l, uv_l, jnt_l, wgt_l, idx_l, subs = [], [], [], [], [], [], []
    textures: list[np.ndarray] = []
    tex_slot: dict[int, int] = {}
    base = first = 0
    for node in nodes:
        if "mesh" not in node or node.get("skin") != skin_i:
            continue
        for pi, prim in enumerate(doc["meshes"][node["mesh"]].get("primitives", [])):
            where = f"meshes[{node['mesh']}].primitives[{pi}]"
            if prim.get("mode", 4) != 4:
                continue  # points/lines: not drawn
            attrs = prim.get("attributes", {})
            for required in ("POSITION", "JOINTS_0", "WEIGHTS_0"):
                if required not in attrs:
                    raise InputError(f"{gf.path}: {where}.attributes: missing {required}")
            p = gf.accessor(attrs["POSITION"]).astype(np.float32)
            idx = (
                gf.accessor(prim["indices"]).astype(np.uint32)
                if "indices" in prim
                else np.arange(len(p), dtype=np.uint32)
            )
            tris = idx.reshape(-1, 3)
            nr = (
                gf.accessor(attrs["NORMAL"]).astype(np.float32)
                if "NORMAL" in attrs
                else _vertex_normals(p, tris)
            )
            uv = (
                gf.accessor(attrs["TEXCOORD_0"]).astype(np.float32)
                if "TEXCOORD_0" in attrs
                else np.zeros((len(p), 2), np.float32)
            )
            jn = gf.accessor(attrs["JOINTS_0"]).astype(np.int32)
            wt = normalize_weights(gf.accessor(attrs["WEIGHTS_0"]))
            if jn.max(initial=0) >= len(joint_nodes):
                raise InputError(
                    f"{gf.path}: {where}: JOINTS_0 refers past the skin's {len(joint_nodes)} joints"
                )
            color, tex = _material(gf, prim.get("material"), textures, tex_slot)
            pos_l.append(p)
            nrm_l.append(nr)
            uv_l.append(uv)
            jnt_l.append(jn)
            wgt_l.append(wt)
            idx_l.append(tris + base)
            subs.append(Submesh(first, int(tris.size), color, tex))
            base += len(p)
            first += int(tris.size)
    if not pos_l:
        raise InputError(f"{gf.path}: no triangle mesh uses skins[{skin_i}]")
    mesh = SkinnedMesh(
        positions=np.concatenate(pos_l),
        normals=np.concatenate(nrm_l),
        joints=np.concatenate(jnt_l),
        weights=np.concatenate(wgt_l),
        indices=np.concatenate(idx_l),
        joint_names=names,
        parents=parents,
        local_bind=local,
        inverse_bind=ibm,
        skeleton_joint=mapping,
        uvs=np.concatenate(uv_l),
        submeshes=subs,
        textures=textures,
    )
    if order is not None:
        mesh = _reorder(mesh, order)
    return mesh


def _topological(parents: np.ndarray) -> np.ndarray | None:
    """A parents-first order of the skin joints, or None when already so."""
    if all(p < k for k, p in enumerate(parents)):
        return None
    order: list[int] = []
    placed: set[int] = set()
    while len(order) < len(parents):
        for k, p in enumerate(parents):
            if k not in placed and (p < 0 or p in placed):
                order.append(k)
                placed.add(k)
    return np.array(order)


def _reorder(mesh: SkinnedMesh, order: np.ndarray) -> SkinnedMesh:
    new_of_old = np.empty(len(order), np.int64)
    new_of_old[order] = np.arange(len(order))
    parents = np.array([new_of_old[mesh.parents[o]] if mesh.parents[o] >= 0 else -1 for o in order])
    return SkinnedMesh(
        positions=mesh.positions,
        normals=mesh.normals,
        joints=new_of_old[mesh.joints].astype(np.int32),
        weights=mesh.weights,
        indices=mesh.indices,
        joint_names=[mesh.joint_names[o] for o in order],
        parents=parents,
        local_bind=mesh.local_bind[order],
        inverse_bind=mesh.inverse_bind[order],
        skeleton_joint=mesh.skeleton_joint[order],
        uvs=mesh.uvs,
        submeshes=mesh.submeshes,
        textures=mesh.textures,
    )


def _material(gf: GltfFile, index: Any, textures: list, slots: dict[int, int]):
    if index is None:
        return None, -1
    mat = gf.doc["materials"][index]
    pbr = mat.get("pbrMetallicRoughness", {})
    color = tuple(float(c) for c in pbr.get("baseColorFactor", (1.0, 1.0, 1.0, 1.0)))
    tex = -1
    info = pbr.get("baseColorTexture")
    if info is not None:
        source = gf.doc["textures"][info["index"]].get("source")
        if source is not None:
            if source not in slots:
                slots[source] = len(textures)
                textures.append(gf.image(source))
            tex = slots[source]
    return color, tex


def _vertex_normals(p: np.ndarray, tris: np.ndarray) -> np.ndarray:
    fn = np.cross(p[tris[:, 1]] - p[tris[:, 0]], p[tris[:, 2]] - p[tris[:, 0]])
    n = np.zeros_like(p)
    for c in range(3):
        np.add.at(n, tris[:, c], fn)
    length = np.linalg.norm(n, axis=1, keepdims=True)
    return (n / np.where(length > 0, length, 1)).astype(np.float32)


def skeleton_from_gltf(
    path: str | Path, name_map: Mapping[str, str] | None = None, height_m: float | None = None
) -> Skeleton:
    """A previzkit skeleton (T pose) with the bone lengths of the glTF skin's bind pose.

    Mapped joints take the distances between the skin joints' bind positions; a skin
    bound in another pose (an A pose) is unbent to the T pose bone by bone (see
    :func:`~previzkit.render.skinning.bind_alignment`). Joints the file lacks keep
    previzkit's proportions, scaled by the file's hip height (the model keeps its own
    size; ``height_m`` is used only when the file has no hips).
    """
    gf = GltfFile(path)
    skin_i = _first_skin(gf)
    joint_nodes = gf.doc["skins"][skin_i].get("joints", [])
    names = [gf.doc["nodes"][n].get("name", f"node{n}") for n in joint_nodes]
    ref = default_skeleton()
    mapping = _map_joints(names, name_map, ref, gf.path)
    world = gf.node_world()
    found = {int(j): world[joint_nodes[k]][:3, 3] for k, j in enumerate(mapping) if j >= 0}
    if 0 in found and found[0][1] > 0:
        s = float(found[0][1]) / float(ref.offsets[0, 1])
    else:
        s = (height_m or ref.height_m) / ref.height_m
    base = default_skeleton(ref.height_m * s)
    # bind positions of every joint, and each bone's alignment (T rest -> bind direction)
    chain = base.chain_children()
    pos = np.zeros((base.num_joints, 3))
    align = np.tile(np.eye(3), (base.num_joints, 1, 1))
    for j, p in enumerate(base.parents):
        if j in found:
            pos[j] = found[j]
        else:
            pos[j] = base.offsets[j] if p < 0 else pos[p] + align[p] @ base.offsets[j]
        align[j] = align[p] if p >= 0 else np.eye(3)
        c = int(chain[j])
        if c >= 0 and c in found and j in found:
            align[j] = align_bone(align[j], base.tails[j], found[c] - pos[j])
    # the T-pose skeleton: bind offsets with the parent bone's alignment taken out
    offsets = pos.copy()
    for j, p in enumerate(base.parents):
        if p >= 0:
            offsets[j] = align[p].T @ (pos[j] - pos[p])
    tails = base.tails.copy()
    for j, c in enumerate(chain):
        if c >= 0:
            tails[j] = offsets[c]
    from dataclasses import replace

    rest = replace(base, offsets=offsets, tails=tails, _index={})
    top = float(rest.rest_tails()[base.index("head"), 1])
    return replace(base, offsets=offsets, tails=tails, height_m=top, _index={})

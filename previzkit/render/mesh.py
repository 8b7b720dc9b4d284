"""Mesh files (glTF/GLB/OBJ/PLY through trimesh) as flat arrays ready for GL.

A file becomes a list of :class:`MeshPart`: one per geometry instance in the file's
scene graph, with the node transform baked in, smooth normals split at creases,
and its material's base colour (and texture, if any). Units are the file's
(glTF: metres), y up.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from previzkit.core.errors import InputError, MissingFileError
from previzkit.core.optional import require

CREASE_ANGLE_DEG = 30.0  # edges sharper than this get split normals


@dataclass
class MeshPart:
    """Triangles of one material. Arrays are float32 / uint32, ready to upload."""

    positions: np.ndarray  # (N, 3) float32, metres
    normals: np.ndarray  # (N, 3) float32, unit
    indices: np.ndarray  # (M, 3) uint32
    uvs: np.ndarray | None = None  # (N, 2) float32, v up (glTF's v is flipped by trimesh)
    colors: np.ndarray | None = None  # (N, 4) float32 vertex colours, 0..1
    base_color: tuple[float, float, float, float] = (0.8, 0.8, 0.8, 1.0)
    texture: np.ndarray | None = None  # (H, W, 4) uint8, row 0 at the top

    @property
    def triangle_count(self) -> int:
        return len(self.indices)


def load_mesh(path: str | Path) -> list[MeshPart]:
    """Load a mesh file into parts; raises InputError naming the file when it cannot."""
    trimesh = require("trimesh", "render", "loading meshes")

    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"mesh file not found: {path}")
    try:
        scene = trimesh.load(str(path), force="scene")
    except Exception as exc:  # trimesh raises many types for bad files
        raise InputError(f"{path}: cannot read mesh: {exc}") from None
    parts: list[MeshPart] = []
    for node in scene.graph.nodes_geometry:
        transform, geom_name = scene.graph[node]
        geom = scene.geometry[geom_name]
        if not isinstance(geom, trimesh.Trimesh) or len(geom.faces) == 0:
            continue
        parts.append(mesh_part(geom, transform))
    if not parts:
        raise InputError(f"{path}: mesh file holds no triangles")
    return parts


def mesh_part(mesh, transform: np.ndarray | None = None) -> MeshPart:
    """One :class:`MeshPart` from a ``trimesh.Trimesh``, with ``transform`` (4x4) applied."""
    trimesh = require("trimesh", "render", "loading meshes")

    if not mesh.is_winding_consistent:  # shading is two-sided by winding: make it agree
        mesh = mesh.copy()
        trimesh.repair.fix_winding(mesh)
    if "vertex_normals" not in mesh._cache.cache:
        mesh = trimesh.graph.smooth_shade(mesh, angle=math.radians(CREASE_ANGLE_DEG))
    positions = np.asarray(mesh.vertices, dtype=np.float64)
    normals = np.asarray(mesh.vertex_normals, dtype=np.float64)
    if transform is not None and not np.allclose(transform, np.eye(4)):
        positions = positions @ transform[:3, :3].T + transform[:3, 3]
        normal_m = np.linalg.inv(transform[:3, :3]).T
        normals = normals @ normal_m.T
        normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    faces = np.asarray(mesh.faces, dtype=np.uint32)
    if transform is not None and np.linalg.det(transform[:3, :3]) < 0:
        faces = faces[:, ::-1]  # a mirroring node transform flips the winding back
    part = MeshPart(
        positions=positions.astype(np.float32),
        normals=normals.astype(np.float32),
        indices=np.ascontiguousarray(faces),
    )
    _apply_visual(part, mesh.visual)
    return part


def _apply_visual(part: MeshPart, visual) -> None:
    kind = getattr(visual, "kind", None)
    if kind == "texture":
        material = visual.material
        uv = getattr(visual, "uv", None)
        if uv is not None and len(uv) == len(part.positions):
            part.uvs = np.asarray(uv, dtype=np.float32)
        image = getattr(material, "baseColorTexture", None) or getattr(material, "image", None)
        if image is not None and part.uvs is not None:
            part.texture = np.asarray(image.convert("RGBA"), dtype=np.uint8)
        factor = getattr(material, "baseColorFactor", None)
        if factor is None:
            factor = getattr(material, "diffuse", None)
        if factor is not None:
            f = np.asarray(factor, dtype=np.float64).ravel()
            if f.max() > 1.0:
                f = f / 255.0
            if len(f) == 3:
                f = np.r_[f, 1.0]
            part.base_color = tuple(float(c) for c in f[:4])  # type: ignore[assignment]
    elif kind == "vertex":
        part.colors = np.asarray(visual.vertex_colors, dtype=np.float32) / 255.0
    elif kind == "face":
        fc = np.asarray(visual.face_colors, dtype=np.float32) / 255.0
        if len(np.unique(fc, axis=0)) == 1:
            part.base_color = tuple(float(c) for c in fc[0])  # type: ignore[assignment]
        else:  # per-face colours: unshare vertices so each face keeps its colour
            idx = part.indices.ravel()
            part.positions = part.positions[idx]
            part.normals = part.normals[idx]
            part.colors = np.repeat(fc, 3, axis=0)
            part.indices = np.arange(len(idx), dtype=np.uint32).reshape(-1, 3)

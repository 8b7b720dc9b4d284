"""Kit parts: parametric stand-in architecture as meshes, built at size.

``wall``, ``floor``, ``ceiling``, ``door``, ``window``, ``stairs``, ``railing`` and
``column`` each return a ``trimesh.Trimesh`` in metres (right-handed, y up) with its
origin on the floor at the centre of its footprint; walls, railings, doors and windows
run along x, thin in z. Parameters are checked by
:func:`previzkit.model.kitparts.check_kit` (an InputError names the bad one).

Rectilinear parts are unions of grid cells (:func:`grid_solid`): trimesh's booleans
need manifold3d, which the project does not keep, and a cell grid gives exact cut-outs
that are watertight with outward normals. Round columns are trimesh cylinders.
:func:`build_parts` turns a :class:`~previzkit.model.kitparts.KitDef` into coloured
:class:`~previzkit.render.mesh.MeshPart` lists for the renderer (a wall's openings get
their door or window), with flat normals and box-projected UVs in metres.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from previzkit.core.optional import require
from previzkit.model.kitparts import KitDef, OpeningDef, check_kit
from previzkit.render.mesh import MeshPart, mesh_part

DEFAULT_COLORS: dict[str, tuple[float, float, float]] = {
    "wall": (0.72, 0.7, 0.66),
    "floor": (0.45, 0.43, 0.4),
    "ceiling": (0.6, 0.6, 0.6),
    "door": (0.42, 0.32, 0.24),
    "window": (0.85, 0.85, 0.82),
    "stairs": (0.55, 0.54, 0.52),
    "railing": (0.3, 0.31, 0.33),
    "column": (0.6, 0.6, 0.62),
}
GLASS_COLOR = (0.2, 0.25, 0.3)
TRIM_PROUD_M = 0.01  # a door or window frame in a wall stands this proud of each face
LEAF_THICKNESS_M = 0.04


def _trimesh() -> Any:
    return require("trimesh", "render", "kit parts")


# --- the cell grid ------------------------------------------------------------------


def grid_solid(
    xs: Sequence[float], ys: Sequence[float], zs: Sequence[float], filled: np.ndarray
) -> Any:
    """The union of the filled cells of a grid as one watertight ``Trimesh``.

    ``xs``, ``ys``, ``zs``: increasing cell boundaries (metres); ``filled[i, j, k]``
    is cell ``[xs[i], xs[i+1]] x [ys[j], ys[j+1]] x [zs[k], zs[k+1]]``. Only faces
    between a filled and an empty cell are made, wound outward. Filled cells must
    not touch along an edge only (that edge would be non-manifold)."""
    trimesh = _trimesh()
    axes = [np.asarray(a, dtype=np.float64) for a in (xs, ys, zs)]
    fill = np.asarray(filled, dtype=bool)
    shape = tuple(len(a) - 1 for a in axes)
    if fill.shape != shape:
        raise ValueError(f"filled has shape {fill.shape}, the grid {shape}")
    padded = np.pad(fill, 1)
    npts = np.array([len(a) for a in axes])

    def vid(i: np.ndarray, j: np.ndarray, k: np.ndarray) -> np.ndarray:
        return (i * npts[1] + j) * npts[2] + k

    quads = []
    cells = np.argwhere(fill)
    for axis in range(3):
        step = np.zeros(3, dtype=int)
        step[axis] = 1
        a1, a2 = (axis + 1) % 3, (axis + 2) % 3
        for sign in (1, -1):
            nb = cells + 1 + sign * step  # the neighbour in the padded grid
            faces = cells[~padded[nb[:, 0], nb[:, 1], nb[:, 2]]]
            if not len(faces):
                continue
            base = faces.copy()
            if sign > 0:
                base[:, axis] += 1
            corners = []
            for d1, d2 in ((0, 0), (1, 0), (1, 1), (0, 1)):
                c = base.copy()
                c[:, a1] += d1
                c[:, a2] += d2
                corners.append(vid(c[:, 0], c[:, 1], c[:, 2]))
            q = np.stack(corners, axis=1)
            quads.append(q if sign > 0 else q[:, ::-1])
    q = np.concatenate(quads)
    tris = np.concatenate([q[:, [0, 1, 2]], q[:, [0, 2, 3]]])
    gi, gj, gk = np.meshgrid(*axes, indexing="ij")
    verts = np.stack([gi.ravel(), gj.ravel(), gk.ravel()], axis=1)
    mesh = trimesh.Trimesh(verts, tris, process=False)
    mesh.remove_unreferenced_vertices()
    return mesh


def _solid_2d(
    us: Sequence[float],
    vs: Sequence[float],
    filled: np.ndarray,
    lo: float,
    hi: float,
    plane: str = "xy",
) -> Any:
    """A 2D cell pattern extruded from ``lo`` to ``hi``: ``plane`` 'xy' extrudes along
    z (u = x, v = y), 'zy' along x (u = z, v = y)."""
    f = np.asarray(filled, dtype=bool)
    if plane == "xy":
        return grid_solid(us, vs, [lo, hi], f[:, :, None])
    return grid_solid([lo, hi], vs, us, f.T[None, :, :])


def _cuts(edges: Sequence[float]) -> list[float]:
    return sorted({round(float(e), 9) for e in edges})


def _cells(us: list[float], vs: list[float], rects: list[tuple[float, float, float, float]]):
    """Cells of the ``us`` x ``vs`` grid inside any of ``rects`` (u0, u1, v0, v1)."""
    uc = (np.asarray(us[:-1]) + np.asarray(us[1:])) / 2
    vc = (np.asarray(vs[:-1]) + np.asarray(vs[1:])) / 2
    uu, vv = np.meshgrid(uc, vc, indexing="ij")
    out = np.zeros(uu.shape, dtype=bool)
    for u0, u1, v0, v1 in rects:
        out |= (uu > u0) & (uu < u1) & (vv > v0) & (vv < v1)
    return out


def _box(extents: Sequence[float], centre: Sequence[float]) -> Any:
    box = _trimesh().creation.box(extents=extents)
    box.apply_translation(centre)
    return box


# --- the parts ----------------------------------------------------------------------


def wall(length: float, height: float, thickness: float = 0.2, openings: Sequence[Any] = ()) -> Any:
    """A wall along x, ``length`` x ``height`` x ``thickness`` m, from z = -t/2 to +t/2,
    with rectangular ``openings`` (:class:`OpeningDef` or mappings {type, x, width,
    height, sill}) cut through. Watertight."""
    v = check_kit(
        "wall", {"length": length, "height": height, "thickness": thickness, "openings": openings}
    ).kwargs()
    half, h, t = v["length"] / 2, v["height"], v["thickness"]
    ops: tuple[OpeningDef, ...] = v["openings"]
    us = _cuts([-half, half, *[e for o in ops for e in (o.x - o.width / 2, o.x + o.width / 2)]])
    vs = _cuts([0.0, h, *[e for o in ops for e in (o.sill, o.sill + o.height)]])
    holes = [(o.x - o.width / 2, o.x + o.width / 2, o.sill, o.sill + o.height) for o in ops]
    filled = ~_cells(us, vs, holes)
    return _solid_2d(us, vs, filled, -t / 2, t / 2)


def floor(width: float, depth: float, thickness: float = 0.1, level: float | None = None) -> Any:
    """A slab ``width`` (x) by ``depth`` (z) whose top is at ``level`` m (default: its
    ``thickness``, a platform standing on the floor). Watertight."""
    v = check_kit(
        "floor", {"width": width, "depth": depth, "thickness": thickness, "level": level}
    ).kwargs()
    t = v["thickness"]
    return _box((v["width"], t, v["depth"]), (0.0, v["level"] - t / 2, 0.0))


def ceiling(width: float, depth: float, level: float, thickness: float = 0.2) -> Any:
    """A slab ``width`` (x) by ``depth`` (z) whose underside is ``level`` m above the
    floor. Watertight."""
    v = check_kit(
        "ceiling", {"width": width, "depth": depth, "level": level, "thickness": thickness}
    ).kwargs()
    t = v["thickness"]
    return _box((v["width"], t, v["depth"]), (0.0, v["level"] + t / 2, 0.0))


def door_frame(width: float, height: float, depth: float, frame: float) -> Any:
    """A door's frame: jambs and head, open at the floor, ``depth`` along z."""
    half = width / 2
    us = _cuts([-half, -half + frame, half - frame, half])
    vs = _cuts([0.0, height - frame, height])
    filled = ~_cells(us, vs, [(-half + frame, half - frame, -1.0, height - frame)])
    return _solid_2d(us, vs, filled, -depth / 2, depth / 2)


def door_leaf(width: float, height: float, frame: float, ajar: float) -> Any:
    """A door's leaf filling its frame, hinged at the frame's -x jamb, swung ``ajar``
    degrees (positive opens toward +z)."""
    trimesh = _trimesh()
    w, h = width - 2 * frame, height - frame
    leaf = _box((w, h, LEAF_THICKNESS_M), (w / 2, h / 2, 0.0))
    leaf.apply_transform(trimesh.transformations.rotation_matrix(-math.radians(ajar), [0, 1, 0]))
    leaf.apply_translation((-width / 2 + frame, 0.0, 0.0))
    return leaf


def door(
    width: float = 0.9,
    height: float = 2.1,
    depth: float = 0.12,
    frame: float = 0.06,
    ajar: float = 0.0,
) -> Any:
    """A door: frame (``frame`` m members, ``depth`` m deep) and leaf, ``width`` x
    ``height`` m, the leaf ``ajar`` degrees about its hinge at -x. Two watertight bodies."""
    v = check_kit(
        "door", {"width": width, "height": height, "depth": depth, "frame": frame, "ajar": ajar}
    ).kwargs()
    parts = _door_bodies(v["width"], v["height"], v["depth"], v["frame"], v["ajar"])
    return _trimesh().util.concatenate(parts)


def _door_bodies(w: float, h: float, d: float, f: float, ajar: float) -> list[Any]:
    return [door_frame(w, h, d, f), door_leaf(w, h, f, ajar)]


def window(
    width: float = 1.2,
    height: float = 1.2,
    depth: float = 0.1,
    frame: float = 0.06,
    mullions: int = 1,
    transoms: int = 0,
    glass: bool = False,
) -> Any:
    """A window: a frame of ``frame`` m members with ``mullions`` vertical and
    ``transoms`` horizontal bars, ``width`` x ``height`` x ``depth`` m, its bottom at
    y = 0; ``glass`` adds a thin pane. Watertight (frame and pane each)."""
    v = check_kit(
        "window",
        {
            "width": width,
            "height": height,
            "depth": depth,
            "frame": frame,
            "mullions": mullions,
            "transoms": transoms,
            "glass": glass,
        },
    ).kwargs()
    bodies = _window_bodies(**v)
    return _trimesh().util.concatenate(bodies)


def _window_bodies(
    width: float,
    height: float,
    depth: float,
    frame: float,
    mullions: int,
    transoms: int,
    glass: bool,
) -> list[Any]:
    half, f = width / 2, frame
    bar = f * 0.6
    inner_w, inner_h = width - 2 * f, height - 2 * f
    mx = [-half + f + inner_w * (i + 1) / (mullions + 1) for i in range(mullions)]
    ty = [f + inner_h * (i + 1) / (transoms + 1) for i in range(transoms)]
    us = _cuts([-half, -half + f, half - f, half, *[x + s * bar / 2 for x in mx for s in (-1, 1)]])
    vs = _cuts([0.0, f, height - f, height, *[y + s * bar / 2 for y in ty for s in (-1, 1)]])
    solid = [(-half, half, 0.0, f), (-half, half, height - f, height)]
    solid += [(-half, -half + f, 0.0, height), (half - f, half, 0.0, height)]
    solid += [(x - bar / 2, x + bar / 2, 0.0, height) for x in mx]
    solid += [(-half, half, y - bar / 2, y + bar / 2) for y in ty]
    bodies = [_solid_2d(us, vs, _cells(us, vs, solid), -depth / 2, depth / 2)]
    if glass:
        bodies.append(_box((inner_w, inner_h, 0.006), (0.0, height / 2, 0.0)))
    return bodies


def stairs(width: float, rise: float, run: float, steps: int) -> Any:
    """A solid flight of ``steps`` steps, ``width`` (x) by ``run`` (z) by ``rise`` (y)
    m: the first riser at z = +run/2, climbing toward -z; tread k (1..steps) is at
    y = k * rise / steps and runs ``run / steps`` m. Watertight."""
    v = check_kit("stairs", {"width": width, "rise": rise, "run": run, "steps": steps}).kwargs()
    n, d = v["steps"], v["run"] / v["steps"]
    half_run = v["run"] / 2
    zs = [-half_run + d * i for i in range(n + 1)]  # increasing z: the top step first
    ys = [v["rise"] * i / n for i in range(n + 1)]
    # profile cell (iz, iy): filled below the tread of the step over iz
    iz, iy = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    filled = iy < (n - iz)
    return _solid_2d(zs, ys, filled, -v["width"] / 2, v["width"] / 2, plane="zy")


def railing(
    length: float,
    height: float = 1.0,
    post_spacing: float = 1.2,
    post: float = 0.05,
    rails: int = 1,
) -> Any:
    """A railing along x: posts of ``post`` m section at both ends and at most
    ``post_spacing`` m apart, a top rail at ``height`` m and ``rails`` rails below it.
    One watertight solid, ``post`` m deep."""
    v = check_kit(
        "railing",
        {
            "length": length,
            "height": height,
            "post_spacing": post_spacing,
            "post": post,
            "rails": rails,
        },
    ).kwargs()
    half, h, p = v["length"] / 2, v["height"], v["post"]
    n = max(1, math.ceil((v["length"] - p) / v["post_spacing"] - 1e-9))
    centres = [-half + p / 2 + (v["length"] - p) * i / n for i in range(n + 1)]
    rail_ys = [h * (i + 1) / (v["rails"] + 1) for i in range(v["rails"])]
    rects = [(c - p / 2, c + p / 2, 0.0, h) for c in centres]
    rects.append((-half, half, h - p, h))
    rects += [(-half, half, y - p / 4, y + p / 4) for y in rail_ys]
    us = _cuts([e for r in rects for e in r[:2]])
    vs = _cuts([e for r in rects for e in r[2:]])
    return _solid_2d(us, vs, _cells(us, vs, rects), -p / 2, p / 2)


def column(
    height: float, radius: float | None = None, side: float | None = None, sides: int = 24
) -> Any:
    """A column ``height`` m tall standing on the floor: round (``radius`` m, ``sides``
    facets) or square (``side`` m). Watertight."""
    v = check_kit(
        "column", {"height": height, "radius": radius, "side": side, "sides": sides}
    ).kwargs()
    h = v["height"]
    if v["side"] is not None:
        return _box((v["side"], h, v["side"]), (0.0, h / 2, 0.0))
    trimesh = _trimesh()
    cyl = trimesh.creation.cylinder(radius=v["radius"], height=h, sections=v["sides"])
    cyl.apply_transform(trimesh.transformations.rotation_matrix(-math.pi / 2, [1, 0, 0]))
    cyl.apply_translation((0.0, h / 2, 0.0))
    return cyl


BUILDERS: dict[str, Callable[..., Any]] = {
    "wall": wall,
    "floor": floor,
    "ceiling": ceiling,
    "door": door,
    "window": window,
    "stairs": stairs,
    "railing": railing,
    "column": column,
}


def build(kit: KitDef) -> Any:
    """The part's bare mesh (a wall without its doors and windows), one ``Trimesh``."""
    return BUILDERS[kit.part](**kit.kwargs())


# --- for the renderer ---------------------------------------------------------------


def build_parts(kit: KitDef, color: Sequence[float] | None = None) -> list[MeshPart]:
    """Render-ready parts of ``kit`` in ``color`` (default: the part's own): a wall
    with a door or window in each filled opening (frames at 0.7 of the wall's colour,
    a door's leaf at 0.85), a lone door's leaf at 0.7 of its frame's, glass dark."""
    main = tuple(float(c) for c in (color if color is not None else DEFAULT_COLORS[kit.part]))
    trim = tuple(c * 0.7 for c in main)
    leaf = trim
    v = kit.kwargs()
    coloured: list[tuple[Any, tuple[float, ...]]] = []
    if kit.part == "wall":
        coloured.append((build(kit), main))
        depth = v["thickness"] + 2 * TRIM_PROUD_M
        for o in v["openings"]:
            if not o.fill:
                continue
            f = min(0.06, o.width / 4, o.height / 4)
            if o.type == "door":
                fr, lf = _door_bodies(o.width, o.height, depth, f, o.ajar)
                bodies = [(fr, trim), (lf, tuple(c * 0.85 for c in main))]
            else:
                ws = _window_bodies(o.width, o.height, depth, f, o.mullions, 0, True)
                bodies = [(ws[0], trim), (ws[1], GLASS_COLOR)]
            for mesh, rgb in bodies:
                mesh.apply_translation((o.x, o.sill, 0.0))
                coloured.append((mesh, rgb))
    elif kit.part == "door":
        fr, lf = _door_bodies(v["width"], v["height"], v["depth"], v["frame"], v["ajar"])
        coloured += [(fr, main), (lf, leaf)]
    elif kit.part == "window":
        bodies = _window_bodies(**v)
        coloured.append((bodies[0], main))
        if len(bodies) > 1:
            coloured.append((bodies[1], GLASS_COLOR))
    else:
        coloured.append((build(kit), main))
    return [_part(mesh, rgb) for mesh, rgb in coloured]


def _part(mesh: Any, rgb: Sequence[float]) -> MeshPart:
    """A MeshPart with creased normals and UVs projected along each vertex's normal's
    main axis, one unit per metre."""
    part = mesh_part(mesh)
    n = np.abs(part.normals)
    axis = np.argmax(n, axis=1)
    p = part.positions
    uv = np.where(
        (axis == 0)[:, None],
        p[:, [2, 1]],
        np.where((axis == 1)[:, None], p[:, [0, 2]], p[:, [0, 1]]),
    )
    part.uvs = np.ascontiguousarray(uv, dtype=np.float32)
    part.base_color = (float(rgb[0]), float(rgb[1]), float(rgb[2]), 1.0)
    return part


__all__ = [
    "BUILDERS",
    "build",
    "build_parts",
    "ceiling",
    "column",
    "door",
    "floor",
    "grid_solid",
    "railing",
    "stairs",
    "wall",
    "window",
]

"""Stand-in sets: a set for a location that has none, built from a kit of parts.

The kit (:data:`PARTS`) is a handful of box meshes, each written once as a ``.glb``
(:func:`write_kit`): ``floor`` and ``wall`` are 1 m unit boxes, scaled per use and
tinted by the set file; ``door``, ``window``, ``table``, ``chair`` and ``steps`` are
real-sized and carry their own colours. :func:`standin_data` lays them out (pure):

- INT: a room 8 m wide and 7 m deep, walls 3 m high on three sides (the fourth side,
  toward +z where the cameras stand, is open as on a stage), a door and a window in
  the back wall, a window in the left wall, a table with two chairs on a floor rug;
- EXT: open ground with the sky, a house front 5 m back with a door up three steps
  and a window, a table with two chairs on paving.

Marks for the cast stand in front (A left, B right, the rest in an arc behind them),
so the coverage cameras (:mod:`previzkit.production.coverage`) see them clear of the
walls. Frames: metres, y up, floor y = 0; a part with yaw 0 faces +z.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from previzkit.core.errors import InputError

PARTS = ("floor", "wall", "door", "window", "table", "chair", "steps")
KIT_DIR = "kit"
INT_KINDS = frozenset({"INT", "I"})  # INT/EXT and EST count as exteriors
ROOM = (8.0, 7.0, 3.0)  # INT width (x), depth (z), wall height, metres
BACK_Z = -4.0  # INT back wall / EXT house front, z (m)
WALL_T = 0.15  # wall thickness (m)
_MARK_SLOTS = (
    (-1.2, 0.0),
    (1.2, 0.0),
    (0.0, -1.3),
    (-2.3, -0.9),
    (2.3, -0.9),
    (-3.2, 0.3),
    (3.2, 0.3),
)
MARK_COLORS = (
    (1.0, 0.78, 0.1),
    (0.2, 0.8, 1.0),
    (0.5, 0.9, 0.3),
    (0.95, 0.4, 0.8),
    (1.0, 0.5, 0.2),
    (0.6, 0.5, 1.0),
)

_Box = tuple[tuple[float, float, float], tuple[float, float, float], tuple[int, int, int] | None]


def _part_boxes() -> dict[str, list[_Box]]:
    """Each part as boxes: (extents, centre, RGB 0..255 or None for a tintable part)."""
    wood, dark, brass = (120, 82, 50), (70, 48, 30), (200, 170, 60)
    white, glass, stone = (235, 232, 225), (150, 190, 215), (150, 145, 138)
    legs = [
        ((0.06, 0.73, 0.06), (sx * 0.62, 0.365, sz * 0.32), dark)
        for sx in (-1, 1)
        for sz in (-1, 1)
    ]
    chair_legs = [
        ((0.04, 0.45, 0.04), (sx * 0.19, 0.225, sz * 0.19), dark)
        for sx in (-1, 1)
        for sz in (-1, 1)
    ]
    return {
        "floor": [((1.0, 0.004, 1.0), (0.0, 0.002, 0.0), None)],
        "wall": [((1.0, 1.0, 1.0), (0.0, 0.5, 0.0), None)],
        "door": [
            ((1.1, 2.2, 0.06), (0.0, 1.1, 0.0), white),  # frame
            ((0.9, 2.05, 0.05), (0.0, 1.025, 0.03), wood),  # leaf
            ((0.1, 0.04, 0.06), (0.32, 1.0, 0.07), brass),  # handle
        ],
        "window": [
            ((1.3, 0.08, 0.14), (0.0, 0.94, 0.04), white),  # sill
            ((1.2, 0.06, 0.06), (0.0, 2.07, 0.0), white),  # head
            ((0.06, 1.1, 0.06), (-0.57, 1.5, 0.0), white),  # jambs
            ((0.06, 1.1, 0.06), (0.57, 1.5, 0.0), white),
            ((0.04, 1.1, 0.05), (0.0, 1.5, 0.0), white),  # mullion
            ((1.1, 1.08, 0.02), (0.0, 1.5, -0.01), glass),
        ],
        "table": [((1.4, 0.05, 0.8), (0.0, 0.755, 0.0), wood), *legs],
        "chair": [
            ((0.45, 0.05, 0.45), (0.0, 0.475, 0.0), wood),
            ((0.45, 0.5, 0.05), (0.0, 0.75, -0.2), wood),  # back: the chair faces +z
            *chair_legs,
        ],
        "steps": [  # three 0.17 m risers, 0.3 m treads, climbing toward -z
            ((1.4, 0.17 * (k + 1), 0.3), (0.0, 0.085 * (k + 1), 0.3 - 0.3 * k), stone)
            for k in range(3)
        ],
    }


def write_kit(folder: str | Path) -> dict[str, Path]:
    """Write the kit's parts as ``<folder>/<part>.glb`` (each once: an existing file is
    kept); returns part -> path."""
    import trimesh

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, boxes in _part_boxes().items():
        path = folder / f"{name}.glb"
        out[name] = path
        if path.is_file():
            continue
        scene = trimesh.Scene()
        for i, (extents, centre, rgb) in enumerate(boxes):
            box = trimesh.creation.box(extents=extents)
            box.apply_translation(centre)
            if rgb is not None:
                box.visual.face_colors = [*rgb, 255]
            scene.add_geometry(box, geom_name=f"{name}_{i}")
        tmp = path.with_suffix(".tmp.glb")
        scene.export(str(tmp))
        tmp.replace(path)
    return out


def is_interior(int_ext: str) -> bool:
    """``INT`` (and ``I``) scenes get a room; everything else open ground."""
    return int_ext.upper().strip(". ") in INT_KINDS


def mark_positions(n: int) -> list[tuple[float, float]]:
    """``n`` floor marks (x, z), metres: A and B 2.4 m apart facing the cameras (+z),
    then C behind them, D and E behind to each side, F and G beside A and B, the
    rest in a row in front."""
    out = list(_MARK_SLOTS[:n])
    for k in range(len(out), n):
        out.append((-2.4 + 1.2 * (k - len(_MARK_SLOTS)), 1.4))
    return out


def _prop(name: str, part: str, pos: tuple[float, float, float], **kw: Any) -> dict[str, Any]:
    d: dict[str, Any] = {"name": name, "mesh": f"{KIT_DIR}/{part}.glb", "position": list(pos)}
    if kw.get("yaw"):
        d["rotation"] = {"yaw": kw["yaw"]}
    if "scale" in kw:
        d["scale"] = list(kw["scale"])
    if "color" in kw:
        d["color"] = list(kw["color"])
    return d


def _furniture(x: float, z: float, floor_color: tuple[float, float, float]) -> list[dict[str, Any]]:
    """A table with a chair at each end on a floor patch, centred at (x, z)."""
    return [
        _prop("floor", "floor", (x, 0.0, z), scale=(3.2, 1.0, 2.2), color=floor_color),
        _prop("table", "table", (x, 0.0, z)),
        _prop("chair_left", "chair", (x - 1.0, 0.0, z), yaw=90.0),
        _prop("chair_right", "chair", (x + 1.0, 0.0, z), yaw=-90.0),
    ]


def standin_data(
    location: str,
    int_ext: str,
    marks: int,
    sky_image: Path | None = None,
) -> dict[str, Any]:
    """The set file (a dict for :func:`previzkit.model.setfile.parse_set`, parts under
    ``kit/`` beside it) for ``location``: a room for INT, open ground for EXT, with
    ``marks`` marks (at least 2). ``sky_image``: an equirect panorama for exteriors."""
    if not location.strip():
        raise InputError("stand-in set: the location is empty")
    n = max(int(marks), 2)
    interior = is_interior(int_ext)
    w, d, h = ROOM
    if interior:
        wall = (0.78, 0.74, 0.66)
        props = [
            _prop("wall_back", "wall", (0.0, 0.0, BACK_Z), scale=(w, h, WALL_T), color=wall),
            _prop(
                "wall_left", "wall", (-w / 2, 0.0, BACK_Z + d / 2), scale=(WALL_T, h, d), color=wall
            ),
            _prop(
                "wall_right", "wall", (w / 2, 0.0, BACK_Z + d / 2), scale=(WALL_T, h, d), color=wall
            ),
            _prop("door", "door", (2.3, 0.0, BACK_Z + WALL_T / 2 + 0.03)),
            _prop("window", "window", (-2.0, 0.0, BACK_Z + WALL_T / 2 + 0.03)),
            _prop("window_left", "window", (-w / 2 + WALL_T / 2 + 0.03, 0.0, -1.0), yaw=90.0),
            *_furniture(0.0, -3.0, (0.45, 0.2, 0.16)),
        ]
        stage: dict[str, Any] = {"width": w + 2, "depth": d + 4, "grid": 0.5}
        stage |= {"floor_color": [0.45, 0.34, 0.24], "grid_color": [0.5, 0.38, 0.27]}
        lights = [
            {"type": "directional", "direction": [-0.3, -1.0, -0.5], "intensity": 0.8},
            {"type": "directional", "direction": [0.5, -0.5, -0.4], "intensity": 0.25},
            {"type": "ambient", "color": [0.36, 0.34, 0.32]},
        ]
        background: dict[str, Any] = {"color": [0.08, 0.08, 0.1]}
    else:
        step_top = 0.51
        front = BACK_Z - 1.0
        props = [
            _prop(
                "house", "wall", (0.0, 0.0, front), scale=(12.0, 4.5, 0.3), color=(0.7, 0.6, 0.5)
            ),
            _prop("door", "door", (1.5, step_top, front + 0.18)),
            _prop("steps", "steps", (1.5, 0.0, front + 0.5)),
            _prop("window", "window", (-2.0, 0.2, front + 0.18)),
            *_furniture(-3.6, -2.6, (0.55, 0.55, 0.55)),
        ]
        stage = {"width": 16, "depth": 16, "grid": 0.0}
        stage["floor_color"] = [0.36, 0.42, 0.3]
        lights = [
            {"type": "directional", "direction": [-0.45, -1.0, -0.35], "intensity": 0.9},
            {"type": "ambient", "color": [0.34, 0.36, 0.42]},
        ]
        background = {"image": str(sky_image)} if sky_image is not None else {}
    return {
        "name": f"{location} (stand-in)",
        "stage": stage,
        "lights": lights,
        "background": background,
        "marks": {
            chr(ord("A") + i) if i < 26 else f"M{i}": {
                "position": list(p),
                "color": list(MARK_COLORS[i % len(MARK_COLORS)]),
            }
            for i, p in enumerate(mark_positions(n))
        },
        "props": props,
        "cameras": {
            "wide": {
                "lens": {"focal_mm": 24, "sensor": "full_frame", "focus_m": 8.0},
                "position": [0.0, 1.8, 7.5],
                "target": [0.0, 1.0, -1.0],
            }
        },
        "default_camera": "wide",
    }


def write_standin(
    folder: str | Path,
    name: str,
    location: str,
    int_ext: str,
    marks: int,
    sky_image: Path | None = None,
) -> Path:
    """Write the stand-in set for ``location`` as ``<folder>/<name>.yaml`` (the kit
    under ``<folder>/kit/``), check it reads back, and return its path."""
    import yaml

    from previzkit.model.setfile import load_set

    folder = Path(folder)
    write_kit(folder / KIT_DIR)
    data = standin_data(location, int_ext, marks, sky_image)
    path = folder / f"{name}.yaml"
    tmp = path.with_suffix(".yaml.tmp")
    head = f"# stand-in set for {location} ({int_ext}), made by previzkit previz: edit freely\n"
    tmp.write_text(head + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    tmp.replace(path)
    load_set(path)  # what we wrote must read back
    return path


def kit_paths(folder: str | Path) -> Mapping[str, Path]:
    """Where :func:`write_kit` puts each part under ``folder``."""
    return {p: Path(folder) / KIT_DIR / f"{p}.glb" for p in PARTS}


__all__ = [
    "PARTS",
    "is_interior",
    "kit_paths",
    "mark_positions",
    "standin_data",
    "write_kit",
    "write_standin",
]

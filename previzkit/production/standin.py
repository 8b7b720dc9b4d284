"""Stand-in sets: a set for a location that has none, built from the set files'
kit of parts (``kit: wall`` with its door and window openings, ``floor``,
``stairs``: :mod:`previzkit.model.kitparts`) plus furniture (:data:`FURNITURE`,
box meshes with their own colours, each written once as a ``.glb`` by
:func:`write_furniture`). :func:`standin_data` lays them out (pure):

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

FURNITURE = ("table", "chair")
FURNITURE_DIR = "furniture"
INT_KINDS = frozenset({"INT", "I"})  # INT/EXT and EST count as exteriors
ROOM = (8.0, 7.0, 3.0)  # INT width (x), depth (z), wall height, metres
BACK_Z = -4.0  # INT back wall / EXT house front, z (m)
WALL_T = 0.15  # wall thickness (m)
LEFT_WINDOW_Z = -1.0  # INT left wall's window centre, z (m)
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


def _furniture_boxes() -> dict[str, list[_Box]]:
    """Each piece of furniture as boxes: (extents, centre, RGB 0..255 or None for a tintable part)."""
    wood, dark = (120, 82, 50), (70, 48, 30)
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
        "table": [((1.4, 0.05, 0.8), (0.0, 0.755, 0.0), wood), *legs],
        "chair": [
            ((0.45, 0.05, 0.45), (0.0, 0.475, 0.0), wood),
            ((0.45, 0.5, 0.05), (0.0, 0.75, -0.2), wood),  # back: the chair faces +z
            *chair_legs,
        ],
    }


def write_furniture(folder: str | Path) -> dict[str, Path]:
    """Write the furniture as ``<folder>/<piece>.glb`` (each once: an existing file is
    kept); returns piece -> path."""
    import trimesh

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for name, boxes in _furniture_boxes().items():
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
    """A furniture prop (its ``.glb``), placed and turned ``yaw`` degrees about +y."""
    d: dict[str, Any] = {"name": name, "mesh": f"{FURNITURE_DIR}/{part}.glb", "position": list(pos)}
    if kw.get("yaw"):
        d["rotation"] = {"yaw": kw["yaw"]}
    return d


def _kit(
    name: str, part: str, pos: tuple[float, float, float], yaw: float = 0.0, **params: Any
) -> dict[str, Any]:
    """A kit part (``kit: PART`` and its parameters), placed and turned ``yaw`` degrees."""
    d: dict[str, Any] = {"name": name, "kit": part, "position": list(pos), **params}
    if yaw:
        d["rotation"] = {"yaw": yaw}
    return d


DOOR_W, DOOR_H = 1.0, 2.1  # a door part and the wall opening it stands in (m)
WINDOW_W, WINDOW_H, WINDOW_SILL = 1.2, 1.1, 0.95
# the openings are bare: the door and window are props of their own (an insert of
# "the door" frames the prop ``door``)
DOOR = {"type": "door", "width": DOOR_W, "height": DOOR_H, "fill": False}
WINDOW = {"type": "window", "width": WINDOW_W, "height": WINDOW_H, "fill": False}


def _door(x: float, sill: float, z: float) -> dict[str, Any]:
    return _kit("door", "door", (x, sill, z), width=DOOR_W, height=DOOR_H)


def _window(name: str, pos: tuple[float, float, float], yaw: float = 0.0) -> dict[str, Any]:
    return _kit(name, "window", pos, yaw=yaw, width=WINDOW_W, height=WINDOW_H)


def _furniture(x: float, z: float, floor_color: tuple[float, float, float]) -> list[dict[str, Any]]:
    """A table with a chair at each end on a floor patch, centred at (x, z)."""
    return [
        _kit(
            "floor",
            "floor",
            (x, 0.0, z),
            width=3.2,
            depth=2.2,
            thickness=0.01,
            color=list(floor_color),
        ),
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
    """The set file (a dict for :func:`previzkit.model.setfile.parse_set`, furniture
    under ``furniture/`` beside it) for ``location``: a room for INT, open ground for EXT, with
    ``marks`` marks (at least 2). ``sky_image``: an equirect panorama for exteriors."""
    if not location.strip():
        raise InputError("stand-in set: the location is empty")
    n = max(int(marks), 2)
    interior = is_interior(int_ext)
    w, d, h = ROOM
    if interior:
        wall = [0.78, 0.74, 0.66]
        side = {"length": d, "height": h, "thickness": WALL_T, "color": wall}
        props = [
            _kit(
                "wall_back",
                "wall",
                (0.0, 0.0, BACK_Z),
                length=w,
                height=h,
                thickness=WALL_T,
                openings=[{**DOOR, "x": 2.3}, {**WINDOW, "x": -2.0, "sill": WINDOW_SILL}],
                color=wall,
            ),
            _door(2.3, 0.0, BACK_Z),
            _window("window", (-2.0, WINDOW_SILL, BACK_Z)),
            # turned 90 degrees about +y, a wall's +x runs toward -z
            _kit(
                "wall_left",
                "wall",
                (-w / 2, 0.0, BACK_Z + d / 2),
                yaw=90.0,
                **side,
                openings=[{**WINDOW, "x": (BACK_Z + d / 2) - LEFT_WINDOW_Z, "sill": WINDOW_SILL}],
            ),
            _window("window_left", (-w / 2, WINDOW_SILL, LEFT_WINDOW_Z), yaw=90.0),
            _kit("wall_right", "wall", (w / 2, 0.0, BACK_Z + d / 2), yaw=90.0, **side),
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
        house_t = 0.3
        props = [
            _kit(
                "house",
                "wall",
                (0.0, 0.0, front),
                length=12.0,
                height=4.5,
                thickness=house_t,
                openings=[
                    {**DOOR, "x": 1.5, "sill": step_top},
                    {**WINDOW, "x": -2.0, "sill": 1.15},
                ],
                color=[0.7, 0.6, 0.5],
            ),
            _door(1.5, step_top, front),
            _window("window", (-2.0, 1.15, front)),
            # three 0.17 m risers up to the door, climbing toward the house (-z)
            _kit(
                "steps",
                "stairs",
                (1.5, 0.0, front + house_t / 2 + 0.45),
                width=1.4,
                rise=step_top,
                run=0.9,
                steps=3,
                color=[0.59, 0.57, 0.54],
            ),
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
    """Write the stand-in set for ``location`` as ``<folder>/<name>.yaml`` (the
    furniture under ``<folder>/furniture/``), check it reads back, and return its path."""
    import yaml

    from previzkit.model.setfile import load_set

    folder = Path(folder)
    write_furniture(folder / FURNITURE_DIR)
    data = standin_data(location, int_ext, marks, sky_image)
    path = folder / f"{name}.yaml"
    tmp = path.with_suffix(".yaml.tmp")
    head = f"# stand-in set for {location} ({int_ext}), made by previzkit previz: edit freely\n"
    tmp.write_text(head + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    tmp.replace(path)
    load_set(path)  # what we wrote must read back
    return path


def furniture_paths(folder: str | Path) -> Mapping[str, Path]:
    """Where :func:`write_furniture` puts each piece under ``folder``."""
    return {p: Path(folder) / FURNITURE_DIR / f"{p}.glb" for p in FURNITURE}


__all__ = [
    "FURNITURE",
    "furniture_paths",
    "is_interior",
    "mark_positions",
    "standin_data",
    "write_furniture",
    "write_standin",
]

"""Kit parts: the parameters of stand-in architecture (walls, floors, doors, stairs...).

Pure data and validation; the meshes are built by :mod:`previzkit.render.kit`. A set
file's prop may name a part instead of a mesh file::

    - {name: back_wall, kit: wall, length: 10, height: 3.2, thickness: 0.2,
       openings: [{type: door, x: 1.5, width: 1.0, height: 2.1}], position: [0, 0, -3]}

Units: metres and degrees. Each part's origin is on the floor (y = 0) at the centre of
its footprint; a wall, railing, door or window runs along x and is thin in z.
:func:`check_kit` validates a part's parameters and fills the defaults; a bad one
raises :class:`KitParamError` with the parameter's key path (``openings[0].width``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from previzkit.core.errors import InputError

REQUIRED = object()  # marks a parameter without a default

# part -> parameter -> (kind, default). Kinds: "pos" a number > 0, "nonneg" >= 0,
# "num" any finite number, "count" an integer >= 0, "bool", "openings" a list.
KIT_PARAMS: dict[str, dict[str, tuple[str, Any]]] = {
    "wall": {
        "length": ("pos", REQUIRED),
        "height": ("pos", REQUIRED),
        "thickness": ("pos", 0.2),
        "openings": ("openings", ()),
    },
    "floor": {
        "width": ("pos", REQUIRED),
        "depth": ("pos", REQUIRED),
        "thickness": ("pos", 0.1),
        "level": ("num", None),  # the slab's top; default: its thickness (sits on the floor)
    },
    "ceiling": {
        "width": ("pos", REQUIRED),
        "depth": ("pos", REQUIRED),
        "level": ("pos", REQUIRED),  # the slab's underside above the floor
        "thickness": ("pos", 0.2),
    },
    "door": {
        "width": ("pos", 0.9),
        "height": ("pos", 2.1),
        "depth": ("pos", 0.12),  # the frame's depth (z)
        "frame": ("pos", 0.06),  # the frame members' width
        "ajar": ("num", 0.0),  # the leaf's swing about its hinge (at -x), degrees
    },
    "window": {
        "width": ("pos", 1.2),
        "height": ("pos", 1.2),
        "depth": ("pos", 0.1),
        "frame": ("pos", 0.06),
        "mullions": ("count", 1),  # vertical bars between the panes
        "transoms": ("count", 0),  # horizontal bars between the panes
        "glass": ("bool", False),  # a thin opaque pane in the frame's middle
    },
    "stairs": {
        "width": ("pos", 1.0),
        "rise": ("pos", REQUIRED),  # total height, metres
        "run": ("pos", REQUIRED),  # total depth, metres
        "steps": ("count", REQUIRED),
    },
    "railing": {
        "length": ("pos", REQUIRED),
        "height": ("pos", 1.0),
        "post_spacing": ("pos", 1.2),  # posts at both ends and at most this far apart
        "post": ("pos", 0.05),  # post and rail section, metres
        "rails": ("count", 1),  # rails between the floor and the top rail
    },
    "column": {
        "height": ("pos", REQUIRED),
        "radius": ("pos", None),  # round column; give radius or side
        "side": ("pos", None),  # square column
        "sides": ("count", 24),  # facets of a round column
    },
}
KIT_PARTS = tuple(KIT_PARAMS)

MAX_COUNT = 1000  # steps, facets, bars, rails, posts: beyond this a part is a mistake
MAX_OPENINGS = 100
MAX_SIZE_M = 1e4  # no part is 10 km

OPENING_TYPES = ("door", "window")
OPENING_KEYS = ("type", "x", "width", "height", "sill", "fill", "ajar", "mullions")
WINDOW_SILL_M = 0.9  # a window opening's default sill height


class KitParamError(InputError):
    """A kit part's parameter is wrong; ``key`` is its path (``openings[1].x``)."""

    def __init__(self, key: str, why: str) -> None:
        self.key = key
        self.why = why
        super().__init__(f"{key}: {why}" if key else why)


@dataclass(frozen=True)
class OpeningDef:
    """A cut-out through a wall: its centre ``x`` along the wall from the wall's centre,
    ``width``, ``height`` and ``sill`` (bottom above the floor), metres. ``fill`` puts a
    door (leaf ``ajar`` degrees) or a window (``mullions`` bars) in it; else a bare hole."""

    type: str
    width: float
    height: float
    x: float = 0.0
    sill: float = 0.0
    fill: bool = True
    ajar: float = 0.0
    mullions: int = 1

    def to_mapping(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "x": self.x,
            "width": self.width,
            "height": self.height,
            "sill": self.sill,
            "fill": self.fill,
            "ajar": self.ajar,
            "mullions": self.mullions,
        }


@dataclass(frozen=True)
class KitDef:
    """A kit part and its validated parameters (defaults filled), ``(name, value)`` pairs."""

    part: str
    params: tuple[tuple[str, Any], ...]

    def kwargs(self) -> dict[str, Any]:
        """The parameters as keyword arguments of the part's builder."""
        return dict(self.params)

    def to_mapping(self) -> dict[str, Any]:
        """Plain values (openings as mappings), the part under ``kit``: YAML/JSON-ready."""
        out: dict[str, Any] = {"kit": self.part}
        for name, value in self.params:
            if name == "openings":
                value = [o.to_mapping() for o in value]
            if value is not None:
                out[name] = value
        return out


def check_kit(part: Any, params: Mapping[str, Any]) -> KitDef:
    """Validate ``params`` of kit ``part``; a :class:`KitDef` with the defaults filled.

    Raises :class:`KitParamError` (key ``""`` for the part's name) listing the valid
    parts or parameters when one is unknown."""
    if not isinstance(part, str) or part not in KIT_PARAMS:
        raise KitParamError("", f"unknown kit part {part!r} (parts: {', '.join(KIT_PARTS)})")
    spec = KIT_PARAMS[part]
    for k in params:
        if k not in spec:
            hint = difflib.get_close_matches(str(k), list(spec), n=1)
            also = f"; did you mean {hint[0]!r}?" if hint else ""
            raise KitParamError(
                str(k), f"unknown parameter of a {part} (parameters: {', '.join(spec)}){also}"
            )
    values: dict[str, Any] = {}
    for name, (kind, default) in spec.items():
        v = params.get(name)
        if v is None:
            if default is REQUIRED:
                raise KitParamError(name, f"a {part} needs {name!r} (metres)")
            values[name] = default
            continue
        values[name] = _value(kind, v, name)
    _check_part(part, values)
    return KitDef(part, tuple(values.items()))


def _value(kind: str, v: Any, key: str) -> Any:
    if kind == "bool":
        if not isinstance(v, bool):
            raise KitParamError(key, f"expected true or false, got {v!r}")
        return v
    if kind == "count":
        if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= MAX_COUNT:
            raise KitParamError(key, f"expected a whole number 0..{MAX_COUNT}, got {v!r}")
        return int(v)
    if kind == "openings":
        if not isinstance(v, list | tuple):
            raise KitParamError(key, f"expected a list of openings, got {v!r}")
        if len(v) > MAX_OPENINGS:
            raise KitParamError(key, f"at most {MAX_OPENINGS} openings, got {len(v)}")
        return tuple(_opening(o, f"{key}[{i}]") for i, o in enumerate(v))
    return _number(v, key, kind)


def _number(v: Any, key: str, kind: str = "num") -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or v != v:  # v != v: NaN
        raise KitParamError(key, f"expected a finite number, got {v!r}")
    if abs(v) > MAX_SIZE_M:
        raise KitParamError(key, f"expected a number within +-{MAX_SIZE_M:g}, got {v!r}")
    if kind == "pos" and v <= 0:
        raise KitParamError(key, f"must be > 0, got {v!r}")
    if kind == "nonneg" and v < 0:
        raise KitParamError(key, f"must be >= 0, got {v!r}")
    return float(v)


def _opening(o: Any, key: str) -> OpeningDef:
    if isinstance(o, OpeningDef):
        o = o.to_mapping()
    if not isinstance(o, Mapping):
        raise KitParamError(key, f"expected a mapping {{type, x, width, height, sill}}, got {o!r}")
    for k in o:
        if k not in OPENING_KEYS:
            raise KitParamError(
                f"{key}.{k}", f"unknown key of an opening (keys: {', '.join(OPENING_KEYS)})"
            )
    kind = o.get("type")
    if kind not in OPENING_TYPES:
        raise KitParamError(
            f"{key}.type", f"expected one of {', '.join(OPENING_TYPES)}, got {kind!r}"
        )
    for need in ("width", "height"):
        if o.get(need) is None:
            raise KitParamError(f"{key}.{need}", f"an opening needs {need!r} (metres)")
    fill = o.get("fill", True)
    if not isinstance(fill, bool):
        raise KitParamError(f"{key}.fill", f"expected true or false, got {fill!r}")
    mullions = _value("count", o.get("mullions", 1), f"{key}.mullions")
    sill_default = WINDOW_SILL_M if kind == "window" else 0.0
    return OpeningDef(
        type=kind,
        width=_number(o["width"], f"{key}.width", "pos"),
        height=_number(o["height"], f"{key}.height", "pos"),
        x=_number(o.get("x", 0.0), f"{key}.x"),
        sill=_number(o.get("sill", sill_default), f"{key}.sill", "nonneg"),
        fill=fill,
        ajar=_number(o.get("ajar", 0.0), f"{key}.ajar"),
        mullions=int(mullions),
    )


def _check_part(part: str, v: dict[str, Any]) -> None:
    """Checks across parameters: openings inside their wall, frames inside their size."""
    if part == "wall":
        half = v["length"] / 2
        spans: list[tuple[float, float, float, float, int]] = []
        for i, o in enumerate(v["openings"]):
            key = f"openings[{i}]"
            lo, hi = o.x - o.width / 2, o.x + o.width / 2
            if lo < -half - 1e-9 or hi > half + 1e-9:
                raise KitParamError(
                    key,
                    f"opening spans x {lo:g}..{hi:g} m, outside the wall's "
                    f"{-half:g}..{half:g} m (x is the opening's centre from the wall's centre)",
                )
            if o.sill + o.height > v["height"] + 1e-9:
                raise KitParamError(
                    key,
                    f"opening's top (sill {o.sill:g} + height {o.height:g} m) is above the "
                    f"wall's height {v['height']:g} m",
                )
            for lo2, hi2, b2, t2, j in spans:
                if lo <= hi2 and lo2 <= hi and o.sill <= t2 and b2 <= o.sill + o.height:
                    raise KitParamError(key, f"opening overlaps or touches openings[{j}]")
            spans.append((lo, hi, o.sill, o.sill + o.height, i))
    elif part == "floor":
        if v["level"] is None:
            v["level"] = v["thickness"]
    elif part in ("door", "window"):
        if 2 * v["frame"] >= v["width"] or 2 * v["frame"] >= v["height"]:
            raise KitParamError(
                "frame",
                f"frame {v['frame']:g} m leaves no opening in a "
                f"{v['width']:g} x {v['height']:g} m {part}",
            )
    elif part == "stairs":
        if v["steps"] < 1:
            raise KitParamError("steps", "stairs need at least 1 step")
    elif part == "railing":
        if v["length"] / v["post_spacing"] > MAX_COUNT:
            raise KitParamError(
                "post_spacing",
                f"more than {MAX_COUNT} posts; space them wider than {v['length'] / MAX_COUNT:g} m",
            )
        if v["post"] >= v["height"] or v["post"] * 2 >= v["length"]:
            raise KitParamError(
                "post",
                f"post {v['post']:g} m does not fit a {v['length']:g} x {v['height']:g} m railing",
            )
    elif part == "column":
        if (v["radius"] is None) == (v["side"] is None):
            raise KitParamError("", "a column needs either 'radius' (round) or 'side' (square)")
        if v["sides"] < 3:
            raise KitParamError("sides", f"a round column needs at least 3 sides, got {v['sides']}")


__all__ = [
    "KIT_PARAMS",
    "KIT_PARTS",
    "KitDef",
    "KitParamError",
    "OpeningDef",
    "check_kit",
]

"""The shared set state: marks, cameras, props and character placements that can be
moved while the loop runs, versioned per object so several views agree.

Pure (no I/O except :func:`save_set_state`). Each object has a key ``kind/name``
(``mark/A``, ``camera/A_35mm``, ``prop/crate``, ``character/ALEX``) and fields:

==========  ==================================================================
mark        ``position`` [x, z] (m, floor)
camera      ``position`` [x, y, z] (m), ``orientation`` [x, y, z, w], ``focal_mm``
prop        ``position`` [x, y, z] (m), ``rotation`` [x, y, z, w], ``scale`` [sx, sy, sz]
character   ``position`` [x, y, z] (m, floor), ``yaw_deg``
==========  ==================================================================

Versions are Lamport clocks with the writer's id as tie-break: an edit made here gets
``clock = max(clock seen) + 1``; an edit from elsewhere wins if its ``(clock, writer)``
is greater than the object's. So the last writer wins per object, every view ends
with the same state whatever order edits arrive in, and replays are harmless.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from previzkit.core.errors import InputError, SetFileError
from previzkit.core.geometry import quat_from_matrix

KINDS = ("mark", "camera", "prop", "character")
FIELDS: dict[str, dict[str, int]] = {  # kind -> field -> length (0: a number)
    "mark": {"position": 2},
    "camera": {"position": 3, "orientation": 4, "focal_mm": 0},
    "prop": {"position": 3, "rotation": 4, "scale": 3},
    "character": {"position": 3, "yaw_deg": 0},
}


@dataclass(frozen=True)
class Edit:
    """One change to one object: ``fields`` replaced, at version ``(clock, writer)``;
    ``wall`` is when it was made (wall-clock s, for latency)."""

    key: str
    fields: dict[str, Any]
    clock: int
    writer: str
    wall: float = 0.0

    @property
    def version(self) -> tuple[int, str]:
        return (self.clock, self.writer)


def _check_fields(key: str, fields: dict[str, Any]) -> dict[str, Any]:
    kind, _, name = key.partition("/")
    if kind not in FIELDS or not name:
        raise InputError(f"set state: key {key!r} must be KIND/NAME with KIND one of {KINDS}")
    if not fields:
        raise InputError(f"set state: edit of {key!r} changes no field")
    allowed = FIELDS[kind]
    out: dict[str, Any] = {}
    for f, value in fields.items():
        if f not in allowed:
            raise InputError(
                f"set state: {key}: unknown field {f!r} (allowed: {', '.join(allowed)})"
            )
        n = allowed[f]
        scalar: float = math.nan
        vector: list[float] = []
        try:
            if n == 0:
                scalar = float(value)
                ok = math.isfinite(scalar)
            else:
                arr = np.asarray(value, dtype=np.float64).reshape(-1)
                ok = arr.shape == (n,) and bool(np.all(np.isfinite(arr)))
                vector = [float(x) for x in arr] if ok else []
        except (TypeError, ValueError):
            ok = False
        if not ok:
            want = "a finite number" if n == 0 else f"{n} finite numbers"
            raise InputError(f"set state: {key}.{f}: expected {want}, got {value!r}")
        if f in ("orientation", "rotation"):
            norm = float(np.linalg.norm(vector))
            if norm < 1e-9:
                raise InputError(f"set state: {key}.{f}: zero quaternion")
            vector = [x / norm for x in vector]
        if f == "focal_mm" and scalar <= 0:
            raise InputError(f"set state: {key}.focal_mm: must be > 0, got {scalar}")
        out[f] = scalar if n == 0 else vector
    return out


def objects_of(set_def: Any) -> dict[str, dict[str, Any]]:
    """The editable objects of a SetDef as ``{key: fields}``."""
    out: dict[str, dict[str, Any]] = {}
    for name, m in set_def.marks.items():
        out[f"mark/{name}"] = {"position": [float(x) for x in m.position]}
    for name, c in set_def.cameras.items():
        m = c.camera_to_world()
        out[f"camera/{name}"] = {
            "position": [float(x) for x in c.position],
            "orientation": list(quat_from_matrix(m)),
            "focal_mm": float(c.lens.focal_mm),
        }
    for p in set_def.props:
        out[f"prop/{p.name}"] = {
            "position": [float(x) for x in p.position],
            "rotation": [float(x) for x in p.rotation],
            "scale": [float(x) for x in p.scale],
        }
    for ch in set_def.characters:
        out[f"character/{ch.name}"] = {
            "position": [float(x) for x in ch.position],
            "yaw_deg": float(ch.yaw_deg),
        }
    return out


class SetState:
    """Versioned editable objects of one set, as seen by one writer (a view).

    ``version`` counts changes applied here (local or merged): the loop rebuilds what
    depends on the state when it moves (a version counter, not a hash per frame).
    """

    def __init__(self, objects: dict[str, dict[str, Any]], writer: str) -> None:
        if not writer or "/" in writer:
            raise InputError(
                f"set state: writer id {writer!r} must be a non-empty name without '/'"
            )
        self.writer = writer
        self.objects = {k: dict(v) for k, v in objects.items()}
        self.versions: dict[str, tuple[int, str]] = {k: (0, "") for k in objects}
        self.clock = 0
        self.version = 0
        self.log: list[Edit] = []  # every change applied, in order

    @classmethod
    def from_set(cls, set_def: Any, writer: str) -> SetState:
        return cls(objects_of(set_def), writer)

    def get(self, key: str) -> dict[str, Any]:
        try:
            return self.objects[key]
        except KeyError:
            raise InputError(
                f"set state: no object {key!r} (objects: {', '.join(sorted(self.objects))})"
            ) from None

    def edit(self, key: str, **fields: Any) -> Edit:
        """Change ``key`` here; returns the Edit to send to the other views."""
        self.get(key)
        checked = _check_fields(key, fields)
        self.clock += 1
        e = Edit(key, checked, self.clock, self.writer, time.time())
        self._apply(e)
        return e

    def merge(self, edit: Edit) -> bool:
        """Apply an edit from another view if it is newer than what we have; True if applied.
        Edits of unknown objects are refused (another set) with InputError."""
        self.get(edit.key)
        checked = _check_fields(edit.key, edit.fields)
        self.clock = max(self.clock, int(edit.clock))
        if edit.version <= self.versions[edit.key]:
            return False
        self._apply(dataclasses.replace(edit, fields=checked))
        return True

    def _apply(self, e: Edit) -> None:
        self.objects[e.key].update(e.fields)
        self.versions[e.key] = e.version
        self.version += 1
        self.log.append(e)

    def snapshot(self) -> list[Edit]:
        """The current value of every edited object, as edits (for a view joining late)."""
        return [
            Edit(k, dict(self.objects[k]), v[0], v[1], time.time())
            for k, v in self.versions.items()
            if v[0] > 0
        ]

    def edited(self) -> dict[str, dict[str, Any]]:
        """Objects changed since the set file was read."""
        return {k: self.objects[k] for k, v in self.versions.items() if v[0] > 0}

    def apply_to(self, set_def: Any) -> Any:
        """A new SetDef with this state's values (the input is frozen and left as is)."""
        from previzkit.model.camera import Lens

        marks = dict(set_def.marks)
        cameras = dict(set_def.cameras)
        props = list(set_def.props)
        chars = list(set_def.characters)
        for key, f in self.edited().items():
            kind, _, name = key.partition("/")
            if kind == "mark":
                marks[name] = dataclasses.replace(marks[name], position=tuple(f["position"]))
            elif kind == "camera":
                c = cameras[name]
                lens = c.lens
                if f["focal_mm"] != lens.focal_mm:
                    lens = Lens(
                        f["focal_mm"], lens.sensor_width_mm, lens.sensor_height_mm, lens.focus_m
                    )
                cameras[name] = dataclasses.replace(
                    c,
                    position=tuple(f["position"]),
                    orientation=tuple(f["orientation"]),
                    target=None,
                    lens=lens,
                )
            elif kind == "prop":
                i = next(i for i, p in enumerate(props) if p.name == name)
                props[i] = dataclasses.replace(
                    props[i],
                    position=tuple(f["position"]),
                    rotation=tuple(f["rotation"]),
                    scale=tuple(f["scale"]),
                )
            elif kind == "character":
                i = next(i for i, c in enumerate(chars) if c.name == name)
                chars[i] = dataclasses.replace(
                    chars[i], position=tuple(f["position"]), yaw_deg=f["yaw_deg"]
                )
        return dataclasses.replace(
            set_def, marks=marks, cameras=cameras, props=props, characters=chars
        )


def _round(v: Any) -> Any:
    if isinstance(v, list):
        return [round(float(x), 6) for x in v]
    return round(float(v), 6)


def save_set_state(state: SetState, path: str | Path, out: str | Path | None = None) -> Path:
    """Write the edited objects back into the set file ``path`` (or a copy at ``out``).

    Only the edited keys change; the result is read back with ``load_set`` before it
    replaces the file (atomic rename). YAML comments are not kept. A camera moved in a
    view is saved with its ``orientation`` (its ``target`` is dropped). Relative paths
    stay relative to the set file's folder, so ``out`` must be in that folder.
    """
    import yaml

    from previzkit.model.setfile import load_set

    src = Path(path)
    dst = Path(out) if out is not None else src
    if dst.resolve().parent != src.resolve().parent:
        raise InputError(
            f"set state: save to {dst}: must be in the set file's folder {src.parent} "
            "(its relative mesh and image paths)"
        )
    try:
        data = yaml.safe_load(src.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SetFileError(src, "", f"cannot read to save the set state: {exc}") from None
    for key, f in state.edited().items():
        kind, _, name = key.partition("/")
        if kind == "mark":
            entry = data["marks"][name]
            if isinstance(entry, dict):
                entry["position"] = _round(f["position"])
            else:
                data["marks"][name] = _round(f["position"])
        elif kind == "camera":
            entry = data["cameras"][name]
            entry["position"] = _round(f["position"])
            entry.pop("target", None)
            entry["orientation"] = _round(f["orientation"])
            entry.setdefault("lens", {})["focal_mm"] = _round(f["focal_mm"])
        elif kind == "prop":
            entry = next(p for p in data["props"] if p.get("name") == name)
            entry["position"] = _round(f["position"])
            entry["rotation"] = _round(f["rotation"])
            entry["scale"] = _round(f["scale"])
        elif kind == "character":
            entry = next(c for c in data["characters"] if c.get("name") == name)
            entry.pop("mark", None)
            entry["position"] = _round(f["position"])
            entry["yaw_deg"] = _round(f["yaw_deg"])
    tmp = dst.with_name(f".{dst.name}.saving.yaml")
    tmp.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=None), encoding="utf-8")
    try:
        load_set(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    tmp.replace(dst)
    return dst


@dataclass
class StateChange:
    """What moved between two state versions, for the renderer."""

    marks: bool = False
    cameras: bool = False
    props: list[str] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)


def changes_since(state: SetState, index: int) -> tuple[StateChange, int]:
    """What the edits in ``state.log[index:]`` touch, and the next index."""
    ch = StateChange()
    for e in state.log[index:]:
        kind, _, name = e.key.partition("/")
        if kind == "mark":
            ch.marks = True
        elif kind == "camera":
            ch.cameras = True
        elif kind == "prop" and name not in ch.props:
            ch.props.append(name)
        elif kind == "character" and name not in ch.characters:
            ch.characters.append(name)
    return ch, len(state.log)

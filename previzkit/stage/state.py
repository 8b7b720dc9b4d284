"""The shared set state: marks, cameras, props, character placements and bookmarks that
can be added, moved and deleted while the loop runs, versioned per object so several
views agree.

Pure (no I/O; saving is :mod:`previzkit.stage.set_save`). Each object has a key
``kind/name`` (``mark/A``, ``camera/A_35mm``, ``prop/crate``, ``character/ALEX``,
``bookmark/door``) and fields (metres, world frame: right-handed, y up):

==========  ==================================================================
mark        ``position`` [x, z] (floor)
camera      ``position`` [x, y, z], ``orientation`` [x, y, z, w], ``focal_mm``,
            ``sensor_width_mm``, ``sensor_height_mm``, ``focus_m``
prop        ``position`` [x, y, z], ``rotation`` [x, y, z, w], ``scale`` [sx, sy, sz],
            ``mesh`` (path as written in the set file, relative to its folder),
            ``color`` [r, g, b] in 0..1 or None
character   ``position`` [x, y, z] (floor), ``yaw_deg``, ``mark`` (a mark name or
            None: on a mark the character stands on it, wherever the mark moves;
            an edit of ``position`` alone takes the character off its mark)
bookmark    ``position`` [x, y, z] (the head), ``yaw_deg``
==========  ==================================================================

An :class:`Edit` is one ``op`` on one object: ``edit`` (replace some fields), ``add``
(all fields; missing ones take defaults) or ``delete``. Versions are Lamport clocks
with the writer's id as tie-break: a change made here gets ``clock = max(clock seen)
+ 1``; a change from elsewhere wins if its ``(clock, writer)`` is greater than the
object's. A delete leaves a tombstone version (and the object's last fields), so the
last writer wins between a delete and a concurrent edit too; an edit of an object not
added here yet waits (parked) for its add. Every view ends with the same objects
whatever order changes arrive in, and replays are harmless.

Undo/redo (:meth:`SetState.undo`, :meth:`SetState.redo`) restore this view's own
previous values with new edits, so they reach the other views like any change; an
object a peer changed after us is restored to our previous value all the same (the
undo is the last writer, and wins).
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.geometry import quat_from_matrix

KINDS = ("mark", "camera", "prop", "character", "bookmark")
OPS = ("edit", "add", "delete")
# kind -> field -> type: n > 0 a vector of n numbers, 0 a number, "str" a non-empty
# string, "str?" a string or None, "path?" a file's path or None, "rgb?" three numbers in 0..1 or None, "kit?" a kit
# part's mapping ({kit: wall, length: ...}, see previzkit.model.kitparts) or None
FIELDS: dict[str, dict[str, int | str]] = {
    "mark": {"position": 2},
    "camera": {
        "position": 3,
        "orientation": 4,
        "focal_mm": 0,
        "sensor_width_mm": 0,
        "sensor_height_mm": 0,
        "focus_m": 0,
    },
    "prop": {
        "position": 3,
        "rotation": 4,
        "scale": 3,
        "mesh": "path?",
        "color": "rgb?",
        "kit": "kit?",
    },
    "character": {"position": 3, "yaw_deg": 0, "mark": "str?"},
    "bookmark": {"position": 3, "yaw_deg": 0},
}
REQUIRED: dict[str, tuple[str, ...]] = {  # fields an add must give
    "mark": ("position",),
    "camera": ("position",),
    "prop": ("position",),  # and a mesh or a kit part
    "character": ("position",),
    "bookmark": ("position",),
}
DEFAULTS: dict[str, dict[str, Any]] = {  # the other fields of an add
    "mark": {},
    "camera": {
        "orientation": [0.0, 0.0, 0.0, 1.0],
        "focal_mm": 35.0,
        "sensor_width_mm": 24.89,  # super35
        "sensor_height_mm": 18.66,
        "focus_m": 3.0,
    },
    "prop": {
        "rotation": [0.0, 0.0, 0.0, 1.0],
        "scale": [1.0, 1.0, 1.0],
        "color": None,
        "mesh": None,
        "kit": None,
    },
    "character": {"yaw_deg": 0.0, "mark": None},
    "bookmark": {"yaw_deg": 0.0},
}
_POSITIVE = ("focal_mm", "sensor_width_mm", "sensor_height_mm", "focus_m")
MAX_UNDO = 200
MAX_PARKED = 1000


@dataclass(frozen=True)
class Edit:
    """One change to one object at version ``(clock, writer)``: ``op`` "edit" replaces
    ``fields``, "add" creates the object with them, "delete" removes it (no fields);
    ``wall`` is when it was made (wall-clock s, for latency)."""

    key: str
    fields: dict[str, Any]
    clock: int
    writer: str
    wall: float = 0.0
    op: str = "edit"

    @property
    def version(self) -> tuple[int, str]:
        return (self.clock, self.writer)


def split_key(key: str) -> tuple[str, str]:
    """``(kind, name)`` of a ``kind/name`` key; InputError when it is not one."""
    kind, _, name = key.partition("/") if isinstance(key, str) else ("", "", "")
    if kind not in FIELDS or not name:
        raise InputError(f"set state: key {key!r} must be KIND/NAME with KIND one of {KINDS}")
    return kind, name


def _check_value(key: str, f: str, spec: int | str, value: Any) -> Any:
    if spec == "str":
        if not isinstance(value, str) or not value:
            raise InputError(f"set state: {key}.{f}: expected a non-empty string, got {value!r}")
        return value
    if spec == "path?":
        if value is not None and (not isinstance(value, str) or not value):
            raise InputError(
                f"set state: {key}.{f}: expected a non-empty string (a file) or None, got {value!r}"
            )
        return value
    if spec == "str?":
        if value is not None and (not isinstance(value, str) or not value):
            raise InputError(f"set state: {key}.{f}: expected a name or None, got {value!r}")
        return value
    if spec == "rgb?" and value is None:
        return None
    if spec == "kit?":
        return None if value is None else kit_mapping(key, value)
    n = 3 if spec == "rgb?" else int(spec)
    scalar: float = math.nan
    vector: list[float] = []
    try:
        if n == 0:
            if isinstance(value, bool | str):
                raise TypeError
            scalar = float(value)
            ok = math.isfinite(scalar)
        else:
            if isinstance(value, str):
                raise TypeError
            arr = np.asarray(value, dtype=np.float64).reshape(-1)
            ok = arr.shape == (n,) and bool(np.all(np.isfinite(arr)))
            vector = [float(x) for x in arr] if ok else []
    except (TypeError, ValueError):
        ok = False
    if not ok:
        want = "a finite number" if n == 0 else f"{n} finite numbers"
        raise InputError(f"set state: {key}.{f}: expected {want}, got {value!r}")
    if spec == "rgb?" and not all(0.0 <= c <= 1.0 for c in vector):
        raise InputError(f"set state: {key}.{f}: colour components are 0..1, got {vector}")
    if f in ("orientation", "rotation"):
        norm = float(np.linalg.norm(vector))
        if norm < 1e-9:
            raise InputError(f"set state: {key}.{f}: zero quaternion")
        vector = [x / norm for x in vector]
    if f in _POSITIVE and scalar <= 0:
        raise InputError(f"set state: {key}.{f}: must be > 0, got {scalar}")
    if f == "scale" and min(vector) <= 0:
        raise InputError(f"set state: {key}.scale: must be > 0, got {vector}")
    return scalar if n == 0 else vector


def kit_def(key: str, value: Any) -> Any:
    """The :class:`~previzkit.model.kitparts.KitDef` of a prop's ``kit`` field
    ({kit: part, parameter: value...}); InputError naming the key otherwise."""
    from previzkit.model.kitparts import KitParamError, check_kit

    if not isinstance(value, dict) or "kit" not in value:
        raise InputError(f"set state: {key}.kit: expected {{kit: PART, ...}}, got {value!r}")
    try:
        return check_kit(value["kit"], {k: v for k, v in value.items() if k != "kit"})
    except KitParamError as exc:
        raise InputError(f"set state: {key}.kit: {exc}") from None


def kit_mapping(key: str, value: Any) -> dict[str, Any]:
    """A prop's ``kit`` field checked and normalised (defaults filled)."""
    mapping: dict[str, Any] = kit_def(key, value).to_mapping()
    return mapping


def check_fields(key: str, fields: dict[str, Any], op: str = "edit") -> dict[str, Any]:
    """Validated copies of ``fields`` for ``op`` on ``key`` (an add gets its defaults);
    InputError naming the key and field otherwise."""
    kind, _ = split_key(key)
    if op not in OPS:
        raise InputError(f"set state: {key}: unknown op {op!r} (ops: {', '.join(OPS)})")
    if not isinstance(fields, dict):
        raise InputError(f"set state: {key}: fields must be a mapping, got {fields!r}")
    if op == "delete":
        return {}
    if not fields:
        raise InputError(f"set state: edit of {key!r} changes no field")
    allowed = FIELDS[kind]
    out: dict[str, Any] = {}
    for f, value in fields.items():
        if f not in allowed:
            raise InputError(
                f"set state: {key}: unknown field {f!r} (allowed: {', '.join(allowed)})"
            )
        out[f] = _check_value(key, f, allowed[f], value)
    if kind == "character" and "position" in out and "mark" not in out:
        out["mark"] = None  # placed by hand: off its mark
    if op == "add":
        missing = [f for f in REQUIRED[kind] if f not in out]
        if kind == "prop" and out.get("mesh") is None and out.get("kit") is None:
            missing.append("mesh or kit")
        if missing:
            raise InputError(f"set state: add of {key!r} needs {', '.join(missing)}")
        out = {**{k: _copy(v) for k, v in DEFAULTS[kind].items()}, **out}
    return out


def _copy(v: Any) -> Any:
    return list(v) if isinstance(v, list) else v


def objects_of(set_def: Any) -> dict[str, dict[str, Any]]:
    """The editable objects of a SetDef as ``{key: fields}`` (prop meshes relative to
    the set file's folder, as the file writes them)."""
    base = None if set_def.path is None else Path(set_def.path).resolve().parent
    out: dict[str, dict[str, Any]] = {}
    for name, m in set_def.marks.items():
        out[f"mark/{name}"] = {"position": [float(x) for x in m.position]}
    for name, c in set_def.cameras.items():
        out[f"camera/{name}"] = {
            "position": [float(x) for x in c.position],
            "orientation": list(quat_from_matrix(c.camera_to_world())),
            "focal_mm": float(c.lens.focal_mm),
            "sensor_width_mm": float(c.lens.sensor_width_mm),
            "sensor_height_mm": float(c.lens.sensor_height_mm),
            "focus_m": float(c.lens.focus_m),
        }
    for p in set_def.props:
        mesh = None
        if p.mesh is not None:
            mesh = str(p.mesh) if base is None else os.path.relpath(Path(p.mesh), base)
        out[f"prop/{p.name}"] = {
            "position": [float(x) for x in p.position],
            "rotation": [float(x) for x in p.rotation],
            "scale": [float(x) for x in p.scale],
            "mesh": None if mesh is None else Path(mesh).as_posix(),
            "color": None if p.color is None else [float(x) for x in p.color],
            "kit": None if p.kit is None else p.kit.to_mapping(),
        }
    for ch in set_def.characters:
        out[f"character/{ch.name}"] = {
            "position": [float(x) for x in ch.position],
            "yaw_deg": float(ch.yaw_deg),
            "mark": ch.mark,
        }
    for name, b in getattr(set_def, "bookmarks", {}).items():
        out[f"bookmark/{name}"] = {
            "position": [float(x) for x in b.position],
            "yaw_deg": float(b.yaw_deg),
        }
    return out


_ABSENT = None  # an undo record's "before" when the object did not exist


class SetState:
    """Versioned editable objects of one set, as seen by one writer (a view).

    ``objects`` holds the live objects; ``base`` those read from the set file.
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
        self.base = {k: dict(v) for k, v in objects.items()}
        self.versions: dict[str, tuple[int, str]] = {k: (0, "") for k in objects}
        self.tombstones: dict[str, dict[str, Any]] = {}  # deleted key -> its last fields
        self.parked: dict[str, list[Edit]] = {}  # edits waiting for their object's add
        self.clock = 0
        self.version = 0
        self.log: list[Edit] = []  # every change applied, in order
        self._undo: list[tuple[str | None, dict[str, dict[str, Any] | None]]] = []
        self._redo: list[tuple[str | None, dict[str, dict[str, Any] | None]]] = []

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

    def names(self, kind: str) -> list[str]:
        """Names of the live objects of ``kind``, in the order they came."""
        p = f"{kind}/"
        return [k[len(p) :] for k in self.objects if k.startswith(p)]

    # --- local changes ----------------------------------------------------------------

    def edit(self, key: str, group: str | None = None, **fields: Any) -> Edit:
        """Change ``key`` here; returns the Edit to send to the other views.
        Consecutive changes with the same ``group`` (a drag) undo as one step."""
        self.get(key)
        return self._local(key, "edit", fields, group)

    def add(self, key: str, group: str | None = None, **fields: Any) -> Edit:
        """Create ``key`` here (missing fields take defaults); an error if it exists."""
        if key in self.objects:
            raise InputError(f"set state: {key!r} exists already")
        return self._local(key, "add", fields, group)

    def delete(self, key: str, group: str | None = None) -> Edit:
        """Remove ``key`` here; returns the Edit to send to the other views."""
        self.get(key)
        return self._local(key, "delete", {}, group)

    def _local(
        self, key: str, op: str, fields: dict[str, Any], group: str | None, record: bool = True
    ) -> Edit:
        checked = check_fields(key, fields, op)
        mark = checked.get("mark")
        if record and key.startswith("character/") and mark and f"mark/{mark}" not in self.objects:
            raise InputError(
                f"set state: {key}.mark: no mark {mark!r} (marks: {', '.join(self.names('mark'))})"
            )
        if record:
            before = None if key not in self.objects else dict(self.objects[key])
            last = self._undo[-1] if self._undo else None
            if group is not None and last is not None and last[0] == group:
                last[1].setdefault(key, before)
            else:
                self._undo.append((group, {key: before}))
                del self._undo[:-MAX_UNDO]
            self._redo.clear()
        self.clock = max(self.clock, self.versions.get(key, (0, ""))[0]) + 1
        e = Edit(key, checked, self.clock, self.writer, time.time(), op)
        self._apply(e)
        return e

    # --- undo / redo ------------------------------------------------------------------

    def undo(self) -> list[Edit]:
        """Undo this view's last change (a group as one step); returns the new edits
        that restore the previous values (to send to the other views)."""
        return self._restore(self._undo, self._redo)

    def redo(self) -> list[Edit]:
        """Redo the last undone step; returns the new edits."""
        return self._restore(self._redo, self._undo)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def _restore(
        self,
        source: list[tuple[str | None, dict[str, dict[str, Any] | None]]],
        dest: list[tuple[str | None, dict[str, dict[str, Any] | None]]],
    ) -> list[Edit]:
        if not source:
            return []
        group, befores = source.pop()
        after: dict[str, dict[str, Any] | None] = {}
        out: list[Edit] = []
        for key in reversed(list(befores)):
            before = befores[key]
            now = self.objects.get(key)
            after[key] = None if now is None else dict(now)
            if before is None and now is not None:
                out.append(self._local(key, "delete", {}, None, record=False))
            elif before is not None and now is None:
                out.append(self._local(key, "add", before, None, record=False))
            elif before is not None and now is not None and before != now:
                out.append(self._local(key, "edit", before, None, record=False))
        dest.append((group, after))
        return out

    # --- changes from other views -----------------------------------------------------

    def merge(self, edit: Edit) -> bool:
        """Apply a change from another view if it is newer than what we have; True if
        applied. An edit of an object we do not have waits (parked) for its add;
        a bad key or field raises InputError."""
        checked = check_fields(edit.key, edit.fields, edit.op)
        self.clock = max(self.clock, int(edit.clock))
        key = edit.key
        e = dataclasses.replace(edit, fields=checked)
        if e.version <= self.versions.get(key, (0, "")):
            if e.op == "add" and key in self.tombstones and not self.tombstones[key]:
                self.tombstones[key] = checked  # deleted before we saw it: keep its fields
                self._replay(key)
            return False
        if e.op == "edit" and key not in self.objects and not self.tombstones.get(key):
            self._park(e)  # its add has not come yet
            return False
        self._apply(e)
        self._replay(key)
        return True

    def _park(self, e: Edit) -> None:
        self.parked.setdefault(e.key, []).append(e)
        if sum(len(v) for v in self.parked.values()) > MAX_PARKED:
            oldest = next(iter(self.parked))
            self.parked[oldest].pop(0)
            if not self.parked[oldest]:
                del self.parked[oldest]

    def _replay(self, key: str) -> None:
        """Apply the parked edits of ``key`` that are newer than what it has now."""
        for p in sorted(self.parked.pop(key, []), key=lambda x: x.version):
            if p.version <= self.versions[key]:
                continue
            if key in self.objects or self.tombstones.get(key):
                self._apply(p)
            else:
                self._park(p)

    def _apply(self, e: Edit) -> None:
        key = e.key
        if e.op == "delete":
            if key in self.objects:
                self.tombstones[key] = self.objects.pop(key)
            else:
                self.tombstones.setdefault(key, {})
        elif e.op == "add":
            self.objects[key] = {k: _copy(v) for k, v in e.fields.items()}
            self.tombstones.pop(key, None)
        else:
            if key not in self.objects:  # a newer edit than the delete: it comes back
                self.objects[key] = self.tombstones.pop(key)
            self.objects[key].update({k: _copy(v) for k, v in e.fields.items()})
        self.versions[key] = e.version
        self.version += 1
        self.log.append(e)

    def snapshot(self) -> list[Edit]:
        """Every changed object as it is now (adds, and deletes for removed ones), for
        a view joining late."""
        now = time.time()
        out = []
        for k, v in self.versions.items():
            if v[0] == 0:
                continue
            if k in self.objects:
                out.append(Edit(k, dict(self.objects[k]), v[0], v[1], now, "add"))
            else:
                out.append(Edit(k, {}, v[0], v[1], now, "delete"))
        return out

    def changed(self) -> dict[str, dict[str, Any] | None]:
        """Objects changed since the set file was read: key -> fields now, None where
        deleted (objects added and deleted again are left out)."""
        out: dict[str, dict[str, Any] | None] = {}
        for k, v in self.versions.items():
            if v[0] == 0:
                continue
            if k in self.objects:
                out[k] = self.objects[k]
            elif k in self.base:
                out[k] = None
        return out

    def edited(self) -> dict[str, dict[str, Any]]:
        """Live objects changed (or added) since the set file was read."""
        return {k: f for k, f in self.changed().items() if f is not None}

    def fields_of(self, key: str) -> dict[str, Any] | None:
        """The object's fields, or its last fields if deleted; None if never seen."""
        return self.objects.get(key, self.tombstones.get(key) or None)

    # --- into a SetDef ----------------------------------------------------------------

    def apply_to(self, set_def: Any) -> Any:
        """A new SetDef with this state's objects (the input is frozen and left as is).
        Added props' meshes resolve against the set file's folder, as load_set does."""
        from previzkit.model.camera import Lens
        from previzkit.model.setfile import BookmarkDef, CameraDef, MarkDef, PropDef

        folder = Path(set_def.path).parent if set_def.path is not None else Path.cwd()
        marks = dict(set_def.marks)
        cameras = dict(set_def.cameras)
        props = {p.name: p for p in set_def.props}
        bookmarks = dict(getattr(set_def, "bookmarks", {}))
        for key, f in self.changed().items():
            kind, name = split_key(key)
            if kind == "mark":
                if f is None:
                    marks.pop(name, None)
                elif name in marks:
                    marks[name] = dataclasses.replace(marks[name], position=tuple(f["position"]))
                else:
                    marks[name] = MarkDef(name, tuple(f["position"]))
            elif kind == "camera":
                if f is None:
                    cameras.pop(name, None)
                    continue
                lens = Lens(
                    f["focal_mm"], f["sensor_width_mm"], f["sensor_height_mm"], f["focus_m"]
                )
                cameras[name] = CameraDef(
                    name, lens, tuple(f["position"]), tuple(f["orientation"]), None
                )
            elif kind == "prop":
                if f is None:
                    props.pop(name, None)
                    continue
                kit = None if f.get("kit") is None else kit_def(key, f["kit"])
                mesh = None if f.get("mesh") is None else Path(f["mesh"]).expanduser()
                props[name] = PropDef(
                    name,
                    None
                    if mesh is None or kit is not None
                    else (mesh if mesh.is_absolute() else folder / mesh).resolve(),
                    tuple(f["position"]),
                    tuple(f["rotation"]),
                    tuple(f["scale"]),
                    None if f["color"] is None else tuple(f["color"]),
                    kit,
                )
            elif kind == "bookmark":
                if f is None:
                    bookmarks.pop(name, None)
                else:
                    bookmarks[name] = BookmarkDef(name, tuple(f["position"]), f["yaw_deg"])
        chars = []
        for c in set_def.characters:
            f = self.objects.get(f"character/{c.name}")
            if f is None:
                chars.append(c)
                continue
            chars.append(
                dataclasses.replace(
                    c,
                    mark=f["mark"],
                    position=self.character_position(c.name),
                    yaw_deg=f["yaw_deg"],
                )
            )
        default = set_def.default_camera if set_def.default_camera in cameras else None
        return dataclasses.replace(
            set_def,
            marks=marks,
            cameras=cameras,
            props=list(props.values()),
            characters=chars,
            bookmarks=bookmarks,
            default_camera=default,
        )

    def character_position(self, name: str) -> tuple[float, float, float]:
        """Where character ``name`` stands: on its mark (x, 0, z) if it has one (the
        mark's last place if it was deleted), else its own position."""
        f = self.get(f"character/{name}")
        mark = self.fields_of(f"mark/{f['mark']}") if f["mark"] is not None else None
        if mark is not None:
            x, z = mark["position"]
            return (float(x), 0.0, float(z))
        x, y, z = f["position"]
        return (float(x), float(y), float(z))


@dataclass
class StateChange:
    """What changed between two state versions, for the renderer: ``props`` live props
    to (re)place (built if new), ``props_added`` those among them that were added,
    ``props_removed`` props deleted, ``characters`` to re-place (moved, or their mark
    moved)."""

    marks: bool = False
    cameras: bool = False
    props: list[str] = field(default_factory=list)
    props_added: list[str] = field(default_factory=list)
    props_removed: list[str] = field(default_factory=list)
    characters: list[str] = field(default_factory=list)
    bookmarks: bool = False

    @property
    def any(self) -> bool:
        return bool(
            self.marks
            or self.cameras
            or self.props
            or self.props_removed
            or self.characters
            or self.bookmarks
        )


def changes_since(state: SetState, index: int) -> tuple[StateChange, int]:
    """What the changes in ``state.log[index:]`` touch, and the next index."""
    ch = StateChange()
    marks: set[str] = set()
    for e in state.log[index:]:
        kind, _, name = e.key.partition("/")
        if kind == "mark":
            ch.marks = True
            marks.add(name)
        elif kind == "camera":
            ch.cameras = True
        elif kind == "bookmark":
            ch.bookmarks = True
        elif kind == "prop":
            live = e.key in state.objects
            if live and name not in ch.props:
                ch.props.append(name)
            if live and e.op == "add" and name not in ch.props_added:
                ch.props_added.append(name)
            if not live and name not in ch.props_removed:
                ch.props_removed.append(name)
        elif kind == "character" and name not in ch.characters:
            ch.characters.append(name)
    if marks:
        for name in state.names("character"):
            if state.objects[f"character/{name}"]["mark"] in marks and name not in ch.characters:
                ch.characters.append(name)
    return ch, len(state.log)

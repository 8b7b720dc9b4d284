"""Saving the set state back into its set file, keeping the file: comments, key order
and flow style stay (round-trip YAML with ruamel.yaml); only the objects changed in
the state are rewritten, added or removed.

Numbers are rounded to 1e-4 (metres) and 1e-6 (quaternions, degrees, millimetres).
The save is atomic: a temp file in the set's folder, read back with
:func:`~previzkit.model.setfile.load_set`, fsynced, renamed over the file. When it
fails (a read-only folder, a full disk) the edits are kept in an autosave journal
(:func:`autosave`) beside the set, or in the cache folder when that folder is not
writable, and :func:`restore_autosave` reads them back; a successful save removes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from pathlib import Path
from typing import Any

from previzkit.core.atomic import write_text_atomic
from previzkit.core.errors import InputError, SetFileError
from previzkit.stage.state import Edit, SetState, split_key

AUTOSAVE_VERSION = 1
M_DIGITS = 4  # metres: 0.1 mm
DIGITS = 6  # quaternions, degrees, millimetres


def _yaml() -> Any:
    from ruamel.yaml import YAML

    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 4096  # keep flow maps on one line
    y.indent(mapping=2, sequence=4, offset=2)
    y.representer.add_representer(  # keep "null" as written, not an empty value
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    return y


def _num(x: float, digits: int) -> float:
    r = round(float(x), digits)
    return 0.0 if r == 0 else r


def _seq(values: Any, digits: int) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    s = CommentedSeq([_num(v, digits) for v in values])
    s.fa.set_flow_style()
    return s


def _flow(items: dict[str, Any]) -> Any:
    from ruamel.yaml.comments import CommentedMap

    m = CommentedMap(items)
    m.fa.set_flow_style()
    return m


def _put(m: Any, key: str, value: Any, instead_of: str | None = None) -> None:
    """Set ``m[key]``; in ``instead_of``'s place when that key is there (removed)."""
    if instead_of is not None and instead_of in m and key not in m:
        i = list(m).index(instead_of)
        del m[instead_of]
        m.insert(i, key, value)
    else:
        if instead_of is not None:
            m.pop(instead_of, None)
        m[key] = value


def _section(data: Any, name: str, kind: type) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if data.get(name) is None:
        data[name] = CommentedMap() if kind is dict else CommentedSeq()
    return data[name]


def _rotation(q: list[float]) -> Any:
    """``{yaw: d}`` for a turn about +y only, else the quaternion [x, y, z, w]."""
    import math

    x, y, z, w = q
    if abs(x) < 1e-9 and abs(z) < 1e-9:
        return _flow({"yaw": _num(math.degrees(2.0 * math.atan2(y, w)), DIGITS)})
    return _seq(q, DIGITS)


def _lens(entry: Any, f: dict[str, Any]) -> Any:
    from previzkit.model.camera import SENSORS_MM

    size = (f["sensor_width_mm"], f["sensor_height_mm"])

    def same(a: tuple[float, float]) -> bool:
        return abs(a[0] - size[0]) < 1e-6 and abs(a[1] - size[1]) < 1e-6

    lens = entry if entry is not None else _flow({})
    lens["focal_mm"] = _num(f["focal_mm"], DIGITS)
    named = lens.get("sensor", "super35" if "sensor_mm" not in lens else None)
    if named not in SENSORS_MM or not same(SENSORS_MM[named]):
        match = next((n for n, s in SENSORS_MM.items() if same(s)), None)
        if match is not None:
            _put(lens, "sensor", match, "sensor_mm")
        else:
            _put(lens, "sensor_mm", _seq(size, DIGITS), "sensor")
    lens["focus_m"] = _num(f["focus_m"], M_DIGITS)
    return lens


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) != len(b) or any(_differs(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, int | float) and isinstance(b, int | float):
        return abs(float(a) - float(b)) > 1e-9
    return bool(a != b)


def _mesh_text(props: Any, mesh: str, folder: Path) -> str:
    """How the file already names ``mesh`` (a duplicated prop), else ``mesh``."""
    want = (folder / mesh).resolve()
    for p in props:
        text = p.get("mesh") if isinstance(p, dict) else None
        if isinstance(text, str) and (folder / text).resolve() == want:
            return text
    return mesh


def _put_kit(entry: Any, kit: dict[str, Any] | None, before: dict[str, Any] | None) -> None:
    """Write a prop's kit part (``kit``: {kit: part, parameter: value}) into ``entry``,
    the parameters that differ from ``before``; ``kit`` None removes the part's keys."""
    for k in before or {}:
        if kit is None or k not in kit:
            entry.pop(k, None)
    if kit is None:
        return
    entry.pop("mesh", None)
    for k, v in kit.items():
        if before is not None and k in before and not _differs(v, before[k]):
            continue
        if k == "openings":
            from ruamel.yaml.comments import CommentedSeq

            v = CommentedSeq([_flow(dict(o)) for o in v])
            v.fa.set_flow_style()
        entry[k] = v


def update_document(data: Any, state: SetState, folder: str | Path = ".") -> None:
    """Write ``state``'s changed objects into a round-trip set document in place
    (``folder``: the set file's, for prop mesh paths). Edited objects get the fields
    that differ from the file's values; added ones all of theirs."""
    changed = state.changed()
    live_marks = set(state.names("mark"))
    for key, f in changed.items():
        kind, name = split_key(key)
        if kind == "mark":
            marks = _section(data, "marks", dict)
            if f is None:
                marks.pop(name, None)
            elif isinstance(marks.get(name), dict):
                marks[name]["position"] = _seq(f["position"], M_DIGITS)
            else:
                marks[name] = _flow({"position": _seq(f["position"], M_DIGITS)})
        elif kind == "camera":
            cams = _section(data, "cameras", dict)
            if f is None:
                cams.pop(name, None)
                if data.get("default_camera") == name:
                    del data["default_camera"]
                continue
            entry = cams.get(name)
            base = state.base.get(key, {})
            if not isinstance(entry, dict):
                entry = cams[name] = _flow({})
                base = {}
            lens_keys = ("focal_mm", "sensor_width_mm", "sensor_height_mm", "focus_m")
            if any(_differs(f[k], base.get(k)) for k in lens_keys):
                entry["lens"] = _lens(entry.get("lens"), f)
            if any(_differs(f[k], base.get(k)) for k in ("position", "orientation")):
                entry["position"] = _seq(f["position"], M_DIGITS)
                _put(entry, "orientation", _seq(f["orientation"], DIGITS), "target")
        elif kind == "prop":
            props = _section(data, "props", list)
            i = next((i for i, p in enumerate(props) if p.get("name") == name), None)
            if f is None:
                if i is not None:
                    del props[i]
                continue
            base = state.base.get(key, {})
            if i is None:
                props.append(_flow({"name": name}))
                entry = props[-1]
                base = {"scale": [1.0, 1.0, 1.0], "color": None}
            else:
                entry = props[i]
            if f.get("kit") is not None:
                if _differs(f["kit"], base.get("kit")):
                    _put_kit(entry, f["kit"], base.get("kit"))
            elif _differs(f["mesh"], base.get("mesh")):
                _put_kit(entry, None, base.get("kit"))
                entry["mesh"] = _mesh_text(props, f["mesh"], Path(folder))
            if _differs(f["position"], base.get("position")):
                entry["position"] = _seq(f["position"], M_DIGITS)
            if _differs(f["rotation"], base.get("rotation")):
                entry["rotation"] = _rotation(f["rotation"])
            if _differs(f["scale"], base.get("scale")):
                sx, sy, sz = f["scale"]
                same = abs(sx - sy) < 1e-9 and abs(sx - sz) < 1e-9
                entry["scale"] = _num(sx, DIGITS) if same else _seq(f["scale"], DIGITS)
            if f["color"] is None:
                entry.pop("color", None)
            elif _differs(f["color"], base.get("color")):
                entry["color"] = _seq(f["color"], DIGITS)
        elif kind == "bookmark":
            books = _section(data, "bookmarks", dict)
            if f is None:
                books.pop(name, None)
            else:
                books[name] = _flow(
                    {
                        "position": _seq(f["position"], M_DIGITS),
                        "yaw_deg": _num(f["yaw_deg"], DIGITS),
                    }
                )
    # cameras aimed at a deleted mark keep aiming where it was
    from previzkit.model.setfile import MARK_TARGET_HEIGHT_M

    for entry in (data.get("cameras") or {}).values():
        t = entry.get("target") if isinstance(entry, dict) else None
        if isinstance(t, str) and t not in live_marks and f"mark/{t}" in state.base:
            x, z = state.base[f"mark/{t}"]["position"]
            entry["target"] = _seq([x, MARK_TARGET_HEIGHT_M, z], M_DIGITS)
    # characters: changed ones, and those standing on a deleted mark
    for entry in data.get("characters") or []:
        key = f"character/{entry.get('name')}"
        f = state.objects.get(key)
        if f is None:
            continue
        dead = isinstance(entry.get("mark"), str) and entry["mark"] not in live_marks
        if key not in changed and not dead:
            continue
        if f["mark"] is not None and f["mark"] in live_marks:
            _put(entry, "mark", f["mark"], "position")
        else:
            pos = state.character_position(key.partition("/")[2])
            _put(entry, "position", _seq(pos, M_DIGITS), "mark")
        if _differs(f["yaw_deg"], state.base.get(key, {}).get("yaw_deg")):
            entry["yaw_deg"] = _num(f["yaw_deg"], DIGITS)


def save_set_state(state: SetState, path: str | Path, out: str | Path | None = None) -> Path:
    """Write the changed objects of ``state`` into the set file ``path`` (or a copy at
    ``out``, in the same folder: relative paths stay relative to it); returns the file.

    Comments, key order and flow style are kept. A camera moved in a view is saved with
    its ``orientation`` (its ``target`` is dropped). On failure the edits go to the
    autosave journal and SetFileError names the file, the cause and the journal.
    """
    from previzkit.model.setfile import load_set

    src = Path(path)
    dst = Path(out) if out is not None else src
    if dst.resolve().parent != src.resolve().parent:
        raise InputError(
            f"set state: save to {dst}: must be in the set file's folder {src.parent} "
            "(its relative mesh and image paths)"
        )
    try:
        data = _yaml().load(src.read_text(encoding="utf-8"))
    except Exception as exc:  # OSError, ruamel's YAMLError tree
        raise SetFileError(src, "", f"cannot read to save the set state: {exc}") from None
    update_document(data, state, src.parent)
    buf = io.StringIO()
    _yaml().dump(data, buf)
    try:
        write_text_atomic(dst, buf.getvalue(), check=load_set)
    except (OSError, SetFileError) as exc:
        kept = autosave(state, src)
        cause = exc.strerror or str(exc) if isinstance(exc, OSError) else str(exc)
        raise SetFileError(
            dst, "", f"cannot save the set: {cause}; the edits are kept in {kept}"
        ) from None
    for p in autosave_paths(src):
        with contextlib.suppress(OSError):
            p.unlink()
    return dst


# --- autosave --------------------------------------------------------------------------


def autosave_paths(set_path: str | Path) -> tuple[Path, Path]:
    """Where the autosave of ``set_path`` goes: beside it, else in the cache folder."""
    from previzkit.core.resources import cache_dir

    p = Path(set_path).resolve()
    digest = hashlib.sha1(str(p).encode()).hexdigest()[:12]
    return (
        p.parent / f".{p.stem}.autosave.yaml",
        cache_dir() / "autosave" / f"{p.stem}-{digest}.autosave.yaml",
    )


def autosave(state: SetState, set_path: str | Path) -> Path:
    """Keep ``state``'s changes (a journal of adds, edits and deletes with their
    versions) beside ``set_path``, or in the cache folder when that folder is not
    writable; returns the journal's path."""
    import yaml

    doc = {
        "previzkit_autosave": AUTOSAVE_VERSION,
        "set": str(Path(set_path).resolve()),
        "writer": state.writer,
        "edits": [
            {"op": e.op, "key": e.key, "fields": e.fields, "clock": e.clock, "writer": e.writer}
            for e in state.snapshot()
        ],
    }
    text = yaml.safe_dump(doc, sort_keys=False, default_flow_style=None)
    errors = []
    for p in autosave_paths(set_path):
        try:
            p.parent.mkdir(parents=True, exist_ok=True)
            return write_text_atomic(p, text)
        except OSError as exc:
            errors.append(f"{p.parent}: {exc.strerror or exc}")
    raise SetFileError(set_path, "", f"cannot keep the edits anywhere: {'; '.join(errors)}")


def restore_autosave(set_path: str | Path) -> list[Edit] | None:
    """The edits kept by :func:`autosave` for ``set_path`` (to merge into a fresh
    :class:`~previzkit.stage.state.SetState`), or None when there are none."""
    import yaml

    from previzkit.stage.state import check_fields

    found = [p for p in autosave_paths(set_path) if p.is_file()]
    for p in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)[:1]:
        try:
            doc = yaml.safe_load(p.read_text(encoding="utf-8"))
            if not isinstance(doc, dict) or doc.get("previzkit_autosave") != AUTOSAVE_VERSION:
                raise ValueError("not a previzkit autosave journal (version 1)")
            out = []
            for i, e in enumerate(doc["edits"]):
                try:
                    edit = Edit(
                        str(e["key"]),
                        dict(e["fields"] or {}),
                        int(e["clock"]),
                        str(e["writer"]),
                        0.0,
                        str(e["op"]),
                    )
                    check_fields(edit.key, edit.fields, edit.op)
                except (KeyError, TypeError, ValueError, InputError) as exc:
                    raise ValueError(f"edits[{i}]: {exc}") from None
                out.append(edit)
            return out
        except (OSError, ValueError, KeyError, TypeError, yaml.YAMLError) as exc:
            raise SetFileError(p, "", f"cannot restore the autosave: {exc}") from None
    return None

"""Coverage plan: the shots a previz artist would plan per scene, saved as editable YAML.

Rules (per scene, in this order of shot letters):

1. ``establishing`` (18 mm exterior, 24 mm interior) when the location changes or the
   scene is an exterior; covers the heading and the first action.
2. ``master`` (24 mm INT, 28 mm EXT) on everyone present, covering the whole scene.
3. Per speaking pair (two characters with consecutive lines), most lines first: a
   ``two-shot`` (35 mm), ``ots`` on each (50 mm, over the other's shoulder) and a
   ``single`` on each (85 mm, once per character per scene).
4. A ``single`` (50 mm) for a speaker with no partner (monologue, voice-over).
5. ``insert`` (100 mm) per capitalised prop in action, covering the lines naming it
   (in the text, or a word of it in the line's ``[[notes]]``).
6. ``pov`` (35 mm) for a POV heading (whole scene) or a POV action line.

The 180° line: ``axis`` is [A, B], the scene's main pair (A spoke first). Every shot's
``side`` defaults to ``right``: the camera stands right of the line looking from A to
B, so A stays frame-left and B frame-right in every shot. Other pairs are ordered to
keep each character on the screen side they already have; a pair that cannot be
(``A`` left of ``B``, ``B`` left of ``C``, ``C`` left of ``A``) is reported in
``ScenePlan.notes``.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TypeVar, overload

from previzkit.core.atomic import write_text_atomic
from previzkit.core.errors import MissingFileError, ShotPlanError
from previzkit.script.breakdown import Breakdown, breakdown, cast_regex, prop_named, props_in
from previzkit.script.locations import background_for, set_file_for
from previzkit.script.model import ElementType, Script

ET = ElementType
SCHEMA_VERSION = 1
SHOT_TYPES = ("establishing", "master", "two-shot", "ots", "single", "insert", "pov")
SIDES = ("left", "right")
LENS_MM = {
    "establishing_ext": 18.0,
    "establishing_int": 24.0,
    "master_ext": 28.0,
    "master_int": 24.0,
    "two-shot": 35.0,
    "ots": 50.0,
    "single": 85.0,
    "single_alone": 50.0,
    "insert": 100.0,
    "pov": 35.0,
}
_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # I and O are skipped, as on set
_POV_RE = re.compile(r"(?:\b([A-Z][\w.'’-]*(?:\s+[A-Z][\w.'’-]*)*?)(?:'S|’S|'s|’s)\s+)?\bPOV\b")


@dataclass
class Shot:
    """One planned shot.

    ``id``: ``"<scene>-<letter>"``; ``type``: one of :data:`SHOT_TYPES`; ``subjects``:
    characters (or the prop for inserts); ``lens_mm``: focal length (full-frame
    equivalent); ``side``: camera side of the scene's 180° axis; ``covers``: source
    line numbers of the elements (cues, dialogue, action) the shot covers; ``camera``:
    the set camera that frames it (made in the headset: named by the shot id);
    ``marks``: subject -> the set mark they stand on.
    """

    id: str
    type: str
    subjects: list[str]
    lens_mm: float
    side: str
    covers: list[int]
    description: str = ""
    camera: str | None = None
    marks: dict[str, str] = field(default_factory=dict)


@dataclass
class ScenePlan:
    """The coverage of one scene, with its set file and background choice."""

    number: str
    heading: str
    line: int
    set_file: str  # relative to the assets folder
    time: str  # resolved time of day
    sky_model: str | None
    ground_model: str | None
    axis: list[str]  # [A, B]; empty with fewer than two characters
    shots: list[Shot]
    notes: list[str] = field(default_factory=list)


@dataclass
class ShotPlan:
    """A script's coverage plan."""

    title: str
    source: str | None
    scenes: list[ScenePlan]
    version: int = SCHEMA_VERSION

    def shot(self, shot_id: str) -> Shot:
        for sc in self.scenes:
            for sh in sc.shots:
                if sh.id == shot_id:
                    return sh
        raise KeyError(shot_id)


def _letter(k: int) -> str:
    n = len(_LETTERS)
    return _LETTERS[k % n] * (k // n + 1)


def plan_shots(
    script: Script,
    exists: Callable[[str], bool] | None = None,
    bd: Breakdown | None = None,
) -> ShotPlan:
    """Plan coverage for every scene of ``script``.

    ``exists(relative_path)`` says which set files exist under the assets folder
    (default: :func:`previzkit.script.locations.assets_exists`, which looks on disk;
    pass ``lambda rel: False`` for a pure call where every scene gets the fallback set).
    """
    if exists is None:
        from previzkit.script.locations import assets_exists

        exists = assets_exists()
    bd = bd or breakdown(script)
    cast_re = cast_regex(script.characters)
    plans: list[ScenePlan] = []
    prev_location = None
    prev_time = "DAY"
    for scene, sb in zip(script.scenes, bd.scenes, strict=True):
        bg = background_for(sb.time, sb.int_ext, prev_time)
        prev_time = bg.time
        shots: list[Shot] = []
        notes: list[str] = []

        def add(
            kind: str,
            subjects: list[str],
            lens: float,
            covers: list[int],
            desc: str,
            shots: list[Shot] = shots,
            number: str = scene.number,
        ) -> None:
            sid = f"{number}-{_letter(len(shots))}"
            shots.append(Shot(sid, kind, subjects, lens, "right", sorted(set(covers)), desc))

        els = [e for e in scene.elements if e.type not in (ET.NOTE, ET.SECTION, ET.SYNOPSIS)]
        all_lines = [scene.line] + [e.line for e in els if e.type is not ET.PAGE_BREAK]
        ext = sb.int_ext in ("EXT", "EST")
        # Dialogue blocks: (speaker, element lines).
        blocks: list[tuple[str, list[int]]] = []
        for e in els:
            if e.type is ET.CHARACTER and e.character:
                blocks.append((e.character, [e.line]))
            elif e.character and blocks and e.type is not ET.CHARACTER:
                blocks[-1][1].append(e.line)
        lines_of: dict[str, list[int]] = {}
        for who, ls in blocks:
            lines_of.setdefault(who, []).extend(ls)
        pairs: dict[tuple[str, str], int] = {}
        order: dict[tuple[str, str], int] = {}
        for (a, _), (b, _) in itertools.pairwise(blocks):
            if a != b:
                key = (a, b) if (b, a) not in pairs else (b, a)
                pairs[key] = pairs.get(key, 0) + 1
                order.setdefault(key, len(order))
        ranked = sorted(pairs, key=lambda k: (-pairs[k], order[k]))
        present = list(dict.fromkeys(sb.characters + sb.characters_in_action))

        # Screen sides: the first pair fixes A left, B right; others keep what they have.
        screen: dict[str, str] = {}
        oriented: list[tuple[str, str]] = []
        for a, b in ranked:
            sa, sb_ = screen.get(a), screen.get(b)
            if sa == "right" or sb_ == "left":
                a, b = b, a
                sa, sb_ = sb_, sa
            if sa == "right" or sb_ == "left" or (sa and sa == sb_):
                notes.append(
                    f"{a} and {b} cannot both keep their screen sides: plan a neutral "
                    "shot or a move across the line between their exchanges"
                )
            screen.setdefault(a, "left")
            screen.setdefault(b, "right")
            oriented.append((a, b))
        axis = list(oriented[0]) if oriented else present[:2] if len(present) >= 2 else []

        first_action = next((e.line for e in els if e.type is ET.ACTION), None)
        place = sb.location.split(" - ")[0]
        if ext or place != prev_location:
            add(
                "establishing",
                [],
                LENS_MM["establishing_ext" if ext else "establishing_int"],
                [scene.line] + ([first_action] if first_action else []),
                f"establish {sb.location or scene.heading.plain}",
            )
        prev_location = place
        add(
            "master",
            present,
            LENS_MM["master_ext" if ext else "master_int"],
            all_lines,
            "wide master of the whole scene",
        )
        singled: set[str] = set()
        for a, b in oriented:
            both = lines_of.get(a, []) + lines_of.get(b, [])
            add("two-shot", [a, b], LENS_MM["two-shot"], both, f"{a} and {b}")
            for x, y in ((a, b), (b, a)):
                add(
                    "ots",
                    [x, y],
                    LENS_MM["ots"],
                    lines_of.get(x, []),
                    f"on {x} over {y}'s shoulder",
                )
            for x in (a, b):
                if x not in singled:
                    singled.add(x)
                    add(
                        "single",
                        [x],
                        LENS_MM["single"],
                        lines_of.get(x, []),
                        f"close single on {x}",
                    )
        for who in lines_of:
            if who not in singled:
                singled.add(who)
                add("single", [who], LENS_MM["single_alone"], lines_of[who], f"single on {who}")
        for prop in sb.props:
            covers = [
                e.line
                for e in els
                if e.type is ET.ACTION
                and (
                    prop in props_in(cast_re.sub("|", e.plain) if cast_re else e.plain)
                    or prop_named(prop, "", e.notes)
                )
            ]
            add("insert", [prop], LENS_MM["insert"], covers, f"insert: {prop}")
        head_pov = _POV_RE.search(scene.heading.plain)
        if head_pov:
            owner = _owner(head_pov.group(1), script.characters, present)
            add("pov", [owner] if owner else [], LENS_MM["pov"], all_lines, "point of view")
        for e in els:
            if e.type is ET.ACTION:
                m = _POV_RE.search(e.plain)
                if m:
                    owner = _owner(m.group(1), script.characters, present)
                    desc = f"{owner}'s point of view" if owner else "point of view"
                    add("pov", [owner] if owner else [], LENS_MM["pov"], [e.line], desc)
        plans.append(
            ScenePlan(
                number=scene.number,
                heading=scene.heading.plain,
                line=scene.line,
                set_file=set_file_for(sb.location, exists),
                time=bg.time,
                sky_model=bg.sky_model,
                ground_model=bg.ground_model,
                axis=axis,
                shots=shots,
                notes=notes,
            )
        )
    return ShotPlan(title=script.title, source=script.source, scenes=plans)


def _owner(name: str | None, cast: list[str], present: list[str]) -> str | None:
    if name:
        up = name.upper()
        for c in cast:
            if up == c or up.endswith(" " + c):
                return c
    return present[0] if len(present) == 1 else None


# --- YAML ----------------------------------------------------------------------------


def plan_to_dict(plan: ShotPlan) -> dict:
    """The plan as plain data (the YAML layout documented in docs/script.md)."""
    return {
        "previzkit_shot_plan": plan.version,
        "title": plan.title,
        "source": plan.source,
        "scenes": [
            {
                **{k: v for k, v in asdict(sc).items() if k != "shots"},
                "shots": [_shot_dict(sh) for sh in sc.shots],
            }
            for sc in plan.scenes
        ],
    }


def _shot_dict(sh: Shot) -> dict:
    d = asdict(sh)
    if d["camera"] is None:
        del d["camera"]  # old plans stay as they were
    if not d["marks"]:
        del d["marks"]
    return d


_T = TypeVar("_T")
_U = TypeVar("_U")


@overload
def _need(d: dict, key: str, types: type[_T], where: str, path: str) -> _T: ...
@overload
def _need(
    d: dict, key: str, types: tuple[type[_T], type[_U]], where: str, path: str
) -> _T | _U: ...
def _need(d: dict, key: str, types: type | tuple[type, ...], where: str, path: str) -> object:
    if key not in d:
        raise ShotPlanError(f"{path}: {where}.{key}: missing")
    v = d[key]
    if not isinstance(v, types) or (isinstance(v, bool) and types is not bool):
        names = (
            types.__name__ if isinstance(types, type) else " or ".join(t.__name__ for t in types)
        )
        raise ShotPlanError(
            f"{path}: {where}.{key}: expected {names}, got {type(v).__name__} {v!r}"
        )
    return v


def _str_list(d: dict, key: str, where: str, path: str) -> list[str]:
    v = _need(d, key, list, where, path)
    if not all(isinstance(x, str) for x in v):
        raise ShotPlanError(f"{path}: {where}.{key}: expected a list of names, got {v!r}")
    return list(v)


def _camera(sh: dict, where: str, path: str) -> str | None:
    v = sh.get("camera")
    if v is not None and (not isinstance(v, str) or not v):
        raise ShotPlanError(f"{path}: {where}.camera: expected a camera name, got {v!r}")
    return v


def _marks(sh: dict, where: str, path: str) -> dict[str, str]:
    v = sh.get("marks")
    if v is None:
        return {}
    if not isinstance(v, dict) or not all(
        isinstance(k, str) and isinstance(m, str) and m for k, m in v.items()
    ):
        raise ShotPlanError(
            f"{path}: {where}.marks: expected a mapping of subject -> mark name, got {v!r}"
        )
    return dict(v)


def plan_from_dict(data: object, path: str = "<shot plan>") -> ShotPlan:
    """Validate and build a :class:`ShotPlan`; errors name the file and key path."""
    if not isinstance(data, dict):
        raise ShotPlanError(f"{path}: expected a mapping at the top, got {type(data).__name__}")
    version = _need(data, "previzkit_shot_plan", int, "", path)
    if version != SCHEMA_VERSION:
        raise ShotPlanError(
            f"{path}: previzkit_shot_plan: version {version} is not supported (this previzkit reads {SCHEMA_VERSION})"
        )
    scenes_raw = _need(data, "scenes", list, "", path)
    ids: set[str] = set()
    scenes: list[ScenePlan] = []
    for i, sc in enumerate(scenes_raw):
        w = f"scenes[{i}]"
        if not isinstance(sc, dict):
            raise ShotPlanError(f"{path}: {w}: expected a mapping, got {type(sc).__name__}")
        shots: list[Shot] = []
        for j, sh in enumerate(_need(sc, "shots", list, w, path)):
            ws = f"{w}.shots[{j}]"
            if not isinstance(sh, dict):
                raise ShotPlanError(f"{path}: {ws}: expected a mapping, got {type(sh).__name__}")
            sid = str(_need(sh, "id", (str, int), ws, path))
            if sid in ids:
                raise ShotPlanError(f"{path}: {ws}.id: duplicate shot id {sid!r}")
            ids.add(sid)
            kind = _need(sh, "type", str, ws, path)
            if kind not in SHOT_TYPES:
                raise ShotPlanError(
                    f"{path}: {ws}.type: {kind!r} is not one of {', '.join(SHOT_TYPES)}"
                )
            lens = _need(sh, "lens_mm", (int, float), ws, path)
            if not 4.0 <= float(lens) <= 1200.0:
                raise ShotPlanError(f"{path}: {ws}.lens_mm: {lens} mm is outside 4..1200 mm")
            side = _need(sh, "side", str, ws, path)
            if side not in SIDES:
                raise ShotPlanError(f"{path}: {ws}.side: {side!r} is not 'left' or 'right'")
            covers = _need(sh, "covers", list, ws, path)
            if not all(isinstance(x, int) and not isinstance(x, bool) and x > 0 for x in covers):
                raise ShotPlanError(
                    f"{path}: {ws}.covers: expected positive line numbers, got {covers!r}"
                )
            shots.append(
                Shot(
                    id=sid,
                    type=kind,
                    subjects=_str_list(sh, "subjects", ws, path),
                    lens_mm=float(lens),
                    side=side,
                    covers=list(covers),
                    description=str(sh.get("description") or ""),
                    camera=_camera(sh, ws, path),
                    marks=_marks(sh, ws, path),
                )
            )
        sky = sc.get("sky_model")
        ground = sc.get("ground_model")
        scenes.append(
            ScenePlan(
                number=str(_need(sc, "number", (str, int), w, path)),
                heading=str(_need(sc, "heading", str, w, path)),
                line=int(_need(sc, "line", int, w, path)),
                set_file=str(sc.get("set_file") or "sets/sample.yaml"),
                time=str(sc.get("time") or ""),
                sky_model=None if sky is None else str(sky),
                ground_model=None if ground is None else str(ground),
                axis=_str_list(sc, "axis", w, path) if "axis" in sc else [],
                shots=shots,
                notes=[str(n) for n in sc.get("notes") or []],
            )
        )
    title = data.get("title") or ""
    source = data.get("source")
    return ShotPlan(str(title), None if source is None else str(source), scenes, version)


def dump_yaml(data: dict) -> str:
    """YAML text with lists of scalars (subjects, covers, axis) on one line."""
    import yaml

    class _Dumper(yaml.SafeDumper):
        pass

    def _list(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
        flow = all(isinstance(v, (str, int, float)) for v in value)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=flow)

    _Dumper.add_representer(list, _list)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def save_shot_plan(plan: ShotPlan, path: str | Path) -> Path:
    """Write the plan as YAML (block style, keys in schema order)."""

    path = Path(path)
    header = (
        "# previzkit shot plan: edit freely, keep ids unique. Schema: docs/script.md\n"
        "# covers: source line numbers in the screenplay; side: camera side of the axis\n"
    )
    text = dump_yaml(plan_to_dict(plan))
    return write_text_atomic(path, header + text)


def load_shot_plan(path: str | Path) -> ShotPlan:
    """Read a plan saved by :func:`save_shot_plan` (and possibly edited by hand)."""
    import yaml

    path = Path(path)
    if not path.is_file():
        raise MissingFileError(f"{path}: no such shot plan file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ShotPlanError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ShotPlanError(
            f"{path}: not valid YAML{where}: {getattr(exc, 'problem', exc)}"
        ) from None
    return plan_from_dict(data, str(path))


def update_shot_plan(path: str | Path, shots: dict[str, dict]) -> Path:
    """Update shots of the plan file ``path`` in place, keeping its comments and layout.

    ``shots`` maps shot ids to the fields to set: ``camera`` (a name, or None to
    remove it), ``lens_mm``, ``marks`` (subject -> mark name; empty removes it). The
    new file is read back with the plan parser before it replaces the old (atomic).
    An unknown shot id or field is a ShotPlanError naming it.
    """
    import io

    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    path = Path(path)
    load_shot_plan(path)  # a valid plan to begin with
    y = YAML(typ="rt")
    y.preserve_quotes = True
    y.width = 100
    y.indent(mapping=2, sequence=2, offset=0)
    y.representer.add_representer(
        type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null")
    )
    data = y.load(path.read_text(encoding="utf-8"))
    entries = {str(sh["id"]): sh for sc in data["scenes"] for sh in sc["shots"]}
    for sid, update in shots.items():
        if sid not in entries:
            raise ShotPlanError(
                f"{path}: no shot {sid!r} to update (shots: {', '.join(entries) or 'none'})"
            )
        entry = entries[sid]
        for k, v in update.items():
            if k not in ("camera", "lens_mm", "marks"):
                raise ShotPlanError(
                    f"{path}: shot {sid}: cannot update {k!r} (fields: camera, lens_mm, marks)"
                )
            if k == "lens_mm":
                entry[k] = round(float(v), 3)
            elif v is None or (k == "marks" and not v):
                entry.pop(k, None)
            elif k == "marks":
                m = CommentedMap((str(a), str(b)) for a, b in dict(v).items())
                m.fa.set_flow_style()
                entry[k] = m
            else:
                entry[k] = v
    buf = io.StringIO()
    y.dump(data, buf)
    return write_text_atomic(path, buf.getvalue(), check=load_shot_plan)

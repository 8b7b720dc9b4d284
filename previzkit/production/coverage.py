"""A shot plan's shots as cameras on a set: where each camera stands for its shot.

Pure: takes the set (a :class:`~previzkit.model.setfile.SetDef`) and a planned shot
(:mod:`previzkit.script.shots`) and returns a new SetDef with the scene's cast on the
set's marks, facing each other, the scene's background, and one camera per shot.

Frames: metres, y up, floor y = 0; a character with yaw 0 faces +z. The 180° line
runs from the axis's first character A to B; ``side: right`` puts the camera on the
right of that line seen from above looking from A to B, so A is frame-left and B
frame-right (docs/script.md). Lenses are full-frame (36 x 24 mm), as the plan's
``lens_mm`` is.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.geometry import yaw_towards
from previzkit.model.camera import Lens
from previzkit.model.conditions import condition_for_heading
from previzkit.model.environments import PRESETS
from previzkit.model.setfile import BackgroundDef, CameraDef, CharacterDef, SetDef

FULL_FRAME = (36.0, 24.0)
EYE_M = 1.55  # eye line of a standing actor
COLORS = ((0.85, 0.55, 0.35), (0.35, 0.55, 0.85), (0.55, 0.8, 0.4), (0.8, 0.4, 0.7))


def _floor(p: Sequence[float]) -> np.ndarray:
    return np.array([float(p[0]), 0.0, float(p[1])])


def cast_marks(
    set_def: SetDef, cast: Sequence[str], assigned: Mapping[str, str] | None = None
) -> dict[str, str | None]:
    """The mark each cast member stands on: the one ``assigned`` to it (character ->
    mark name, e.g. placed in a blocking session), else the set file's own assignment,
    else the next mark no one holds, in set order; None when the marks run out."""
    chosen = {c.name: c.mark for c in set_def.characters if c.mark in set_def.marks}
    chosen.update({c: m for c, m in (assigned or {}).items() if m in set_def.marks})
    taken = {chosen[c] for c in cast if c in chosen}
    free = [k for k in set_def.marks if k not in taken]
    return {n: chosen[n] if n in chosen else (free.pop(0) if free else None) for n in cast}


def cast_positions(
    set_def: SetDef, cast: Sequence[str], assigned: Mapping[str, str] | None = None
) -> dict[str, np.ndarray]:
    """Each cast member's floor point (x, 0, z) on its :func:`cast_marks` mark; more
    cast than marks stand in a row beside the last mark, 1.2 m apart (a set without
    marks: two points 2 m apart about the origin)."""
    if not set_def.marks:
        row = [np.array([-1.0, 0.0, 0.0]), np.array([1.0, 0.0, 0.0])]
        return {n: row[i] if i < 2 else row[1] + [1.2 * (i - 1), 0, 0] for i, n in enumerate(cast)}
    last = _floor(list(set_def.marks.values())[-1].position)
    out, extra = {}, 0
    for name, mark in cast_marks(set_def, cast, assigned).items():
        if mark is not None:
            out[name] = _floor(set_def.marks[mark].position)
        else:
            extra += 1
            out[name] = last + np.array([1.2 * extra, 0.0, 0.0])
    return out


def plan_marks(scene: Any) -> dict[str, str]:
    """Character -> mark name the shot plan's shots stand them on (saved by a blocking
    session); the first shot that names a character's mark wins."""
    out: dict[str, str] = {}
    for shot in getattr(scene, "shots", ()):
        for who, mark in getattr(shot, "marks", {}).items():
            out.setdefault(who, mark)
    return out


def _lens(focal_mm: float, focus_m: float) -> Lens:
    return Lens(float(focal_mm), FULL_FRAME[0], FULL_FRAME[1], max(0.3, float(focus_m)))


def _fit_distance(width_m: float, height_m: float, lens: Lens, aspect: float) -> float:
    """Distance at which a ``width_m`` x ``height_m`` subject fills the frame."""
    half_w = math.tan(lens.hfov / 2)
    half_h = half_w / aspect
    return max(width_m / 2 / half_w, height_m / 2 / half_h)


def side_normal(a: np.ndarray, b: np.ndarray, side: str) -> np.ndarray:
    """Unit floor vector to the ``side`` ("right"/"left") of the 180° line from floor
    point ``a`` to ``b``, seen from above looking from a to b (heights ignored)."""
    u = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
    u[1] = 0.0
    n = np.linalg.norm(u)
    u = u / n if n > 1e-6 else np.array([1.0, 0.0, 0.0])
    right = np.array([-u[2], 0.0, u[0]])
    return right if side == "right" else -right


def shot_camera(
    shot: Any,
    positions: dict[str, np.ndarray],
    axis: Sequence[str],
    props: dict[str, np.ndarray] | None = None,
    aspect: float = 16 / 9,
) -> CameraDef:
    """The camera for one planned shot (``type``, ``subjects``, ``lens_mm``, ``side``).

    establishing: wide and high on the whole cast; master / two-shot: level, framing the
    pair; ots: over the shoulder of the second subject onto the first; single: a medium
    shot of the subject from the camera's side of the line; insert: the prop (or the
    first actor's hands) close; pov: from the subject's eyes onto the other. This is
    where the camera starts; :func:`previzkit.production.operator.operate` moves it
    through a take to frame the actors' actual heads.
    """
    kind = str(shot.type)
    cast = list(positions)
    if not cast:
        raise InputError(f"shot {shot.id}: the scene has no cast to frame")
    a_name = axis[0] if axis else cast[0]
    b_name = axis[1] if len(axis) > 1 else (cast[1] if len(cast) > 1 else cast[0])
    a, b = positions.get(a_name, positions[cast[0]]), positions.get(b_name, positions[cast[-1]])
    mid = sum(positions.values()) / len(positions)
    normal = side_normal(a, b, shot.side)
    up = np.array([0.0, 1.0, 0.0])
    subjects = [s for s in shot.subjects if s in positions]
    lens = _lens(shot.lens_mm, 3.0)
    spread = max(float(np.linalg.norm(p - mid)) for p in positions.values()) * 2
    if kind in ("establishing", "master", "two-shot"):
        group = (
            [positions[s] for s in subjects]
            if subjects and kind == "two-shot"
            else list(positions.values())
        )
        centre = sum(group) / len(group)
        width = max(float(np.linalg.norm(p - centre)) for p in group) * 2 + 1.4
        margin = {"establishing": 2.2, "master": 1.3, "two-shot": 1.0}[kind]
        dist = _fit_distance(width * margin, 2.1 * margin, lens, aspect)
        height = 3.2 if kind == "establishing" else 1.6
        pos = centre + normal * dist + up * height
        target = centre + up * (1.0 if kind == "establishing" else 1.2)
    elif kind == "ots" and len(subjects) >= 2:
        front, back = positions[subjects[0]], positions[subjects[1]]
        d = front - back
        d = d / (np.linalg.norm(d) + 1e-9)
        pos = back - d * 0.9 + normal * 0.45 + up * 1.65
        target = front + up * 1.2
    elif kind == "pov" and subjects:
        eye = positions[subjects[0]]
        others = [p for n, p in positions.items() if n != subjects[0]] or [mid + normal]
        pos = eye + up * EYE_M
        target = others[0] + up * 1.3
    elif kind == "insert":
        where = None
        for name in shot.subjects:
            key = str(name).lower().replace(" ", "_")
            where = (props or {}).get(key)
            if where is not None:
                break
        # the prop, or what the first actor handles: just in front of them, waist high
        spot = where if where is not None else a + (b - a) * 0.15
        dist = _fit_distance(1.0, 0.8, lens, aspect)
        pos = spot + normal * dist * 0.8 + up * (0.8 + dist * 0.4)
        target = spot + up * 0.7
    else:  # single (and an ots or pov without enough subjects)
        subject = subjects[0] if subjects else a_name
        s = positions[subject]
        others = [p for n, p in positions.items() if n != subject]
        toward = (others[0] - s) if others else normal
        toward = toward / (np.linalg.norm(toward) + 1e-9)
        # a medium shot (1.4 m of frame height), so a kneeling actor stays in frame
        dist = _fit_distance(0.9, 1.4, lens, aspect)
        d = toward * math.cos(math.radians(35)) + normal * math.sin(math.radians(35))
        pos = s + d / np.linalg.norm(d) * dist + up * 1.4
        target = s + up * 1.1
    if spread <= 0:
        spread = 1.0
    focus = float(np.linalg.norm(target - pos))
    return CameraDef(
        name=str(shot.id),
        lens=_lens(shot.lens_mm, focus),
        position=(float(pos[0]), float(pos[1]), float(pos[2])),
        target=(float(target[0]), float(target[1]), float(target[2])),
    )


def scene_set(
    base: SetDef,
    scene: Any,
    assets: Path,
    *,
    sky_size: tuple[int, int] = (1024, 512),
    seed: int = 7,
) -> SetDef:
    """The set for one scene of the plan: its cast (the axis first) on the marks facing
    each other, the planned sky (GAN) and ground, a camera per shot. ``assets``
    resolves the plan's model paths; a missing model keeps the set's own background, and
    so does a set whose background is an interior environment preset."""
    cast = list(scene.axis)
    for shot in scene.shots:
        for s in shot.subjects:
            if s.isupper() and s not in cast and shot.type not in ("insert",):
                cast.append(s)
    if not cast:
        cast = [c.name for c in base.characters][:2]
    on_mark = cast_marks(base, cast, plan_marks(scene))
    positions = cast_positions(base, cast, plan_marks(scene))
    chars = []
    centre = sum(positions.values()) / len(positions)
    for i, name in enumerate(cast):
        p = positions[name]
        others = [q for n, q in positions.items() if n != name]
        look = others[0] if len(others) == 1 else centre + np.array([0.0, 0.0, 4.0])
        chars.append(
            CharacterDef(
                name=name,
                model="mannequin",
                mark=on_mark.get(name),
                position=(float(p[0]), float(p[1]), float(p[2])),
                yaw_deg=yaw_towards(p, look),
                color=COLORS[i % len(COLORS)],
            )
        )
    props = {p.name.lower(): np.array(p.position, dtype=float) for p in base.props}
    cameras = {}
    for shot in scene.shots:
        cameras[shot.id] = shot_camera(shot, positions, scene.axis, props)
    bg = base.background
    sky = getattr(scene, "sky_model", None)
    if sky and _interior_environment(bg):
        sky = None  # a room's own panorama (INT. ... NIGHT): no sky to swap in
    if sky:
        sky_path = assets / sky
        if sky_path.is_file():
            # An environment model draws the place the heading names (night exterior,
            # interior, ...); a PSGAN sky ignores the condition.
            condition = condition_for_heading(getattr(scene, "heading", "") or "")
            bg = dataclasses.replace(
                bg,
                image=None,
                model=sky_path,
                seed=seed,
                size=sky_size,
                condition=condition,
                environment=None,
            )
    ground = getattr(scene, "ground_model", None)
    if ground:
        gpath = assets / ground
        if not gpath.is_file():  # the plan names grass; the shipped ground may differ
            found = sorted((assets / "models" / "genai").glob("ground_*.pt"))
            gpath = found[0] if found else gpath
        if gpath.is_file():
            bg = dataclasses.replace(bg, ground_model=gpath, ground_image=None, ground_size=256)
    if not isinstance(bg, BackgroundDef):  # pragma: no cover - defensive
        raise InputError("scene set: background is not a BackgroundDef")
    return dataclasses.replace(
        base,
        characters=chars,
        cameras=cameras,
        default_camera=next(iter(cameras), None),
        background=bg,
    )


def _interior_environment(bg: BackgroundDef) -> bool:
    """Whether ``bg`` is a shipped interior environment (a room, not a sky)."""
    preset = PRESETS.get(bg.environment or "")
    return preset is not None and preset.kind == "interior"

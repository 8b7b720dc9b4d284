"""Blocking becomes performance: a scene's action lines and dialogue -> each character's
timeline of library clips and root path (:func:`block_scene`), played into poses and
per-frame placements (:func:`perform`).

Blocking (pure text rules, per clause of an action line; a clause's subject is the cast
name in it, "he"/"she" the last one named, "they" everyone):

- ``enters``, ``steps out/in``, ``comes in``, ``leads``, ``follows``, ``behind``: walk on
  from upstage (1.5 m behind the home mark, away from the cameras) to the home mark;
- ``exits``, ``leaves``, ``walks out/off/away``: walk off to that point;
- ``crosses/walks/moves/steps/heads/goes/approaches (to) X``: walk to X (a cast member,
  stopping 0.9 m short; a mark; a prop, stopping 0.6 m short);
- ``kneels``, ``crouches``, ``squats``, ``sits (on X)``: kneel (the library has no sit
  clip: kneeling stands in for sitting, beside the prop, which is walked to first when
  it is over 1.2 m away);
- ``stands (up)``, ``gets up``, ``rises``: stand up from kneeling;
- ``turns to X``: face X.

Between moves a character idles (``idle_stand``, or ``kneel_hold`` kneeling), facing
the speaker while listening and whom it speaks to while speaking (the previous other
speaker, else the nearest cast member). There is no talking (gesture) clip in the
library: speaking plays the idle too, labelled ``speak``.

Playing (:func:`perform`): frames at ``fps`` over the scene. Each clip is hip-centred
(the character's placement carries the hips over the floor) and its root motion moves
the placement: the hips' horizontal travel, scaled by the character's leg length over
the actor's (``stride_scale``), rotated by the placement's yaw, so a planted foot stays
where it was planted. ``walk`` loops by cycles, carrying the root; idles play forward
and back (ping-pong, no drift); one-shot clips (kneel down, stand up) hold their last
frame and hand their turn to the next segment's yaw. Clips crossfade over ``blend_s``.
Turns in place pivot the placement about the hips (about 180 deg/s).

Frames: metres, seconds, right-handed, y up, floor y = 0; a character with yaw 0 faces
+z; times are seconds of performance from the scene's first beat (the script's time
times the take's ``scale``).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError
from previzkit.core.geometry import yaw_towards

WALK_CLIP, IDLE_CLIP = "walk", "idle_stand"
KNEEL_CLIP, HOLD_CLIP, STAND_CLIP = "kneel_down", "kneel_hold", "stand_up_from_kneel"
BLEND_S = 0.25
OFFSTAGE_M = 1.5
TURN_DEG_S = 180.0
PREROLL_S = 2.0

_ENTER = re.compile(r"\b(enters?|steps? (?:out|in)|comes? in|walks? in|leads?|follows?|behind)\b")
_EXIT = re.compile(r"\b(exits?|leaves|walks? (?:out|off|away))\b")
_KNEEL = re.compile(r"\b(kneels?|crouch(?:es)?|squats?|sits?)\b")
_STAND = re.compile(r"\b(stands? up|gets? up|rises|stands)\b")
_WALK = re.compile(r"\b(cross(?:es)?|walks?|moves?|steps?|heads?|goes|approach(?:es)?)\b")
_TURN = re.compile(r"\bturns? (?:to|toward|towards)\b")


@dataclass(frozen=True)
class Cue:
    """One blocking instruction for ``character`` at ``time_s``: ``action`` is ``enter``,
    ``exit``, ``walk``, ``kneel``, ``stand`` or ``face``; ``target`` a floor point (x, z)
    or a character's name (``face``, ``walk`` to a character); ``line`` its source line."""

    time_s: float
    character: str
    action: str
    target: tuple[float, float] | str | None = None
    line: int = 0


@dataclass(frozen=True)
class Blocking:
    """A scene's blocking: each character's ``home`` (floor x, z; yaw deg), the cues in
    time order, the speaking windows ((start_s, end_s, speaker)), and the scene's end."""

    home: dict[str, tuple[float, float, float]]
    cues: list[Cue]
    speech: list[tuple[float, float, str]]
    end_s: float


@dataclass(frozen=True)
class Segment:
    """What one character plays from ``start_s`` to ``end_s``: ``action`` (``idle``,
    ``speak``, ``walk``, ``kneel``, ``hold``, ``stand``, ``turn``) with library clip
    ``clip``, from floor point ``start`` to ``end`` (x, z)."""

    character: str
    start_s: float
    end_s: float
    action: str
    clip: str
    start: tuple[float, float]
    end: tuple[float, float]


@dataclass
class Performance:
    """One character's performance at ``fps`` from ``t0_s``: hip-centred landmarks in
    its placement frame (N, 33, 3), placement floor position (N, 3) and yaw (N,) deg,
    the action per frame, and the segments played."""

    character: str
    t0_s: float
    fps: float
    landmarks: npt.NDArray[np.float64]
    position: npt.NDArray[np.float64]
    yaw_deg: npt.NDArray[np.float64]
    action: list[str]
    segments: list[Segment] = field(default_factory=list)

    def frame_at(self, t_s: float) -> int:
        """The nearest frame to performance time ``t_s`` (clamped to the performance)."""
        return int(np.clip(round((t_s - self.t0_s) * self.fps), 0, len(self.yaw_deg) - 1))


# --- blocking from the script --------------------------------------------------------


def _names_in(clause: str, cast: Sequence[str]) -> list[tuple[int, str]]:
    out = []
    for n in cast:
        m = re.search(rf"\b{re.escape(n)}\b", clause, re.I)
        if m:
            out.append((m.start(), n))
    return sorted(out)


def _target(
    rest: str,
    cast: Sequence[str],
    marks: Mapping[str, tuple[float, float]],
    props: Mapping[str, tuple[float, float]],
) -> tuple[float, float] | str | None:
    for _, n in _names_in(rest, cast):
        return n
    low = rest.lower()
    for key, p in props.items():
        if key.replace("_", " ") in low:
            return ("prop", *p)  # type: ignore[return-value]
    for key, p in marks.items():
        if re.search(rf"\bmark {re.escape(key.lower())}\b", low):
            return p
    return None


def block_scene(
    scene: Any,
    home: Mapping[str, tuple[float, float, float]],
    *,
    scale: float = 1.0,
    marks: Mapping[str, tuple[float, float]] | None = None,
    props: Mapping[str, tuple[float, float]] | None = None,
    timing: Any = None,
) -> Blocking:
    """The blocking of a parsed :class:`~previzkit.script.model.Scene` for the cast in
    ``home`` (name -> floor x, z and yaw deg, e.g. the scene set's characters). Beat
    times follow :func:`previzkit.edit.assemble.scene_beats` times ``scale``."""
    from previzkit.edit.assemble import scene_beats

    if scale <= 0:
        raise InputError(f"blocking: scale must be > 0, got {scale}")
    cast = list(home)
    marks = dict(marks or {})
    props = {k.lower(): v for k, v in (props or {}).items()}
    cues: list[Cue] = []
    speech: list[tuple[float, float, str]] = []
    t = 0.0
    last: str | None = None
    for beat in scene_beats(scene, timing):
        dur = beat.estimate_s * scale
        if beat.kind == "dialogue" and beat.speaker in home:
            speech.append((t, t + dur, str(beat.speaker)))
            last = beat.speaker
        elif beat.kind == "action":
            text = re.sub(r"\([^)]*\)", "", " ".join(beat.text))
            for clause in re.split(r"[.;,:!?]", text):
                names = _names_in(clause, cast)
                subjects = [n for _, n in names]
                if not subjects:
                    if re.search(r"\bthey\b", clause, re.I):
                        subjects = list(cast)
                    elif re.search(r"\b(he|she)\b", clause, re.I) and last:
                        subjects = [last]
                for i, who in enumerate(subjects):
                    start = names[i][0] if i < len(names) else 0
                    stop = names[i + 1][0] if i + 1 < len(names) else len(clause)
                    part = clause[start:stop].lower()
                    cue = _cue(part, who, cast, marks, props, t, beat.lines[0])
                    if cue is not None:
                        cues.extend(cue)
                if names:
                    last = names[-1][1]
        t += dur
    return Blocking(dict(home), sorted(cues, key=lambda c: c.time_s), speech, t)


def _cue(
    part: str,
    who: str,
    cast: Sequence[str],
    marks: Mapping[str, tuple[float, float]],
    props: Mapping[str, tuple[float, float]],
    t: float,
    line: int,
) -> list[Cue] | None:
    if _EXIT.search(part):
        return [Cue(t, who, "exit", None, line)]
    m = _ENTER.search(part)
    if m:
        delay = 1.0 if m.group(1) in ("behind", "follows", "follow") else 0.0
        return [Cue(t + delay, who, "enter", None, line)]
    m = _KNEEL.search(part)
    if m:
        target = _target(part[m.end() :], [c for c in cast if c != who], marks, props)
        out: list[Cue] = []
        if isinstance(target, tuple) and len(target) == 3:  # sits on a prop: go there
            out.append(Cue(t, who, "walk", ("prop", target[1], target[2]), line))
        return [*out, Cue(t, who, "kneel", None, line)]
    if _STAND.search(part):
        return [Cue(t, who, "stand", None, line)]
    m = _TURN.search(part)
    if m:
        target = _target(part[m.end() :], [c for c in cast if c != who], marks, props)
        return [Cue(t, who, "face", target, line)] if target is not None else None
    m = _WALK.search(part)
    if m:
        target = _target(part[m.end() :], [c for c in cast if c != who], marks, props)
        return [Cue(t, who, "walk", target, line)] if target is not None else None
    return None


# --- the clips, prepared ---------------------------------------------------------------


@dataclass(frozen=True)
class _Motion:
    """A library clip hip-centred (``local`` (F, 33, 3)), turned so it starts facing +z
    (a walk: so its cycle travels +z), its hips' floor travel ``root`` (F, 2) (x, z) from
    frame 0, and its turn ``heading`` (F,) deg from frame 0."""

    id: str
    fps: float
    local: npt.NDArray[np.float64]
    root: npt.NDArray[np.float64]
    heading: npt.NDArray[np.float64]

    @property
    def frames(self) -> int:
        return len(self.local)


def _rot(points: npt.NDArray[np.float64], yaw_deg: float | npt.NDArray[np.float64]) -> Any:
    """Rotate (..., 3) points by ``yaw_deg`` about +y (as ``geometry.translation``)."""
    a = np.radians(yaw_deg)
    c, s = np.cos(a), np.sin(a)
    out = np.array(points, dtype=np.float64, copy=True)
    x, z = points[..., 0], points[..., 2]
    if np.ndim(a):
        c, s = c[:, None], s[:, None]
    out[..., 0] = c * x + s * z
    out[..., 2] = -s * x + c * z
    return out


def _heading(lm: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    left = lm[:, 23] - lm[:, 24]
    return np.degrees(np.unwrap(np.arctan2(-left[:, 2], left[:, 0])))


def prepare_motion(clip_id: str, fps: float, landmarks: npt.ArrayLike) -> _Motion:
    """A library clip's landmarks (with root motion) as :func:`perform` plays them."""
    lm = np.asarray(landmarks, dtype=np.float64)
    hips = (lm[:, 23] + lm[:, 24]) / 2
    if clip_id == WALK_CLIP:
        d = hips[-1] - hips[0]
        align = math.degrees(math.atan2(d[0], d[2]))
    else:
        align = float(_heading(lm[:1])[0])
    local = lm - hips[:, None] * np.array([1.0, 0.0, 1.0])
    local = _rot(local, -align)
    root = _rot(hips - hips[0], -align)[:, [0, 2]]
    heading = _heading(local)
    return _Motion(clip_id, fps, local, root, heading - heading[0])


def leg_length(landmarks: npt.ArrayLike) -> float:
    """Median hip-knee-ankle length (m) over (F, 33, 3) or (33, 3) landmarks."""
    lm = np.asarray(landmarks, dtype=np.float64).reshape(-1, 33, 3)
    legs = [
        np.linalg.norm(lm[:, a] - lm[:, b], axis=1) + np.linalg.norm(lm[:, b] - lm[:, c], axis=1)
        for a, b, c in ((23, 25, 27), (24, 26, 28))
    ]
    return float(np.median(np.concatenate(legs)))


def load_motions(library: Any = None) -> dict[str, _Motion]:
    """The clips :func:`perform` plays, prepared, from a
    :class:`~previzkit.production.library.MotionLibrary` (default: the shipped one)."""
    from previzkit.production.library import load_library

    lib = library or load_library()
    out = {}
    for cid in (WALK_CLIP, IDLE_CLIP, KNEEL_CLIP, HOLD_CLIP, STAND_CLIP):
        clip = lib.get(cid)
        out[cid] = prepare_motion(cid, clip.fps, clip.landmarks())
    return out


def _sample(m: _Motion, local_s: float, mode: str) -> tuple[Any, Any, float]:
    """(local landmarks, root (x, z) travel, heading deg) of ``m`` at ``local_s``."""
    f = local_s * m.fps
    n = m.frames
    if mode == "cycle":
        period = n - 1
        k, j = divmod(f, period)
        i = min(round(j), n - 1)
        return m.local[i], m.root[i] + k * m.root[-1], float(m.heading[i])
    if mode == "pingpong":
        period = 2 * (n - 1)
        j = f % period
        i = min(round(j if j <= n - 1 else period - j), n - 1)
        return m.local[i], m.root[i], float(m.heading[i])
    i = int(min(max(round(f), 0), n - 1))
    return m.local[i], m.root[i], float(m.heading[i])


# --- playing the blocking --------------------------------------------------------------

_MODE = {"walk": "cycle", "idle": "pingpong", "speak": "pingpong", "hold": "pingpong"}
_MODE.update({"kneel": "once", "stand": "once", "turn": "pingpong"})


def perform(
    blocking: Blocking,
    motions: Mapping[str, _Motion],
    *,
    fps: float = 30.0,
    stride_scale: float | Mapping[str, float] = 1.0,
    blend_s: float = BLEND_S,
    preroll_s: float = PREROLL_S,
    postroll_s: float = PREROLL_S,
) -> dict[str, Performance]:
    """Every character's :class:`Performance` of ``blocking`` from ``-preroll_s`` to the
    scene's end + ``postroll_s`` (``motions``: :func:`load_motions`; ``stride_scale``:
    the character's leg length over the clips' actor's, one or per character)."""
    if fps <= 0:
        raise InputError(f"perform: fps must be > 0, got {fps}")
    missing = [
        c for c in (WALK_CLIP, IDLE_CLIP, KNEEL_CLIP, HOLD_CLIP, STAND_CLIP) if c not in motions
    ]
    if missing:
        raise InputError(f"perform: the motion library lacks clips {', '.join(missing)}")
    t0, t1 = -preroll_s, blocking.end_s + postroll_s
    n = math.ceil((t1 - t0) * fps) + 1
    out = {}
    for name in blocking.home:
        scale = stride_scale.get(name, 1.0) if isinstance(stride_scale, Mapping) else stride_scale
        segs = _segments(blocking, name, motions, scale, t0, t1)
        out[name] = _play(name, segs, motions, scale, t0, fps, n, blend_s)
    return out


def _offstage(blocking: Blocking, name: str) -> tuple[float, float]:
    """Upstage of ``name``'s home: ``OFFSTAGE_M`` behind the line from the first home to
    the second, away from the cameras' side (coverage puts them on its right)."""
    pts = np.array([h[:2] for h in blocking.home.values()])
    p = np.array(blocking.home[name][:2])
    u = pts[1] - pts[0] if len(pts) > 1 else np.array([1.0, 0.0])
    u = u / np.linalg.norm(u) if np.linalg.norm(u) > 1e-6 else np.array([1.0, 0.0])
    right = np.array([-u[1], u[0]])  # (x, z) of coverage's right-side normal
    q = p - right * OFFSTAGE_M
    return float(q[0]), float(q[1])


@dataclass
class _Plan:
    """A segment being planned, with the yaw it starts at and turns to."""

    seg: Segment
    yaw0: float
    yaw1: float


def _segments(
    blocking: Blocking,
    name: str,
    motions: Mapping[str, _Motion],
    scale: float,
    t0: float,
    t1: float,
) -> list[_Plan]:
    hx, hz, hyaw = blocking.home[name]
    cues = [c for c in blocking.cues if c.character == name]
    pos = (hx, hz)
    if cues and cues[0].action == "enter":
        pos = _offstage(blocking, name)
    yaw = hyaw
    kneeling = False
    face: str | tuple[float, float] | None = None
    plans: list[_Plan] = []
    cursor = t0
    walk = motions[WALK_CLIP]
    speed = scale * float(np.linalg.norm(walk.root[-1])) / ((walk.frames - 1) / walk.fps)

    def rest(until: float) -> None:
        nonlocal cursor, yaw
        if until <= cursor + 1e-6:
            return
        # split at speech changes: speak / listen, facing the partner
        cuts = sorted(
            {
                cursor,
                until,
                *(x for s, e, _ in blocking.speech for x in (s, e) if cursor < x < until),
            }
        )
        for a, b in itertools.pairwise(cuts):
            speaking = next((sp for s, e, sp in blocking.speech if s <= a < e), None)
            target = _facing(blocking, name, speaking, a, pos, face, plans_pos)
            want = (
                yaw
                if target is None
                else yaw_towards((pos[0], 0, pos[1]), (target[0], 0, target[1]))
            )
            want = yaw + ((want - yaw + 180.0) % 360.0 - 180.0)
            action = "hold" if kneeling else ("speak" if speaking == name else "idle")
            clip = HOLD_CLIP if kneeling else IDLE_CLIP
            plans.append(_Plan(Segment(name, a, b, action, clip, pos, pos), yaw, want))
            yaw = want
        cursor = until

    def move(to: tuple[float, float], stop_m: float) -> None:
        nonlocal cursor, pos, yaw
        if kneeling:
            stand()
        d = np.array(to) - np.array(pos)
        dist = float(np.linalg.norm(d)) - stop_m
        if dist < 0.3:
            return
        heading = yaw_towards((pos[0], 0, pos[1]), (to[0], 0, to[1]))
        heading = yaw + ((heading - yaw + 180.0) % 360.0 - 180.0)
        turn_s = abs(heading - yaw) / TURN_DEG_S
        if turn_s > 0.1:
            plans.append(
                _Plan(
                    Segment(name, cursor, cursor + turn_s, "turn", IDLE_CLIP, pos, pos),
                    yaw,
                    heading,
                )
            )
            cursor += turn_s
        yaw = heading
        dur = dist / speed
        end = np.array(pos) + d / np.linalg.norm(d) * dist
        end_t = (float(end[0]), float(end[1]))
        plans.append(
            _Plan(Segment(name, cursor, cursor + dur, "walk", WALK_CLIP, pos, end_t), yaw, yaw)
        )
        cursor += dur
        pos = end_t

    def once(action: str, clip: str) -> None:
        nonlocal cursor, yaw
        m = motions[clip]
        dur = (m.frames - 1) / m.fps
        r = m.root[-1] * scale
        dx = _rot(np.array([r[0], 0.0, r[1]]), yaw)
        plans.append(_Plan(Segment(name, cursor, cursor + dur, action, clip, pos, pos), yaw, yaw))
        cursor += dur
        yaw += float(m.heading[-1])
        _shift(float(dx[0]), float(dx[2]))

    def _shift(dx: float, dz: float) -> None:
        nonlocal pos
        pos = (pos[0] + dx, pos[1] + dz)

    def stand() -> None:
        nonlocal kneeling
        once("stand", STAND_CLIP)
        kneeling = False

    plans_pos = {n: h[:2] for n, h in blocking.home.items()}
    for cue in cues:
        rest(max(cue.time_s, cursor))
        if cue.action == "enter":
            move((hx, hz), 0.0)
        elif cue.action == "exit":
            move(_offstage(blocking, name), 0.0)
        elif cue.action == "walk":
            tgt = cue.target
            if isinstance(tgt, str):
                p = plans_pos.get(tgt)
                if p is not None:
                    move(p, 0.9)
            elif isinstance(tgt, tuple) and len(tgt) == 3:
                if math.dist(pos, tgt[1:]) > 1.2:
                    move((tgt[1], tgt[2]), 0.6)
            elif tgt is not None:
                move((float(tgt[0]), float(tgt[1])), 0.0)
        elif cue.action == "kneel" and not kneeling:
            once("kneel", KNEEL_CLIP)
            kneeling = True
        elif cue.action == "stand" and kneeling:
            stand()
        elif cue.action == "face":
            face = cue.target
        plans_pos[name] = pos
    rest(t1)
    return plans


def _facing(
    blocking: Blocking,
    name: str,
    speaking: str | None,
    t: float,
    pos: tuple[float, float],
    face: Any,
    positions: Mapping[str, tuple[float, float]],
) -> tuple[float, float] | None:
    """Where ``name`` looks at time ``t``: the speaker when listening; when speaking the
    last other speaker (else the nearest cast member); a ``turns to`` target otherwise."""
    others = [n for n in blocking.home if n != name]
    if speaking is not None and speaking != name:
        return positions.get(speaking)
    if speaking == name:
        before = [sp for s, _, sp in blocking.speech if s < t and sp != name]
        after = [sp for s, _, sp in blocking.speech if s > t and sp != name]
        who = before[-1] if before else (after[0] if after else None)
        if who is None and others:
            who = min(others, key=lambda o: math.dist(pos, positions[o]))
        return positions.get(who) if who else None
    if isinstance(face, str):
        return positions.get(face)
    if isinstance(face, tuple):
        return (float(face[-2]), float(face[-1]))
    if others:
        return positions[min(others, key=lambda o: math.dist(pos, positions[o]))]
    return None


def _play(
    name: str,
    plans: list[_Plan],
    motions: Mapping[str, _Motion],
    scale: float,
    t0: float,
    fps: float,
    n: int,
    blend_s: float,
) -> Performance:
    lms = np.zeros((n, 33, 3))
    pos = np.zeros((n, 3))
    yaw = np.zeros(n)
    action = [""] * n
    times = t0 + np.arange(n) / fps
    k = 0
    for i, t in enumerate(times):
        while k + 1 < len(plans) and t >= plans[k + 1].seg.start_s:
            k += 1
        p = plans[k]
        lm, y, xz = _at(p, motions, scale, t)
        if k > 0 and t - p.seg.start_s < blend_s:  # crossfade from the previous clip
            prev = plans[k - 1]
            plm, py, _ = _at(prev, motions, scale, t)
            w = (t - p.seg.start_s) / blend_s
            w = w * w * (3 - 2 * w)
            lm = (1 - w) * _rot(plm, py - y) + w * lm
        lms[i], pos[i], yaw[i], action[i] = lm, (xz[0], 0.0, xz[1]), y, p.seg.action
    segs = [p.seg for p in plans]
    return Performance(name, float(t0), float(fps), lms, pos, yaw, action, segs)


def _at(p: _Plan, motions: Mapping[str, _Motion], scale: float, t: float) -> tuple[Any, float, Any]:
    """(local landmarks, yaw deg, floor (x, z)) of planned segment ``p`` at time ``t``."""
    s = p.seg
    m = motions[s.clip]
    local_t = t - s.start_s
    lm, root, _turn = _sample(m, max(local_t, 0.0), _MODE[s.action])
    mode = _MODE[s.action]
    if mode == "once":  # the clip's turn is in its pose; its travel moves the placement
        y = p.yaw0
        d = _rot(np.array([root[0], 0.0, root[1]]) * scale, y)
        return lm, y, (s.start[0] + d[0], s.start[1] + d[2])
    if s.action == "walk":
        length = math.dist(s.start, s.end)
        d = _rot(np.array([root[0], 0.0, root[1]]) * scale, p.yaw0)
        u = np.array(s.end) - np.array(s.start)
        u = u / (np.linalg.norm(u) + 1e-12)
        along = float(d[0] * u[0] + d[2] * u[1])
        if along > length:  # arrived: the end of the path
            d = d * (length / max(along, 1e-9))
        return lm, p.yaw0, (s.start[0] + d[0], s.start[1] + d[2])
    # idle / speak / hold / turn: pivot toward yaw1, the idle's own sway moves the hips
    dur = max(s.end_s - s.start_s, 1e-6)
    turn_s = min(dur, max(abs(p.yaw1 - p.yaw0) / TURN_DEG_S, 1e-6))
    w = min(max(local_t / turn_s, 0.0), 1.0)
    w = w * w * (3 - 2 * w)
    y = p.yaw0 + (p.yaw1 - p.yaw0) * w
    d = _rot(np.array([root[0], 0.0, root[1]]) * scale, y)
    return lm, y, (s.start[0] + d[0], s.start[1] + d[2])

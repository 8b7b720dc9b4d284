"""Shot selection: per beat, the script's hard rules first, then the styles' preferences;
then consecutive beats on one shot become segments and too-short segments are merged
into a neighbour that the script allows (pure).

Each beat's candidates are the usable shots covering it, narrowed by
:func:`~previzkit.edit.coverage.hard_candidates`; the selected
:class:`~previzkit.edit.styles.Style` scores add up and the best wins (ties: plan
order). The reason kept per segment names the script rule and the style that decided
(the style whose points put the chosen shot furthest ahead of the next best).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from previzkit.edit.beats import Beat, Segment, covers
from previzkit.edit.coverage import Cues, hard_candidates
from previzkit.edit.styles import Context, Style, parse_styles


@dataclass(frozen=True)
class Choice:
    """The shot picked for one beat, the shots the script allowed it, and why."""

    beat: Beat
    shot: Any
    allowed: tuple[Any, ...]
    why: tuple[str, ...]


def pick(
    beat: Beat, cues: Cues, shots: list[Any], styles: tuple[Style, ...], ctx: Context
) -> Choice | None:
    """The shot for ``beat`` among ``shots`` (those with a usable take), None when no
    shot covers it. A script rule that leaves no shot is dropped (logged in ``why``)."""
    cands = [s for s in shots if covers(s, beat)]
    if not cands:
        return None
    allowed, rule = hard_candidates(beat, cues, cands)
    why: list[str] = []
    if not allowed:
        allowed = cands
        if rule:
            why.append(f"{rule} (no such shot: not kept)")
    elif rule:
        why.append(rule)
    points = {id(s): [st.score(beat, s, ctx) for st in styles] for s in allowed}
    best = max(allowed, key=lambda s: (sum(points[id(s)]), -shots.index(s)))
    others = [s for s in allowed if s is not best]
    if not others:
        why.append("style: the only shot allowed")
    else:
        margin = [
            points[id(best)][k] - max(points[id(o)][k] for o in others) for k in range(len(styles))
        ]
        k = max(range(len(styles)), key=lambda i: margin[i]) if styles else -1
        if k >= 0 and margin[k] > 0:
            why.append(f"style {styles[k].name}: {styles[k].doc}")
        else:
            why.append("style: plan order")
    return Choice(beat, best, tuple(allowed), tuple(why))


def choose_shot(
    beat: Beat,
    shots: list[Any],
    opening: bool,
    styles: str = "start-wide,speaker-visible,action-wide",
) -> Any | None:
    """The shot ``styles`` pick for ``beat`` among ``shots`` with no script cues and no
    scene context (a shortcut for callers without the scene)."""
    c = pick(beat, Cues(), shots, parse_styles(styles), Context(opening=opening))
    return c.shot if c else None


def choose_scene(
    beats: list[Beat],
    cues: list[Cues],
    shots: list[Any],
    styles: tuple[Style, ...],
    establishing_beats: int = 1,
) -> tuple[list[Choice], list[Beat]]:
    """A :class:`Choice` per beat in order, and the beats no usable shot covers."""
    chosen: list[Choice] = []
    missing: list[Beat] = []
    ctx = Context()
    n = max(len(beats) - 1, 1)
    for b, c in zip(beats, cues, strict=True):
        ctx.position = b.index / n
        ctx.opening = b.index < establishing_beats
        choice = pick(b, c, shots, styles, ctx)
        if choice is None:
            missing.append(b)
            continue
        chosen.append(choice)
        ctx.previous = choice.shot
        ctx.used.add(choice.shot.type)
    return chosen, missing


def segments_for_scene(
    beats: list[Beat],
    shots: list[Any],
    seconds: Callable[[Any, list[Beat]], float],
    rules: Any = None,
    cues: list[Cues] | None = None,
    styles: tuple[Style, ...] | None = None,
) -> tuple[list[Segment], list[Beat]]:
    """Segments of one scene and the beats no usable shot covers.

    ``seconds(shot, beats)`` is the screen time the beats would take on that shot;
    ``rules``: :class:`~previzkit.edit.assemble.AssemblyRules` (``min_shot_s``,
    ``establishing_beats``); ``cues``: per beat (default none); ``styles``: default
    :data:`~previzkit.edit.styles.DEFAULT_STYLES`. A segment under ``min_shot_s`` moves
    to a neighbour's shot (else the master) only where the script allows that shot.
    """
    min_shot_s = getattr(rules, "min_shot_s", 1.0)
    chosen, missing = choose_scene(
        beats,
        cues or [Cues() for _ in beats],
        shots,
        styles or parse_styles(None),
        getattr(rules, "establishing_beats", 1),
    )
    allowed = {id(c.beat): c.allowed for c in chosen}
    why = {id(c.beat): list(c.why) for c in chosen}

    def fits(shot: Any, b: Beat) -> bool:
        return any(shot is s for s in allowed[id(b)])

    def group(pairs: list[tuple[Beat, Any]]) -> list[Segment]:
        segs: list[Segment] = []
        for b, s in pairs:
            if segs and segs[-1].shot is s:
                segs[-1].beats.append(b)
            else:
                segs.append(Segment(s, [b]))
        return segs

    segs = group([(c.beat, c.shot) for c in chosen])
    picked = {id(c.beat): c.shot for c in chosen}
    master = next((s for s in shots if s.type == "master"), None)
    for _ in range(len(segs) + 1):
        changed = False
        for i, seg in enumerate(segs):
            if len(segs) < 2 or seconds(seg.shot, seg.beats) >= min_shot_s:
                continue
            options = []
            if i > 0:
                options.append(segs[i - 1].shot)
            if i + 1 < len(segs):
                options.append(segs[i + 1].shot)
            if master is not None:
                options.append(master)
            for alt in options:
                if alt is not seg.shot and all(fits(alt, b) for b in seg.beats):
                    seg.shot = alt
                    changed = True
                    break
            if not changed:  # no other shot fits it: let it take over a neighbour
                for j in (i + 1, i - 1):
                    if 0 <= j < len(segs) and all(fits(seg.shot, b) for b in segs[j].beats):
                        segs[j].shot = seg.shot
                        changed = True
                        break
            if changed:
                break
        segs = group([(b, seg.shot) for seg in segs for b in seg.beats])
        if not changed:
            break
    for seg in segs:
        for b in seg.beats:
            reasons = why[id(b)]
            if seg.shot is not picked[id(b)]:
                reasons = [r for r in reasons if r.startswith("script:")]
                reasons.append(f"merged: under {min_shot_s:g} s on its own shot")
            seg.why += [r for r in reasons if r not in seg.why]
    return segs, missing

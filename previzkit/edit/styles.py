"""Editing styles: small, combinable preferences over the shots a beat may use (pure).

After the script's hard rules (:mod:`previzkit.edit.coverage`) each candidate shot of a
beat is scored by every selected :class:`Style` and the shot with the highest sum wins
(ties: plan order). Styles follow the editing idioms of Leake et al. 2017,
"Computational video editing for dialogue-driven scenes":

- ``start-wide``: a scene's opening action on the establishing shot, else the master;
- ``speaker-visible``: a line on the speaker (single, then OTS, then a two-shot with
  them, then the master), never on someone else's single;
- ``action-wide``: action on the master (then a two-shot, the establishing shot...);
- ``intensify``: dialogue moves in as the scene goes on: two-shot, then OTS, then singles;
- ``avoid-jump-cuts``: stay on the shot when it still fits, and never cut between two
  shots of the same type and subjects;
- ``variety``: a shot type the scene has not shown yet is preferred (more coverage);
- ``jl-cuts``: picks no shot; the sound edit leads (J) or trails (L) the picture edit
  where the take whose sound crosses the cut covers that moment (:mod:`~previzkit.edit.jl`).

``DEFAULT_STYLES`` is used when none is named.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from previzkit.core.errors import InputError


@dataclass
class Context:
    """Where a beat is in its scene: ``position`` 0..1 (first to last beat), ``opening``
    (one of the scene's first beats), ``previous`` the shot of the beat before (None:
    first), ``used`` shot types the scene has cut to so far."""

    position: float = 0.0
    opening: bool = False
    previous: Any = None
    used: set[str] = field(default_factory=set)


ScoreFn = Callable[[Any, Any, Context], float]  # (beat, shot, context) -> points


@dataclass(frozen=True)
class Style:
    """One editing idiom: ``score(beat, shot, context)``, more points for shots it likes."""

    name: str
    doc: str
    score: ScoreFn


def _on(shot: Any, who: str | None) -> bool:
    return bool(shot.subjects) and shot.subjects[0] == who


def _start_wide(beat: Any, shot: Any, ctx: Context) -> float:
    if not ctx.opening or beat.kind != "action":
        return 0.0
    return {"establishing": 10.0, "master": 5.0}.get(shot.type, 0.0)


_SPEAKER = {"single": 6.0, "ots": 5.0, "two-shot": 4.0, "master": 3.0, "pov": 2.0, "insert": 1.0}


def _speaker_visible(beat: Any, shot: Any, ctx: Context) -> float:
    if beat.kind != "dialogue":
        return 0.0
    if shot.type in ("single", "ots"):
        return _SPEAKER[shot.type] if _on(shot, beat.speaker) else -5.0
    if shot.type == "two-shot" and beat.speaker not in shot.subjects:
        return 0.0
    return _SPEAKER.get(shot.type, 0.0)


_ACTION = {"master": 6.0, "two-shot": 5.0, "establishing": 4.0, "pov": 3.0, "insert": 2.0}


def _action_wide(beat: Any, shot: Any, ctx: Context) -> float:
    if beat.kind != "action":
        return 0.0
    return _ACTION.get(shot.type, 1.0 if shot.type == "single" else 0.0)


_CLOSENESS = {"two-shot": 1.0, "ots": 2.0, "single": 3.0}


def _intensify(beat: Any, shot: Any, ctx: Context) -> float:
    if beat.kind != "dialogue" or shot.type not in _CLOSENESS:
        return 0.0
    target = 1.0 + 2.0 * ctx.position  # two-shot at the start, singles at the end
    return -2.0 * abs(_CLOSENESS[shot.type] - target)


def _avoid_jump_cuts(beat: Any, shot: Any, ctx: Context) -> float:
    prev = ctx.previous
    if prev is None:
        return 0.0
    if prev is shot:
        return 1.5
    if prev.type == shot.type and set(prev.subjects) == set(shot.subjects):
        return -4.0
    return 0.0


def _variety(beat: Any, shot: Any, ctx: Context) -> float:
    return 1.5 if shot.type not in ctx.used else 0.0


def _none(beat: Any, shot: Any, ctx: Context) -> float:
    return 0.0


STYLES: dict[str, Style] = {
    s.name: s
    for s in (
        Style("start-wide", "open each scene on its widest shot", _start_wide),
        Style("speaker-visible", "a line plays on the speaker", _speaker_visible),
        Style("action-wide", "action plays on the master", _action_wide),
        Style("intensify", "move in as the scene goes on: two-shot, OTS, single", _intensify),
        Style(
            "avoid-jump-cuts", "stay on a shot that fits; no same-framing cuts", _avoid_jump_cuts
        ),
        Style("variety", "prefer a shot type the scene has not shown yet", _variety),
        Style("jl-cuts", "J and L cuts: a line's sound leads or trails the picture", _none),
    )
}
DEFAULT_STYLES: tuple[str, ...] = ("start-wide", "speaker-visible", "action-wide")


def parse_styles(spec: str | list[str] | tuple[str, ...] | None) -> tuple[Style, ...]:
    """The styles named in ``spec`` (``"start-wide,intensify"`` or a list; None or
    ``"default"``: :data:`DEFAULT_STYLES`). An unknown name is an InputError listing
    the styles there are."""
    if spec is None:
        names: list[str] = list(DEFAULT_STYLES)
    else:
        raw = spec.split(",") if isinstance(spec, str) else list(spec)
        names = []
        for n in (x.strip().lower() for x in raw):
            if n == "default":
                names += DEFAULT_STYLES
            elif n:
                names.append(n)
    bad = [n for n in names if n not in STYLES]
    if bad or not names:
        raise InputError(
            f"--style {spec!r}: unknown style {', '.join(bad) or '(none given)'}; "
            f"choose from {', '.join(STYLES)} or default ({','.join(DEFAULT_STYLES)})"
        )
    return tuple(STYLES[n] for n in dict.fromkeys(names))

"""Script-aware coverage: what the screenplay says a beat's shot must (not) show (pure).

A beat's :class:`Cues` are read from the parsed scene: an off-screen speaker (cue
extension or parenthetical ``O.S.``/``O.C.``), a voice-over (``V.O.``), dual dialogue
(``^``: the two speakers at once), a POV action line (covered by a planned ``pov``
shot), and the planned inserts' props named in an action line's text (as written,
``FILM CAN``) or in its ``[[notes]]`` (any word of the prop, any case: "hold on the
can"). :func:`hard_candidates` turns them into the shots a beat may use:

- O.S.: never a shot on the unseen speaker (their single, OTS or a two-shot with them);
- V.O.: never a sync shot of the speaker (their single or OTS);
- POV line: the POV shot (when it has a usable take);
- a line naming a shot insert's prop: that insert (a POV line keeps its POV);
- dual dialogue: the two-shot of the pair, else a shot with both in it.

Each rule returns the reason, kept in the clip's metadata ("script: ...").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from previzkit.script.breakdown import prop_named

OFF_SCREEN = frozenset({"O.S.", "O.C.", "OS", "OC", "OFF", "OFF SCREEN", "OFF-SCREEN"})
VOICE_OVER = frozenset({"V.O.", "VO", "VOICE OVER", "VOICE-OVER"})


@dataclass(frozen=True)
class Cues:
    """What the script says about one beat (see the module doc)."""

    off_screen: bool = False
    voice_over: bool = False
    dual_with: str | None = None  # the other speaker of a dual dialogue pair
    pov: bool = False
    props: tuple[str, ...] = ()  # planned insert props the beat's action names


def _marks(cue: Any, parts: list[Any]) -> set[str]:
    """Upper-cased extensions of a cue plus parentheticals that are only an extension."""
    out = {e.strip().upper() for e in cue.extensions}
    for el in parts:
        if str(el.type) == "parenthetical":
            out.add(el.plain.strip().strip("()").strip().upper())
    return out


def scene_cues(scene: Any, beats: list[Any], shots: list[Any]) -> list[Cues]:
    """The :class:`Cues` of each of ``beats`` (from :func:`~previzkit.edit.assemble.scene_beats`
    of ``scene``); ``shots``: the scene's planned shots (their POVs and inserts)."""
    by_line = {el.line: el for el in scene.elements}
    pov_lines = {ln for s in shots if s.type == "pov" for ln in s.covers}
    props = list(dict.fromkeys(s.subjects[0] for s in shots if s.type == "insert" and s.subjects))
    dual: dict[int, str] = {}  # beat index -> the other speaker
    for i, b in enumerate(beats):
        cue = by_line.get(b.lines[0])
        if b.kind == "dialogue" and cue is not None and cue.dual == "right" and i > 0:
            prev = beats[i - 1]
            if prev.kind == "dialogue" and prev.speaker and b.speaker:
                dual[i] = prev.speaker
                dual[i - 1] = b.speaker
    out: list[Cues] = []
    for i, b in enumerate(beats):
        els = [by_line[ln] for ln in b.lines if ln in by_line]
        if b.kind == "dialogue" and els:
            marks = _marks(els[0], els[1:])
            out.append(
                Cues(
                    off_screen=bool(marks & OFF_SCREEN),
                    voice_over=bool(marks & VOICE_OVER),
                    dual_with=dual.get(i),
                )
            )
            continue
        named = tuple(p for p in props if any(prop_named(p, e.plain, e.notes) for e in els))
        out.append(Cues(pov=bool(set(b.lines) & pov_lines), props=named))
    return out


def _on(shot: Any, who: str | None) -> bool:
    """The shot frames ``who`` as its subject (a single or an OTS on them)."""
    return shot.type in ("single", "ots") and bool(shot.subjects) and shot.subjects[0] == who


def hard_candidates(beat: Any, cues: Cues, shots: list[Any]) -> tuple[list[Any], str | None]:
    """The shots among ``shots`` (those covering ``beat``) the script allows, and the
    reason when a script rule narrowed them (None: any covering shot)."""
    if beat.kind == "dialogue":
        if cues.off_screen:
            keep = [
                s
                for s in shots
                if not _on(s, beat.speaker)
                and not (s.type == "two-shot" and beat.speaker in s.subjects)
            ]
            return keep, f"script: {beat.speaker} is off screen (O.S.), not on their shot"
        if cues.voice_over:
            keep = [s for s in shots if not _on(s, beat.speaker)]
            return keep, f"script: {beat.speaker} is a voice-over (V.O.), no sync shot"
        if cues.dual_with:
            pair = {beat.speaker, cues.dual_with}
            two = [s for s in shots if s.type == "two-shot" and pair <= set(s.subjects)]
            both = two or [s for s in shots if pair <= set(s.subjects)]
            if both:
                return both, "script: dual dialogue, both speakers in frame"
        return shots, None
    if cues.pov:
        pov = [s for s in shots if s.type == "pov"]
        if pov:
            return pov, "script: a POV line on the POV shot"
    if cues.props:
        ins = [
            s for s in shots if s.type == "insert" and s.subjects and s.subjects[0] in cues.props
        ]
        if ins:
            return ins, f"script: the action names the {ins[0].subjects[0]}: its insert"
    return shots, None

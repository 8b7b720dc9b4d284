"""Beats: the units of a scene the editor picks a shot for (action paragraphs and
dialogue blocks), and segments: consecutive beats cut on one shot (pure)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Beat:
    """A unit of the scene the editor picks a shot for: an action paragraph or a
    dialogue block. ``lines`` are source line numbers, ``estimate_s`` script time."""

    scene: str
    index: int
    kind: str  # "action" or "dialogue"
    speaker: str | None
    lines: list[int]
    text: list[str]
    estimate_s: float


@dataclass
class Segment:
    """Consecutive beats cut on one shot, and why (script rules and styles)."""

    shot: Any  # previzkit.script.shots.Shot
    beats: list[Beat] = field(default_factory=list)
    why: list[str] = field(default_factory=list)  # the rules that chose the shot


def scene_beats(scene: Any, timing: Any = None) -> list[Beat]:
    """The beats of one parsed scene (``previzkit.script.model.Scene``)."""
    from previzkit.script.breakdown import WIDTH, TimingModel, wrapped_lines
    from previzkit.script.model import ElementType as ET

    timing = timing or TimingModel()
    beats: list[Beat] = []
    for el in scene.elements:
        if el.type in (ET.ACTION, ET.CENTERED) or (el.type is ET.LYRICS and not el.character):
            n = wrapped_lines(el.plain, WIDTH["action"])
            beats.append(
                Beat(
                    scene.number,
                    len(beats),
                    "action",
                    None,
                    [el.line],
                    [el.plain],
                    max(0.5, n * timing.seconds_per_action_line),
                )
            )
        elif el.type is ET.CHARACTER and el.character:
            beats.append(
                Beat(scene.number, len(beats), "dialogue", el.character, [el.line], [], 0.0)
            )
        elif el.character and beats and beats[-1].kind == "dialogue":
            b = beats[-1]
            b.lines.append(el.line)
            if el.type is ET.DIALOGUE or el.type is ET.LYRICS:
                b.text.append(el.plain)
                b.estimate_s += timing.dialogue_s(el.line, el.plain)
            elif el.type is ET.PARENTHETICAL:
                b.text.append(el.plain)
    for b in beats:
        b.estimate_s = max(b.estimate_s, 0.5)
    return beats


def covers(shot: Any, beat: Beat) -> bool:
    """Whether ``shot`` covers any line of ``beat``."""
    return bool(set(shot.covers) & set(beat.lines))

"""Lint a parsed screenplay: warnings with line numbers for ``previzkit script check``."""

from __future__ import annotations

from collections import Counter

from previzkit.script.headings import parse_heading
from previzkit.script.model import ElementType, ParseWarning, Script

ET = ElementType


def _close(a: str, b: str) -> bool:
    """Edit distance of at most one (a typo in a character name)."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    return a[i:] == b[i + 1 :] or (len(a) == len(b) and a[i + 1 :] == b[i + 1 :])


def check(script: Script) -> list[ParseWarning]:
    """Parser warnings plus checks a script supervisor would make, sorted by line."""
    out = list(script.warnings)
    scenes = script.scenes
    if not scenes:
        out.append(
            ParseWarning(
                1,
                "no-scenes",
                "no scene headings found (INT./EXT. lines need blank lines around them)",
            )
        )
    if script.elements and not script.title_page:
        out.append(ParseWarning(1, "no-title-page", "no title page (Title: ... at the top)"))
    numbers: Counter[str | None] = Counter(
        s.heading.scene_number for s in scenes if s.heading.scene_number
    )
    seen_numbers: set[str | None] = set()
    for s in scenes:
        h = parse_heading(s.heading.text)
        if s.heading.scene_number in numbers and numbers[s.heading.scene_number] > 1:
            if s.heading.scene_number in seen_numbers:
                out.append(
                    ParseWarning(
                        s.line,
                        "duplicate-scene-number",
                        f"scene number #{s.heading.scene_number}# is used more than once",
                    )
                )
            seen_numbers.add(s.heading.scene_number)
        if not s.heading.forced and not h.time:
            last = h.location.rsplit(" - ", 1)[-1] if " - " in h.location else ""
            if last:
                msg = (
                    f"{last!r} in {s.heading.plain!r} is not a time of day previzkit knows "
                    "(DAY, NIGHT, DUSK, CONTINUOUS, ...): read as part of the location"
                )
                out.append(ParseWarning(s.line, "unknown-time-of-day", msg))
            else:
                msg = f"heading {s.heading.plain!r} has no time of day (- DAY, - NIGHT)"
                out.append(ParseWarning(s.line, "no-time-of-day", msg))
        if not [e for e in s.elements if e.type not in (ET.NOTE, ET.SECTION, ET.SYNOPSIS)]:
            out.append(
                ParseWarning(s.line, "empty-scene", f"scene {s.number} has no action or dialogue")
            )
    names = Counter(e.character for e in script.elements if e.type is ET.CHARACTER and e.character)
    first_line: dict[str, int] = {}
    for e in script.elements:
        if e.type is ET.CHARACTER and e.character:
            first_line.setdefault(e.character, e.line)
    for a in names:
        for b in names:
            if a < b and _close(a, b):
                rare, common = (a, b) if names[a] <= names[b] else (b, a)
                out.append(
                    ParseWarning(
                        first_line[rare],
                        "similar-names",
                        f"character {rare!r} looks like a typo of {common!r}",
                    )
                )
    els = script.elements
    for i, e in enumerate(els):
        if e.type is ET.CHARACTER:
            nxt = els[i + 1] if i + 1 < len(els) else None
            if nxt is None or nxt.character is None or nxt.type is ET.CHARACTER:
                out.append(
                    ParseWarning(
                        e.line, "cue-without-dialogue", f"character cue {e.text!r} has no dialogue"
                    )
                )
            elif nxt.type is ET.PARENTHETICAL and (
                i + 2 >= len(els) or els[i + 2].type is not ET.DIALOGUE
            ):
                out.append(
                    ParseWarning(
                        e.line,
                        "cue-without-dialogue",
                        f"character cue {e.text!r} has a parenthetical but no dialogue",
                    )
                )
        elif e.type is ET.DIALOGUE and len(e.plain.split()) > 250:
            out.append(
                ParseWarning(
                    e.line,
                    "long-speech",
                    f"speech of {len(e.plain.split())} words (over 250): consider breaking it up",
                )
            )
    out.sort(key=lambda w: w.line)
    return out

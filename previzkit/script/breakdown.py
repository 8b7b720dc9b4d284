"""Scene breakdown: heading parts, cast, page count in eighths, screen time, props (pure).

Page length follows the standard screenplay page: Courier 12 pt, 55 lines a page,
action 60 characters wide, dialogue 35, parentheticals 25. Screen time is estimated
from spoken words (words per minute) plus printed action lines (seconds per line).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

from previzkit.script.headings import parse_heading
from previzkit.script.model import Element, ElementType, Scene, Script

ET = ElementType
LINES_PER_PAGE = 55
WIDTH = {"action": 60, "dialogue": 35, "parenthetical": 25}

# Capitalised words in action that are screenplay vocabulary, not props.
STOPWORDS = frozenset(
    [
        "A",
        "AN",
        "THE",
        "AND",
        "OR",
        "OF",
        "ON",
        "IN",
        "AT",
        "TO",
        "BY",
        "WITH",
        "FROM",
        "FOR",
        "INTO",
        "OFF",
        "UP",
        "OUT",
        "IS",
        "IT",
        "HIS",
        "HER",
        "THEIR",
        "ITS",
        "S",
        "I",
        "II",
        "III",
        "V",
        "O",
        "OS",
        "VO",
        "CONT'D",
        "CONT",
        "D",
        "POV",
        "CU",
        "ECU",
        "MCU",
        "MS",
        "WS",
        "OTS",
        "CLOSE",
        "ANGLE",
        "WIDE",
        "SHOT",
        "INSERT",
        "BACK",
        "CUT",
        "FADE",
        "DISSOLVE",
        "SMASH",
        "MATCH",
        "SUPER",
        "TITLE",
        "CARD",
        "INT",
        "EXT",
        "EST",
        "DAY",
        "NIGHT",
        "LATER",
        "CONTINUOUS",
        "MONTAGE",
        "SERIES",
        "SHOTS",
        "FLASHBACK",
        "END",
        "BEGIN",
        "SFX",
        "VFX",
        "FX",
        "OK",
        "OKAY",
        "TV",
        "PAN",
        "TILT",
        "DOLLY",
        "ZOOM",
        "TRACKING",
        "REVERSE",
        "TWO",
        "OVER",
        "SHOULDER",
        "FREEZE",
        "FRAME",
        "SLOW",
        "MOTION",
    ]
)
_TEXT_TYPES = frozenset({ET.ACTION, ET.DIALOGUE, ET.PARENTHETICAL, ET.LYRICS, ET.CENTERED})
_CAPS_WORD_RE = re.compile(r"\b[A-Z][A-Z0-9'’\-]*\b")


@dataclass(frozen=True)
class TimingModel:
    """How screen time is estimated: dialogue at ``words_per_minute``, each printed
    action line ``seconds_per_action_line``, each transition ``seconds_per_transition``."""

    words_per_minute: float = 150.0
    seconds_per_action_line: float = 1.5
    seconds_per_transition: float = 1.0

    def dialogue_s(self, line: int, text: str) -> float:
        """Screen time (s) of the dialogue element at source ``line`` saying ``text``:
        its words at ``words_per_minute`` (:class:`previzkit.script.voices.DialogueTiming`
        uses the spoken length instead)."""
        return len(text.split()) / self.words_per_minute * 60.0


@dataclass
class SceneBreakdown:
    """One scene's breakdown. ``eighths``: page length in eighths of a page (>= 1);
    ``seconds``: estimated screen time; ``line``: source line of the heading."""

    number: str
    heading: str
    int_ext: str
    location: str
    time: str
    line: int
    characters: list[str]  # speaking, in order of first cue
    characters_in_action: list[str]  # cast named in action lines
    eighths: int
    seconds: float
    dialogue_words: int
    action_lines: int
    props: list[str] = field(default_factory=list)  # capitalised keywords in action
    printed_lines: int = 0  # lines on a standard page, blank lines included

    @property
    def pages(self) -> str:
        return format_eighths(self.eighths)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["pages"] = self.pages
        return d


@dataclass
class Breakdown:
    """The breakdown of a whole script; ``pages`` is the printed length in pages."""

    title: str
    scenes: list[SceneBreakdown]
    pages: float
    seconds: float

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "pages": round(self.pages, 2),
            "seconds": round(self.seconds, 1),
            "scenes": [s.to_dict() for s in self.scenes],
        }


def format_eighths(eighths: int) -> str:
    """11 -> ``"1 3/8"``, 4 -> ``"4/8"``, 16 -> ``"2"`` (the breakdown sheet convention)."""
    whole, rest = divmod(int(eighths), 8)
    if not rest:
        return str(whole)
    return f"{whole} {rest}/8" if whole else f"{rest}/8"


def wrapped_lines(text: str, width: int) -> int:
    """Printed lines of ``text`` word-wrapped at ``width`` characters (empty line = 1)."""
    total = 0
    for line in text.split("\n"):
        if len(line) <= width:
            total += 1
            continue
        n, cur = 1, 0
        for word in line.split():
            w = len(word)
            if cur == 0:
                cur = w
            elif cur + 1 + w <= width:
                cur += 1 + w
            else:
                n += 1
                cur = w
            while cur > width:  # a word longer than the line
                n += 1
                cur -= width
        total += n
    return total


def printed_lines(el: Element, plain: str | None = None) -> int:
    """Lines ``el`` takes on a standard page, counting the blank line before it
    (``plain``: ``el.plain`` when the caller has it already)."""
    t = el.type
    if t in (ET.SECTION, ET.SYNOPSIS, ET.NOTE, ET.PAGE_BREAK):
        return 0
    if t in (ET.SCENE_HEADING, ET.CHARACTER, ET.TRANSITION):
        return 2  # one line and a blank before
    text = el.plain if plain is None else plain
    if t is ET.ACTION:
        return 1 + wrapped_lines(text, WIDTH["action"])
    if t is ET.DIALOGUE:
        return wrapped_lines(text, WIDTH["dialogue"])
    if t is ET.PARENTHETICAL:
        return wrapped_lines(text, WIDTH["parenthetical"])
    if t is ET.LYRICS:
        if el.character:
            return wrapped_lines(text, WIDTH["dialogue"])
        return 1 + wrapped_lines(text, WIDTH["action"])
    if t is ET.CENTERED:
        return 1 + wrapped_lines(text, WIDTH["action"])
    return 2


def cast_regex(names: list[str]) -> re.Pattern[str] | None:
    """A pattern finding cast names in action as written: ``MARA`` or ``Mara``."""
    alts: set[str] = set()
    for n in names:
        if n and any(c.isalpha() for c in n):
            alts.add(re.escape(n))
            alts.add(re.escape(n.title()))
    if not alts:
        return None
    return re.compile(r"(?<![\w])(" + "|".join(sorted(alts, key=len, reverse=True)) + r")(?![\w])")


_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]+")


def prop_named(prop: str, plain: str, notes: list[str]) -> bool:
    """Whether an action line names ``prop``: its text (``plain``) as written, whole
    words, or any word of the prop (3+ letters) in one of its ``notes``, any case
    ("[[Hold on the can]]" names the FILM CAN)."""
    if re.search(r"(?<![\w])" + re.escape(prop) + r"(?![\w])", plain):
        return True
    words = {w.lower() for w in _WORD.findall(prop) if len(w) >= 3}
    return any(words & {w.lower() for w in _WORD.findall(n)} for n in notes)


def props_in(text: str) -> list[str]:
    """Capitalised keywords (props, sounds) in action text: runs of ALL-CAPS words with
    screenplay vocabulary trimmed from both ends. Cast names must be removed first."""
    out: list[str] = []
    run: list[str] = []
    last_end = -1

    def close() -> None:
        words = [w.rstrip("-'’") for w in run]
        while words and (words[0] in STOPWORDS or len(words[0]) < 2):
            words.pop(0)
        while words and (words[-1] in STOPWORDS or len(words[-1]) < 2):
            words.pop()
        words = [w[:-2] if w.endswith(("'S", "’S")) else w for w in words]
        if words and any(len(w) > 1 and w not in STOPWORDS for w in words):
            out.append(" ".join(words))
        run.clear()

    for m in _CAPS_WORD_RE.finditer(text):
        if run and (m.start() - last_end > 0 and text[last_end : m.start()].strip(" ")):
            close()
        run.append(m.group())
        last_end = m.end()
    if run:
        close()
    return out


def _scene(scene: Scene, cast_re: re.Pattern[str] | None, timing: TimingModel) -> SceneBreakdown:
    parts = parse_heading(scene.heading.text)
    speaking: dict[str, None] = {}
    in_action: dict[str, None] = {}
    props: dict[str, None] = {}
    words = 0
    action_lines = 0
    transitions = 0
    lines = printed_lines(scene.heading)
    for el in scene.elements:
        plain = el.plain if el.type in _TEXT_TYPES else ""
        n = printed_lines(el, plain)
        lines += n
        if el.type is ET.CHARACTER and el.character:
            speaking.setdefault(el.character, None)
        elif el.type in (ET.DIALOGUE, ET.LYRICS) and el.character:
            words += len(plain.split())
        elif el.type is ET.TRANSITION:
            transitions += 1
        elif el.type in (ET.ACTION, ET.LYRICS):
            text = plain
            action_lines += n - 1
            if cast_re is not None:
                for m in cast_re.finditer(text):
                    in_action.setdefault(m.group(1).upper(), None)
                text = cast_re.sub("|", text)
            for p in props_in(text):
                props.setdefault(p, None)
    seconds = (
        words / timing.words_per_minute * 60.0
        + action_lines * timing.seconds_per_action_line
        + transitions * timing.seconds_per_transition
    )
    return SceneBreakdown(
        number=scene.number,
        heading=scene.heading.plain,
        int_ext=parts.int_ext,
        location=parts.location,
        time=parts.time,
        line=scene.line,
        characters=list(speaking),
        characters_in_action=list(in_action),
        eighths=max(1, round(lines * 8 / LINES_PER_PAGE)),
        printed_lines=lines,
        seconds=round(seconds, 1),
        dialogue_words=words,
        action_lines=action_lines,
        props=list(props),
    )


def breakdown(script: Script, timing: TimingModel | None = None) -> Breakdown:
    """Break ``script`` down scene by scene."""
    timing = timing or TimingModel()
    cast_re = cast_regex(script.characters)
    scenes = [_scene(s, cast_re, timing) for s in script.scenes]
    in_scenes = {id(e) for sc in script.scenes for e in (sc.heading, *sc.elements)}
    total_lines = sum(s.printed_lines for s in scenes) + sum(
        printed_lines(e) for e in script.elements if id(e) not in in_scenes
    )
    return Breakdown(
        title=script.title,
        scenes=scenes,
        pages=total_lines / LINES_PER_PAGE,
        seconds=round(sum(s.seconds for s in scenes), 1),
    )

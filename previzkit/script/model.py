"""Screenplay data: elements with source line numbers, scenes, title page.

Pure dataclasses, no I/O. ``Element.text`` keeps the source text of the element
(emphasis markup and inline ``[[notes]]`` included, forcing characters removed) so a
script can be written back unchanged; :attr:`Element.plain` strips the markup.
Line numbers are 1-based lines of the source file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from previzkit.script.inline import plain_text


class ElementType(StrEnum):
    """Kinds of Fountain 1.1 elements."""

    SCENE_HEADING = "scene_heading"
    ACTION = "action"
    CHARACTER = "character"
    DIALOGUE = "dialogue"
    PARENTHETICAL = "parenthetical"
    LYRICS = "lyrics"
    TRANSITION = "transition"
    CENTERED = "centered"
    PAGE_BREAK = "page_break"
    SECTION = "section"
    SYNOPSIS = "synopsis"
    NOTE = "note"


#: Element types that belong to a dialogue block when ``Element.character`` is set.
DIALOGUE_PARTS = frozenset({ElementType.DIALOGUE, ElementType.PARENTHETICAL, ElementType.LYRICS})

_NOTE_RE = re.compile(r"\[\[(.*?)\]\]", re.S)
_EXT_RE = re.compile(r"\(([^()]*)\)")


@dataclass
class Element:
    """One screenplay element.

    ``line`` is the 1-based source line of its first line and ``forced`` says whether
    a forcing character (``! @ . > ~``) was used; both are left out of equality so
    that a script written back and parsed again compares equal.

    - SCENE_HEADING: ``text`` without the leading '.', ``scene_number`` from ``#1A#``.
    - CHARACTER: ``text`` is the cue without '@' and '^' (``"HANS (on the radio)"``),
      ``character`` the bare name, ``dual`` is ``"left"``/``"right"`` in dual dialogue.
    - DIALOGUE / PARENTHETICAL / LYRICS in a dialogue block: ``character`` is the speaker.
    - SECTION: ``depth`` is the number of '#'.
    """

    type: ElementType
    text: str
    line: int = field(default=0, compare=False)
    forced: bool = field(default=False, compare=False)
    scene_number: str | None = None
    depth: int = 0
    dual: str | None = None
    character: str | None = None

    @property
    def end_line(self) -> int:
        """Last source line of the element (inclusive)."""
        return self.line + self.text.count("\n")

    @property
    def notes(self) -> list[str]:
        """Inline ``[[notes]]`` inside the element's text."""
        if self.type is ElementType.NOTE:
            return [self.text]
        return [m.group(1) for m in _NOTE_RE.finditer(self.text)]

    @property
    def plain(self) -> str:
        """Text without notes, emphasis markup and escapes."""
        return plain_text(self.text)

    @property
    def name(self) -> str:
        """For a CHARACTER cue: the name without extensions (``"HANS"``)."""
        return self.character or ""

    @property
    def extensions(self) -> list[str]:
        """For a CHARACTER cue: parenthesised extensions (``["V.O."]``, ``["CONT'D"]``)."""
        if self.type is not ElementType.CHARACTER:
            return []
        return [m.group(1).strip() for m in _EXT_RE.finditer(_NOTE_RE.sub("", self.text))]


@dataclass(frozen=True)
class TitleField:
    """One title page entry; multi-line values are joined with '\\n'."""

    key: str
    value: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Boneyard:
    """Text commented out with ``/* ... */``; kept so the writer can put it back."""

    text: str
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class ParseWarning:
    """Something suspicious in the source, with the 1-based line it concerns."""

    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message} [{self.code}]"


@dataclass(frozen=True)
class Heading:
    """A scene heading split into its parts.

    ``int_ext`` is one of ``INT``, ``EXT``, ``INT/EXT``, ``EST`` or ``""`` (forced
    headings without a prefix); ``time`` is the time of day (``"NIGHT"``) or ``""``.
    """

    int_ext: str
    location: str
    time: str


@dataclass
class Scene:
    """A scene: its heading element and the elements up to the next heading."""

    index: int  # 0-based position among the script's scenes
    heading: Element
    elements: list[Element]

    @property
    def number(self) -> str:
        """The scene number written in the script (``#12A#``), else the 1-based index."""
        return self.heading.scene_number or str(self.index + 1)

    @property
    def line(self) -> int:
        return self.heading.line

    @property
    def parts(self) -> Heading:
        from previzkit.script.headings import parse_heading

        return parse_heading(self.heading.text)


@dataclass
class Script:
    """A parsed screenplay."""

    title_page: list[TitleField] = field(default_factory=list)
    elements: list[Element] = field(default_factory=list)
    boneyard: list[Boneyard] = field(default_factory=list)
    warnings: list[ParseWarning] = field(default_factory=list, compare=False)
    source: str | None = field(default=None, compare=False)  # file name, when read from one

    def title_value(self, key: str, default: str = "") -> str:
        """A title page value by case-insensitive key (``"Title"``, ``"Author"``)."""
        key = key.lower()
        for f in self.title_page:
            if f.key.lower() == key:
                return f.value
        return default

    @property
    def title(self) -> str:
        """The title page's Title, without markup and joined onto one line."""
        return " ".join(plain_text(self.title_value("title")).split())

    @property
    def scenes(self) -> list[Scene]:
        """Scenes in order; elements before the first heading belong to no scene."""
        scenes: list[Scene] = []
        for el in self.elements:
            if el.type is ElementType.SCENE_HEADING:
                scenes.append(Scene(len(scenes), el, []))
            elif scenes:
                scenes[-1].elements.append(el)
        return scenes

    @property
    def characters(self) -> list[str]:
        """Speaking characters' names in order of first cue."""
        seen: dict[str, None] = {}
        for el in self.elements:
            if el.type is ElementType.CHARACTER and el.character:
                seen.setdefault(el.character, None)
        return list(seen)

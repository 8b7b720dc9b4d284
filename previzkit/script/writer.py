"""Write a :class:`Script` back as Fountain text (pure).

Elements are separated by blank lines (dialogue blocks stay together) and forcing
characters (``! @ . >``) are added wherever the plain text would be read as another
element, so ``parse(write(script))`` gives the same elements.
"""

from __future__ import annotations

import re

from previzkit.script.headings import HEADING_RE
from previzkit.script.inline import strip_notes
from previzkit.script.model import DIALOGUE_PARTS, Element, ElementType, Script
from previzkit.script.parser import is_character_cue, is_transition

ET = ElementType
_TITLE_KEY_RE = re.compile(r"^[A-Za-z][A-Za-z0-9 _\-()/]*:")
_NOTE_ONLY_RE = re.compile(r"^\[\[((?:(?!\]\]).)*)\]\]$", re.S)
_MARKERS = ("!", "#", "=", "~", ">")


def _det(line: str) -> str:
    s = line.strip()
    return strip_notes(s).strip() if "[[" in s else s


def _spaced(lines: list[str]) -> list[str]:
    """Empty lines inside an element are written as two spaces (Fountain's join)."""
    if len(lines) == 1:
        return lines
    return [ln if ln else "  " for ln in lines]


def _action(el: Element, first_in_file: bool) -> str:
    lines = el.text.split("\n")
    out: list[str] = []
    for i, line in enumerate(lines):
        s = line.strip()
        det = _det(line)
        force = (
            (not s and i == 0)
            or s.startswith(_MARKERS)
            or (det.startswith(_MARKERS) and det != s)
            or ("[[" in s and i == 0 and _NOTE_ONLY_RE.match(el.text.strip()) is not None)
        )
        if i == 0 and not force:
            more = len(lines) > 1
            force = (
                (s.startswith(".") and len(s) > 1 and s[1].isalnum())
                or s.startswith("@")
                or HEADING_RE.match(det) is not None
                or (not more and is_transition(det))
                or (more and is_character_cue(det))
                or (first_in_file and _TITLE_KEY_RE.match(line) is not None)
            )
        out.append("!" + line if force else (line or "  "))
    return "\n".join(out)


def _heading(el: Element) -> str:
    text = el.text
    det = _det(text)
    standard = HEADING_RE.match(det) is not None and not text.startswith(_MARKERS)
    out = text if standard else "." + text
    if el.scene_number:
        out += f" #{el.scene_number}#"
    return out


def _cue(el: Element) -> str:
    det = _det(el.text)
    plain = (
        is_character_cue(det)
        and HEADING_RE.match(det) is None
        and not el.text.startswith((*_MARKERS, ".", "@"))
        and not _PAGE_BREAK(det)
    )
    out = el.text if plain else "@" + el.text
    return out + " ^" if el.dual == "right" else out


def _PAGE_BREAK(det: str) -> bool:
    return len(det) >= 3 and set(det) == {"="}


def element_text(el: Element, first_in_file: bool = False) -> str:
    """One element as Fountain source (without surrounding blank lines)."""
    t = el.type
    if t is ET.SCENE_HEADING:
        return _heading(el)
    if t is ET.ACTION:
        return _action(el, first_in_file)
    if t is ET.CHARACTER:
        return _cue(el)
    if t is ET.DIALOGUE:
        return "\n".join(_spaced(el.text.split("\n")))
    if t is ET.PARENTHETICAL:
        return el.text
    if t is ET.LYRICS:
        return "\n".join("~" + ln for ln in el.text.split("\n"))
    if t is ET.TRANSITION:
        det = _det(el.text)
        plain = (
            is_transition(det)
            and HEADING_RE.match(det) is None
            and not el.text.startswith((*_MARKERS, ".", "@"))
        )
        return el.text if plain else "> " + el.text
    if t is ET.CENTERED:
        return f"> {el.text} <"
    if t is ET.PAGE_BREAK:
        return "==="
    if t is ET.SECTION:
        return "#" * max(1, el.depth) + " " + el.text
    if t is ET.SYNOPSIS:
        return "= " + el.text
    if t is ET.NOTE:
        lines = el.text.split("\n")
        inner = [ln or "  " if 0 < i < len(lines) - 1 else ln for i, ln in enumerate(lines)]
        return "[[" + "\n".join(inner) + "]]"
    raise ValueError(f"unknown element type {t!r}")


def _title_page(script: Script) -> str:
    out: list[str] = []
    for f in script.title_page:
        lines = [ln.strip() for ln in f.value.split("\n") if ln.strip()]
        if len(lines) == 1:
            out.append(f"{f.key}: {lines[0]}")
        else:
            out.append(f"{f.key}:")
            out.extend("    " + ln for ln in lines)
    return "\n".join(out)


def write(script: Script) -> str:
    """The script as Fountain text; boneyard comments go back before the element that
    followed them in the source."""
    chunks: list[str] = []
    bones = sorted(script.boneyard, key=lambda b: b.line)
    if any("/*" in f.value for f in script.title_page):
        # An unclosed '/*' left in the title page must come after every comment.
        chunks.extend(f"/*{b.text}*/\n\n" for b in bones)
        bones = []
    if script.title_page:
        chunks.append(_title_page(script))
        chunks.append("\n\n")
    bi = 0
    els = script.elements

    def in_block(el: Element) -> bool:
        return el.type in DIALOGUE_PARTS and el.character is not None

    # An unclosed '/*' left as text must come after every boneyard comment.
    cut = next((k for k, el in enumerate(els) if "/*" in el.text), len(els))
    while 0 < cut < len(els) and in_block(els[cut]):
        cut -= 1
    for k, el in enumerate(els):
        block = in_block(el)
        if k:
            chunks.append("\n" if block else "\n\n")
        if not block:
            while bi < len(bones) and (bones[bi].line <= el.line or k >= cut):
                chunks.append(f"/*{bones[bi].text}*/\n\n")
                bi += 1
        first = k == 0 and not script.title_page
        out = element_text(el, first_in_file=first)
        if first and _TITLE_KEY_RE.match(out):
            prefix = {ET.SCENE_HEADING: ".", ET.TRANSITION: "> ", ET.CHARACTER: "@"}
            out = prefix.get(el.type, "") + out
        chunks.append(out)
    if script.elements:
        chunks.append("\n")
    for b in bones[bi:]:
        chunks.append(f"\n/*{b.text}*/\n")
    return "".join(chunks)

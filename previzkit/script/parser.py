"""Fountain 1.1 parser (https://fountain.io/syntax), pure: text in, :class:`Script` out.

Every element keeps its 1-based source line. The parser never raises on any input
string: what it cannot read as the author probably meant becomes action text and a
:class:`ParseWarning` with the line number (unterminated boneyard or note, control
characters, dual dialogue without a partner, heading-like lines without blank lines).
"""

from __future__ import annotations

import re

from previzkit.script.headings import HEADING_RE
from previzkit.script.inline import strip_notes
from previzkit.script.model import (
    Boneyard,
    Element,
    ElementType,
    ParseWarning,
    Script,
    TitleField,
)

ET = ElementType
_CTRL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TITLE_KEY_RE = re.compile(r"^([A-Za-z][A-Za-z0-9 _\-()/]*):(.*)$")
_SCENE_NO_RE = re.compile(r"\s*#([A-Za-z0-9.\-]+)#\s*$")
_PAGE_BREAK_RE = re.compile(r"^={3,}$")
_NOTE_ONLY_RE = re.compile(r"^\[\[((?:(?!\]\]).)*)\]\]$", re.S)


def is_character_cue(line: str) -> bool:
    """Whether a stripped line reads as a character cue: its name (before any
    parenthesised extension, without a trailing '^') is upper case with a letter."""
    if line.endswith("^"):
        line = line[:-1].rstrip()
    name = line.split("(", 1)[0].strip()
    return bool(name) and name == name.upper() and any(c.isupper() for c in name)


def is_transition(line: str) -> bool:
    """Whether a stripped line reads as a transition: upper case ending in ``TO:``."""
    return line.endswith("TO:") and line == line.upper()


def split_scene_number(text: str) -> tuple[str, str | None]:
    """``"INT. HOUSE - DAY #1A#"`` -> (``"INT. HOUSE - DAY"``, ``"1A"``)."""
    m = _SCENE_NO_RE.search(text)
    if not m:
        return text, None
    return text[: m.start()].rstrip(), m.group(1)


def cue_name(cue: str) -> str:
    """The character name of a cue text: ``"HANS (on the radio)"`` -> ``"HANS"``."""
    return strip_notes(cue).split("(", 1)[0].strip()


def _cut_boneyard(
    text: str, warnings: list[ParseWarning] | None, nums_in: list[int] | None = None
) -> tuple[list[str], list[int], list[Boneyard]]:
    """Remove ``/* ... */`` spans; returns kept lines, their 1-based numbers, the boneyard.

    A line that only held boneyard text is dropped (not turned into a blank line), so
    a comment between a cue and its dialogue does not split the dialogue block.
    """
    lines = text.split("\n")
    numbers = nums_in or list(range(1, len(lines) + 1))
    if "/*" not in text:
        return lines, numbers, []
    spans: list[tuple[int, int]] = []
    bones: list[Boneyard] = []
    pos = 0
    line_idx = 0  # lines before ``pos``: counted as the scan moves on (linear time)
    while True:
        start = text.find("/*", pos)
        if start < 0:
            break
        end = text.find("*/", start + 2)
        line_idx += text.count("\n", pos, start)
        line_no = numbers[line_idx]
        if end < 0:
            if warnings is None:
                break
            warnings.append(
                ParseWarning(
                    line_no, "unterminated-boneyard", "'/*' is never closed by '*/'; kept as text"
                )
            )
            break
        spans.append((start, end + 2))
        bones.append(Boneyard(text[start + 2 : end], line_no))
        line_idx += text.count("\n", start, end + 2)
        pos = end + 2
    kept: list[str] = []
    nums: list[int] = []
    offset = 0
    si = 0
    for no, line in zip(numbers, lines, strict=True):
        ls, le = offset, offset + len(line)
        offset = le + 1
        while si < len(spans) and spans[si][1] <= ls:
            si += 1
        if si >= len(spans) or spans[si][0] >= le:
            kept.append(line)
            nums.append(no)
            continue
        pieces = []
        cur = ls
        k = si
        while k < len(spans) and spans[k][0] < le:
            s, e = spans[k]
            if s > cur:
                pieces.append(text[cur:s])
            cur = max(cur, e)
            k += 1
        if cur < le:
            pieces.append(text[cur:le])
        rest = "".join(pieces)
        if rest.strip():
            kept.append(rest.rstrip())
            nums.append(no)
    return kept, nums, bones


def _title_page(lines: list[str], nums: list[int]) -> tuple[list[TitleField], int]:
    """Title page fields and the index of the first line after the title page."""
    i = 0
    while i < len(lines) and not lines[i].strip():
        i += 1
    if i >= len(lines) or not _TITLE_KEY_RE.match(lines[i]):
        return [], 0
    end = i
    while end < len(lines) and lines[end].strip():
        line = lines[end]
        if not (_TITLE_KEY_RE.match(line) or line.startswith(("\t", "   "))):
            return [], 0
        end += 1
    fields: list[tuple[str, list[str], int]] = []
    for k in range(i, end):
        line = lines[k]
        m = _TITLE_KEY_RE.match(line)
        if m and not line.startswith(("\t", "   ")):
            value = m.group(2).strip()
            fields.append((m.group(1).strip(), [value] if value else [], nums[k]))
        else:
            fields[-1][1].append(line.strip())
    if any(not v for _, v, _ in fields):
        # "FADE IN:" opening a script is not a title page: every key needs a value.
        return [], 0
    return [TitleField(k, "\n".join(v), n) for k, v, n in fields], end


class _Parser:
    def __init__(self) -> None:
        self.elements: list[Element] = []
        self.warnings: list[ParseWarning] = []
        self.buf: list[str] = []
        self.buf_type: ElementType | None = None
        self.buf_line = 0
        self.buf_forced = False
        self.buf_char: str | None = None

    def flush(self) -> None:
        if self.buf_type is None:
            return
        text = "\n".join(self.buf)
        etype = self.buf_type
        if etype is ET.ACTION and not self.buf_forced:
            m = _NOTE_ONLY_RE.match(text.strip())
            if m:
                etype, text = ET.NOTE, m.group(1)
        self.add(Element(etype, text, self.buf_line, self.buf_forced, character=self.buf_char))
        self.buf, self.buf_type, self.buf_forced, self.buf_char = [], None, False, None

    def open(
        self, etype: ElementType, line: int, forced: bool = False, char: str | None = None
    ) -> None:
        if self.buf_type is not etype:
            self.flush()
            self.buf_type, self.buf_line, self.buf_forced, self.buf_char = etype, line, forced, char

    def add(self, el: Element) -> None:
        if "[[" in el.text:
            rest = strip_notes(el.text)
            at = rest.find("[[")
            if at >= 0:
                self.warnings.append(
                    ParseWarning(
                        el.line + rest[:at].count("\n"),
                        "unterminated-note",
                        "'[[' note is never closed by ']]' (notes cannot span a blank line)",
                    )
                )
        self.elements.append(el)

    def run(self, lines: list[str], nums: list[int], start: int) -> None:
        n = len(lines)
        prev_blank = True
        speaker: str | None = None  # set while inside a dialogue block
        for i in range(start, n):
            raw = lines[i]
            no = nums[i]
            s = raw.strip()
            if not s:
                spacer = len(raw) >= 2 and not raw.strip(" ") and not prev_blank
                if spacer and (self.buf_type or speaker is not None):
                    # Two spaces join paragraphs: an empty line inside the element.
                    if self.buf_type is None:  # right after a parenthetical
                        self.open(ET.DIALOGUE, no, False, speaker)
                    self.buf.append("")
                    continue
                self.flush()
                speaker = None
                prev_blank = True
                continue
            det = strip_notes(s).strip() if "[[" in s else s
            if speaker is not None:
                if det.startswith("(") and det.endswith(")"):
                    self.flush()
                    self.add(Element(ET.PARENTHETICAL, s, no, character=speaker))
                elif s.startswith("~"):
                    self.open(ET.LYRICS, no, True, speaker)
                    self.buf.append(s[1:].strip())
                else:
                    self.open(ET.DIALOGUE, no, False, speaker)
                    self.buf.append(s)
                continue
            next_blank = i + 1 >= n or not lines[i + 1].strip()
            if _PAGE_BREAK_RE.match(s):
                self.flush()
                self.add(Element(ET.PAGE_BREAK, "", no))
                prev_blank = True
                continue
            if s.startswith("!"):
                self.open(ET.ACTION, no, True)
                self.buf_forced = True
                self.buf.append(raw.lstrip()[1:].rstrip().expandtabs(4))
                prev_blank = False
                continue
            if s.startswith("#"):
                self.flush()
                depth = len(s) - len(s.lstrip("#"))
                self.add(Element(ET.SECTION, s[depth:].strip(), no, True, depth=depth))
                prev_blank = True
                continue
            if s.startswith("="):
                self.flush()
                self.add(Element(ET.SYNOPSIS, s[1:].strip(), no, True))
                prev_blank = True
                continue
            if s.startswith("~"):
                self.open(ET.LYRICS, no, True)
                self.buf.append(s[1:].strip())
                prev_blank = False
                continue
            if s.startswith(">"):
                self.flush()
                if det.endswith("<") and len(det) > 1:
                    cut = s.rfind("<")
                    self.add(Element(ET.CENTERED, (s[1:cut] + s[cut + 1 :]).strip(), no, True))
                else:
                    self.add(Element(ET.TRANSITION, s[1:].strip(), no, True))
                prev_blank = False
                continue
            if prev_blank:
                if s.startswith(".") and len(s) > 1 and s[1].isalnum():
                    self.flush()
                    text, number = split_scene_number(s[1:].strip())
                    self.add(Element(ET.SCENE_HEADING, text, no, True, scene_number=number))
                    prev_blank = False
                    continue
                heading_like = HEADING_RE.match(det) is not None
                if heading_like:
                    if next_blank:
                        self.flush()
                        text, number = split_scene_number(s)
                        self.add(Element(ET.SCENE_HEADING, text, no, scene_number=number))
                        prev_blank = False
                        continue
                    self.warnings.append(
                        ParseWarning(
                            no,
                            "heading-without-blank",
                            f"{det[:40]!r} looks like a scene heading but the next line is not "
                            "blank; read as action (add a blank line or force it with '.')",
                        )
                    )
                if next_blank and is_transition(det):
                    self.flush()
                    self.add(Element(ET.TRANSITION, s, no))
                    prev_blank = False
                    continue
                forced_cue = s.startswith("@") and bool(cue_name(s[1:]).rstrip(" ^"))
                if not next_blank and (forced_cue or (not heading_like and is_character_cue(det))):
                    self.flush()
                    self._cue(s[1:].strip() if forced_cue else s, no, forced_cue)
                    speaker = self.elements[-1].character
                    prev_blank = False
                    continue
            elif HEADING_RE.match(det) and self.buf_type is ET.ACTION:
                self.warnings.append(
                    ParseWarning(
                        no,
                        "heading-without-blank",
                        f"{det[:40]!r} looks like a scene heading but has no blank line "
                        "before it; read as action",
                    )
                )
            self.open(ET.ACTION, no)
            self.buf.append(raw.rstrip().expandtabs(4))
            prev_blank = False
        self.flush()

    def _cue(self, text: str, no: int, forced: bool) -> None:
        dual = None
        if strip_notes(text).rstrip().endswith("^"):
            while strip_notes(text).rstrip().endswith("^"):
                cut = text.rfind("^")
                text = (text[:cut] + text[cut + 1 :]).strip()
            partner = self._dual_partner()
            if partner is None:
                self.warnings.append(
                    ParseWarning(
                        no,
                        "dual-without-partner",
                        "dual dialogue '^' but no dialogue block right before it; read as normal dialogue",
                    )
                )
            else:
                partner.dual = "left"
                dual = "right"
        self.add(Element(ET.CHARACTER, text, no, forced, dual=dual, character=cue_name(text)))

    def _dual_partner(self) -> Element | None:
        for el in reversed(self.elements):
            if el.type is ET.CHARACTER:
                return el if el.dual is None else None
            if el.character is None:
                return None
        return None


def parse(text: str) -> Script:
    """Parse Fountain text into a :class:`Script`; never raises for any ``str``."""
    warnings: list[ParseWarning] = []
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _CTRL_RE.search(text):
        seen: set[int] = set()
        for m in _CTRL_RE.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            if line not in seen and len(seen) < 20:
                seen.add(line)
                warnings.append(
                    ParseWarning(
                        line, "control-character", f"control character {m.group()!r} removed"
                    )
                )
        text = _CTRL_RE.sub("", text)
    lines, nums, bones = _cut_boneyard(text, warnings)
    while bones:  # cutting "*/ /* x */ *" can join a new "/* ... */": cut until none is left
        lines2, nums2, more = _cut_boneyard("\n".join(lines), None, nums)
        if not more:
            break
        lines, nums = lines2, nums2
        bones = sorted(bones + more, key=lambda b: b.line)
    title, start = _title_page(lines, nums)
    p = _Parser()
    p.run(lines, nums, start)
    warnings.extend(p.warnings)
    warnings.sort(key=lambda w: w.line)
    return Script(title_page=title, elements=p.elements, boneyard=bones, warnings=warnings)

"""Fountain inline markup: emphasis (``*italic*``, ``**bold**``, ``***both***``,
``_underline_``), backslash escapes and ``[[notes]]``.

Emphasis never crosses a line break; a marker opens only before a non-space and
closes only after one, so ``*69 and 23*`` styles but ``2 * 3 * 4`` does not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_NOTE_RE = re.compile(r"\[\[(.*?)\]\]", re.S)
# Escaped markers become private-use characters while markup is parsed.
_ESC = {"\\*": "\ue000", "\\_": "\ue001", "\\[": "\ue002", "\\]": "\ue003", "\\\\": "\ue004"}
_UNESC = {"\ue000": "*", "\ue001": "_", "\ue002": "[", "\ue003": "]", "\ue004": "\\"}
_UNESC_TABLE = str.maketrans(_UNESC)
# Longest marker first so '***' is not read as '**' + '*'.
_EMPH = [
    (re.compile(r"\*\*\*(?=\S)(.+?)(?<=\S)\*\*\*"), ("bold", "italic")),
    (re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*"), ("bold",)),
    (re.compile(r"\*(?=\S)(.+?)(?<=\S)\*"), ("italic",)),
    (re.compile(r"_(?=\S)(.+?)(?<=\S)_"), ("underline",)),
]


@dataclass(frozen=True)
class Span:
    """A run of text with its styles (a subset of bold, italic, underline)."""

    text: str
    styles: frozenset[str] = frozenset()


def _escape(text: str) -> str:
    for k, v in _ESC.items():
        text = text.replace(k, v)
    return text


def strip_notes(text: str) -> str:
    """``text`` without ``[[notes]]`` (unterminated ``[[`` is left as is)."""
    return _NOTE_RE.sub("", text) if "[[" in text else text


def _spans(line: str, styles: frozenset[str]) -> list[Span]:
    out: list[Span] = []
    pos = 0
    while pos < len(line):
        best = None
        for rx, st in _EMPH:
            m = rx.search(line, pos)
            if m and (best is None or m.start() < best[0].start()):
                best = (m, st)
        if best is None:
            break
        m, st = best
        if m.start() > pos:
            out.append(Span(line[pos : m.start()], styles))
        out.extend(_spans(m.group(1), styles | frozenset(st)))
        pos = m.end()
    if pos < len(line):
        out.append(Span(line[pos:], styles))
    return out


def spans(text: str) -> list[Span]:
    """Split ``text`` into styled runs; notes are dropped, escapes resolved.

    Lines are separated by ``Span("\\n")``.
    """
    out: list[Span] = []
    for i, line in enumerate(strip_notes(_escape(text)).split("\n")):
        if i:
            out.append(Span("\n"))
        for s in _spans(line, frozenset()):
            out.append(Span(s.text.translate(_UNESC_TABLE), s.styles))
    return [s for s in out if s.text]


def plain_text(text: str) -> str:
    """``text`` with notes, emphasis markers and escapes removed."""
    if not any(c in text for c in "*_\\["):
        return text
    return "".join(s.text for s in spans(text))

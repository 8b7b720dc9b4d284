"""Plain-text table of a breakdown for the terminal."""

from __future__ import annotations

from previzkit.script.breakdown import Breakdown, format_eighths


def _mmss(seconds: float) -> str:
    m, s = divmod(round(seconds), 60)
    return f"{m}:{s:02d}"


def breakdown_table(bd: Breakdown) -> str:
    """A fixed-width table, one row per scene, totals at the bottom."""
    head = ["#", "I/E", "location", "time", "pages", "time", "cast", "props"]
    rows = [
        [
            s.number,
            s.int_ext,
            s.location,
            s.time,
            s.pages,
            _mmss(s.seconds),
            ", ".join(
                s.characters + [f"({c})" for c in s.characters_in_action if c not in s.characters]
            ),
            ", ".join(s.props),
        ]
        for s in bd.scenes
    ]
    rows.append(
        [
            "",
            "",
            "total",
            "",
            format_eighths(sum(s.eighths for s in bd.scenes)),
            _mmss(bd.seconds),
            "",
            "",
        ]
    )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    widths = [min(w, 40) for w in widths]

    def fmt(r: list[str]) -> str:
        return "  ".join(c[:w].ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()

    title = f"{bd.title or 'untitled'}: {len(bd.scenes)} scenes, {bd.pages:.1f} pages, {_mmss(bd.seconds)}"
    return "\n".join([title, fmt(head), fmt(["-" * w for w in widths]), *map(fmt, rows)])

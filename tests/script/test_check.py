"""``check``: the script supervisor's warnings, each with its line."""

from __future__ import annotations

from previzkit.script import parse
from previzkit.script.check import check


def codes(text: str) -> list[tuple[int, str]]:
    return [(w.line, w.code) for w in check(parse(text))]


def test_clean_script_has_no_warnings():
    assert codes("Title: T\n\nINT. A - DAY\n\nBOB\nHi.\n") == []


def test_each_check():
    text = (
        "INT. A - DAY #1#\n\nBOB\n(beat)\n\nINT. B - TEATIME #1#\n\n"
        "EXT. C\n\nx\n\nROBERT\nHi.\n\nROBERTT\nHi.\n\nROBERT\n" + "word " * 260 + "\n"
    )
    got = codes(text)
    assert (1, "no-title-page") in got
    assert (3, "cue-without-dialogue") in got
    assert (6, "duplicate-scene-number") in got
    assert (6, "unknown-time-of-day") in got
    assert (6, "empty-scene") in got
    assert (8, "no-time-of-day") in got
    assert (15, "similar-names") in got
    assert (19, "long-speech") in got
    assert got == sorted(got, key=lambda x: x[0])


def test_no_scenes():
    assert (1, "no-scenes") in codes("Title: T\n\nJust prose.\n")

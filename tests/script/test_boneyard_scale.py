"""Boneyards parse in linear time: a 2 MB screenplay full of them in seconds.

The issue measured 100/200/400 KB in 1.4/4.4/15.7 s (each line number was counted from
the start of the file); at that rate 2 MB takes minutes. The bound is generous (10 s
on a loaded 2-core machine; ~1 s measured, benchmarks/script.py --boneyards)."""

from __future__ import annotations

import time

from previzkit.script.parser import parse
from tests.helpers.boneyards import boneyard_script


def test_two_megabytes_of_boneyards_parse_fast():
    text = boneyard_script(2_000_000)
    t0 = time.perf_counter()
    script = parse(text)
    elapsed = time.perf_counter() - t0
    assert len(script.boneyard) == 6 * text.count("INT. ROOM")
    assert script.boneyard[-1].text == " z "
    assert elapsed < 10.0, f"{elapsed:.1f} s"


def test_boneyard_line_numbers_stay_right():
    """Each boneyard's line is where its ``/*`` is (counted here from the start)."""
    text = boneyard_script(1000)
    starts = [i for i in range(len(text)) if text.startswith("/*", i)]
    want = [text.count("\n", 0, i) + 1 for i in starts]
    assert [b.line for b in parse(text).boneyard] == want

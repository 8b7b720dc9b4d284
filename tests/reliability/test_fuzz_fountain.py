"""Fuzz the Fountain reader: mutated screenplays and raw bytes give a Script (or a
FountainError naming the file), and what parses also writes back and re-parses."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from previzkit.core.errors import FountainError
from previzkit.script import parse, write
from tests.helpers import ASSETS
from tests.helpers.fuzzkit import fuzz_settings, mutated_bytes, mutated_text

SAMPLE = ASSETS / "scripts" / "sample.fountain"
SEED = SAMPLE.read_text(encoding="utf-8")


def _check(script) -> None:
    for e in script.elements:
        assert e.line >= 1
    again = parse(write(script))  # what we write, we read
    assert len(again.scenes) == len(script.scenes)


@fuzz_settings()
@given(mutated_text(SEED, max_ops=10))
def test_fuzz_mutated_screenplay_parses(text):
    _check(parse(text))


@fuzz_settings(0.5)
@given(
    st.text(alphabet=st.sampled_from(list("INTEXT./ -#*_[]()@~>=<!:\n\t\r aZ\u00e9")), max_size=300)
)
def test_fuzz_fountain_markup_soup_parses(text):
    _check(parse(text))


@fuzz_settings(0.5)
@given(mutated_bytes(SEED.encode("utf-8")[:1500], max_ops=8))
def test_fuzz_screenplay_bytes_decode_or_fountain_error(data):
    from previzkit.script.reader import decode

    try:
        text, _warnings = decode(data, "fuzz.fountain")
    except FountainError as exc:
        assert "fuzz.fountain" in str(exc)
        return
    _check(parse(text))

"""parse -> write -> parse gives the same elements, title page and boneyard."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from previzkit.core.resources import asset_path
from previzkit.script import Element, ElementType, Script, TitleField, parse, write

ET = ElementType


def assert_same(a: Script, b: Script) -> None:
    assert b.title_page == a.title_page
    assert b.boneyard == a.boneyard
    assert b.elements == a.elements


def roundtrip(text: str) -> tuple[Script, Script]:
    a = parse(text)
    return a, parse(write(a))


def test_sample_screenplay_round_trips_with_line_order_kept():
    a, b = roundtrip(asset_path("scripts", "sample.fountain").read_text(encoding="utf-8"))
    assert_same(a, b)
    assert [e.line for e in b.elements] == sorted(e.line for e in b.elements)


def test_every_element_kind_round_trips():
    text = (
        "Title: X\nAuthor:\n    A\n    B\n\n# ACT\n\n= syn\n\n[[note]]\n\n.FORCED HEADING #3#\n\n"
        "!INT. NOT A HEADING\n\n!BOOM\nCrash.\n\nCUT TO:\n\n> Fade.\n\n>END<\n\n===\n\n"
        "@McCLANE\n(beat)\nYippee.\n  \nKi-yay.\n~la la\n\nSTEEL ^\nNo.\n\n~lyric one\n~lyric two\n\n"
        "    indented action\n\n!@not a cue\nreally\n\n!(paren) action\n\n!\n"
    )
    a, b = roundtrip(text)
    assert_same(a, b)
    assert {e.type for e in a.elements} == set(ET)


# Lines made from the characters that matter to Fountain's rules.
TOKENS = [*"aB Z.!@#=~><()[]*_^:/\\-\t", "INT. ", "EXT ", "TO:", "[[", "]]", "  ", "/*", "*/"]
LINE = st.lists(st.sampled_from(TOKENS), max_size=8).map("".join)
TEXT = st.lists(LINE, max_size=25).map("\n".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TEXT)
def test_random_fountain_round_trips(text):
    a, b = roundtrip(text)
    assert_same(a, b)


SAFE = (
    st.text(alphabet=st.sampled_from(list("abcdeXYZ .,'?")), min_size=1, max_size=20)
    .map(str.strip)
    .filter(bool)
)


@st.composite
def scripts(draw) -> Script:
    els: list[Element] = []
    for _ in range(draw(st.integers(0, 12))):
        kind = draw(
            st.sampled_from(
                ["heading", "action", "block", "transition", "centered", "section", "note"]
            )
        )
        if kind == "heading":
            els.append(
                Element(
                    ET.SCENE_HEADING,
                    "INT. " + draw(SAFE).upper(),
                    scene_number=draw(st.none() | st.just("4A")),
                )
            )
        elif kind == "action":
            els.append(Element(ET.ACTION, draw(SAFE)))
        elif kind == "block":
            name = draw(st.sampled_from(["MARA", "JONAS", "DR. NO"]))
            els.append(Element(ET.CHARACTER, name, character=name))
            if draw(st.booleans()):
                els.append(Element(ET.PARENTHETICAL, "(" + draw(SAFE) + ")", character=name))
            els.append(Element(ET.DIALOGUE, draw(SAFE), character=name))
        elif kind == "transition":
            els.append(Element(ET.TRANSITION, draw(SAFE).upper() + " TO:"))
        elif kind == "centered":
            els.append(Element(ET.CENTERED, draw(SAFE)))
        elif kind == "section":
            els.append(Element(ET.SECTION, draw(SAFE), depth=draw(st.integers(1, 3))))
        else:
            els.append(Element(ET.NOTE, draw(SAFE)))
    title = [TitleField("Title", draw(SAFE))] if draw(st.booleans()) else []
    return Script(title_page=title, elements=els)


@settings(max_examples=200, deadline=None)
@given(scripts())
def test_generated_scripts_write_and_parse_back(script):
    back = parse(write(script))
    assert back.elements == script.elements
    assert back.title_page == script.title_page


@pytest.mark.parametrize(
    "text",
    [
        "[[]]#",  # a note before a marker is not a section
        "TO:/**//*",  # unclosed '/*' in the title page
        ">INT. TO:",  # forced transition that looks like a heading
        "B^^\na",  # several dual markers
        "@^\na",  # forced cue with no name: action
        "[[\n]]",  # note made of empty lines
        "*//**/**/",  # cutting a boneyard joins a new one
        "Title: X\n\nEXT A: B\n\nx",
        "EXT A:\n\nx",  # a heading that looks like a title page key
        "BOOM\nThe door.\n\n!BOOM\nThe door.",
        "a\n  \n  \nb\n  ",  # spacer lines in action
        "BOB\n(beat)\n  \nMore.\n\nx",  # spacer right after a parenthetical
    ],
)
def test_fuzz_found_cases_round_trip(text):
    a, b = roundtrip(text)
    assert_same(a, b)

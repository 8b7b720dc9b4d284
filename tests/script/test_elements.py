"""Every Fountain 1.1 element type, with the spec's examples and edge cases."""

from __future__ import annotations

from previzkit.script import ElementType as ET
from previzkit.script import parse


def kinds(text: str) -> list[tuple[str, str]]:
    return [(e.type.value, e.text) for e in parse(text).elements]


def test_title_page_keys_and_indented_values():
    s = parse(
        "Title:\n    _**BRICK & STEEL**_\n    _**FULL RETIRED**_\nCredit: Written by\n"
        "Author: Stu Maschwitz\nDraft date: 1/20/2012\nContact:\n    Next Level Productions\n"
        "    1588 Mission Dr.\n\nINT. HOUSE - DAY\n\nHello.\n"
    )
    assert s.title_value("title") == "_**BRICK & STEEL**_\n_**FULL RETIRED**_"
    assert s.title == "BRICK & STEEL FULL RETIRED"
    assert s.title_value("Contact") == "Next Level Productions\n1588 Mission Dr."
    assert [f.line for f in s.title_page] == [1, 4, 5, 6, 7]
    assert kinds_of(s) == ["scene_heading", "action"]


def kinds_of(s) -> list[str]:
    return [e.type.value for e in s.elements]


def test_no_title_page_when_first_block_is_not_key_value():
    s = parse("Hello there: general.\nMore text without a key\n\nINT. A - DAY\n")
    assert s.title_page == []
    assert s.elements[0].type is ET.ACTION


def test_scene_heading_prefixes_case_insensitive():
    for h in [
        "INT. HOUSE - DAY",
        "EXT HOUSE - DAY",
        "est. city - night",
        "INT./EXT. CAR - DAY",
        "INT/EXT CAR - DAY",
        "I/E CAR - DAY",
    ]:
        s = parse(f"\n{h}\n\nAction.\n")
        assert s.elements[0].type is ET.SCENE_HEADING, h
        assert s.elements[0].text == h
        assert s.elements[0].line == 2


def test_heading_needs_blank_lines_around_it():
    s = parse("Some action.\nINT. HOUSE - DAY\n\nMore.\n")
    assert kinds_of(s) == ["action", "action"]
    assert s.elements[0].text == "Some action.\nINT. HOUSE - DAY"
    s = parse("INT. HOUSE - DAY\nShe enters.\n")
    assert kinds_of(s) == ["action"]
    assert [w.code for w in s.warnings] == ["heading-without-blank"]
    assert s.warnings[0].line == 1


def test_words_starting_like_a_prefix_are_not_headings():
    assert kinds("INTERIOR DESIGN is hard.\n\nEXTRA credit.\n") == [
        ("action", "INTERIOR DESIGN is hard."),
        ("action", "EXTRA credit."),
    ]


def test_forced_scene_heading_and_ellipsis():
    s = parse(".SNIPER SCOPE POV\n\n...and then he ran.\n")
    assert s.elements[0].type is ET.SCENE_HEADING and s.elements[0].text == "SNIPER SCOPE POV"
    assert s.elements[0].forced
    assert s.elements[1].type is ET.ACTION and s.elements[1].text == "...and then he ran."


def test_scene_numbers():
    for raw, text, no in [
        ("INT. HOUSE - DAY #1#", "INT. HOUSE - DAY", "1"),
        ("INT. HOUSE - DAY #1A#", "INT. HOUSE - DAY", "1A"),
        ("INT. HOUSE - DAY #I-1-A#", "INT. HOUSE - DAY", "I-1-A"),
        ("INT. HOUSE - DAY #110A#", "INT. HOUSE - DAY", "110A"),
        (".FLASHBACK #2.#", "FLASHBACK", "2."),
    ]:
        el = parse(raw + "\n\nx\n").elements[0]
        assert (el.type, el.text, el.scene_number) == (ET.SCENE_HEADING, text, no)
    s = parse("INT. A - DAY #7B#\n\nx\n\nINT. B - DAY\n\ny\n")
    assert [sc.number for sc in s.scenes] == ["7B", "2"]


def test_action_keeps_line_breaks_and_indentation_tabs_become_four_spaces():
    s = parse("They run.\n\tThe door\n    slams.\n")
    assert s.elements[0].text == "They run.\n    The door\n    slams."


def test_forced_action_for_caps_and_heading_lines():
    s = parse("!SCANNING THE AISLES...\nWhere is that pit boss?\n\n!INT. NOT A HEADING\n")
    assert kinds_of(s) == ["action", "action"]
    assert s.elements[0].text == "SCANNING THE AISLES...\nWhere is that pit boss?"
    assert s.elements[1].text == "INT. NOT A HEADING"


def test_character_cue_needs_blank_before_and_text_after():
    assert kinds("STEEL\nThe man's a myth!\n") == [
        ("character", "STEEL"),
        ("dialogue", "The man's a myth!"),
    ]
    # All caps followed by a blank line: action, not a cue.
    assert kinds("BOOM!\n\nThe wall falls.\n") == [
        ("action", "BOOM!"),
        ("action", "The wall falls."),
    ]
    # All caps line right after action (no blank line before): action.
    assert kinds("He reads the sign.\nDO NOT ENTER\nHe enters.\n") == [
        ("action", "He reads the sign.\nDO NOT ENTER\nHe enters.")
    ]
    # Digits only: no letter, not a cue.
    assert kinds("1984\nA year.\n")[0][0] == "action"


def test_character_extensions_and_numbers():
    s = parse(
        "HANS (on the radio)\nWhat was it you said?\n\nR2D2\nBeep.\n\nMOM (V.O.) (CONT'D)\nDinner.\n"
    )
    cues = [e for e in s.elements if e.type is ET.CHARACTER]
    assert [c.name for c in cues] == ["HANS", "R2D2", "MOM"]
    assert cues[0].extensions == ["on the radio"]
    assert cues[2].extensions == ["V.O.", "CONT'D"]
    assert s.characters == ["HANS", "R2D2", "MOM"]


def test_forced_character_with_at():
    s = parse("@McCLANE\nYippee ki-yay! Motherfucker.\n")
    assert kinds_of(s) == ["character", "dialogue"]
    assert s.elements[0].name == "McCLANE" and s.elements[0].forced


def test_dialogue_parentheticals_and_spacer_lines():
    s = parse(
        "STEEL\n(starting the engine)\nSo much for retirement!\n(beat)\nOkay.\n  \nStill here.\n\nAfter.\n"
    )
    assert [(e.type.value, e.text, e.character) for e in s.elements] == [
        ("character", "STEEL", "STEEL"),
        ("parenthetical", "(starting the engine)", "STEEL"),
        ("dialogue", "So much for retirement!", "STEEL"),
        ("parenthetical", "(beat)", "STEEL"),
        ("dialogue", "Okay.\n\nStill here.", "STEEL"),
        ("action", "After.", None),
    ]
    assert [e.line for e in s.elements] == [1, 2, 3, 4, 5, 9]


def test_dual_dialogue():
    s = parse("BRICK\nScrew retirement.\n\nSTEEL ^\nScrew retirement.\n")
    brick, _, steel, _ = s.elements
    assert (brick.dual, steel.dual) == ("left", "right")
    assert steel.text == "STEEL" and steel.name == "STEEL"


def test_dual_dialogue_without_partner_warns():
    s = parse("Action.\n\nSTEEL ^\nAlone.\n")
    assert s.elements[1].dual is None
    assert [(w.line, w.code) for w in s.warnings] == [(3, "dual-without-partner")]


def test_lyrics():
    s = parse(
        "~Willy Wonka! Willy Wonka! The amazing chocolatier!\n~Willy Wonka! Willy Wonka! Everybody give a cheer!\n"
    )
    assert kinds_of(s) == ["lyrics"]
    assert s.elements[0].text.split("\n")[1].startswith("Willy Wonka! Willy Wonka! Everybody")
    s = parse("JONAS\n~Roll camera,\n~roll sound.\n")
    assert [(e.type.value, e.character) for e in s.elements] == [
        ("character", "JONAS"),
        ("lyrics", "JONAS"),
    ]


def test_transitions_natural_and_forced():
    assert kinds("Jack begins to cry.\n\nCUT TO:\n\nINT. BAR - DAY\n\nx\n")[1] == (
        "transition",
        "CUT TO:",
    )
    assert kinds("x\n\n>Burn to White.\n")[1] == ("transition", "Burn to White.")
    # Needs blank lines around it.
    assert kinds("x\n\nCUT TO:\nmore\n")[1][0] == "character"


def test_centered_text():
    assert kinds(">THE END<\n") == [("centered", "THE END")]
    assert kinds("> THE END <\n") == [("centered", "THE END")]


def test_page_break():
    s = parse("Action.\n\n===\n\nMore.\n")
    assert kinds_of(s) == ["action", "page_break", "action"]
    assert s.elements[1].line == 3


def test_sections_and_synopses():
    s = parse(
        "# ACT I\n\n## Sequence\n\n### Scene bit\n\n= Set up the characters.\n\nINT. A - DAY\n\nx\n"
    )
    secs = [e for e in s.elements if e.type is ET.SECTION]
    assert [(e.text, e.depth) for e in secs] == [("ACT I", 1), ("Sequence", 2), ("Scene bit", 3)]
    syn = [e for e in s.elements if e.type is ET.SYNOPSIS]
    assert syn[0].text == "Set up the characters." and syn[0].line == 7


def test_notes_standalone_inline_and_multiline():
    s = parse("[[This is a note.]]\n\nHe smiles. [[inline]]\n\n[[multi\nline note]]\n")
    assert [(e.type.value, e.text) for e in s.elements] == [
        ("note", "This is a note."),
        ("action", "He smiles. [[inline]]"),
        ("note", "multi\nline note"),
    ]
    assert s.elements[1].notes == ["inline"]
    assert s.elements[1].plain == "He smiles. "


def test_notes_inside_dialogue_stay_in_the_dialogue_block():
    s = parse(
        "COGNITO\nEveryone's coming after you. [[This line needs work.]]\n[[another note]]\nEveryone.\n"
    )
    assert [e.type.value for e in s.elements] == ["character", "dialogue"]
    d = s.elements[1]
    assert d.notes == ["This line needs work.", "another note"]
    assert d.plain == "Everyone's coming after you. \n\nEveryone."


def test_note_can_span_a_spacer_line_but_not_a_blank_line():
    s = parse("[[first\n  \nsecond]]\n")
    assert (s.elements[0].type, s.elements[0].text) == (ET.NOTE, "first\n\nsecond")
    s = parse("Action [[first\n\nsecond]]\n")
    assert [w.code for w in s.warnings] == ["unterminated-note"]
    assert s.warnings[0].line == 1


def test_boneyard_inline_multiline_and_spanning_scenes():
    text = (
        "INT. A - DAY\n\nStart. /* cut this */ End.\n\n/*\nINT. B - NIGHT\n\nGone.\n\n"
        "EXT. C - DAY\n\nAlso gone.\n*/\n\nINT. D - DAY\n\nKept.\n"
    )
    s = parse(text)
    assert [sc.heading.text for sc in s.scenes] == ["INT. A - DAY", "INT. D - DAY"]
    assert s.elements[1].text == "Start.  End."
    assert [b.line for b in s.boneyard] == [3, 5]
    assert "EXT. C - DAY" in s.boneyard[1].text
    assert s.scenes[1].line == 15


def test_boneyard_between_cue_and_dialogue_keeps_the_block():
    s = parse("MARA\n/* Who else knows? */\nOne screening.\n")
    assert [(e.type.value, e.line) for e in s.elements] == [("character", 1), ("dialogue", 3)]


def test_unterminated_boneyard_warns_and_keeps_text():
    s = parse("Action.\n\n/* forgot to close\n\nINT. A - DAY\n\nx\n")
    assert [(w.line, w.code) for w in s.warnings] == [(3, "unterminated-boneyard")]
    assert s.scenes[0].line == 5


def test_emphasis_spans():
    from previzkit.script.inline import spans

    def styled(t):
        return [(s.text, sorted(s.styles)) for s in spans(t)]

    assert styled("*italics* **bold** ***both*** _under_") == [
        ("italics", ["italic"]),
        (" ", []),
        ("bold", ["bold"]),
        (" ", []),
        ("both", ["bold", "italic"]),
        (" ", []),
        ("under", ["underline"]),
    ]
    assert styled("From what seems like only _**INCHES AWAY**_.")[1] == (
        "INCHES AWAY",
        ["bold", "underline"],
    )
    assert styled(r"Steel enters the code: **\*9765\***")[-1] == ("*9765*", ["bold"])
    # Spaces inside markers and line breaks stop emphasis.
    assert styled("2 * 3 * 4") == [("2 * 3 * 4", [])]
    assert styled("*one\ntwo*") == [("*one", []), ("\n", []), ("two*", [])]


def test_crlf_bom_and_line_numbers():
    s = parse("\ufeffINT. A - DAY\r\n\r\nAction.\r\n\r\nBOB\r\nHi.\r\n")
    assert [(e.type.value, e.line) for e in s.elements] == [
        ("scene_heading", 1),
        ("action", 3),
        ("character", 5),
        ("dialogue", 6),
    ]


def test_heading_parts():
    from dataclasses import astuple

    from previzkit.script import parse_heading as ph

    def parse_heading(text):
        return astuple(ph(text))

    assert parse_heading("INT. WAREHOUSE - NIGHT") == ("INT", "WAREHOUSE", "NIGHT")
    assert parse_heading("INT./EXT. CAR (MOVING) - DAY") == ("INT/EXT", "CAR (MOVING)", "DAY")
    assert parse_heading("I/E CAR - DAY")[0] == "INT/EXT"
    assert parse_heading("int. house - kitchen - later that night") == (
        "INT",
        "HOUSE - KITCHEN",
        "LATER THAT NIGHT",
    )
    assert parse_heading("EXT. HOUSE - KITCHEN") == ("EXT", "HOUSE - KITCHEN", "")
    assert parse_heading("FLASHBACK") == ("", "FLASHBACK", "")


def test_fade_in_opening_is_not_a_title_page():
    s = parse("FADE IN:\n\nINT. HOUSE - DAY\n\nx\n")
    assert s.title_page == []
    assert [e.type.value for e in s.elements] == ["action", "scene_heading", "action"]

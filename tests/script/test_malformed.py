"""Malformed input: warnings with line numbers or one clear error, never a traceback."""

from __future__ import annotations

import codecs

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from previzkit.cli import main
from previzkit.core.errors import FountainError, MissingFileError
from previzkit.script import parse, read_script, write


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_parser_never_raises_on_random_text(text):
    s = parse(text)
    for e in s.elements:
        assert e.line >= 1
    write(s)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_decoding_random_bytes_gives_a_script_or_a_fountain_error(data):
    from previzkit.script.reader import decode

    try:
        text, warnings = decode(data, "x.fountain")
    except FountainError as exc:
        assert "x.fountain" in str(exc)
        return
    parse(text)
    assert all(w.line >= 1 for w in warnings)


def test_binary_file_is_a_clear_error(tmp_path, capsys):
    p = tmp_path / "clip.fountain"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(FountainError, match=r"clip\.fountain.*binary"):
        read_script(p)
    assert main(["script", "breakdown", str(p)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "binary" in err and "\n" not in err


def test_wrong_encoding_warns_with_line_and_reads_as_cp1252(tmp_path):
    p = tmp_path / "latin.fountain"
    p.write_bytes("INT. CAFÉ - DAY\n\nRENÉ\nBonjour.\n".encode("cp1252"))
    s = read_script(p)
    assert s.scenes[0].heading.text == "INT. CAFÉ - DAY"
    assert s.characters == ["RENÉ"]
    assert [(w.line, w.code) for w in s.warnings] == [(1, "encoding")]
    assert "0xC9" in s.warnings[0].message


def test_utf16_with_bom_is_read(tmp_path):
    p = tmp_path / "u16.fountain"
    p.write_bytes(codecs.BOM_UTF16_LE + "INT. A - DAY\n\nx\n".encode("utf-16-le"))
    s = read_script(p)
    assert s.scenes[0].heading.text == "INT. A - DAY" and not s.warnings


def test_control_characters_are_removed_with_a_warning():
    s = parse("INT. A - DAY\n\nBad\x07 bell.\n")
    assert s.elements[1].text == "Bad bell."
    assert [(w.line, w.code) for w in s.warnings] == [(3, "control-character")]


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(MissingFileError, match=r"nope\.fountain"):
        read_script(tmp_path / "nope.fountain")
    with pytest.raises(FountainError, match="directory"):
        read_script(tmp_path)


def test_empty_file_parses_to_nothing(tmp_path):
    p = tmp_path / "empty.fountain"
    p.write_bytes(b"")
    s = read_script(p)
    assert s.elements == [] and s.scenes == []

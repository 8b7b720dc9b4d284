"""Read a Fountain file from disk: encoding detection and binary rejection (I/O edge)."""

from __future__ import annotations

import codecs
from pathlib import Path

from previzkit.core.errors import FountainError, MissingFileError
from previzkit.script.model import ParseWarning, Script
from previzkit.script.parser import parse

MAX_BYTES = 64 * 1024 * 1024  # a screenplay is a few hundred KiB


def decode(data: bytes, name: str = "<bytes>") -> tuple[str, list[ParseWarning]]:
    """Bytes -> text. UTF-8 (with or without BOM) and UTF-16 with a BOM are read as is;
    other bytes are read as Windows-1252 with a warning naming the first bad line.

    Raises :class:`FountainError` for binary data (NUL bytes outside UTF-16).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            raise FountainError(
                f"{name}: has a UTF-16 byte order mark but is not UTF-16 ({exc.reason})"
            ) from None
    if b"\x00" in data[:65536]:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise FountainError(
            f"{name}: looks like a binary file (NUL byte on line {line}), not a Fountain screenplay"
        )
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        text = data.decode("cp1252", errors="replace")
        bad = sum(1 for c in text if c == "\ufffd")
        if bad > max(8, len(text) // 20):
            raise FountainError(
                f"{name}: not a text file (undecodable bytes from line {line}); "
                "save the screenplay as UTF-8 plain text"
            ) from None
        warning = ParseWarning(
            line,
            "encoding",
            f"not valid UTF-8 (byte 0x{data[exc.start]:02X} at column {col}); "
            "read as Windows-1252, save the file as UTF-8",
        )
        return text, [warning]


def read_script(path: str | Path) -> Script:
    """Read and parse a ``.fountain`` file; warnings from decoding go in ``Script.warnings``.

    Raises :class:`MissingFileError` when absent and :class:`FountainError` for a
    directory, an unreadable, binary or oversized file.
    """
    path = Path(path)
    if not path.exists():
        raise MissingFileError(f"{path}: no such Fountain file")
    if path.is_dir():
        raise FountainError(f"{path}: is a directory, expected a .fountain file")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise FountainError(f"{path}: {size} bytes is too large for a screenplay")
        data = path.read_bytes()
    except OSError as exc:
        raise FountainError(f"{path}: cannot read ({exc.strerror or exc})") from None
    text, warnings = decode(data, str(path))
    script = parse(text)
    script.warnings[:0] = warnings
    script.source = str(path)
    return script

"""The header previzkit's binary files share (pose tracks ``.pzt``, take journals ``.pzj``).

Layout (little-endian)::

    header = magic (8 bytes) | version u16 | reserved u16 (=0) | meta_len u32
             | meta (msgpack map, meta_len bytes)

Each format names its magic and version and puts its own records after the header.
"""

from __future__ import annotations

import struct
from typing import Any, BinaryIO

from previzkit.core.errors import PrevizError
from previzkit.core.optional import require

HEAD = struct.Struct("<8sHHI")


def packb(obj: Any) -> bytes:
    """``obj`` as msgpack (binary type for bytes)."""
    msgpack = require("msgpack", "takes", "pose tracks and take journals")
    data: bytes = msgpack.packb(obj, use_bin_type=True)
    return data


def unpackb(data: bytes) -> Any:
    """msgpack ``data`` back to Python objects (str keys and values, any map key)."""
    msgpack = require("msgpack", "takes", "pose tracks and take journals")
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


def pack_header(magic: bytes, version: int, meta: dict[str, Any]) -> bytes:
    """The file's first bytes: ``magic``, ``version`` and ``meta``."""
    raw = packb(meta)
    return HEAD.pack(magic, version, 0, len(raw)) + raw


def read_header(
    f: BinaryIO,
    where: str,
    magic: bytes,
    version: int,
    names: tuple[str, str],
    error: type[PrevizError],
) -> dict[str, Any]:
    """The meta map of the header at ``f``'s position; ``f`` is left after it.

    ``where`` names the file in errors, ``names`` is (what the file is, what its
    header is called): ("take journal", "journal"). Every problem raises ``error``.
    """
    kind, short = names
    head = f.read(HEAD.size)
    if len(head) < HEAD.size or head[:8] != magic:
        raise error(f"{where} is not a previzkit {kind} (no {magic[:7].decode()} header)")
    _, found, _, meta_len = HEAD.unpack(head)
    if found != version:
        raise error(
            f"{where}: {short} version {found} is not supported (this previzkit reads "
            f"version {version}); update previzkit"
        )
    raw = f.read(meta_len)
    if len(raw) != meta_len:
        raise error(f"{where}: {short} header is cut short")
    try:
        meta = unpackb(raw)
    except Exception as exc:
        raise error(f"{where}: {short} header is corrupt ({exc})") from None
    if not isinstance(meta, dict):
        raise error(f"{where}: {short} header is not a map")
    return meta

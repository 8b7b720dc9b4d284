"""Shared fuzzing helpers: the example budget and mutation strategies.

The budget is ``PREVIZKIT_FUZZ_EXAMPLES`` examples per fuzz test (default 150 in CI;
set e.g. 20000 for a long run). Mutations start from a valid document (a seed) and
delete, duplicate, swap, truncate or corrupt lines and bytes, which reaches far deeper
into a parser than random text does. Each fuzz test asserts the contract of its
target: a valid result or the documented PrevizError subclass, never another exception.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("PREVIZKIT_FUZZ_EXAMPLES", "150"))


def fuzz_settings(scale: float = 1.0):
    """Hypothesis settings for one fuzz test: ``EXAMPLES * scale`` cases, no deadline."""
    return settings(
        max_examples=max(10, int(EXAMPLES * scale)),
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
        database=None,
    )


# tokens that parsers of our formats treat specially
_TOKENS = [
    "",
    " ",
    "\t",
    "\n",
    "\r\n",
    "\x00",
    "\ufeff",
    "-",
    "--",
    "#",
    ":",
    ";",
    ",",
    "{",
    "}",
    "[",
    "]",
    "'",
    '"',
    "*",
    "&a",
    "!!python/object:os.system",
    "~",
    "null",
    "nan",
    "inf",
    "-inf",
    "1e308",
    "-1e308",
    "1e-320",
    "0",
    "-0",
    "99999999999999999999",
    "-1",
    "0x1F",
    "é",
    "\u202e",
    "\U0001f3ac",
    "INT.",
    "EXT.",
    ">",
    "<",
    "(",
    ")",
    "@",
    "^",
    "=",
    "/*",
    "*/",
    "[[",
    "]]",
    "TITLE",
    "LUT_3D_SIZE",
    "DOMAIN_MIN",
    "FCM:",
    "*",
    "FROM CLIP NAME:",
]


@st.composite
def mutated_text(draw, seed: str, max_ops: int = 6) -> str:
    """``seed`` with 0..max_ops line/character mutations."""
    lines = seed.splitlines(keepends=True)
    for _ in range(draw(st.integers(0, max_ops))):
        op = draw(
            st.sampled_from(
                ["del", "dup", "swap", "insert", "replace", "chars", "truncate", "token"]
            )
        )
        if not lines:
            lines = [draw(st.text(max_size=40))]
        i = draw(st.integers(0, len(lines) - 1))
        if op == "del":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "swap":
            j = draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            lines.insert(i, draw(st.text(max_size=60)) + "\n")
        elif op == "truncate":
            lines = lines[: i + 1]
            lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1])))]
        else:
            line = lines[i]
            k = draw(st.integers(0, len(line)))
            if op == "replace":
                lines[i] = draw(st.text(max_size=60)) + ("\n" if line.endswith("\n") else "")
            elif op == "chars":
                n = draw(st.integers(0, 4))
                lines[i] = line[:k] + draw(st.text(max_size=8)) + line[k + n :]
            else:
                lines[i] = line[:k] + draw(st.sampled_from(_TOKENS)) + line[k:]
    return "".join(lines)


@st.composite
def mutated_bytes(draw, seed: bytes, max_ops: int = 6) -> bytes:
    """``seed`` with 0..max_ops byte flips, insertions, deletions or a truncation."""
    b = bytearray(seed)
    for _ in range(draw(st.integers(0, max_ops))):
        op = draw(st.sampled_from(["flip", "set", "insert", "delete", "truncate"]))
        if not b:
            b += draw(st.binary(min_size=1, max_size=8))
        i = draw(st.integers(0, len(b) - 1))
        if op == "flip":
            b[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            b[i] = draw(st.sampled_from([0, 1, 0x7F, 0x80, 0xFF, draw(st.integers(0, 255))]))
        elif op == "insert":
            b[i:i] = draw(st.binary(max_size=8))
        elif op == "delete":
            del b[i : i + draw(st.integers(1, 8))]
        else:
            del b[i:]
    return bytes(b)

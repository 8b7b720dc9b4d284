"""The exporter interface: one editorial format written through an OTIO adapter."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

Prepare = Callable[[Any], Any]  # timeline -> a copy shaped for the format


@dataclass(frozen=True)
class Exporter:
    """A format: ``name`` (``edl``), the OTIO ``adapter`` that writes it, file
    ``suffixes`` it is found by, a ``prepare`` step (a copy of the timeline shaped for
    the format) and a ``finish`` step on the written text (None for binary formats)."""

    name: str
    adapter: str
    suffixes: tuple[str, ...]
    description: str
    prepare: Prepare | None = None
    finish: Callable[[str, Any], str] | None = None
    options: dict[str, Any] = field(default_factory=dict)
    binary: bool = False

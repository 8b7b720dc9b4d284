"""Editorial exporters, found by format name or file suffix.

One module per format (``otio_native``, ``edl``, ``fcp7``, ``fcpx``, ``aaf``), each
defining ``EXPORTER``; a format is available when its module imports and OTIO has
its adapter plugin (opentimelineio-plugins, otio-fcpx-xml-adapter). An unknown or
missing format raises :class:`ExportError` listing what is available.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from previzkit.core.atomic import replacing
from previzkit.core.errors import ExportError
from previzkit.core.optional import require
from previzkit.core.registry import Registry
from previzkit.edit.exporters.base import Exporter
from previzkit.edit.media_refs import relativize

__all__ = ["EXPORTERS", "Exporter", "available_exporters", "export", "find_exporter"]


def _adapter_installed(exporter: Exporter) -> str | None:
    otio = require("opentimelineio", "edit", "editorial export")
    if exporter.adapter in otio.adapters.available_adapter_names():
        return None
    return f"OTIO adapter {exporter.adapter!r} is not installed"


# Other packages add formats through the "previzkit.exporters" entry-point group.
EXPORTERS: Registry[Exporter] = Registry(
    "export format",
    "EXPORTER",
    {
        name: f"previzkit.edit.exporters.{name}"
        for name in ("otio_native", "edl", "fcp7", "fcpx", "aaf", "xges")
    },
    group="previzkit.exporters",
    accept=_adapter_installed,
)


def available_exporters() -> dict[str, Exporter]:
    """Formats whose module imports and whose OTIO adapter is installed, by name."""
    return {e.name: e for e in EXPORTERS.available().values()}


def _listing(found: dict[str, Exporter]) -> str:
    return ", ".join(f"{e.name} ({'/'.join(e.suffixes)})" for e in found.values()) or "none"


def find_exporter(path: str | Path, fmt: str | None = None) -> Exporter:
    """The exporter named ``fmt`` (``edl``, ``cmx_3600``, ``fcp_xml``, ``fcpxml``, ...)
    or, without one, the one whose suffix matches ``path``."""
    found = available_exporters()
    if fmt:
        key = fmt.lower().lstrip(".")
        for e in found.values():
            if key in (e.name, e.adapter.lower()) or f".{key}" in e.suffixes:
                return e
        raise ExportError(f"export format {fmt!r}: unknown; available: {_listing(found)}")
    suffix = Path(path).suffix.lower()
    for e in found.values():
        if suffix in e.suffixes:
            return e
    raise ExportError(
        f"{path}: no exporter for suffix {suffix or '(none)'!r}; available: {_listing(found)}"
    )


def export(timeline: Any, path: str | Path, fmt: str | None = None) -> Path:
    """Write ``timeline`` (an OTIO Timeline) to ``path`` in ``fmt`` or the suffix's format.

    ``.otio`` cuts hold their media relative to ``path``'s folder where it lies under it
    (:func:`previzkit.edit.media_refs.relativize`); ``timeline`` is not changed."""
    otio = require("opentimelineio", "edit", "exporting the cut")

    exporter = find_exporter(path, fmt)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    shaped = exporter.prepare(timeline) if exporter.prepare else timeline
    if exporter.name == "otio":  # media relative to the cut: a moved project still plays
        shaped = relativize(shaped, out.resolve().parent)
    try:
        with replacing(out) as partial:  # the old file stays until the new one is whole
            if exporter.finish is not None:
                text = otio.adapters.write_to_string(shaped, exporter.adapter, **exporter.options)
                partial.write_text(exporter.finish(text, timeline), encoding="utf-8")
            else:
                otio.adapters.write_to_file(
                    shaped, str(partial), adapter_name=exporter.adapter, **exporter.options
                )
    except (otio.exceptions.OTIOError, ValueError, KeyError, TypeError) as exc:
        raise ExportError(f"{out}: {exporter.name} export failed: {exc}") from exc
    return out

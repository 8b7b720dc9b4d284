"""FCPXML (Final Cut Pro X) through the otio-fcpx-xml-adapter.

The adapter looks each rate's frame duration up in a table keyed by rounded rates
(23.98, 29.97, 59.94, 24, ...), so the exact NTSC rates of a cut (24000/1001,
30000/1001, 60000/1001) find nothing. Their entries are added to that table before
writing (``1001/24000s``, ...); times are then written as exact rational seconds of
the real rates. (The adapter's reader converts times with ``int(fps)`` and cannot
read NTSC source points back; the tests check the XML itself.)
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from previzkit.core.optional import require
from previzkit.edit.exporters.base import Exporter

_NTSC = {
    Fraction(24000, 1001): "1001/24000s",
    Fraction(30000, 1001): "1001/30000s",
    Fraction(60000, 1001): "1001/60000s",
}


def prepare(timeline: Any) -> Any:
    otio = require("opentimelineio", "edit", "FCPXML export")

    # the module instance OTIO's plugin system loaded (not a fresh import of it)
    module = otio.adapters.from_name("fcpx_xml").module()
    for rate, duration in _NTSC.items():
        module.FRAMERATE_FRAMEDURATION.setdefault(float(rate), duration)
    return timeline


EXPORTER = Exporter(
    "fcpxml", "fcpx_xml", (".fcpxml",), "Final Cut Pro X XML (FCPXML)", prepare=prepare
)

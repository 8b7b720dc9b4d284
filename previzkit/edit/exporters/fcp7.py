"""Final Cut Pro 7 XML (xmeml, also read by Premiere and Resolve) via OTIO's fcp_xml.

Each clip's ``<file><timecode>`` gets the take's reel name and the display format
(``DF`` at 29.97/59.94, else ``NDF``): the adapter writes non-drop labels unless told.
"""

from __future__ import annotations

import copy
from typing import Any

from previzkit.edit.exporters.base import Exporter
from previzkit.edit.timeline import is_drop_frame, timeline_rate


def prepare(timeline: Any) -> Any:
    out = copy.deepcopy(timeline)
    fmt = "DF" if is_drop_frame(timeline_rate(timeline)) else "NDF"
    for clip in out.find_clips():
        ref = clip.media_reference
        if ref is None or ref.is_missing_reference:
            continue
        tc_meta = dict(ref.metadata.get("fcp_xml", {}).get("timecode", {}))
        tc_meta["displayformat"] = fmt
        reel = clip.metadata.get("cmx_3600", {}).get("reel")
        if reel:
            tc_meta["reel"] = {"name": reel}
        ref.metadata.setdefault("fcp_xml", {})["timecode"] = tc_meta
    return out


EXPORTER = Exporter("fcp_xml", "fcp_xml", (".xml",), "Final Cut Pro 7 XML (xmeml)", prepare=prepare)

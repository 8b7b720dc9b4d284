"""AAF for Avid Media Composer through OTIO's AAF adapter (pyaaf2).

The writer needs a source MobID per clip: each take gets a stable one derived from
its scene/shot/take (``metadata["AAF"]["MobID"]``), so every clip of one take links
to one master clip in Avid.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from previzkit.edit.exporters.base import Exporter


def prepare(timeline: Any) -> Any:
    import aaf2.mobid

    out = copy.deepcopy(timeline)
    for clip in out.find_clips():
        meta = clip.metadata.get("previzkit", {})
        key = f"{meta.get('scene')}/{meta.get('shot')}/{meta.get('take')}/{clip.name}"
        material = uuid.uuid5(uuid.NAMESPACE_URL, "previzkit:" + key)
        mob = aaf2.mobid.MobID.new()
        mob.material = material
        clip.metadata.setdefault("AAF", {})["MobID"] = str(mob)
    return out


EXPORTER = Exporter(
    "aaf", "AAF", (".aaf",), "Advanced Authoring Format (Avid)", prepare=prepare, binary=True
)

"""AAF for Avid Media Composer through OTIO's AAF adapter (pyaaf2).

The writer needs a source MobID per clip: each take gets a stable one derived from
its scene/shot/take (``metadata["AAF"]["MobID"]``), so every clip of one take links
to one master clip in Avid. What the adapter's writer leaves wrong (a V1 sequence of
length 0, file mobs all named "Mob", one file mob per clip, no markers) is fixed in
its post-write hook (:mod:`previzkit.edit.exporters.aaf_finish`) while the file is
open. Locators are the media's absolute ``file://`` URLs (what Avid and Resolve read;
AAF has no relative form they honour).
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from previzkit.edit.exporters.base import Exporter


def prepare(timeline: Any) -> Any:
    import aaf2.mobid

    from previzkit.edit.exporters.aaf_finish import install

    install()
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
    "aaf",
    "AAF",
    (".aaf",),
    "Advanced Authoring Format (Avid)",
    prepare=prepare,
    options={"hook_function_argument_map": {"previzkit": True}},
    binary=True,
)

"""AAF for Avid Media Composer through OTIO's AAF adapter (pyaaf2).

The writer needs a source MobID per clip: each take gets a stable one derived from
its scene/shot/take (``metadata["AAF"]["MobID"]``), so every clip of one take links
to one master clip in Avid. What the adapter's writer leaves wrong (a V1 sequence of
length 0, file mobs all named "Mob", one file mob per clip, no markers) is fixed in
its post-write hook (:mod:`previzkit.edit.exporters.aaf_finish`) while the file is
open. Every transition is written as a dissolve (the writer knows no other kind, and
drops others while keeping their handles, so the sequence ran long); one without AAF
metadata (made outside Avid) gets the SMPTE Video or Audio Dissolve operation the
writer needs. Locators are the media's absolute ``file://`` URLs (what Avid and Resolve read;
AAF has no relative form they honour).
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from previzkit.edit.exporters.base import Exporter
from previzkit.edit.timeline import reel_table


def prepare(timeline: Any) -> Any:
    import aaf2.mobid
    import opentimelineio as otio

    from previzkit.edit.exporters.aaf_finish import install

    install()
    out = copy.deepcopy(timeline)
    reel_table(out)  # every file its CMX reel: the tape mobs' names
    for clip in out.find_clips():
        meta = clip.metadata.get("previzkit", {})
        key = f"{meta.get('scene')}/{meta.get('shot')}/{meta.get('take')}/{clip.name}"
        material = uuid.uuid5(uuid.NAMESPACE_URL, "previzkit:" + key)
        mob = aaf2.mobid.MobID.new()
        mob.material = material
        clip.metadata.setdefault("AAF", {})["MobID"] = str(mob)
    for tr in out.find_children(descended_from_type=otio.schema.Transition):
        # the writer knows dissolves only, and drops anything else but keeps the
        # neighbours' handles (the sequence then runs long): write it as a dissolve
        tr.transition_type = otio.schema.TransitionTypes.SMPTE_Dissolve
        tr.metadata.setdefault("AAF", {})
        for key, value in _dissolve(tr).items():
            tr.metadata["AAF"].setdefault(key, value)
    return out


#: SMPTE AAF operation definitions (AAF object spec, OperationDefinition constants)
_DISSOLVE = {
    "Picture": ("0c3bea41-fc05-11d2-8a29-0050040ef7d2", "Video Dissolve"),
    "Sound": ("0c3bea44-fc05-11d2-8a29-0050040ef7d2", "Mono Audio Dissolve"),
}


def _dissolve(tr: Any) -> dict[str, Any]:
    """The AAF metadata the adapter's writer needs for a cross dissolve (OTIO's
    ``SMPTE_Dissolve``): its operation, a linear 0 -> 1 ramp and the cut point."""
    kind = "Sound" if getattr(tr.parent(), "kind", "") == "Audio" else "Picture"
    ident, name = _DISSOLVE[kind]
    return {
        "PointList": [{"Value": 0, "Time": 0}, {"Value": 1, "Time": 1}],
        "CutPoint": round(tr.in_offset.value),
        "OperationGroup": {
            "Operation": {
                "Identification": ident,
                "Name": name,
                "Description": name,
                "DataDefinition": {"Name": kind},
                "IsTimeWarp": False,
                "Bypass": 1,
                "NumberInputs": 2,
                "OperationCategory": "OperationCategory_Effect",
            }
        },
    }


EXPORTER = Exporter(
    "aaf",
    "AAF",
    (".aaf",),
    "Advanced Authoring Format (Avid)",
    prepare=prepare,
    options={"hook_function_argument_map": {"previzkit": True}},
    binary=True,
)

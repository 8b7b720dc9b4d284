"""The AAF adapter's post-write hook: what its writer (otio-aaf-adapter 1.x) leaves wrong.

OTIO's AAF adapter runs the ``otio_aaf_post_write_transcribe`` hook with the open
pyaaf2 file before it is closed; :func:`install` registers :func:`hook_function` there
(once per process) and it acts only on files previzkit writes (the exporter passes
``previzkit: True`` in the hook's arguments). It

- sets each sequence's ``Length`` to what its components add up to (a transition
  overlaps its neighbours: its length counts against them); the writer leaves the
  composition's V1 sequence at 0;
- names the file source mobs (the writer calls every one ``"Mob"``) after their file
  (``1_1A_T001.mp4``, from the locator) and drops the duplicate file mobs no master
  mob uses (the writer makes one per clip, not per file); master mobs keep the take's
  clip name (``1_1-A_T001``) and tape mobs get its reel (``0010A01``, the EDL's);
- writes each clip's markers as Avid comment markers: ``DescriptiveMarker`` on an
  event slot of the composition (``Position`` the record frame, ``DescribedSlots``
  the picture slot, ``Comment`` the marker's name, the colour and the full text as
  Avid's ``_ATN_CRM_COLOR`` / ``_ATN_CRM_COM`` attributes, ``CommentMarkerUser``), which OTIO's AAF reader
  reads back onto the clips.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

HOOK = "otio_aaf_post_write_transcribe"
NAME = "previzkit_aaf_finish"

#: OTIO marker colour -> Avid marker colour name
AVID_COLOURS = {
    "RED": "Red",
    "GREEN": "Green",
    "BLUE": "Blue",
    "CYAN": "Cyan",
    "MAGENTA": "Magenta",
    "PURPLE": "Magenta",
    "YELLOW": "Yellow",
    "ORANGE": "Red",
    "PINK": "Magenta",
    "BLACK": "Black",
    "WHITE": "White",
}


def install() -> None:
    """Register :func:`hook_function` as the AAF adapter's post-write hook (idempotent)."""
    import opentimelineio as otio

    manifest = otio.plugins.ActiveManifest()
    if not any(h.name == NAME for h in manifest.hook_scripts):
        manifest.hook_scripts.append(otio.hooks.HookScript(name=NAME, filepath=__file__))
    if NAME not in manifest.hooks.setdefault(HOOK, []):
        manifest.hooks[HOOK].append(NAME)


def hook_function(in_timeline: Any, argument_map: dict[str, Any] | None = None) -> Any:
    """Fix the open AAF file ``argument_map["aaf_handle"]`` (see the module doc)."""
    args = argument_map or {}
    f = args.get("aaf_handle")
    if f is None or not args.get("previzkit"):
        return in_timeline
    _fix_lengths(f)
    _file_mobs(f)
    _tape_names(f, in_timeline)
    _markers(f, in_timeline)
    return in_timeline


def sequence_length(seq: Any) -> int:
    """Edit units a sequence spans: its components' lengths, transitions subtracted."""
    import aaf2

    total = 0
    for c in seq.components:
        n = int(c.length or 0)
        total += -n if isinstance(c, aaf2.components.Transition) else n
    return total


def _segments(segment: Any) -> Any:
    import aaf2

    yield segment
    if isinstance(segment, aaf2.components.Sequence):
        for c in segment.components:
            yield from _segments(c)
    elif isinstance(segment, aaf2.components.OperationGroup):
        for c in segment.segments:
            yield from _segments(c)


def _fix_lengths(f: Any) -> None:
    import aaf2

    for mob in f.content.compositionmobs():
        for slot in mob.slots:
            if isinstance(slot, aaf2.mobslots.EventMobSlot):
                continue
            # innermost first, so an outer sequence adds up corrected lengths
            for seg in reversed(list(_segments(slot.segment))):
                if isinstance(seg, aaf2.components.Sequence) and len(seg.components):
                    seg.length = sequence_length(seg)


def _locator(mob: Any) -> str | None:
    try:
        locs = mob.descriptor["Locator"].value or []
    except (KeyError, AttributeError):
        return None
    for loc in locs:
        try:
            return str(loc["URLString"].value)
        except KeyError:
            continue
    return None


def _file_mobs(f: Any) -> None:
    from urllib.parse import unquote, urlparse

    import aaf2

    used = set()
    for mob in f.content.mobs:
        if isinstance(mob, aaf2.mobs.MasterMob):
            for slot in mob.slots:
                for seg in _segments(slot.segment):
                    if isinstance(seg, aaf2.components.SourceClip) and seg.mob_id is not None:
                        used.add(str(seg.mob_id))
    for mob in list(f.content.sourcemobs()):
        desc = getattr(mob, "descriptor", None)
        if desc is None or isinstance(desc, aaf2.essence.TapeDescriptor):
            continue
        if str(mob.mob_id) not in used:
            f.content.mobs.pop(mob.mob_id)
            continue
        url = _locator(mob)
        if url:
            mob.name = Path(unquote(urlparse(url).path)).name


def _tape_names(f: Any, timeline: Any) -> None:
    """Name each tape mob after its take's reel (Avid's Tape column, which the EDL's
    reel names match): master mob -> file mob -> tape mob."""
    import aaf2

    reels = {
        c.name: c.metadata.get("cmx_3600", {}).get("reel")
        for c in timeline.find_clips()
        if c.metadata.get("cmx_3600", {}).get("reel")
    }
    for master in f.content.mastermobs():
        reel = reels.get(master.name)
        if not reel:
            continue
        for slot in master.slots:
            clip = slot.segment
            if not isinstance(clip, aaf2.components.SourceClip) or clip.mob is None:
                continue
            for fslot in clip.mob.slots:
                tape = getattr(fslot.segment, "mob", None)
                if isinstance(tape, aaf2.mobs.SourceMob) and isinstance(
                    tape.descriptor, aaf2.essence.TapeDescriptor
                ):
                    tape.name = reel


def _markers(f: Any, timeline: Any) -> None:
    import opentimelineio as otio

    from previzkit.edit.markers import marker_comment

    comp = next(iter(f.content.compositionmobs()), None)
    videos = timeline.video_tracks()
    if comp is None or not videos:
        return
    track = videos[0]
    picture = next(
        (s for s in comp.slots if getattr(s, "media_kind", "") == "Picture"),
        None,
    )
    if picture is None:
        return
    counts: dict[str, int] = {}
    for s in comp.slots:  # the writer leaves them unset: Avid numbers V1, A1... from 1
        kind = str(getattr(s, "media_kind", ""))
        counts[kind] = counts.get(kind, 0) + 1
        if s["PhysicalTrackNumber"].value is None:
            s["PhysicalTrackNumber"].value = counts[kind]
    rate = picture.edit_rate
    fps = float(rate)
    found = []
    for item in track:
        if not isinstance(item, otio.schema.Clip) or not item.markers:
            continue
        rec = track.range_of_child(item).start_time.rescaled_to(fps).value
        src = item.source_range.start_time.rescaled_to(fps).value
        for m in item.markers:
            at = m.marked_range.start_time.rescaled_to(fps).value
            found.append((round(rec + at - src), m))
    if not found:
        return
    seq = f.create.Sequence(media_kind="DescriptiveMetadata")
    made = []
    for pos, m in found:
        dm = f.create.DescriptiveMarker()
        dm["Position"].value = int(pos)
        dm["Length"].value = max(1, round(m.marked_range.duration.rescaled_to(fps).value))
        dm["Comment"].value = m.name
        dm["CommentMarkerUser"].value = "previzkit"
        dm["DescribedSlots"].value = {picture.slot_id}
        colour = AVID_COLOURS.get(str(m.color).upper(), "Yellow")
        dm["CommentMarkerAttributeList"].extend(
            [
                f.create.TaggedValue("_ATN_CRM_COLOR", colour),
                f.create.TaggedValue("_ATN_CRM_COM", marker_comment(m)),
            ]
        )
        made.append(dm)
    seq.components.extend(made)  # one index update, not one per marker
    slot = f.create.EventMobSlot()
    slot["EditRate"].value = rate
    slot["SlotID"].value = max(s.slot_id for s in comp.slots) + 1
    slot["PhysicalTrackNumber"].value = int(picture["PhysicalTrackNumber"].value)
    slot.segment = seq
    comp.slots.append(slot)

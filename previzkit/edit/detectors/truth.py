"""The true shot starts of a previzkit cut, for scoring a detector on its render.

A rendered cut (``previzkit cut render``, the demo's previz.mp4) starts a new shot at
the record frame where each clip or slate card begins. A clip that continues the
previous one's take without a jump in source frames is no visible cut and is left out.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from previzkit.edit.timeline import cut_events, load_cut


def cut_shot_starts(cut: str | Path | Any) -> list[int]:
    """Record frames (from the cut's first frame) where a new shot starts, after the
    first: every clip and slate card of the first video track. ``cut``: a path any
    OTIO adapter reads, or a Timeline."""
    timeline = load_cut(cut) if isinstance(cut, str | Path) else cut
    events = cut_events(timeline)
    starts = []
    for prev, e in itertools.pairwise(events):
        same_take = (
            e.slate is None
            and prev.slate is None
            and e.media == prev.media
            and e.source_in == prev.source_in + prev.duration
        )
        if not same_take:
            starts.append(e.record_in - events[0].record_in)
    return starts

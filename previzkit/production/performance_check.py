"""Checks of recorded performances: foot skating from takes' world joints and the jump
of the characters at the cuts of an assembled cut (metres, seconds, set frame).

:func:`contact_speeds` and :func:`mean_joint_jump` are pure numpy over
:class:`~previzkit.model.joint_track.JointTrack` data; :func:`take_foot_skate` and
:func:`cut_jumps` read a take store and an OTIO cut.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError

FOOT_JOINTS = ("left_toe", "right_toe")
CONTACT_HEIGHT_M = 0.03  # a toe within this of its lowest height in the take is planted
MIN_CONTACT_FRAMES = 3


def contact_speeds(
    track: Any, height_m: float = CONTACT_HEIGHT_M, min_frames: int = MIN_CONTACT_FRAMES
) -> npt.NDArray[np.float64]:
    """Horizontal speeds (m/s) of every character's toe joints over the frames where the
    toe is planted: within ``height_m`` of its lowest height in the take (2nd percentile),
    for ``min_frames`` frames or more. Central differences at the track's frame rate."""
    from previzkit.model.contacts import contact_ranges, horizontal_speed

    fps = float(track.meta.get("fps") or 0.0) or (
        1.0 / float(np.median(np.diff(track.time))) if len(track) > 1 else 24.0
    )
    out = []
    for name in track.characters:
        for joint in FOOT_JOINTS:
            p = np.asarray(track.joint(name, joint), dtype=np.float64)
            ok = np.isfinite(p).all(axis=1)
            if ok.sum() < min_frames:
                continue
            floor = float(np.percentile(p[ok, 1], 2))
            mask = ok & (p[:, 1] - floor < height_m)
            speed = horizontal_speed(np.nan_to_num(p), fps)
            for a, b in contact_ranges(mask):
                if b - a + 1 >= min_frames:
                    out.append(speed[a : b + 1])
    return np.concatenate(out) if out else np.zeros(0)


def take_foot_skate(store: Any, takes: Iterable[Any] | None = None) -> float:
    """Median planted-toe horizontal speed (cm/s) over the takes (default: all) of a
    :class:`~previzkit.takes.store.TakeStore`, from their ``joints.npz``."""
    from previzkit.model.joint_track import read_joint_track

    speeds = []
    for t in store.list() if takes is None else takes:
        path = store.file(t, "joints")
        if path is not None:
            speeds.append(contact_speeds(read_joint_track(path)))
    allv = np.concatenate(speeds) if speeds else np.zeros(0)
    if not allv.size:
        raise InputError("foot skating: no planted feet in the takes' joints")
    return float(np.median(allv) * 100.0)


def mean_joint_jump(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """The largest over characters of the distance (m) between their mean joint
    positions in two frames ((C, J, 3) each; characters NaN in either are skipped)."""
    pa = np.nanmean(np.asarray(a, dtype=np.float64), axis=1)
    pb = np.nanmean(np.asarray(b, dtype=np.float64), axis=1)
    d = np.linalg.norm(pa - pb, axis=1)
    d = d[np.isfinite(d)]
    return float(d.max()) if d.size else float("nan")


def cut_jumps(cut: str | Path, project: str | Path) -> list[tuple[str, float]]:
    """(outgoing -> incoming clip names, jump m) of every cut between two clips of the
    same scene in ``cut`` (an OTIO file), from the takes' joints in ``project``: the
    outgoing clip's last frame against the incoming clip's first."""
    import opentimelineio as otio

    from previzkit.model.joint_track import read_joint_track
    from previzkit.takes.store import TakeStore

    timeline = otio.adapters.read_from_file(str(cut))
    out: list[tuple[str, float]] = []
    with TakeStore(project, create=False) as store:
        cache: dict[tuple[str, str, int], Any] = {}

        def frame(clip: Any, last: bool) -> Any:
            m = clip.metadata["previzkit"]
            key = (m["scene"], m["shot"], int(m["take"]))
            if key not in cache:
                take = store.get(*key)
                path = store.file(take, "joints")
                if path is None:
                    raise InputError(f"cut {cut}: take {take.label} has no joints.npz")
                cache[key] = (take, read_joint_track(path))
            take, joints = cache[key]
            sr = clip.source_range
            f = round(sr.start_time.value) - int(take.start_frame)
            if last:
                f += round(sr.duration.value) - 1
            return joints.world[min(max(f, 0), len(joints) - 1)]

        prev = None
        for item in timeline.video_tracks()[0]:
            if not isinstance(item, otio.schema.Clip):
                prev = None  # a slate: a new scene
                continue
            if (
                prev is not None
                and prev.metadata["previzkit"]["scene"] == item.metadata["previzkit"]["scene"]
            ):
                jump = mean_joint_jump(frame(prev, True), frame(item, False))
                out.append((f"{prev.name} -> {item.name}", jump))
            prev = item
    return out

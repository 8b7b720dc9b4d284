"""Clip exports of one actor: retarget the whole clip, then BVH and/or glTF animation.

Only actors that :mod:`previzkit.capture.track_quality` keeps are exported by default
(false skeletons and flickers are dropped, each with a one-line note); an actor asked
for by id is exported even when dropped, with a warning naming the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from previzkit.capture.track_quality import TrackQuality, assess_track
from previzkit.core.errors import InputError
from previzkit.core.types import SkeletonPose
from previzkit.model.capture_camera import CaptureCamera
from previzkit.model.pose_track import PoseTrack
from previzkit.model.skeleton import Skeleton

BVH_UNITS = ("cm", "m")


@dataclass(frozen=True)
class ClipExport:
    """What one export wrote: the ``actor_id``, the ``files``, every actor's verdict
    (``quality``), the ``camera`` given to the root solve and a ``warning`` when the
    actor exported is one quality dropped."""

    actor_id: int
    files: tuple[Path, ...]
    quality: TrackQuality
    camera: CaptureCamera
    warning: str | None = None


def actor_clip(
    track: PoseTrack,
    actor_id: int | None = None,
    min_visibility: float = 0.5,
    camera: CaptureCamera | None = None,
) -> tuple[int, Skeleton, list[SkeletonPose]]:
    """(actor id, their skeleton, one pose per frame) for ``actor_id`` (default: the
    actor seen in most frames). The clip runs from the actor's first to last frame;
    frames where they were not found hold the previous pose (never invented).
    ``camera`` goes to :func:`previzkit.capture.retarget.retarget_clip` (the root)."""
    from previzkit.capture.retarget import retarget_clip

    ids = track.actor_ids()
    if not ids:
        raise InputError("clip export: no person was found in any frame")
    if actor_id is None:
        actor_id = max(
            ids, key=lambda a: sum(1 for f in track.frames for p in f.people if p.actor_id == a)
        )
    elif actor_id not in ids:
        raise InputError(f"clip export: actor {actor_id} not in the track (actors: {ids})")
    seen = [i for i, f in enumerate(track.frames) if any(p.actor_id == actor_id for p in f.people)]
    poses = track.actor(actor_id)
    skeleton, retargeted = retarget_clip(poses, min_visibility=min_visibility, camera=camera)
    by_frame = dict(zip(seen, retargeted, strict=True))
    out: list[SkeletonPose] = []
    for i in range(seen[0], seen[-1] + 1):
        out.append(by_frame.get(i, out[-1] if out else retargeted[0]))
    return actor_id, skeleton, out


def _choose(
    track: PoseTrack, quality: TrackQuality, actor_id: int | None
) -> tuple[int, str | None]:
    ids = track.actor_ids()
    if not ids:
        raise InputError("clip export: no person was found in any frame")
    if actor_id is not None:
        if actor_id not in ids:
            raise InputError(f"clip export: actor {actor_id} not in the track (actors: {ids})")
        verdict = quality.of(actor_id)
        warning = None if verdict.kept else f"actor {actor_id} exported although {verdict.reason}"
        return actor_id, warning
    best = quality.longest_kept()
    if best is None:
        notes = "; ".join(a.note() for a in quality.dropped)
        raise InputError(f"clip export: every actor was dropped ({notes}); pick one with --actor")
    return best.actor_id, None


def export_clip(
    track: PoseTrack,
    *,
    bvh: str | Path | None = None,
    gltf: str | Path | None = None,
    actor_id: int | None = None,
    units: str = "cm",
    camera: CaptureCamera | None = None,
    quality: TrackQuality | None = None,
) -> ClipExport:
    """Write one actor's retargeted clip as BVH (lengths in ``units``: ``"cm"`` or
    ``"m"``; the BVH header carries no unit) and/or glTF (.glb, metres as the glTF spec
    says). ``actor_id``: default the longest actor quality keeps. ``camera``: default
    the track's ``meta["camera"]`` (see :func:`previzkit.capture.intrinsics.track_camera`).
    """
    from previzkit.capture.intrinsics import track_camera

    if units not in BVH_UNITS:
        raise InputError(
            f"clip export: BVH units must be one of {', '.join(BVH_UNITS)}, got {units!r}"
        )
    quality = quality or assess_track(track)
    actor, warning = _choose(track, quality, actor_id)
    camera = camera or track_camera(track)
    actor, skeleton, poses = actor_clip(track, actor, camera=camera)
    fps = track.fps if track.fps > 0 else 30.0
    files: list[Path] = []
    if bvh is not None:
        from previzkit.capture.bvh import write_bvh

        files.append(write_bvh(bvh, skeleton, poses, 1.0 / fps, units))
    if gltf is not None:
        from previzkit.render.gltf_export import export_animation_glb

        files.append(export_animation_glb(gltf, poses, fps, skeleton, name=f"actor {actor}"))
    return ClipExport(actor, tuple(files), quality, camera, warning)


def per_actor_path(path: str | Path, actor_id: int) -> Path:
    """``take.bvh`` -> ``take_<id>.bvh``: one file per actor."""
    path = Path(path)
    return path.with_name(f"{path.stem}_{actor_id}{path.suffix}")


def export_actors(
    track: PoseTrack,
    *,
    bvh: str | Path | None = None,
    gltf: str | Path | None = None,
    units: str = "cm",
    camera: CaptureCamera | None = None,
) -> list[ClipExport]:
    """Every actor quality keeps, one file each (:func:`per_actor_path`), in id order."""
    quality = assess_track(track)
    if not quality.kept:
        notes = "; ".join(a.note() for a in quality.dropped) or "no person in any frame"
        raise InputError(f"clip export: no actor to export ({notes})")
    return [
        export_clip(
            track,
            bvh=None if bvh is None else per_actor_path(bvh, a.actor_id),
            gltf=None if gltf is None else per_actor_path(gltf, a.actor_id),
            actor_id=a.actor_id,
            units=units,
            camera=camera,
            quality=quality,
        )
        for a in quality.kept
    ]

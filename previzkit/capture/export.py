"""Clip exports of one actor: retarget the whole clip, then BVH and/or glTF animation."""

from __future__ import annotations

from pathlib import Path

from previzkit.core.errors import InputError
from previzkit.core.types import SkeletonPose
from previzkit.model.pose_track import PoseTrack
from previzkit.model.skeleton import Skeleton


def actor_clip(
    track: PoseTrack, actor_id: int | None = None, min_visibility: float = 0.5
) -> tuple[int, Skeleton, list[SkeletonPose]]:
    """(actor id, their skeleton, one pose per frame) for ``actor_id`` (default: the
    actor seen in most frames). The clip runs from the actor's first to last frame;
    frames where they were not found hold the previous pose (never invented)."""
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
    skeleton, retargeted = retarget_clip(poses, min_visibility=min_visibility)
    by_frame = dict(zip(seen, retargeted, strict=True))
    out: list[SkeletonPose] = []
    for i in range(seen[0], seen[-1] + 1):
        out.append(by_frame.get(i, out[-1] if out else retargeted[0]))
    return actor_id, skeleton, out


def export_clip(
    track: PoseTrack,
    *,
    bvh: str | Path | None = None,
    gltf: str | Path | None = None,
    actor_id: int | None = None,
) -> int:
    """Write the actor's retargeted clip as BVH and/or glTF (.glb); returns the actor id."""
    actor, skeleton, poses = actor_clip(track, actor_id)
    fps = track.fps if track.fps > 0 else 30.0
    if bvh is not None:
        from previzkit.capture.bvh import write_bvh

        write_bvh(bvh, skeleton, poses, 1.0 / fps)
    if gltf is not None:
        from previzkit.render.gltf_export import export_animation_glb

        export_animation_glb(gltf, poses, fps, skeleton, name=f"actor {actor}")
    return actor

"""A take's characters as BVH and glTF, each where it stood on the set.

From the take's ``joints.npz`` (:mod:`previzkit.model.joint_track`): per character the
rig is measured and posed frame by frame (:mod:`previzkit.takes.skeleton_fit`), so the
root (hips) channel carries the character's world position (its mark plus the
performance's root motion) and the hips' rotation its facing. Imported together
(Blender, Maya, a game engine), two actors of one take stand apart where they stood.

Files: ``<CHARACTER>.bvh`` (:mod:`previzkit.capture.bvh`: centimetres by default, y up)
and ``<CHARACTER>.glb`` (:mod:`previzkit.render.gltf_export`: the mannequin skinned to
the fitted rig, metres, resting in the take's first frame, so a reader that ignores
animations shows the character where the take starts). Frames where a character is
absent (NaN) hold its nearest present frame.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError
from previzkit.model.joint_track import JointTrack
from previzkit.model.skeleton import SKELETON

FORMATS = ("bvh", "glb")


@dataclass
class MotionExport:
    """What :func:`export_take_motion` wrote: ``files[character][format]`` paths,
    ``skipped`` characters never present in the take, ``frames`` and ``fps``."""

    files: dict[str, dict[str, Path]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    frames: int = 0
    fps: float = 0.0


def track_fps(track: JointTrack) -> float:
    """The track's frame rate: its ``rate`` meta, else from its times, else 30."""
    rate = track.meta.get("rate")
    if rate:
        from previzkit.model import timecode as tc

        return float(tc.rate(rate).fps)
    dt = np.diff(track.time)
    dt = dt[dt > 0]
    return float(1.0 / np.median(dt)) if len(dt) else 30.0


def held_frames(world: npt.NDArray[np.floating]) -> npt.NDArray[np.float64] | None:
    """(F, J, 3) with each frame missing a joint replaced by the nearest complete one
    (the previous; the first complete before it); None when no frame is complete."""
    ok = np.all(np.isfinite(world), axis=(1, 2))
    if not ok.any():
        return None
    index = np.where(ok, np.arange(len(ok)), -1)
    index = np.maximum.accumulate(index)
    index[index < 0] = int(np.argmax(ok))
    return np.asarray(world[index], dtype=np.float64)


def _file_stem(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("._") or "character"


def export_take_motion(
    track: JointTrack,
    out_dir: str | Path,
    formats: tuple[str, ...] = FORMATS,
    *,
    units: str = "cm",
    characters: list[str] | None = None,
) -> MotionExport:
    """Write each character of ``track`` (or of ``characters``) into ``out_dir`` as
    ``<name>.bvh`` / ``<name>.glb`` (``formats``), roots in the set frame."""
    from previzkit.capture.bvh import write_bvh
    from previzkit.render.gltf_export import export_animation_glb
    from previzkit.takes.skeleton_fit import fit_poses, fit_skeleton

    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise InputError(f"motion export: formats {list(formats)}: choose from {FORMATS}")
    if len(track) == 0:
        raise InputError("motion export: the joint track has no frames")
    missing = [n for n in SKELETON if n not in track.joints]
    if missing:
        raise InputError(f"motion export: the joint track lacks joints {missing}")
    names = characters or list(track.characters)
    for n in names:
        if n not in track.characters:
            raise InputError(
                f"motion export: no character {n!r} in the take (has {', '.join(track.characters)})"
            )
    order = [track.joints.index(n) for n in SKELETON]
    out = MotionExport(frames=len(track), fps=track_fps(track))
    folder = Path(out_dir)
    for name in names:
        world = held_frames(track.world[:, track.characters.index(name)][:, order])
        if world is None:
            out.skipped.append(name)
            continue
        skeleton = fit_skeleton(world)
        poses = fit_poses(skeleton, world)
        stem, files = _file_stem(name), {}
        if "bvh" in formats:
            files["bvh"] = write_bvh(folder / f"{stem}.bvh", skeleton, poses, 1 / out.fps, units)
        if "glb" in formats:
            files["glb"] = export_animation_glb(
                folder / f"{stem}.glb", poses, out.fps, skeleton, name=name, bind_pose=poses[0]
            )
        out.files[name] = files
    if not out.files:
        raise InputError(f"motion export: no character is present in any frame ({names})")
    return out

"""Pose tracks of takes as arrays, for the editor (scoring, trims).

A take's pose track is written by the recorder in the capture area's binary track
format (``.pzt``, :mod:`previzkit.model.pose_track`); this module reads it through that
module's reader, one actor at a time. It also reads and writes a plain ``.npz`` form
with the same arrays, which can carry the actor's root position in the set (needed to
check marks; ``.pzt`` holds MediaPipe's hip-centred landmarks only).

Arrays (T frames, 33 MediaPipe landmarks): ``times`` (T,) seconds from the take's
start; ``world`` (T, 33, 3) metres, MediaPipe's hip-centred frame; ``visibility``
(T, 33) in [0, 1]; ``confidence`` (T,) in [0, 1]; ``held`` (T, 33) True where a
landmark was held over a dropout; ``root`` (T, 3) or None: the actor's hips in the
set frame (metres, y up), when the recorder knew it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, MissingFileError, ShapeError


@dataclass
class PoseTrack:
    """One actor's pose over a take (see module doc for shapes and units)."""

    times: npt.NDArray[np.float64]
    world: npt.NDArray[np.float32]
    visibility: npt.NDArray[np.float32]
    confidence: npt.NDArray[np.float32]
    held: npt.NDArray[np.bool_]
    root: npt.NDArray[np.float32] | None = None

    def __post_init__(self) -> None:
        t = len(self.times)
        checks = {
            "world": (self.world, (t, 33, 3)),
            "visibility": (self.visibility, (t, 33)),
            "confidence": (self.confidence, (t,)),
            "held": (self.held, (t, 33)),
        }
        if self.root is not None:
            checks["root"] = (self.root, (t, 3))
        for name, (arr, shape) in checks.items():
            if np.shape(arr) != shape:
                raise ShapeError(f"pose track {name}: shape {np.shape(arr)}, expected {shape}")

    def __len__(self) -> int:
        return len(self.times)


def save_npz(track: PoseTrack, path: str | Path) -> Path:
    """Write ``track`` as ``.npz`` (the plain form read by :func:`load_pose_track`)."""
    out = Path(path)
    arrays = {
        "times": track.times,
        "world": track.world,
        "visibility": track.visibility,
        "confidence": track.confidence,
        "held": track.held,
    }
    if track.root is not None:
        arrays["root"] = track.root
    np.savez_compressed(out, **arrays)
    return out


def _from_capture(path: Path, actor: int | None) -> PoseTrack | None:
    """Arrays of one actor of a ``.pzt`` track (the capture area's format)."""
    try:
        from previzkit.model.pose_track import read_track
    except ImportError:
        return None
    track = read_track(path)
    ids = track.actor_ids()
    if not ids:
        raise InputError(f"pose track {path}: holds no poses")
    if actor is not None and actor not in ids:
        raise InputError(f"pose track {path}: no actor {actor} (actors: {ids})")
    poses = track.actor(ids[0] if actor is None else actor)
    flags = [p.flags if p.flags is not None else np.zeros(33, np.uint8) for p in poses]
    t0 = poses[0].timestamp
    return PoseTrack(
        np.array([p.timestamp - t0 for p in poses], np.float64),
        np.stack([np.asarray(p.world, np.float32) for p in poses]),
        np.stack([np.asarray(p.image, np.float32)[:, 2] for p in poses]),
        np.array([p.confidence for p in poses], np.float32),
        np.stack(flags).astype(bool),
        None,
    )


def save_pzt(track: PoseTrack, path: str | Path, fps: float, actor_id: int = 0) -> Path:
    """Write ``track`` in the capture area's ``.pzt`` format (through its writer).

    Image landmarks are not known from these arrays: x, y are written as 0 with the
    visibility; root positions are not part of that format and are dropped.
    """
    from previzkit.core.types import Pose
    from previzkit.model.pose_track import PoseFrame, TrackWriter

    out = Path(path)
    with TrackWriter(out, fps=fps) as w:
        for i in range(len(track)):
            img = np.zeros((33, 3), np.float32)
            img[:, 2] = track.visibility[i]
            pose = Pose(
                float(track.times[i]),
                actor_id,
                img,
                track.world[i],
                float(track.confidence[i]),
                "",
                track.held[i].astype(np.uint8),
            )
            w.write(PoseFrame(i, float(track.times[i]), [pose]))
    return out


def load_pose_track(path: str | Path, actor: int | None = None) -> PoseTrack:
    """Read one actor (default: the lowest id) of a take's pose track: the capture
    area's ``.pzt`` format, or ``.npz`` arrays."""
    src = Path(path)
    if not src.is_file():
        raise MissingFileError(f"pose track {src}: no such file")
    if src.suffix.lower() == ".npz":
        try:
            with np.load(src) as z:
                root = z["root"].astype(np.float32) if "root" in z else None
                return PoseTrack(
                    z["times"].astype(np.float64),
                    z["world"].astype(np.float32),
                    z["visibility"].astype(np.float32),
                    z["confidence"].astype(np.float32),
                    z["held"].astype(bool),
                    root,
                )
        except (KeyError, ValueError, OSError) as exc:
            raise InputError(f"pose track {src}: not a previzkit pose track ({exc})") from exc
    track = _from_capture(src, actor)
    if track is None:
        raise InputError(
            f"pose track {src}: format {src.suffix!r} needs previzkit.model.pose_track "
            "(not installed); .npz tracks are read directly"
        )
    return track

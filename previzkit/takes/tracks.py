"""Pose tracks of takes as arrays, for the editor (scoring, trims).

A take's pose track is written by the recorder in the capture area's binary track
format (``previzkit.capture.track``) when that module is present; this module reads
it through that module's reader. It also reads and writes a plain ``.npz`` form with
the same arrays (the fallback, and what tools outside previzkit can produce).

Arrays (T frames, 33 MediaPipe landmarks): ``times`` (T,) seconds from the take's
start; ``world`` (T, 33, 3) metres, MediaPipe's hip-centred frame; ``visibility``
(T, 33) in [0, 1]; ``confidence`` (T,) in [0, 1]; ``held`` (T, 33) True where a
landmark was held over a dropout; ``root`` (T, 3) or None: the actor's hips in the
set frame (metres, y up), when the recorder knew it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.errors import InputError, MissingFileError, ShapeError


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


def _from_capture(path: Path) -> PoseTrack | None:
    try:
        module = importlib.import_module("previzkit.capture.track")
    except ImportError:
        return None
    reader = getattr(module, "read_track", None) or getattr(module, "read", None)
    if reader is None:
        return None
    poses = list(reader(path))
    poses = [p for p in poses if getattr(p, "world", None) is not None]
    if not poses:
        raise InputError(f"pose track {path}: holds no poses")
    t0 = poses[0].timestamp
    flags = [p.flags if p.flags is not None else np.zeros(33, np.uint8) for p in poses]
    return PoseTrack(
        np.array([p.timestamp - t0 for p in poses], np.float64),
        np.stack([np.asarray(p.world, np.float32) for p in poses]),
        np.stack([np.asarray(p.image, np.float32)[:, 2] for p in poses]),
        np.array([p.confidence for p in poses], np.float32),
        np.stack(flags).astype(bool),
        None,
    )


def load_pose_track(path: str | Path) -> PoseTrack:
    """Read a take's pose track (``.npz``, or the capture area's track format)."""
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
    track = _from_capture(src)
    if track is None:
        raise InputError(
            f"pose track {src}: format {src.suffix!r} needs previzkit.capture.track "
            "(not installed); .npz tracks are read directly"
        )
    return track

"""World joint tracks: where every character's joints were, frame by frame, in a take.

A take's ``joints.npz`` (file kind ``"joints"``) sits beside its ``camera.npz`` with the
same frames. Arrays:

==============  =====================  ==============================================
``characters``  (C,) str               character names, in the set's order
``joints``      (J,) str               joint names of previzkit's humanoid skeleton
                                       (:mod:`previzkit.model.skeleton`, ``head``
                                       included)
``world``       (F, C, J, 3) float32   positions, metres, set frame (right-handed,
                                       y up, floor y = 0); NaN where a character is
                                       not in the frame
``index``       (F,) int64             frame index, as in ``camera.npz``
``time``        (F,) float64           seconds from the take's first frame
==============  =====================  ==============================================

Pure data and its file format (numpy only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, ShapeError

JOINTS_FILE = "joints.npz"
FORMAT_VERSION = 1


@dataclass
class JointTrack:
    """Characters' world joint positions per frame (see the module docstring)."""

    characters: list[str]
    joints: list[str]
    world: npt.NDArray[np.float32]  # (F, C, J, 3) metres, set frame
    index: npt.NDArray[np.int64]  # (F,)
    time: npt.NDArray[np.float64]  # (F,) seconds
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.world = np.asarray(self.world, dtype=np.float32)
        self.index = np.asarray(self.index, dtype=np.int64).reshape(-1)
        self.time = np.asarray(self.time, dtype=np.float64).reshape(-1)
        f = len(self.index)
        want = (f, len(self.characters), len(self.joints), 3)
        if self.world.shape != want:
            raise ShapeError(f"joint track: world has shape {self.world.shape}, expected {want}")
        if self.time.shape != (f,):
            raise ShapeError(f"joint track: {len(self.time)} times for {f} frames")
        if len(set(self.characters)) != len(self.characters):
            raise InputError(f"joint track: characters repeat: {self.characters}")

    def __len__(self) -> int:
        return len(self.index)

    def joint(self, character: str, joint: str) -> npt.NDArray[np.float32]:
        """(F, 3) positions of one character's joint (NaN where absent)."""
        try:
            c = self.characters.index(character)
        except ValueError:
            raise InputError(
                f"joint track: no character {character!r} (has {', '.join(self.characters)})"
            ) from None
        try:
            j = self.joints.index(joint)
        except ValueError:
            raise InputError(f"joint track: no joint {joint!r}") from None
        return self.world[:, c, j]

    @classmethod
    def from_frames(
        cls,
        characters: Sequence[str],
        joints: Sequence[str],
        frames: Sequence[npt.ArrayLike],
        fps: float,
        meta: dict[str, Any] | None = None,
    ) -> JointTrack:
        """From one (C, J, 3) array per frame at ``fps`` frames per second."""
        world = (
            np.stack([np.asarray(f, dtype=np.float32) for f in frames])
            if frames
            else np.zeros((0, len(characters), len(joints), 3), np.float32)
        )
        n = len(world)
        return cls(
            list(characters),
            list(joints),
            world,
            np.arange(n, dtype=np.int64),
            np.arange(n, dtype=np.float64) / float(fps),
            dict(meta or {}),
        )


def write_joint_track(track: JointTrack, path: str | Path) -> Path:
    """Write ``track`` as ``.npz`` (atomically: a temporary file renamed)."""
    import json

    out = Path(path)
    tmp = out.with_name(out.name + ".tmp.npz")
    np.savez(
        tmp,
        version=np.int64(FORMAT_VERSION),
        characters=np.array(track.characters, dtype=str),
        joints=np.array(track.joints, dtype=str),
        world=track.world,
        index=track.index,
        time=track.time,
        meta=np.array(json.dumps(track.meta)),
    )
    tmp.replace(out)
    return out


def read_joint_track(path: str | Path) -> JointTrack:
    """Read a joint track written by :func:`write_joint_track`; errors name the file."""
    import json
    import zipfile

    p = Path(path)
    try:
        with np.load(p, allow_pickle=False) as z:
            version = int(z["version"])
            if version != FORMAT_VERSION:
                raise InputError(
                    f"{p}: joint track version {version} (this previzkit reads {FORMAT_VERSION})"
                )
            return JointTrack(
                [str(c) for c in z["characters"]],
                [str(j) for j in z["joints"]],
                z["world"],
                z["index"],
                z["time"],
                json.loads(str(z["meta"])),
            )
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise InputError(f"{p}: not a joint track ({exc})") from None

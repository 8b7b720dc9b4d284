"""One frame's world joint positions of every character: what the stage loop hands
its sinks and the recorder journals (the rows of a take's ``joints.npz``,
:mod:`previzkit.model.joint_track`).

Pure data (numpy only).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, ShapeError


@dataclass(frozen=True)
class FrameJoints:
    """``world[c, j]``: character ``characters[c]``'s joint ``joints[j]`` in the set frame
    (metres, right-handed, y up, floor y = 0); a character not in the frame is all NaN."""

    characters: tuple[str, ...]
    joints: tuple[str, ...]
    world: npt.NDArray[np.float32]  # (C, J, 3)

    def __post_init__(self) -> None:
        object.__setattr__(self, "characters", tuple(str(c) for c in self.characters))
        object.__setattr__(self, "joints", tuple(str(j) for j in self.joints))
        world = np.asarray(self.world, dtype=np.float32)
        want = (len(self.characters), len(self.joints), 3)
        if world.shape != want:
            raise ShapeError(f"frame joints: world has shape {world.shape}, expected {want}")
        if len(set(self.characters)) != len(self.characters):
            raise InputError(f"frame joints: characters repeat: {list(self.characters)}")
        object.__setattr__(self, "world", world)

    @classmethod
    def of(
        cls, positions: Mapping[str, npt.ArrayLike | None], joints: Sequence[str]
    ) -> FrameJoints:
        """From ``{character: (J, 3) positions or None (absent)}`` in that order."""
        j = len(joints)
        world = np.full((len(positions), j, 3), np.nan, np.float32)
        for c, (name, p) in enumerate(positions.items()):
            if p is None:
                continue
            arr = np.asarray(p, dtype=np.float32)
            if arr.shape != (j, 3):
                raise ShapeError(
                    f"frame joints: {name} has positions of shape {arr.shape}, expected {(j, 3)}"
                )
            world[c] = arr
        return cls(tuple(positions), tuple(joints), world)

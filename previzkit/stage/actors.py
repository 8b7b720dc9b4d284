"""Several actors, each mapped to a character of the set by actor id.

The mapping comes from the command line or the caller (``{0: "ALEX", 1: "SAM"}``);
actor ids not mapped take the next free character in set order as they first appear
(and are ignored once every character is taken). Each pose is retargeted onto its
character's own skeleton (:func:`previzkit.capture.retarget.retarget`), so the root
lands in the character's mark frame: the character stays on its mark.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.types import Pose, SkeletonPose

log = logging.getLogger(__name__)


def parse_actor_map(items: Iterable[str]) -> dict[int, str]:
    """``["0=ALEX", "1=SAM"]`` -> ``{0: "ALEX", 1: "SAM"}``; names the bad item."""
    out: dict[int, str] = {}
    for item in items:
        aid, sep, name = str(item).partition("=")
        try:
            key = int(aid)
        except ValueError:
            key = None
        if not sep or key is None or not name.strip():
            raise InputError(f"--actor {item!r}: expected ACTOR_ID=CHARACTER, e.g. 0=ALEX")
        if key in out:
            raise InputError(f"--actor {item!r}: actor {key} is mapped twice")
        out[key] = name.strip()
    return out


@dataclass
class ActorMap:
    """actor id -> character name over ``characters`` (names in set order)."""

    characters: list[str]
    fixed: dict[int, str] = field(default_factory=dict)
    assigned: dict[int, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for aid, name in self.fixed.items():
            if name not in self.characters:
                known = ", ".join(self.characters) or "none"
                raise InputError(
                    f"actor {aid}: no character {name!r} in the set (characters: {known})"
                )
        self.assigned = dict(self.fixed)

    def character_for(self, actor_id: int) -> str | None:
        """The character that ``actor_id`` drives (assigned on first sight), or None."""
        if actor_id < 0:
            return None
        name = self.assigned.get(actor_id)
        if name is not None:
            return name
        taken = set(self.assigned.values())
        for c in self.characters:
            if c not in taken:
                self.assigned[actor_id] = c
                log.info("actor %d drives character %s", actor_id, c)
                return c
        return None


class Actors:
    """Retargets poses onto the characters of a set (``{name: Character}``).

    ``retarget_cache``: a dict (owned by the caller, shared between loops) that
    memoises retargeting on the character and the pose's world landmarks and
    visibilities, so takes replaying the same clip frames retarget each frame once.
    """

    def __init__(
        self,
        characters: Mapping[str, Any],
        mapping: Mapping[int, str] | None = None,
        min_visibility: float = 0.5,
        *,
        retarget_cache: dict[Any, SkeletonPose] | None = None,
    ) -> None:
        self.characters = dict(characters)
        self.map = ActorMap(list(self.characters), dict(mapping or {}))
        self.min_visibility = min_visibility
        self.retarget_cache = retarget_cache
        self.last: dict[str, SkeletonPose] = {}
        self.failed = 0  # poses whose retarget or posing raised (logged and skipped)

    def apply(self, poses: Iterable[Pose]) -> dict[str, SkeletonPose]:
        """Retarget each pose to its actor's character and pose it; returns what changed.
        A pose that fails to retarget is logged, counted in :attr:`failed` and skipped."""
        from previzkit.capture.retarget import retarget

        changed: dict[str, SkeletonPose] = {}
        for pose in poses:
            name = self.map.character_for(int(pose.actor_id))
            if name is None:
                continue
            ch = self.characters[name]
            cache = self.retarget_cache
            key = None
            sk_pose = None
            if cache is not None:
                key = (
                    name,
                    np.asarray(pose.world, np.float32).tobytes(),
                    np.asarray(pose.image[:, 2], np.float32).tobytes(),
                )
                sk_pose = cache.get(key)
            try:
                if sk_pose is None:
                    sk_pose = retarget(pose, ch.skeleton, min_visibility=self.min_visibility)
                    if cache is not None:
                        cache[key] = sk_pose
                ch.set_pose(sk_pose)
            except Exception as exc:  # one bad pose never stops the loop
                self.failed += 1
                log.warning("actor %d: pose skipped, retarget failed: %s", pose.actor_id, exc)
                continue
            changed[name] = sk_pose
        self.last.update(changed)
        return changed

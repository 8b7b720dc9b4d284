"""The motion library: real captured clips of distinct actions, indexed by tag.

``assets/motion/library.yaml`` lists each clip: its id, action tags, the BVH it was
converted from (``assets/motion/source/``, in the BVH's units times ``scale`` metres),
its rate and length, its root motion and its foot contacts. The clip itself is a
``.pzt`` pose track (:func:`previzkit.production.motion.to_poses`) whose meta carries
``root``, the hip centre per frame, so :meth:`Clip.landmarks` gives the performance back
with its travel.

Frames: metres, y up, right-handed; the actor starts over the origin facing +z with their
left on +x (:func:`~previzkit.production.motion.face_camera`). Frame indices count from 0
at the clip's ``fps``. Contacts, root motion and foot skating are pure numpy over
(F, 33, 3) BlazePose landmarks; only :func:`load_library`, :func:`write_library_clip`
and :func:`read_library_clip` do I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, MissingFileError
from previzkit.model.contacts import check_landmarks, foot_contacts, foot_skate


@dataclass(frozen=True)
class Clip:
    """One library clip. ``contacts`` maps "left"/"right" to inclusive frame ranges
    (first, last) where that foot stands on the floor; ``foot_skate_cm_s`` is each foot's
    median horizontal speed while in contact (cm/s)."""

    id: str
    path: Path
    tags: tuple[str, ...]
    fps: float
    frames: int
    root_travel_m: float
    heading_change_deg: float
    contacts: dict[str, list[tuple[int, int]]]
    source: Path | None = None
    scale: float = 0.01
    foot_skate_cm_s: dict[str, float] = field(default_factory=dict)

    @property
    def duration_s(self) -> float:
        return (self.frames - 1) / self.fps

    @property
    def has_root_motion(self) -> bool:
        """True when the clip travels (> 0.3 m) or turns (> 30 degrees)."""
        return self.root_travel_m > 0.3 or abs(self.heading_change_deg) > 30.0

    def landmarks(self) -> npt.NDArray[np.float64]:
        """(F, 33, 3) landmarks in metres with the clip's root motion (see module doc)."""
        return read_library_clip(self.path)[1]


@dataclass
class MotionLibrary:
    """The clips of a library index, found by tag or id."""

    clips: list[Clip]

    @property
    def tags(self) -> list[str]:
        return sorted({t for c in self.clips for t in c.tags})

    def find(self, tag: str) -> list[Clip]:
        """Clips tagged ``tag`` (empty when none is)."""
        return [c for c in self.clips if tag in c.tags]

    def get(self, clip_id: str) -> Clip:
        for c in self.clips:
            if c.id == clip_id:
                return c
        raise InputError(
            f"motion library: no clip {clip_id!r} (clips: {', '.join(c.id for c in self.clips)})"
        )


# --- pure: root motion (contacts and skating: previzkit.model.contacts) ------------------------------------------------


def root_motion(landmarks: npt.ArrayLike) -> tuple[float, float]:
    """(travel in metres, heading change in degrees): the hip centre's horizontal
    distance from the first frame to the last, and the turn of the hips' left-right line
    about +y (counter-clockwise seen from above positive), unwrapped over the clip."""
    lm = _check(landmarks, 1.0)
    hips = (lm[:, 23] + lm[:, 24]) / 2
    travel = float(np.linalg.norm(hips[-1, [0, 2]] - hips[0, [0, 2]]))
    left = lm[:, 23] - lm[:, 24]
    yaw = np.unwrap(np.arctan2(-left[:, 2], left[:, 0]))
    return travel, float(np.degrees(yaw[-1] - yaw[0]))


def _check(landmarks: npt.ArrayLike, fps: float) -> npt.NDArray[np.float64]:
    try:
        return check_landmarks(landmarks, fps)
    except InputError as exc:
        raise InputError(f"motion library: {exc}") from None


# --- conversion and files ----------------------------------------------------------------


def convert_bvh(bvh: str | Path, scale: float = 0.01, fps: float = 30.0) -> npt.NDArray[np.float64]:
    """(F, 33, 3) landmarks of a BVH clip at ``fps``, facing +z from over the origin."""
    from previzkit.production.motion import bvh_landmarks, face_camera, read_bvh, retime

    clip = read_bvh(bvh)
    lm = face_camera(bvh_landmarks(clip, scale=scale))
    return retime(lm, clip.fps, fps)


def write_library_clip(
    path: str | Path, landmarks: npt.ArrayLike, fps: float, meta: dict[str, Any] | None = None
) -> Path:
    """A ``.pzt`` of one actor playing ``landmarks``, the hip centre per frame in the
    meta's ``root`` (metres, y up)."""
    from previzkit.production.motion import to_poses, write_clip

    lm = _check(landmarks, fps)
    root = (lm[:, 23] + lm[:, 24]) / 2
    meta = {**(meta or {}), "root": np.round(root, 6).tolist()}
    return write_clip(path, {0: to_poses(lm, fps, 0)}, fps, meta=meta)


def read_library_clip(path: str | Path) -> tuple[float, npt.NDArray[np.float64]]:
    """(fps, (F, 33, 3) landmarks with root motion) of a clip :func:`write_library_clip`
    wrote."""
    from previzkit.model.pose_track import read_track

    track = read_track(path)
    root = np.asarray(track.meta.get("root", []), dtype=np.float64)
    ids = track.actor_ids()
    if not ids or root.ndim != 2 or root.shape[1] != 3:
        raise InputError(f"motion clip {path}: no poses or no root track in its meta")
    poses = track.actor(ids[0])
    if len(poses) != len(root):
        raise InputError(f"motion clip {path}: {len(poses)} poses but {len(root)} root positions")
    world = np.stack([p.world for p in poses]).astype(np.float64) * np.array([1.0, -1.0, -1.0])
    return float(track.fps), world + root[:, None, :]


def describe(
    clip_id: str,
    tags: list[str] | tuple[str, ...],
    landmarks: npt.ArrayLike,
    fps: float,
    path: Path,
    source: Path | None = None,
    scale: float = 0.01,
) -> Clip:
    """A :class:`Clip` with root motion, contacts and skating measured from ``landmarks``."""
    lm = _check(landmarks, fps)
    travel, heading = root_motion(lm)
    contacts = foot_contacts(lm, fps)
    return Clip(
        clip_id,
        path,
        tuple(tags),
        fps,
        len(lm),
        round(travel, 3),
        round(heading, 1),
        contacts,
        source,
        scale,
        {k: round(v, 2) for k, v in foot_skate(lm, fps, contacts).items()},
    )


def clip_entry(clip: Clip, root: Path) -> dict[str, Any]:
    """The index entry of ``clip`` (paths relative to the index's folder ``root``)."""
    return {
        "id": clip.id,
        "tags": list(clip.tags),
        "path": clip.path.relative_to(root).as_posix(),
        "source": clip.source.relative_to(root).as_posix() if clip.source else None,
        "scale": clip.scale,
        "fps": clip.fps,
        "frames": clip.frames,
        "duration_s": round(clip.duration_s, 3),
        "root_travel_m": clip.root_travel_m,
        "heading_change_deg": clip.heading_change_deg,
        "contacts": {k: [list(r) for r in v] for k, v in clip.contacts.items()},
        "foot_skate_cm_s": clip.foot_skate_cm_s,
    }


def load_library(index: str | Path | None = None) -> MotionLibrary:
    """The library of ``index`` (default: the shipped ``assets/motion/library.yaml``)."""
    import yaml

    from previzkit.core.resources import asset_path

    p = Path(index) if index is not None else asset_path("motion", "library.yaml")
    if not p.is_file():
        raise MissingFileError(f"motion library {p}: no such file")
    data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    clips = []
    for i, e in enumerate(data.get("clips") or []):
        try:
            clips.append(
                Clip(
                    id=str(e["id"]),
                    path=p.parent / e["path"],
                    tags=tuple(str(t) for t in e["tags"]),
                    fps=float(e["fps"]),
                    frames=int(e["frames"]),
                    root_travel_m=float(e["root_travel_m"]),
                    heading_change_deg=float(e["heading_change_deg"]),
                    contacts={
                        str(k): [(int(a), int(b)) for a, b in v]
                        for k, v in (e.get("contacts") or {}).items()
                    },
                    source=p.parent / e["source"] if e.get("source") else None,
                    scale=float(e.get("scale", 0.01)),
                    foot_skate_cm_s={
                        str(k): float(v) for k, v in (e.get("foot_skate_cm_s") or {}).items()
                    },
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(f"motion library {p}: clip {i} is malformed ({exc!r})") from None
    if not clips:
        raise InputError(f"motion library {p}: lists no clips")
    return MotionLibrary(clips)

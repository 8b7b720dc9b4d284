"""Which actors of a pose track are worth exporting: long enough, with a human build.

A capture can hold false skeletons (a coat on a chair, two people merged into one)
and flickers (an actor found for a few frames). Exports keep an actor only if

- it is seen in at least ``min_frames`` frames spanning at least ``min_seconds``
  (both capped at the track's own length, so a still or a short clip with one actor
  throughout is kept), and
- its bone lengths are human: the median over the clip, on the world landmarks
  (metres), of the femur, shin, upper arm and forearm (both sides together; the bone
  definitions are :data:`previzkit.model.landmarks.JOINT_LANDMARKS`'s, measured by
  :func:`~previzkit.model.landmarks.bone_lengths_from_landmarks`) each within
  :data:`BONE_RANGES_M`, the shoulder width below :data:`MAX_SHOULDER_WIDTH_M`, and their
  ratios within :data:`RATIO_RANGES`. A bone is measured only on frames where both its
  ends have visibility >= ``min_visibility``; a bone never seen is not judged.

The ranges are wide (small children to tall adults, and MediaPipe's guesses at limbs
half out of frame); they catch what no body can be, not unusual bodies.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from previzkit.core.types import Pose
from previzkit.model.landmarks import JOINT_LANDMARKS, bone_lengths_from_landmarks
from previzkit.model.pose_track import PoseTrack

#: Bone (both sides' joints in :data:`JOINT_LANDMARKS`) -> plausible median length (m).
BONE_RANGES_M: dict[str, tuple[float, float]] = {
    "upper_leg": (0.15, 0.75),
    "lower_leg": (0.15, 0.70),
    "upper_arm": (0.10, 0.50),
    "forearm": (0.08, 0.45),
}
#: Widest plausible shoulder width (m), shoulder to shoulder. No lower bound: converted
#: and side-on tracks can collapse the shoulders onto one point.
MAX_SHOULDER_WIDTH_M = 0.60
#: (numerator bones, denominator bones) -> plausible ratio of their summed lengths.
RATIO_RANGES: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[float, float]] = {
    (("upper_leg",), ("lower_leg",)): (0.6, 1.8),
    (("upper_arm",), ("forearm",)): (0.5, 2.2),
    (("upper_leg", "lower_leg"), ("upper_arm", "forearm")): (1.1, 2.6),
}
_SIDES = ("left", "right")


@dataclass(frozen=True)
class ActorQuality:
    """One actor's verdict: ``frames`` seen, ``seconds`` from first to last frame
    (inclusive of the last frame's duration), median ``bones`` (m) and, when dropped,
    the ``reason`` (one line, for the user)."""

    actor_id: int
    frames: int
    seconds: float
    bones: dict[str, float]
    reason: str | None = None

    @property
    def kept(self) -> bool:
        return self.reason is None

    def note(self) -> str:
        """One line: ``actor 3: 5 frames (0.17 s) dropped: too short (...)``."""
        verdict = "kept" if self.kept else f"dropped: {self.reason}"
        return f"actor {self.actor_id}: {self.frames} frames ({self.seconds:.2f} s) {verdict}"


@dataclass(frozen=True)
class TrackQuality:
    """Every actor's verdict, in id order."""

    actors: list[ActorQuality]

    @property
    def kept(self) -> list[ActorQuality]:
        return [a for a in self.actors if a.kept]

    @property
    def dropped(self) -> list[ActorQuality]:
        return [a for a in self.actors if not a.kept]

    def of(self, actor_id: int) -> ActorQuality:
        return next(a for a in self.actors if a.actor_id == actor_id)

    def longest_kept(self) -> ActorQuality | None:
        """The kept actor seen in most frames (the lower id on a tie), or None."""
        kept = self.kept
        return max(kept, key=lambda a: (a.frames, -a.actor_id)) if kept else None


def _seen(visible: npt.NDArray[np.bool_], joint: str) -> bool:
    m = JOINT_LANDMARKS[joint]
    return bool(visible[list(m.head)].all() and visible[list(m.tail)].all())


def median_bones(poses: Sequence[Pose], min_visibility: float = 0.5) -> dict[str, float]:
    """Median length (m) of each bone group over ``poses``: ``upper_leg``, ``lower_leg``,
    ``upper_arm``, ``forearm`` (left and right pooled) and ``shoulder_width``, each
    measured only where both of its ends are visible; a bone never seen is absent."""
    samples: dict[str, list[float]] = {name: [] for name in [*BONE_RANGES_M, "shoulder_width"]}
    for pose in poses:
        lengths = bone_lengths_from_landmarks(pose.world)
        vis = pose.image[:, 2] >= min_visibility
        for bone in BONE_RANGES_M:
            for side in _SIDES:
                joint = f"{side}_{bone}"
                if _seen(vis, joint):
                    samples[bone].append(lengths[joint])
        if _seen(vis, "left_shoulder") and _seen(vis, "right_shoulder"):
            samples["shoulder_width"].append(lengths["left_shoulder"] + lengths["right_shoulder"])
    return {k: float(np.median(v)) for k, v in samples.items() if v}


def _bone_problem(bones: dict[str, float]) -> str | None:
    for bone, (lo, hi) in BONE_RANGES_M.items():
        if bone in bones and not lo <= bones[bone] <= hi:
            return f"implausible {bone} {bones[bone]:.2f} m (human: {lo:.2f}-{hi:.2f} m)"
    width = bones.get("shoulder_width")
    if width is not None and width > MAX_SHOULDER_WIDTH_M:
        return f"implausible shoulder width {width:.2f} m (human: < {MAX_SHOULDER_WIDTH_M:.2f} m)"
    for (num, den), (lo, hi) in RATIO_RANGES.items():
        if all(b in bones for b in (*num, *den)):
            ratio = sum(bones[b] for b in num) / max(sum(bones[b] for b in den), 1e-9)
            if not lo <= ratio <= hi:
                name = f"{'+'.join(num)} / {'+'.join(den)}"
                return f"implausible {name} ratio {ratio:.2f} (human: {lo:.1f}-{hi:.1f})"
    return None


def assess_track(
    track: PoseTrack,
    *,
    min_frames: int = 10,
    min_seconds: float = 0.5,
    min_visibility: float = 0.5,
) -> TrackQuality:
    """Judge every actor of ``track`` (see the module notes)."""
    fps = track.fps if track.fps > 0 else 30.0
    n = len(track.frames)
    need_frames = min(min_frames, n)
    span_of_track = (track.frames[-1].time - track.frames[0].time + 1.0 / fps) if n else 0.0
    need_seconds = min(min_seconds, span_of_track)
    out = []
    for actor in track.actor_ids():
        seen = [f for f in track.frames if any(p.actor_id == actor for p in f.people)]
        poses = track.actor(actor)
        seconds = seen[-1].time - seen[0].time + 1.0 / fps
        bones = median_bones(poses, min_visibility)
        reason = None
        if len(seen) < need_frames or seconds < need_seconds - 1e-9:
            reason = f"too short (needs {need_frames} frames and {need_seconds:.2f} s)"
        else:
            reason = _bone_problem(bones)
        out.append(ActorQuality(actor, len(seen), seconds, bones, reason))
    return TrackQuality(out)

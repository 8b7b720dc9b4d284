"""A recorded take played back in the blocking session: its characters and its camera,
with pause and scrub (pure but for reading the take's files).

Time is seconds from the take's first frame; the player loops at the end.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from previzkit.core.errors import InputError
from previzkit.model import timecode as tc
from previzkit.model.camera_track import CameraSample, CameraTrack, read_camera_track
from previzkit.model.pose_track import PoseTrack, read_track

SCRUB_STEP_S = 1.0  # one push of the scrub stick


def parse_take_id(text: str) -> tuple[str, str, int]:
    """``SCENE/SHOT/TAKE`` (e.g. ``1/1-B/2``) as (scene, shot, take number)."""
    parts = text.split("/")
    if len(parts) != 3 or not all(parts) or not parts[2].isdigit():
        raise InputError(f"--play {text!r}: expected SCENE/SHOT/TAKE, e.g. 1/1-B/2")
    return parts[0], parts[1], int(parts[2])


@dataclass
class TakePlayer:
    """Plays ``camera`` (and ``poses`` when the take has them) at ``rate`` frames/s."""

    camera: CameraTrack
    poses: PoseTrack | None
    rate: float
    name: str = ""
    position_s: float = 0.0
    paused: bool = False

    @classmethod
    def open(cls, project: str | Path, take_id: str) -> TakePlayer:
        """The take ``SCENE/SHOT/TAKE`` of the take store at ``project``."""
        from previzkit.takes.store import TakeStore

        scene, shot, number = parse_take_id(take_id)
        with TakeStore(project, create=False) as store:
            take = store.get(scene, shot, number)
            camera_file = store.file(take, "camera")
            pose_file = store.file(take, "pose")
        if camera_file is None:
            raise InputError(f"--play {take_id}: the take has no camera track")
        poses = read_track(pose_file) if pose_file is not None else None
        return cls(read_camera_track(camera_file), poses, float(tc.rate(take.rate).fps), take_id)

    @property
    def duration_s(self) -> float:
        return len(self.camera) / self.rate

    @property
    def frame(self) -> int:
        """The frame shown now (0-based)."""
        return min(int(self.position_s * self.rate), len(self.camera) - 1)

    def advance(self, dt: float) -> None:
        """Move on by ``dt`` seconds unless paused; loops at the end."""
        if not self.paused and self.duration_s > 0:
            self.position_s = (self.position_s + dt) % self.duration_s

    def scrub(self, delta_s: float) -> None:
        """Jump by ``delta_s`` seconds (clamped to the take)."""
        end = max(self.duration_s - 1.0 / self.rate, 0.0)
        self.position_s = min(max(self.position_s + delta_s, 0.0), end)

    def toggle(self) -> bool:
        """Pause or resume; returns whether it plays now."""
        self.paused = not self.paused
        return not self.paused

    def camera_sample(self) -> CameraSample:
        return self.camera.sample(self.frame)

    def people(self) -> list[Any]:
        """The poses of the frame shown now (empty without a pose track)."""
        if self.poses is None or not self.poses.frames:
            return []
        i = min(self.frame, len(self.poses.frames) - 1)
        return list(self.poses.frames[i].people)

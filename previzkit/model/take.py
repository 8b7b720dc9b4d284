"""The ``Take`` record: one recorded attempt at one shot."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

from previzkit.core.errors import InputError
from previzkit.model import timecode as tc

FILE_KINDS = ("pose", "camera", "joints", "video", "audio", "plate")
STATUSES = ("ok", "recovered", "recording", "failed")


_NAME_KEEP = re.compile(r"[A-Za-z0-9-]")


def name_part(part: str) -> str:
    """``part`` with every character but A-Z a-z 0-9 ``-`` written as ``+XX`` per UTF-8
    byte: filesystem-safe, one-to-one, and never holding the ``_`` separator."""
    return "".join(
        c if _NAME_KEEP.fullmatch(c) else "".join(f"+{b:02X}" for b in c.encode()) for c in part
    )


def media_stem(scene: str, shot: str, take: int) -> str:
    """The stem of a take's media file names: ``<scene>_<shot>_T<take:03d>``.

    One-to-one over (scene, shot, take), so unique across a project; sorts by scene,
    shot, take within a shot.

    >>> media_stem("1", "1-B", 3)
    '1_1-B_T003'
    >>> media_stem("12A", "12A-AA", 14)
    '12A_12A-AA_T014'
    """
    return f"{name_part(str(scene))}_{name_part(str(shot))}_T{int(take):03d}"


@dataclass
class Take:
    """A take: ``scene`` (``"1"``, ``"12A"``), ``shot`` (a shot-plan id such as
    ``"1-B"``), ``take`` number (1-based), ``start_tc`` (source timecode of its first
    frame), ``rate`` (``"29.97"``, ...), ``duration_frames``; ``files`` maps a kind
    (pose, camera, video, audio, plate) to a path relative to the take's folder;
    ``rating`` 0-5 (0 = unrated), ``circled`` (the director's pick), ``status``
    (``ok``, ``recovered`` after a crash, ...), ``recorded_at`` ISO 8601 UTC.
    ``id`` is the catalogue's row id (None before the take is stored)."""

    scene: str
    shot: str
    take: int
    start_tc: str = "00:00:00:00"
    rate: str = "24"
    duration_frames: int = 0
    files: dict[str, str] = field(default_factory=dict)
    notes: str = ""
    rating: int = 0
    circled: bool = False
    status: str = "ok"
    recorded_at: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        self.scene, self.shot = str(self.scene).strip(), str(self.shot).strip()
        if not self.scene or not self.shot:
            raise InputError(f"take: scene {self.scene!r} and shot {self.shot!r} must be set")
        if int(self.take) != self.take or self.take < 1:
            raise InputError(f"take {self.scene}/{self.shot}: take number {self.take!r} < 1")
        self.rate = tc.rate(self.rate).name
        tc.timecode_to_frames(self.start_tc, self.rate)  # validates start_tc
        if self.duration_frames < 0:
            raise InputError(f"take {self.label}: duration_frames {self.duration_frames} < 0")
        if not 0 <= self.rating <= 5:
            raise InputError(f"take {self.label}: rating {self.rating} outside 0-5")
        if self.status not in STATUSES:
            raise InputError(f"take {self.label}: status {self.status!r} not in {STATUSES}")
        bad = set(self.files) - set(FILE_KINDS)
        if bad:
            raise InputError(f"take {self.label}: file kinds {sorted(bad)} not in {FILE_KINDS}")

    @property
    def label(self) -> str:
        """``<scene>/<shot>/<take>`` as used in folders and messages."""
        return f"{self.scene}/{self.shot}/{self.take}"

    @property
    def reel(self) -> str:
        """The source reel name its media carry: ``<scene>_<shot>_T<take:03d>``
        (``1_1-B_T003``), one per take, the same as its media file names' stem.

        >>> Take("1", "1-B", 3).reel
        '1_1-B_T003'
        """
        return media_stem(self.scene, self.shot, self.take)

    @property
    def start_frame(self) -> int:
        """Source timecode of the first frame, as a frame count at ``rate``."""
        return tc.timecode_to_frames(self.start_tc, self.rate)

    @property
    def end_tc(self) -> str:
        """Source timecode one past the last frame."""
        return tc.frames_to_timecode(self.start_frame + self.duration_frames, self.rate)

    @property
    def duration_s(self) -> float:
        """Length in seconds of real time."""
        return tc.frames_to_seconds(self.duration_frames, self.rate)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

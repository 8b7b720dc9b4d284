"""Scripted sessions: a head and two hands over time, read from or written to a file.

``previzkit xr SET --replay FILE`` drives the session from a script (offscreen, or a
headset runtime through Monado's remote driver: :func:`previzkit.xr.monado_remote.drive_remote`);
``--record-input FILE`` writes one from a live session. Format: JSON Lines, first a
header ``{"previzkit_input": 1, "rate_hz": R}``, then one object per frame::

    {"t": 0.05, "head": [px, py, pz, qx, qy, qz, qw],
     "left": {"aim": [7 numbers], "grip": [7 numbers]}, "right": {...},
     "buttons": ["grab", ...], "move": [x, y], "lens": [x, y], "focus": y}

``t`` in seconds, strictly increasing; poses in the runtime's reference space (STAGE:
metres, y up, quaternion x, y, z, w); ``buttons`` are the names of
:data:`~previzkit.xr.events.BUTTONS` held in that frame; sticks in [-1, 1] (``lens``
x turns, y steps the lens; ``focus`` y). An omitted key means not tracked / not held / zero.
"""

from __future__ import annotations

import bisect
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.geometry import pose_matrix, quat_from_matrix
from previzkit.core.types import Mat4
from previzkit.xr.events import BUTTONS, ControllerInput

FORMAT_VERSION = 1
Pose7 = tuple[float, float, float, float, float, float, float]  # px, py, pz, qx, qy, qz, qw
DEFAULT_HEAD = pose_matrix((0.0, 1.6, 0.0))  # standing at the origin, facing -z


def pose7(m: Mat4) -> Pose7:
    """A 4x4 rigid transform as [px, py, pz, qx, qy, qz, qw]."""
    p = np.asarray(m, dtype=np.float64)[:3, 3]
    q = quat_from_matrix(m)
    return (float(p[0]), float(p[1]), float(p[2]), *q)


def pose7_matrix(p: Sequence[float]) -> Mat4:
    """[px, py, pz, qx, qy, qz, qw] as a 4x4 rigid transform (the quaternion normalised)."""
    q = np.asarray(p[3:7], dtype=np.float64)
    return pose_matrix(p[:3], q / np.linalg.norm(q))


@dataclass(frozen=True)
class InputFrame:
    """One frame of a script; poses in the runtime's reference space (None: not tracked)."""

    t: float  # seconds
    head: Pose7 | None = None
    left_aim: Pose7 | None = None
    left_grip: Pose7 | None = None
    right_aim: Pose7 | None = None
    right_grip: Pose7 | None = None
    buttons: frozenset[str] = field(default_factory=frozenset)
    move: tuple[float, float] = (0.0, 0.0)
    lens: tuple[float, float] = (0.0, 0.0)  # x: turn, y: lens step
    focus: float = 0.0

    def head_pose(self) -> Mat4 | None:
        """Head-to-space (4x4), or None when not tracked."""
        return None if self.head is None else pose7_matrix(self.head)

    def controller_input(self, world_from_space: Mat4, time: float) -> ControllerInput:
        """This frame as the mapper's input: every pose (head too) moved into the world."""
        wfs = np.asarray(world_from_space, dtype=np.float64)

        def world(p: Pose7 | None) -> Mat4 | None:
            return None if p is None else wfs @ pose7_matrix(p)

        return ControllerInput(
            time=time,
            buttons={b: True for b in self.buttons},
            move=self.move,
            lens_stick=self.lens[1],
            turn_stick=self.lens[0],
            focus_stick=self.focus,
            left_aim=world(self.left_aim),
            right_aim=world(self.right_aim),
            left_grip=world(self.left_grip),
            right_grip=world(self.right_grip),
            head=world(self.head),
        )

    def to_json(self) -> dict[str, Any]:
        """The frame as one line's object (omitting what is untracked, not held or zero)."""
        out: dict[str, Any] = {"t": self.t}
        if self.head is not None:
            out["head"] = list(self.head)
        for hand in ("left", "right"):
            poses = {k: getattr(self, f"{hand}_{k}") for k in ("aim", "grip")}
            if any(v is not None for v in poses.values()):
                out[hand] = {k: list(v) for k, v in poses.items() if v is not None}
        if self.buttons:
            out["buttons"] = sorted(self.buttons, key=BUTTONS.index)
        if any(self.move):
            out["move"] = list(self.move)
        if any(self.lens):
            out["lens"] = list(self.lens)
        if self.focus:
            out["focus"] = self.focus
        return out

    @classmethod
    def from_json(cls, obj: Any) -> InputFrame:
        """Parse one line's object; raises ValueError naming the key and the problem."""
        if not isinstance(obj, dict):
            raise ValueError(f"a frame must be a JSON object, got {type(obj).__name__}")
        unknown = set(obj) - {"t", "head", "left", "right", "buttons", "move", "lens", "focus"}
        if unknown:
            raise ValueError(f"unknown keys {sorted(unknown)}")
        if "t" not in obj:
            raise ValueError('missing "t" (seconds)')
        hands: dict[str, Pose7 | None] = {}
        for hand in ("left", "right"):
            h = obj.get(hand, {})
            if not isinstance(h, dict) or set(h) - {"aim", "grip"}:
                raise ValueError(f'"{hand}" must be an object with "aim" and/or "grip" poses')
            for k in ("aim", "grip"):
                hands[f"{hand}_{k}"] = _pose(h.get(k), f"{hand}.{k}")
        buttons = obj.get("buttons", [])
        if not isinstance(buttons, list) or not all(isinstance(b, str) for b in buttons):
            raise ValueError('"buttons" must be a list of button names')
        bad = [b for b in buttons if b not in BUTTONS]
        if bad:
            raise ValueError(f"unknown buttons {bad} (known: {', '.join(BUTTONS)})")
        return cls(
            t=_numbers(obj["t"], "t", 1)[0],
            head=_pose(obj.get("head"), "head"),
            buttons=frozenset(buttons),
            move=_stick(obj.get("move", [0.0, 0.0]), "move"),
            lens=_stick(obj.get("lens", [0.0, 0.0]), "lens"),
            focus=_numbers(obj.get("focus", 0.0), "focus", 1)[0],
            **hands,
        )


def _numbers(value: Any, key: str, n: int) -> list[float]:
    items = [value] if n == 1 and not isinstance(value, list) else value
    if (
        not isinstance(items, list)
        or len(items) != n
        or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in items)
        or not all(math.isfinite(v) for v in items)
    ):
        what = "a number" if n == 1 else f"a list of {n} numbers"
        raise ValueError(f'"{key}" must be {what}, got {json.dumps(value)[:80]}')
    return [float(v) for v in items]


def _pose(value: Any, key: str) -> Pose7 | None:
    if value is None:
        return None
    p = _numbers(value, key, 7)
    if math.hypot(*p[3:]) < 1e-6:
        raise ValueError(f'"{key}" has a zero quaternion')
    return (p[0], p[1], p[2], p[3], p[4], p[5], p[6])


def _stick(value: Any, key: str) -> tuple[float, float]:
    x, y = _numbers(value, key, 2)
    if abs(x) > 1 or abs(y) > 1:
        raise ValueError(f'"{key}" must be in [-1, 1], got {[x, y]}')
    return (x, y)


@dataclass(frozen=True)
class InputScript:
    """A validated script: frames in time order and the rate it was recorded at (Hz)."""

    frames: tuple[InputFrame, ...]
    rate_hz: float
    path: Path | None = None

    @property
    def duration(self) -> float:
        """Time of the last frame, seconds (0 for an empty script)."""
        return self.frames[-1].t if self.frames else 0.0

    def at(self, t: float) -> InputFrame:
        """The latest frame at or before ``t`` (buttons and poses are not interpolated);
        before the first frame, an empty frame (nothing tracked or held)."""
        i = bisect.bisect_right([f.t for f in self.frames], t) - 1
        return self.frames[i] if i >= 0 else InputFrame(t=t)

    def inputs(self, seconds: float, world_from_space: Mat4) -> ControllerInput:
        """The controller input at ``seconds`` (an OffscreenSource ``inputs`` callable)."""
        return self.at(seconds).controller_input(world_from_space, seconds)

    def head_at(self, seconds: float) -> Mat4:
        """Head-to-space at ``seconds``: the latest tracked head, else :data:`DEFAULT_HEAD`."""
        i = bisect.bisect_right([f.t for f in self.frames], seconds) - 1
        for f in self.frames[i::-1] if i >= 0 else ():
            if f.head is not None:
                return pose7_matrix(f.head)
        return DEFAULT_HEAD.copy()


def read_input_script(path: str | Path) -> InputScript:
    """Read and validate a script; any problem is one InputError naming file, line and problem."""
    path = Path(path)
    try:
        lines = path.read_text().splitlines()
    except OSError as exc:
        raise InputError(f"input script {path}: cannot read it ({exc.strerror})") from exc
    frames: list[InputFrame] = []
    rate = 0.0
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            if not frames and rate == 0.0:
                rate = _header(obj)
                continue
            frame = InputFrame.from_json(obj)
            if frames and frame.t <= frames[-1].t:
                raise ValueError(f"t = {frame.t} is not after the previous frame's {frames[-1].t}")
            frames.append(frame)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError
            raise InputError(f"input script {path}, line {n}: {exc}") from None
    if rate == 0.0:
        raise InputError(f'input script {path}: empty (no {{"previzkit_input": 1}} header)')
    return InputScript(tuple(frames), rate, path)


def _header(obj: Any) -> float:
    if not isinstance(obj, dict) or "previzkit_input" not in obj:
        raise ValueError(
            f'the first line must be the header {{"previzkit_input": {FORMAT_VERSION}, "rate_hz": R}}'
        )
    if obj["previzkit_input"] != FORMAT_VERSION:
        raise ValueError(
            f"format version {obj['previzkit_input']!r}; this previzkit reads {FORMAT_VERSION}"
        )
    rate = obj.get("rate_hz")
    if not isinstance(rate, int | float) or isinstance(rate, bool) or not rate > 0:
        raise ValueError(f'"rate_hz" must be a positive number, got {rate!r}')
    return float(rate)


class InputRecorder:
    """Writes a live session's input as a script, one frame per :meth:`write` call."""

    def __init__(self, path: str | Path, rate_hz: float) -> None:
        if not rate_hz > 0:
            raise InputError(f"rate_hz must be > 0, got {rate_hz!r}")
        self.path = Path(path)
        self._file: IO[str] | None = self.path.open("w")
        self._file.write(json.dumps({"previzkit_input": FORMAT_VERSION, "rate_hz": rate_hz}) + "\n")
        self._last_t: float | None = None

    def write(self, inp: ControllerInput, world_from_space: Mat4) -> None:
        """Record ``inp`` (world poses) in space: inv(world_from_space) @ pose; the head from
        ``inp.head``. A frame not later than the previous one is skipped."""
        if self._file is None:
            raise InputError(f"input recorder for {self.path} is closed")
        if self._last_t is not None and inp.time <= self._last_t:
            return
        self._last_t = inp.time
        sfw = np.linalg.inv(np.asarray(world_from_space, dtype=np.float64))

        def space(m: Mat4 | None) -> Pose7 | None:
            return None if m is None else pose7(sfw @ np.asarray(m, dtype=np.float64))

        frame = InputFrame(
            t=float(inp.time),
            head=space(inp.head),
            left_aim=space(inp.left_aim),
            left_grip=space(inp.left_grip),
            right_aim=space(inp.right_aim),
            right_grip=space(inp.right_grip),
            buttons=frozenset(b for b, held in inp.buttons.items() if held and b in BUTTONS),
            move=(float(inp.move[0]), float(inp.move[1])),
            lens=(float(inp.turn_stick), float(inp.lens_stick)),
            focus=float(inp.focus_stick),
        )
        self._file.write(json.dumps(frame.to_json()) + "\n")

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> InputRecorder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def write_input_script(path: str | Path, frames: Iterable[InputFrame], rate_hz: float) -> Path:
    """Write ``frames`` (times strictly increasing) as a script file; returns the path."""
    if not rate_hz > 0:
        raise InputError(f"rate_hz must be > 0, got {rate_hz!r}")
    path = Path(path)
    lines = [json.dumps({"previzkit_input": FORMAT_VERSION, "rate_hz": rate_hz})]
    last: float | None = None
    for f in frames:
        if last is not None and f.t <= last:
            raise InputError(f"input script frames must have increasing t: {f.t} after {last}")
        last = f.t
        lines.append(json.dumps(f.to_json()))
    path.write_text("\n".join(lines) + "\n")
    return path


__all__ = [
    "DEFAULT_HEAD",
    "InputFrame",
    "InputRecorder",
    "InputScript",
    "pose7",
    "pose7_matrix",
    "read_input_script",
    "write_input_script",
]

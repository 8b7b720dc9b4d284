"""Controller input -> events the stage consumes (pure: no OpenXR, no GL).

Each frame the action layer builds a :class:`ControllerInput` (button states, sticks,
hand aim poses in the set's world frame); :class:`InteractionMapper` turns changes
into events: teleport/move, drop and move actors' marks, place a virtual camera and
look through it, change its lens, start/stop a take.

Left hand holds a tool (teleport, camera, lens, take): ``use_tool`` applies it,
``next_tool`` cycles it, so every function is reachable on khr/simple's two buttons
per hand; Touch and Index also get direct buttons (take, place_camera, sticks).
Frames: world = set frame, right-handed, y up, metres; marks are (x, z) on the floor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.types import Mat4
from previzkit.model.camera import Lens

TOOLS = (
    "teleport",  # use: teleport to the floor point the left hand aims at (arc + target drawn)
    "mark",  # use: drop a mark at the left aim's floor point (the right grip also drops/drags)
    "camera",  # use: place the current shot's camera at the left hand; alt: next shot
    "measure",  # use: press at A, release at B: distance and height
    "bookmark",  # use: bookmark the head's place; alt: jump to the next bookmark
    "snapshot",  # use: a still of the viewfinder with its camera and lens metadata
    "assign",  # use: assign the selected mark to the next character
    "duplicate",  # use: duplicate the selected prop
    "delete",  # use: delete the selected object
    "save",  # use: save the set and the shot plan
)
BUTTONS = (
    "use_tool",  # left trigger: apply the tool
    "alt_tool",  # left A / X: the tool's second function
    "next_tool",  # left B / Y / menu: cycle the tool
    "handheld",  # left grip: the current camera follows the left hand while held
    "undo",  # left stick click
    "grab",  # right grip: grab the mark, prop or camera pointed at (drop a mark on the floor)
    "select",  # right trigger: select the object pointed at (highlighted)
    "take",  # right A: start / stop a take
    "look_through",  # right B: look through the current camera
    "redo",  # right stick click
)
LENSES_MM = (18.0, 24.0, 35.0, 50.0, 85.0, 135.0)
FOCUS_M = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 8.0, 15.0, 1000.0)  # focus steps; 1000 = infinity


@dataclass(frozen=True)
class ControllerInput:
    """One frame of controller state in the set's world frame (metres, y up).

    Aim poses are 4x4 hand-to-world with the ray along local -z; grip poses are where
    the hand holds the controller. ``buttons`` maps names of :data:`BUTTONS` to held.
    """

    time: float = 0.0  # seconds
    buttons: dict[str, bool] = field(default_factory=dict)
    move: tuple[float, float] = (0.0, 0.0)  # left stick x (right), y (forward), in [-1, 1]
    lens_stick: float = 0.0  # right stick y in [-1, 1]: lens up / down
    turn_stick: float = 0.0  # right stick x in [-1, 1]: snap (or smooth) turn
    focus_stick: float = 0.0  # right trackpad / stick y in [-1, 1]: focus further / nearer
    left_aim: Mat4 | None = None
    right_aim: Mat4 | None = None
    left_grip: Mat4 | None = None
    right_grip: Mat4 | None = None
    head: Mat4 | None = None  # head (view space) to world


@dataclass(frozen=True)
class Teleport:
    target: tuple[float, float, float]  # floor point (world), metres


@dataclass(frozen=True)
class Move:
    delta: tuple[float, float, float]  # world metres this frame


@dataclass(frozen=True)
class Turn:
    yaw: float  # radians about +y through the head, counter-clockwise seen from above


@dataclass(frozen=True)
class MarkPlaced:
    name: str
    position: tuple[float, float]  # (x, z) on the floor


@dataclass(frozen=True)
class MarkMoved:
    name: str
    position: tuple[float, float]
    final: bool = False  # True when the mark is let go


@dataclass(frozen=True)
class PropMoved:
    """A grabbed prop follows the hand rigidly: its new prop-to-world transform."""

    name: str
    world_from_prop: Mat4
    final: bool = False


@dataclass(frozen=True)
class CameraMoved:
    """A grabbed set camera (``name``) or the handheld current camera (``name`` None)
    follows the hand: its camera-to-world each frame; ``final`` when let go."""

    name: str | None
    camera_to_world: Mat4
    lens: Lens
    final: bool = False


@dataclass(frozen=True)
class Selected:
    key: str | None  # "mark/A", "prop/crate", "camera/1-A"; None clears the selection


@dataclass(frozen=True)
class Deleted:
    key: str


@dataclass(frozen=True)
class Duplicated:
    key: str  # the prop copied; the copy is placed beside it


@dataclass(frozen=True)
class Assigned:
    mark: str  # the selected mark, to be assigned to the next character


@dataclass(frozen=True)
class CameraPlaced:
    camera_to_world: Mat4
    lens: Lens


@dataclass(frozen=True)
class ShotStep:
    step: int  # +1 next shot of the plan, -1 previous


@dataclass(frozen=True)
class LookThrough:
    active: bool


@dataclass(frozen=True)
class LensChanged:
    lens: Lens


@dataclass(frozen=True)
class FocusChanged:
    lens: Lens  # the current lens with its new ``focus_m``


@dataclass(frozen=True)
class TakeToggled:
    recording: bool


@dataclass(frozen=True)
class ToolChanged:
    tool: str


@dataclass(frozen=True)
class Measured:
    a: tuple[float, float, float]  # world metres
    b: tuple[float, float, float]
    final: bool = False

    @property
    def distance(self) -> float:
        return math.dist(self.a, self.b)

    @property
    def height(self) -> float:
        """Height of the end point above the floor, metres."""
        return self.b[1]


@dataclass(frozen=True)
class Bookmarked:
    head: Mat4  # head-to-world when bookmarked


@dataclass(frozen=True)
class BookmarkJump:
    step: int  # +1: the next bookmark


@dataclass(frozen=True)
class Snapshot:
    pass


@dataclass(frozen=True)
class Undo:
    pass


@dataclass(frozen=True)
class Redo:
    pass


@dataclass(frozen=True)
class SaveRequested:
    pass


Event = (
    Teleport
    | Move
    | Turn
    | MarkPlaced
    | MarkMoved
    | PropMoved
    | CameraMoved
    | Selected
    | Deleted
    | Duplicated
    | Assigned
    | CameraPlaced
    | ShotStep
    | LookThrough
    | LensChanged
    | FocusChanged
    | TakeToggled
    | ToolChanged
    | Measured
    | Bookmarked
    | BookmarkJump
    | Snapshot
    | Undo
    | Redo
    | SaveRequested
)


def floor_hit(aim: Mat4 | None, max_distance: float = 30.0) -> tuple[float, float, float] | None:
    """Where the aim ray (origin, local -z) meets the floor y = 0, or None."""
    if aim is None:
        return None
    origin = np.asarray(aim, dtype=np.float64)[:3, 3]
    direction = -np.asarray(aim, dtype=np.float64)[:3, 2]
    if direction[1] > -1e-6 or origin[1] <= 0:
        return None
    t = -origin[1] / direction[1]
    if t > max_distance:
        return None
    p = origin + t * direction
    return (float(p[0]), 0.0, float(p[2]))


class InteractionMapper:
    """Edge-detects buttons and turns controller input into events; holds tool/lens/take state."""

    def __init__(
        self,
        marks: dict[str, tuple[float, float]] | None = None,
        lenses_mm: tuple[float, ...] = LENSES_MM,
        lens: Lens | None = None,
        grab_radius: float = 0.4,
        move_speed: float = 1.5,
        deadzone: float = 0.15,
    ) -> None:
        if not lenses_mm or any(not (f > 0) for f in lenses_mm):
            raise InputError(f"lenses_mm must be positive focal lengths, got {lenses_mm!r}")
        if grab_radius <= 0 or move_speed < 0 or not 0 <= deadzone < 1:
            raise InputError(
                f"grab_radius must be > 0, move_speed >= 0, deadzone in [0, 1): got {grab_radius}, {move_speed}, {deadzone}"
            )
        self.marks = dict(marks or {})
        self.lenses = tuple(float(f) for f in lenses_mm)
        base = lens or Lens()
        self.lens = base
        self.lens_index = min(
            range(len(self.lenses)), key=lambda i: abs(self.lenses[i] - base.focal_mm)
        )
        self.grab_radius = grab_radius
        self.move_speed = move_speed
        self.deadzone = deadzone
        self.tool = TOOLS[0]
        self.recording = False
        self.camera: Mat4 | None = None
        self.looking_through = False
        self.held_mark: str | None = None
        self._prev: dict[str, bool] = {}
        self._prev_lens_stick = 0.0
        self._prev_time: float | None = None

    def _pressed(self, inp: ControllerInput, name: str) -> bool:
        return bool(inp.buttons.get(name, False)) and not self._prev.get(name, False)

    def _released(self, inp: ControllerInput, name: str) -> bool:
        return not inp.buttons.get(name, False) and self._prev.get(name, False)

    def _set_lens(self, index: int) -> LensChanged:
        self.lens_index = index % len(self.lenses)
        b = self.lens
        self.lens = Lens(
            self.lenses[self.lens_index], b.sensor_width_mm, b.sensor_height_mm, b.focus_m
        )
        return LensChanged(self.lens)

    def _place_camera(self, inp: ControllerInput) -> list[Event]:
        pose = inp.left_aim if inp.left_aim is not None else inp.head
        if pose is None:
            return []
        self.camera = np.array(pose, dtype=np.float64)
        return [CameraPlaced(self.camera.copy(), self.lens)]

    def _toggle_take(self) -> TakeToggled:
        self.recording = not self.recording
        return TakeToggled(self.recording)

    def update(self, inp: ControllerInput) -> list[Event]:
        """Events caused by this frame's input (in a fixed order per frame)."""
        events: list[Event] = []
        dt = 0.0 if self._prev_time is None else max(0.0, inp.time - self._prev_time)
        self._prev_time = inp.time

        if self._pressed(inp, "next_tool"):
            self.tool = TOOLS[(TOOLS.index(self.tool) + 1) % len(TOOLS)]
            events.append(ToolChanged(self.tool))
        if self._pressed(inp, "use_tool"):
            if self.tool == "teleport":
                hit = floor_hit(inp.left_aim)
                if hit is not None:
                    events.append(Teleport(hit))
            elif self.tool == "camera":
                events += self._place_camera(inp)
            elif self.tool == "lens":
                events.append(self._set_lens(self.lens_index + 1))
            elif self.tool == "take":
                events.append(self._toggle_take())
        if self._pressed(inp, "place_camera"):
            events += self._place_camera(inp)
        if self._pressed(inp, "take"):
            events.append(self._toggle_take())
        if self._pressed(inp, "look_through") and self.camera is not None:
            self.looking_through = not self.looking_through
            events.append(LookThrough(self.looking_through))

        stick = float(inp.lens_stick)
        if abs(stick) > 0.7 and abs(self._prev_lens_stick) <= 0.7:
            events.append(self._set_lens(self.lens_index + (1 if stick > 0 else -1)))
        self._prev_lens_stick = stick

        events += self._marks(inp)

        mx, my = inp.move
        if math.hypot(mx, my) > self.deadzone and dt > 0:
            heading = inp.head if inp.head is not None else inp.left_aim
            fwd, right = np.array([0.0, 0.0, -1.0]), np.array([1.0, 0.0, 0.0])
            if heading is not None:
                h = np.asarray(heading)[:3, :3]
                fwd, right = -h[:, 2], h[:, 0]
                fwd[1] = right[1] = 0.0
                fwd /= max(float(np.linalg.norm(fwd)), 1e-9)
                right /= max(float(np.linalg.norm(right)), 1e-9)
            d = (fwd * my + right * mx) * self.move_speed * dt
            events.append(Move((float(d[0]), 0.0, float(d[2]))))

        self._prev = {k: bool(inp.buttons.get(k, False)) for k in BUTTONS}
        return events

    def _marks(self, inp: ControllerInput) -> list[Event]:
        hit = floor_hit(inp.right_aim)
        if self._pressed(inp, "grab_mark") and hit is not None:
            xz = (hit[0], hit[2])
            near = [
                (math.dist(xz, p), n)
                for n, p in self.marks.items()
                if math.dist(xz, p) <= self.grab_radius
            ]
            if near:
                self.held_mark = min(near)[1]
                return []
            name = self._new_mark_name()
            self.marks[name] = xz
            self.held_mark = name  # keep holding: drag it until the button is let go
            return [MarkPlaced(name, xz)]
        if self.held_mark is not None:
            name = self.held_mark
            if self._released(inp, "grab_mark"):
                self.held_mark = None
                return [MarkMoved(name, self.marks[name], final=True)]
            if hit is not None and math.dist((hit[0], hit[2]), self.marks[name]) > 1e-4:
                self.marks[name] = (hit[0], hit[2])
                return [MarkMoved(name, self.marks[name])]
        return []

    def _new_mark_name(self) -> str:
        i = len(self.marks) + 1
        while f"mark{i}" in self.marks:
            i += 1
        return f"mark{i}"

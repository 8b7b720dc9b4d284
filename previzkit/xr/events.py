"""Controller input -> events the blocking session consumes (pure: no OpenXR, no GL).

Each frame the action layer (or a scripted session, :mod:`previzkit.xr.input_script`)
builds a :class:`ControllerInput` (buttons, sticks, hand aim and grip poses, head, all
in the set's world frame); :class:`InteractionMapper` turns changes into events:
locomotion, marks, props and cameras grabbed and carried, selection, the left hand's
tools (:data:`TOOLS`), the handheld camera, lens and focus, takes, undo/redo.

The left hand holds a tool: ``use_tool`` applies it, ``alt_tool`` is its second
function, ``next_tool`` cycles it, so every tool is reachable on khr/simple's two
buttons per hand; Touch and Index also get direct buttons and sticks (:data:`BUTTONS`).
Frames: world = set frame, right-handed, y up, metres; marks are (x, z) on the floor;
poses are 4x4 local-to-world with OpenXR's axes (-z forward along the aim ray).
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
    mark: str  # the selected mark's name, to be assigned to the next character
    character: str | None = None  # the mapper's pick from ``characters`` in turn (None: none known)


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
class Scrub:
    step: int  # +1 / -1: a push of the lens stick while a take plays back


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
    | Scrub
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


SNAP_TURN = math.pi / 6  # radians per push of the turn stick
TURN_RATE = math.pi / 2  # radians per second with smooth turning
STICK_PUSH = 0.7  # a stick past this counts as one push (lens, focus, snap turn)
PROP_REACH = 0.15  # metres beyond a prop's radius the right grip still grabs it
CAMERA_REACH = 0.3  # metres from a set camera's origin the right grip grabs it
SELECT_ANGLE = math.radians(5.0)  # the right aim selects objects within this angle...
SELECT_RADIUS = 0.25  # ...or whose centre passes this close to the ray (metres)


def _position(m: Mat4 | None) -> np.ndarray | None:
    return None if m is None else np.asarray(m, dtype=np.float64)[:3, 3].copy()


def _first(*poses: Mat4 | None) -> Mat4 | None:
    return next((np.array(p, dtype=np.float64) for p in poses if p is not None), None)


def _box_distance(
    world_from_prop: np.ndarray, box: tuple[np.ndarray, np.ndarray], p: np.ndarray
) -> float:
    """World distance (m) from ``p`` to the prop's box ``(lo, hi)`` in its own frame
    (0 inside), through ``world_from_prop`` (scale included)."""
    local = np.linalg.solve(world_from_prop, np.r_[p, 1.0])[:3]
    nearest = np.clip(local, box[0], box[1])
    world = world_from_prop @ np.r_[nearest, 1.0]
    return float(np.linalg.norm(world[:3] - p))


class InteractionMapper:
    """Edge-detects buttons and turns controller input into events (pure: no GL, no OpenXR).

    State the session reads and keeps up to date (world frame, metres): ``marks``
    (name -> floor (x, z)), ``props`` (name -> world_from_prop) with ``prop_radius``
    (name -> metres, grab reach), ``cameras`` (name -> camera-to-world), ``camera`` (the
    current shot's camera-to-world or None), ``lens``, ``aspect`` (delivery width/height),
    ``looking_through``, ``tool``, ``recording``, ``selected`` ("mark/A", "prop/crate",
    "camera/1-A" or None), ``held`` (key being dragged) and ``characters`` (for assign).
    The mapper updates its own state for its own events (marks placed and dragged,
    props and cameras carried, deletions, selection, tool, lens, take).

    Order of events within one frame: tool (next_tool, use_tool, alt_tool), grab,
    select, handheld, take, look_through, lens, focus, turn, undo, redo, move.
    """

    def __init__(
        self,
        marks: dict[str, tuple[float, float]] | None = None,
        lenses_mm: tuple[float, ...] = LENSES_MM,
        lens: Lens | None = None,
        grab_radius: float = 0.4,
        move_speed: float = 1.5,
        deadzone: float = 0.15,
        *,
        props: dict[str, Mat4] | None = None,
        prop_radius: dict[str, float] | None = None,
        cameras: dict[str, Mat4] | None = None,
        characters: list[str] | None = None,
        aspect: float = 16 / 9,
        focus_steps_m: tuple[float, ...] = FOCUS_M,
        smooth_turn: bool = False,
    ) -> None:
        if not lenses_mm or any(not (f > 0) for f in lenses_mm):
            raise InputError(f"lenses_mm must be positive focal lengths, got {lenses_mm!r}")
        if not focus_steps_m or any(not (f > 0) for f in focus_steps_m):
            raise InputError(f"focus_steps_m must be positive distances, got {focus_steps_m!r}")
        if grab_radius <= 0 or move_speed < 0 or not 0 <= deadzone < 1:
            raise InputError(
                f"grab_radius must be > 0, move_speed >= 0, deadzone in [0, 1): got {grab_radius}, {move_speed}, {deadzone}"
            )
        if not aspect > 0:
            raise InputError(f"aspect (delivery width / height) must be > 0, got {aspect!r}")
        self.marks = dict(marks or {})
        self.props: dict[str, Mat4] = {k: np.array(v, np.float64) for k, v in (props or {}).items()}
        self.prop_radius = dict(prop_radius or {})
        # name -> (lo, hi): the prop's box in its own frame; when known, reach is to the box
        self.prop_bounds: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.cameras: dict[str, Mat4] = {
            k: np.array(v, np.float64) for k, v in (cameras or {}).items()
        }
        self.characters = list(characters or [])
        self.aspect = float(aspect)
        self.lenses = tuple(float(f) for f in lenses_mm)
        self.focus_steps = tuple(sorted(float(f) for f in focus_steps_m))
        self.lens = lens or Lens()
        self.grab_radius = grab_radius
        self.move_speed = move_speed
        self.deadzone = deadzone
        self.smooth_turn = smooth_turn
        self.tool = TOOLS[0]
        self.recording = False
        self.playing = False  # a take plays back: the take button pauses, the lens stick scrubs
        self.camera: Mat4 | None = None
        self.looking_through = False
        self.selected: str | None = None
        self.held: str | None = None
        self._grab_offset: np.ndarray | None = None  # hand_from_object while carrying
        self._measure_a: tuple[float, float, float] | None = None
        self._measure_b: tuple[float, float, float] | None = None
        self._assign_next = 0
        self._prev: dict[str, bool] = {}
        self._prev_sticks = {"lens": 0.0, "focus": 0.0, "turn": 0.0}
        self._prev_time: float | None = None

    # -- helpers ---------------------------------------------------------------------
    def _down(self, inp: ControllerInput, name: str) -> bool:
        return bool(inp.buttons.get(name, False))

    def _pressed(self, inp: ControllerInput, name: str) -> bool:
        return self._down(inp, name) and not self._prev.get(name, False)

    def _released(self, inp: ControllerInput, name: str) -> bool:
        return not self._down(inp, name) and self._prev.get(name, False)

    def _pushed(self, name: str, value: float) -> int:
        """+1 / -1 when the stick crosses STICK_PUSH this frame, else 0."""
        was = self._prev_sticks[name]
        self._prev_sticks[name] = value
        if abs(value) > STICK_PUSH and abs(was) <= STICK_PUSH:
            return 1 if value > 0 else -1
        return 0

    def _new_mark_name(self) -> str:
        i = len(self.marks) + 1
        while f"mark{i}" in self.marks:
            i += 1
        return f"mark{i}"

    def _place_mark(self, hit: tuple[float, float, float]) -> MarkPlaced:
        name = self._new_mark_name()
        self.marks[name] = (hit[0], hit[2])
        return MarkPlaced(name, self.marks[name])

    # -- per-frame -------------------------------------------------------------------
    def update(self, inp: ControllerInput) -> list[Event]:
        """Events caused by this frame's input, in the fixed order given in the class doc."""
        dt = 0.0 if self._prev_time is None else max(0.0, inp.time - self._prev_time)
        self._prev_time = inp.time
        events: list[Event] = []
        events += self._tools(inp)
        events += self._grab(inp)
        if self._pressed(inp, "select"):
            self.selected = self.pointed_at(inp.right_aim)
            events.append(Selected(self.selected))
        events += self._handheld(inp)
        if self._pressed(inp, "take"):
            self.recording = not self.recording
            events.append(TakeToggled(self.recording))
        if self._pressed(inp, "look_through") and self.camera is not None:
            self.looking_through = not self.looking_through
            events.append(LookThrough(self.looking_through))
        events += self._lens_and_focus(inp)
        events += self._turn(inp, dt)
        if self._pressed(inp, "undo"):
            events.append(Undo())
        if self._pressed(inp, "redo"):
            events.append(Redo())
        events += self._move(inp, dt)
        self._prev = {k: self._down(inp, k) for k in BUTTONS}
        return events

    def _tools(self, inp: ControllerInput) -> list[Event]:
        events: list[Event] = []
        if self._pressed(inp, "next_tool"):
            self.tool = TOOLS[(TOOLS.index(self.tool) + 1) % len(TOOLS)]
            events.append(ToolChanged(self.tool))
        if self._pressed(inp, "use_tool"):
            events += self._use(inp)
        events += self._measure(inp)
        if self._pressed(inp, "alt_tool"):
            if self.tool == "camera":
                events.append(ShotStep(+1))
            elif self.tool == "bookmark":
                events.append(BookmarkJump(+1))
        return events

    def _use(self, inp: ControllerInput) -> list[Event]:
        tool, hit = self.tool, floor_hit(inp.left_aim)
        if tool == "teleport" and hit is not None:
            return [Teleport(hit)]
        if tool == "mark" and hit is not None:
            return [self._place_mark(hit)]
        if tool == "camera":
            pose = _first(inp.left_aim, inp.left_grip, inp.head)
            if pose is not None:
                self.camera = pose
                return [CameraPlaced(pose.copy(), self.lens)]
        elif tool == "measure":
            self._measure_a = self._left_point(inp)
        elif tool == "bookmark" and inp.head is not None:
            return [Bookmarked(np.array(inp.head, dtype=np.float64))]
        elif tool == "snapshot":
            return [Snapshot()]
        elif tool == "assign" and self.selected and self.selected.startswith("mark/"):
            character = None
            if self.characters:
                character = self.characters[self._assign_next % len(self.characters)]
                self._assign_next += 1
            return [Assigned(self.selected.split("/", 1)[1], character)]
        elif tool == "duplicate" and self.selected and self.selected.startswith("prop/"):
            return [Duplicated(self.selected)]
        elif tool == "delete" and self.selected:
            key, self.selected = self.selected, None
            kind, name = key.split("/", 1)
            if kind == "mark":
                self.marks.pop(name, None)
            elif kind in ("prop", "camera"):
                (self.props if kind == "prop" else self.cameras).pop(name, None)
            return [Deleted(key)]
        elif tool == "save":
            return [SaveRequested()]
        return []

    def _left_point(self, inp: ControllerInput) -> tuple[float, float, float] | None:
        hit = floor_hit(inp.left_aim)
        if hit is not None:
            return hit
        p = _position(_first(inp.left_aim, inp.left_grip))
        return None if p is None else (float(p[0]), float(p[1]), float(p[2]))

    def _measure(self, inp: ControllerInput) -> list[Event]:
        """While use_tool is held after a measure press: Measured(a, b) each frame, final on release."""
        if self._measure_a is None:
            return []
        a = self._measure_a
        if not self._down(inp, "use_tool"):
            self._measure_a = None
            b = self._measure_b or a
            self._measure_b = None
            return [Measured(a, b, final=True)]
        b = self._left_point(inp) or self._measure_b or a
        self._measure_b = b
        return [Measured(a, b)]

    # -- right hand: grab and select -------------------------------------------------
    def _grab_candidates(self, inp: ControllerInput) -> list[tuple[int, float, str]]:
        """(rank, distance, key) of what the right hand can grab now, best first: props
        and cameras within reach of the grip (distance beyond contact) before marks
        near the aim's floor point."""
        out: list[tuple[int, float, str]] = []
        grip = _position(_first(inp.right_grip, inp.right_aim))
        if grip is not None:
            for name, m in self.props.items():
                box = self.prop_bounds.get(name)
                if box is not None:  # reach to the box: a long wall is not grabbed from afar
                    d = _box_distance(np.asarray(m), box, grip)
                else:
                    d = float(np.linalg.norm(np.asarray(m)[:3, 3] - grip))
                    d -= self.prop_radius.get(name, 0.0)
                if d <= PROP_REACH:
                    out.append((0, d, f"prop/{name}"))
            for name, m in self.cameras.items():
                d = float(np.linalg.norm(np.asarray(m)[:3, 3] - grip))
                if d <= CAMERA_REACH:
                    out.append((0, d, f"camera/{name}"))
        hit = floor_hit(inp.right_aim)
        if hit is not None:
            for name, (x, z) in self.marks.items():
                d = math.dist((hit[0], hit[2]), (x, z))
                if d <= self.grab_radius:
                    out.append((1, d, f"mark/{name}"))
        return sorted(out)

    def _grab(self, inp: ControllerInput) -> list[Event]:
        if self._pressed(inp, "grab"):
            near = self._grab_candidates(inp)
            hand = _first(inp.right_grip, inp.right_aim)
            if near:
                self.held = near[0][2]
                kind, name = self.held.split("/", 1)
                if kind in ("prop", "camera") and hand is not None:
                    obj = (self.props if kind == "prop" else self.cameras)[name]
                    self._grab_offset = np.linalg.inv(hand) @ obj
                return []
            hit = floor_hit(inp.right_aim)
            if hit is None:
                return []
            placed = self._place_mark(hit)
            self.held = f"mark/{placed.name}"  # keep holding: drag it until let go
            return [placed]
        if self.held is None:
            return []
        kind, name = self.held.split("/", 1)
        final, offset = not self._down(inp, "grab"), self._grab_offset
        if final:
            self.held = self._grab_offset = None
        if kind == "mark":
            if name not in self.marks:
                return []
            hit = None if final else floor_hit(inp.right_aim)  # let go where last held
            moved = hit is not None and math.dist((hit[0], hit[2]), self.marks[name]) > 1e-4
            if moved and hit is not None:
                self.marks[name] = (hit[0], hit[2])
            return [MarkMoved(name, self.marks[name], final=final)] if moved or final else []
        store = self.props if kind == "prop" else self.cameras
        hand = _first(inp.right_grip, inp.right_aim)
        if name not in store:
            return []
        if hand is not None and offset is not None and not final:
            store[name] = hand @ offset
        pose = store[name].copy()
        if kind == "prop":
            return [PropMoved(name, pose, final=final)]
        return [CameraMoved(name, pose, self.lens, final=final)]

    def pointed_at(self, aim: Mat4 | None) -> str | None:
        """Key of the object nearest the aim ray (within SELECT_ANGLE or SELECT_RADIUS), or None."""
        if aim is None:
            return None
        a = np.asarray(aim, dtype=np.float64)
        origin, direction = a[:3, 3], -a[:3, 2] / max(float(np.linalg.norm(a[:3, 2])), 1e-12)
        targets = [(f"mark/{n}", np.array([x, 0.0, z])) for n, (x, z) in self.marks.items()]
        targets += [(f"prop/{n}", np.asarray(m)[:3, 3]) for n, m in self.props.items()]
        targets += [(f"camera/{n}", np.asarray(m)[:3, 3]) for n, m in self.cameras.items()]
        best: tuple[float, str] | None = None
        for key, p in targets:
            v = p - origin
            along = float(v @ direction)
            if along <= 0:
                continue
            off = float(np.linalg.norm(v - along * direction))
            angle = math.atan2(off, along)
            if (angle <= SELECT_ANGLE or off <= SELECT_RADIUS) and (
                best is None or angle < best[0]
            ):
                best = (angle, key)
        return None if best is None else best[1]

    # -- left hand: handheld camera --------------------------------------------------
    def _handheld(self, inp: ControllerInput) -> list[Event]:
        held, was = self._down(inp, "handheld"), self._prev.get("handheld", False)
        if not held and not was:
            return []
        pose = _first(inp.left_grip, inp.left_aim)
        if pose is not None and held:  # let go: the camera stays where it was last held
            self.camera = pose
        if self.camera is None:
            return []
        return [CameraMoved(None, self.camera.copy(), self.lens, final=not held)]

    # -- sticks ----------------------------------------------------------------------
    def _lens_and_focus(self, inp: ControllerInput) -> list[Event]:
        events: list[Event] = []
        step = self._pushed("lens", float(inp.lens_stick))
        if step and self.playing:  # playing a take back: the lens stick scrubs it
            events.append(Scrub(int(step)))
        elif step:
            i = min(range(len(self.lenses)), key=lambda k: abs(self.lenses[k] - self.lens.focal_mm))
            focal = self.lenses[(i + step) % len(self.lenses)]
            self.lens = Lens(
                focal, self.lens.sensor_width_mm, self.lens.sensor_height_mm, self.lens.focus_m
            )
            events.append(LensChanged(self.lens))
        step = self._pushed("focus", float(inp.focus_stick))
        if step:
            steps = self.focus_steps
            i = min(range(len(steps)), key=lambda k: abs(steps[k] - self.lens.focus_m))
            j = min(max(i + step, 0), len(steps) - 1)
            if steps[j] != self.lens.focus_m:
                b = self.lens
                self.lens = Lens(b.focal_mm, b.sensor_width_mm, b.sensor_height_mm, steps[j])
                events.append(FocusChanged(self.lens))
        return events

    def _turn(self, inp: ControllerInput, dt: float) -> list[Event]:
        x = float(inp.turn_stick)
        if self.smooth_turn:
            self._prev_sticks["turn"] = x
            if abs(x) > self.deadzone and dt > 0:
                return [Turn(-x * TURN_RATE * dt)]  # stick right: turn clockwise (yaw < 0)
            return []
        step = self._pushed("turn", x)
        return [Turn(-step * SNAP_TURN)] if step else []

    def _move(self, inp: ControllerInput, dt: float) -> list[Event]:
        mx, my = inp.move
        if math.hypot(mx, my) <= self.deadzone or dt <= 0:
            return []
        heading = inp.head if inp.head is not None else inp.left_aim
        fwd, right = np.array([0.0, 0.0, -1.0]), np.array([1.0, 0.0, 0.0])
        if heading is not None:
            h = np.asarray(heading)[:3, :3]
            fwd, right = -h[:, 2].copy(), h[:, 0].copy()
            fwd[1] = right[1] = 0.0
            fwd /= max(float(np.linalg.norm(fwd)), 1e-9)
            right /= max(float(np.linalg.norm(right)), 1e-9)
        d = (fwd * my + right * mx) * self.move_speed * dt
        return [Move((float(d[0]), 0.0, float(d[2])))]

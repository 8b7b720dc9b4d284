"""A director's controller events -> edits of the shared set state (pure: no GL, no I/O).

:class:`Blocking` keeps what a blocking session adds on top of the set state: the
shot plan's current shot and the camera made for each shot (named by the shot id, so
the set's own cameras, e.g. its master ``A_35mm``, are never overwritten), the lens of
the camera in hand, the drag groups that make one grab one undo step, and which
characters the director assigned to which marks. Every change goes through
:class:`~previzkit.stage.state.SetState` (undo/redo, last writer wins) and each
resulting :class:`~previzkit.stage.state.Edit` is handed to ``publish`` (the other
views, :class:`~previzkit.stage.sync.StateSync`).

Frames: world = the set's frame, metres, right-handed, y up; cameras look down -z.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.geometry import quat_from_matrix
from previzkit.model.camera import Lens
from previzkit.stage.state import Edit, SetState
from previzkit.xr import events as ev

DUPLICATE_OFFSET_M = 0.6  # a duplicated prop appears this far along +x


@dataclass
class PlannedShot:
    """One shot the session frames: its id, subjects (characters) and planned lens."""

    id: str
    subjects: list[str] = field(default_factory=list)
    lens_mm: float | None = None
    camera: str | None = None  # the set camera made for it in an earlier session


def camera_fields(camera_to_world: Any, lens: Lens) -> dict[str, Any]:
    """Set-state fields of a camera at ``camera_to_world`` (4x4) with ``lens``."""
    m = np.asarray(camera_to_world, dtype=np.float64)
    return {
        "position": [float(x) for x in m[:3, 3]],
        "orientation": list(quat_from_matrix(m[:3, :3])),
        "focal_mm": float(lens.focal_mm),
        "sensor_width_mm": float(lens.sensor_width_mm),
        "sensor_height_mm": float(lens.sensor_height_mm),
        "focus_m": float(lens.focus_m),
    }


def prop_fields(world_from_prop: Any) -> dict[str, Any]:
    """Position, rotation (x, y, z, w) and scale of a prop-to-world 4x4 (no shear)."""
    m = np.asarray(world_from_prop, dtype=np.float64)
    scale = np.linalg.norm(m[:3, :3], axis=0)
    rot = m[:3, :3] / np.maximum(scale, 1e-12)[None, :]
    return {
        "position": [float(x) for x in m[:3, 3]],
        "rotation": list(quat_from_matrix(rot)),
        "scale": [float(s) for s in scale],
    }


class Blocking:
    """Applies blocking events to ``state``; ``publish(edit)`` sends each change on.

    ``shots``: the scene's planned shots (empty: cameras are named ``cam1``, ``cam2``...);
    ``lens``: the lens in hand at the start (the set's default camera's).
    """

    def __init__(
        self,
        state: SetState,
        publish: Callable[[Edit], None] | None = None,
        shots: Sequence[PlannedShot] = (),
        lens: Lens | None = None,
        characters: Sequence[str] = (),
    ) -> None:
        self.state = state
        self.publish = publish
        self.shots = list(shots)
        self.shot_index = 0
        self.lens = lens or Lens()
        self.characters = list(characters)
        self.shot_cameras: dict[str, str] = {}  # shot id -> camera name made for it
        for shot in self.shots:  # a later session goes on with the cameras made before
            name = shot.camera or shot.id
            if f"camera/{name}" in state.objects:
                self.shot_cameras[shot.id] = name
        self.free_camera: str | None = None  # the camera made with no plan
        self._drag = 0
        self._dragging: str | None = None

    # --- what the session asks ---------------------------------------------------------

    @property
    def shot(self) -> PlannedShot | None:
        return self.shots[self.shot_index] if self.shots else None

    def current_camera(self) -> str | None:
        """The camera of the current shot (or the free camera), once one was placed."""
        shot = self.shot
        name = self.shot_cameras.get(shot.id) if shot is not None else self.free_camera
        if name is not None and f"camera/{name}" in self.state.objects:
            return name
        return None

    def plan_updates(self) -> dict[str, dict[str, Any]]:
        """Per shot id: its camera, lens and its subjects' marks, for the shot plan."""
        out: dict[str, dict[str, Any]] = {}
        marks = self.character_marks()
        for shot in self.shots:
            cam = self.shot_cameras.get(shot.id)
            key = f"camera/{cam}"
            if cam is None or key not in self.state.objects:
                continue
            out[shot.id] = {
                "camera": cam,
                "lens_mm": round(float(self.state.objects[key]["focal_mm"]), 3),
                "marks": {s: marks[s] for s in shot.subjects if marks.get(s)},
            }
        return out

    def character_marks(self) -> dict[str, str]:
        """Character -> the mark it stands on (assigned here or in the set file)."""
        out = {}
        for key, f in self.state.objects.items():
            kind, _, name = key.partition("/")
            if kind == "character" and f.get("mark"):
                out[name] = str(f["mark"])
        return out

    # --- events ------------------------------------------------------------------------

    def handle(self, event: Any) -> list[Edit]:
        """Apply one event; returns the edits made (already published)."""
        edits = self._handle(event)
        if self.publish is not None:
            for e in edits:
                self.publish(e)
        return edits

    def _group(self, key: str, final: bool) -> str:
        if self._dragging != key:
            self._drag += 1
            self._dragging = key
        group = f"drag{self._drag}"
        if final:
            self._dragging = None
        return group

    def _handle(self, event: Any) -> list[Edit]:
        st = self.state
        if isinstance(event, ev.MarkPlaced):
            key = f"mark/{event.name}"
            return [st.add(key, position=list(event.position), group=self._group(key, False))]
        if isinstance(event, ev.MarkMoved):
            key = f"mark/{event.name}"
            if key not in st.objects:
                return []
            return [
                st.edit(key, position=list(event.position), group=self._group(key, event.final))
            ]
        if isinstance(event, ev.PropMoved):
            key = f"prop/{event.name}"
            if key not in st.objects:
                return []
            fields = prop_fields(event.world_from_prop)
            return [st.edit(key, group=self._group(key, event.final), **fields)]
        if isinstance(event, ev.CameraMoved):
            return self._camera(event.name, event.camera_to_world, event.lens, event.final)
        if isinstance(event, ev.CameraPlaced):
            return self._camera(None, event.camera_to_world, event.lens, True)
        if isinstance(event, ev.LensChanged | ev.FocusChanged):
            self.lens = event.lens
            name = self.current_camera()
            if name is None:
                return []
            lens = event.lens
            return [
                st.edit(
                    f"camera/{name}",
                    focal_mm=lens.focal_mm,
                    sensor_width_mm=lens.sensor_width_mm,
                    sensor_height_mm=lens.sensor_height_mm,
                    focus_m=lens.focus_m,
                )
            ]
        if isinstance(event, ev.Deleted):
            if event.key not in st.objects:
                return []
            if event.key.startswith("character/"):
                raise InputError(f"blocking: characters are not deleted here ({event.key})")
            if event.key.startswith("camera/") and len(st.names("camera")) <= 1:
                raise InputError(f"blocking: {event.key} is the set's last camera: kept")
            edits = self._step_off(event.key)  # characters on a deleted mark stay put
            edits.append(st.delete(event.key))
            return edits
        if isinstance(event, ev.Duplicated):
            return self._duplicate(event.key)
        if isinstance(event, ev.Assigned):
            return self._assign(event.mark, event.character)
        if isinstance(event, ev.Bookmarked):
            return [self._bookmark(event.head)]
        if isinstance(event, ev.ShotStep):
            if self.shots:
                self.shot_index = (self.shot_index + event.step) % len(self.shots)
                shot = self.shot
                if shot is not None and shot.lens_mm and self.current_camera() is None:
                    self.lens = _with_focal(self.lens, shot.lens_mm)
            return []
        if isinstance(event, ev.Undo):
            return st.undo()
        if isinstance(event, ev.Redo):
            return st.redo()
        return []

    def _camera_name(self) -> str:
        shot = self.shot
        if shot is not None:
            name = self.shot_cameras.get(shot.id) or shot.id
            self.shot_cameras[shot.id] = name
            return name
        if self.free_camera is None:
            i = 1
            while f"camera/cam{i}" in self.state.objects:
                i += 1
            self.free_camera = f"cam{i}"
        return self.free_camera

    def _camera(
        self, name: str | None, camera_to_world: Any, lens: Lens, final: bool
    ) -> list[Edit]:
        """Move camera ``name`` (a grabbed set camera) or the current shot's (made once)."""
        st = self.state
        if name is None:
            name = self._camera_name()
            self.lens = lens
        key = f"camera/{name}"
        fields = camera_fields(camera_to_world, lens)
        group = self._group(key, final)
        if key in st.objects:
            return [st.edit(key, group=group, **fields)]
        return [st.add(key, group=group, **fields)]

    def _duplicate(self, key: str) -> list[Edit]:
        kind, _, name = key.partition("/")
        if kind != "prop" or key not in self.state.objects:
            return []
        fields = dict(self.state.objects[key])
        fields["position"] = [
            fields["position"][0] + DUPLICATE_OFFSET_M,
            *fields["position"][1:],
        ]
        i = 2
        while f"prop/{name}_{i}" in self.state.objects:
            i += 1
        return [self.state.add(f"prop/{name}_{i}", **fields)]

    def _step_off(self, mark_key: str) -> list[Edit]:
        """Characters standing on ``mark_key`` step off it where they stand."""
        kind, _, mark = mark_key.partition("/")
        if kind != "mark":
            return []
        st = self.state
        return [
            st.edit(f"character/{c}", position=list(st.character_position(c)))
            for c, m in self.character_marks().items()
            if m == mark
        ]

    def _assign(self, mark: str, character: str | None = None) -> list[Edit]:
        """Put ``character`` (default: the next one after the one on ``mark``, in set
        order) on ``mark``; whoever stood there steps off."""
        if f"mark/{mark}" not in self.state.objects or not self.characters:
            return []
        if character is None:
            on = self.character_marks()
            current = [c for c in self.characters if on.get(c) == mark]
            start = self.characters.index(current[0]) + 1 if current else 0
            character = self.characters[start % len(self.characters)]
        if f"character/{character}" not in self.state.objects:
            raise InputError(f"blocking: no character {character!r} to put on mark {mark}")
        edits = [e for e in self._step_off(f"mark/{mark}") if e.key != f"character/{character}"]
        edits.append(self.state.edit(f"character/{character}", mark=mark))
        return edits

    def _bookmark(self, head: Any) -> Edit:
        m = np.asarray(head, dtype=np.float64)
        fwd = -m[:3, 2]
        yaw = math.degrees(math.atan2(-fwd[0], -fwd[2]))  # 0: looking down -z
        i = 1
        while f"bookmark/bm{i}" in self.state.objects:
            i += 1
        return self.state.add(f"bookmark/bm{i}", position=[float(x) for x in m[:3, 3]], yaw_deg=yaw)


def _with_focal(lens: Lens, focal_mm: float) -> Lens:
    return Lens(focal_mm, lens.sensor_width_mm, lens.sensor_height_mm, lens.focus_m)

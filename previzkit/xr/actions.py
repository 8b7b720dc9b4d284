"""OpenXR actions and suggested bindings: khr/simple, Oculus Touch, Valve Index.

:data:`ACTIONS` and :data:`BINDINGS` are plain data (checked by tests without a
runtime). :class:`XRActions` creates the action set, suggests every profile's
bindings, attaches to a session and reads a :class:`~previzkit.xr.events.ControllerInput`
each frame. See :mod:`previzkit.xr.events` for what each action does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from previzkit.core.errors import XRError
from previzkit.core.geometry import pose_matrix
from previzkit.core.optional import require
from previzkit.xr.errors import translated
from previzkit.xr.events import ControllerInput

if TYPE_CHECKING:
    from previzkit.xr.instance import XRInstance
    from previzkit.xr.session import XRSession

LEFT, RIGHT = "/user/hand/left", "/user/hand/right"
HANDS = (LEFT, RIGHT)


@dataclass(frozen=True)
class ActionSpec:
    name: str
    kind: str  # "pose", "boolean", "vector2f"
    localized: str
    hands: bool = False  # has /user/hand/left and /right subaction paths


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec("aim", "pose", "Hand aim", hands=True),
    ActionSpec("grip", "pose", "Hand grip", hands=True),
    ActionSpec("use_tool", "boolean", "Use the tool"),
    ActionSpec("alt_tool", "boolean", "The tool's second function"),
    ActionSpec("next_tool", "boolean", "Next tool"),
    ActionSpec("handheld", "boolean", "Hold the camera (handheld)"),
    ActionSpec("undo", "boolean", "Undo"),
    ActionSpec("grab", "boolean", "Grab a mark, prop or camera"),
    ActionSpec("select", "boolean", "Select"),
    ActionSpec("take", "boolean", "Start or stop a take"),
    ActionSpec("look_through", "boolean", "Look through the camera"),
    ActionSpec("redo", "boolean", "Redo"),
    ActionSpec("move", "vector2f", "Move"),
    ActionSpec("lens", "vector2f", "Lens (up/down) and turn (left/right)"),
    ActionSpec("focus", "vector2f", "Focus"),
)

_POSES = [
    ("aim", f"{LEFT}/input/aim/pose"),
    ("aim", f"{RIGHT}/input/aim/pose"),
    ("grip", f"{LEFT}/input/grip/pose"),
    ("grip", f"{RIGHT}/input/grip/pose"),
]

# Component paths as the OpenXR 1.0 spec lists them per profile (section 6.4).
BINDINGS: dict[str, list[tuple[str, str]]] = {
    "/interaction_profiles/khr/simple_controller": [
        *_POSES,
        ("use_tool", f"{LEFT}/input/select/click"),
        ("next_tool", f"{LEFT}/input/menu/click"),
        ("grab", f"{RIGHT}/input/select/click"),
        ("look_through", f"{RIGHT}/input/menu/click"),
    ],
    # Touch has no trackpad and no spare axis: focus is not bound there.
    "/interaction_profiles/oculus/touch_controller": [
        *_POSES,
        ("use_tool", f"{LEFT}/input/trigger/value"),
        ("alt_tool", f"{LEFT}/input/x/click"),
        ("next_tool", f"{LEFT}/input/y/click"),
        ("handheld", f"{LEFT}/input/squeeze/value"),
        ("undo", f"{LEFT}/input/thumbstick/click"),
        ("move", f"{LEFT}/input/thumbstick"),
        ("grab", f"{RIGHT}/input/squeeze/value"),
        ("select", f"{RIGHT}/input/trigger/value"),
        ("take", f"{RIGHT}/input/a/click"),
        ("look_through", f"{RIGHT}/input/b/click"),
        ("redo", f"{RIGHT}/input/thumbstick/click"),
        ("lens", f"{RIGHT}/input/thumbstick"),
    ],
    "/interaction_profiles/valve/index_controller": [
        *_POSES,
        ("use_tool", f"{LEFT}/input/trigger/click"),
        ("alt_tool", f"{LEFT}/input/a/click"),
        ("next_tool", f"{LEFT}/input/b/click"),
        ("handheld", f"{LEFT}/input/squeeze/value"),
        ("undo", f"{LEFT}/input/thumbstick/click"),
        ("move", f"{LEFT}/input/thumbstick"),
        ("grab", f"{RIGHT}/input/squeeze/value"),
        ("select", f"{RIGHT}/input/trigger/click"),
        ("take", f"{RIGHT}/input/a/click"),
        ("look_through", f"{RIGHT}/input/b/click"),
        ("redo", f"{RIGHT}/input/thumbstick/click"),
        ("lens", f"{RIGHT}/input/thumbstick"),
        ("focus", f"{RIGHT}/input/trackpad"),
    ],
}


class XRActions:
    """The previzkit action set: suggested bindings for every profile, read once per frame."""

    def __init__(self, instance: XRInstance) -> None:
        xr = require("xr", "xr", "OpenXR")

        self._xr = xr
        self.instance = instance
        self.hand_paths = [instance.path(h) for h in HANDS]
        with translated("creating the action set"):
            self.action_set = xr.create_action_set(
                instance.handle,
                xr.ActionSetCreateInfo(
                    action_set_name="previzkit", localized_action_set_name="previzkit", priority=0
                ),
            )
            kinds = {
                "pose": xr.ActionType.POSE_INPUT,
                "boolean": xr.ActionType.BOOLEAN_INPUT,
                "vector2f": xr.ActionType.VECTOR2F_INPUT,
            }
            self.actions: dict[str, Any] = {}
            for spec in ACTIONS:
                self.actions[spec.name] = xr.create_action(
                    self.action_set,
                    xr.ActionCreateInfo(
                        action_type=kinds[spec.kind],
                        action_name=spec.name,
                        localized_action_name=spec.localized,
                        subaction_paths=self.hand_paths if spec.hands else None,
                    ),
                )
        self.profiles = self._suggest()
        self.spaces: dict[tuple[str, int], Any] = {}
        self.session: XRSession | None = None

    def _suggest(self) -> list[str]:
        """Suggest each profile's bindings; profiles the runtime rejects are skipped."""
        xr = self._xr
        accepted = []
        for profile, pairs in BINDINGS.items():
            bindings = [
                xr.ActionSuggestedBinding(action=self.actions[a], binding=self.instance.path(p))
                for a, p in pairs
            ]
            try:
                xr.suggest_interaction_profile_bindings(
                    self.instance.handle,
                    xr.InteractionProfileSuggestedBinding(
                        interaction_profile=self.instance.path(profile), suggested_bindings=bindings
                    ),
                )
            except (xr.PathUnsupportedError, xr.PathInvalidError):
                continue
            accepted.append(profile)
        if not accepted:
            raise XRError(
                "the OpenXR runtime accepted none of previzkit's controller profiles (simple, Touch, Index)"
            )
        return accepted

    def attach(self, session: XRSession) -> None:
        xr = self._xr
        with translated("attaching the action set"):
            xr.attach_session_action_sets(
                session.handle, xr.SessionActionSetsAttachInfo(action_sets=[self.action_set])
            )
            for name in ("aim", "grip"):
                for i, path in enumerate(self.hand_paths):
                    self.spaces[(name, i)] = xr.create_action_space(
                        session.handle,
                        xr.ActionSpaceCreateInfo(
                            action=self.actions[name],
                            subaction_path=path,
                            pose_in_action_space=xr.Posef(),
                        ),
                    )
        self.session = session

    def current_profiles(self) -> dict[str, str]:
        """The interaction profile bound to each hand ('' when none yet)."""
        xr = self._xr
        assert self.session is not None
        out = {}
        for hand, path in zip(HANDS, self.hand_paths, strict=True):
            state = xr.get_current_interaction_profile(self.session.handle, path)
            out[hand] = self.instance.path_text(state.interaction_profile)
        return out

    def _pose(
        self, name: str, hand: int, time: int, world_from_space: np.ndarray
    ) -> np.ndarray | None:
        xr = self._xr
        assert self.session is not None
        loc = xr.locate_space(self.spaces[(name, hand)], self.session.space, time)
        flags = xr.SpaceLocationFlags
        need = flags.POSITION_VALID_BIT | flags.ORIENTATION_VALID_BIT
        if (loc.location_flags & need) != need:
            return None
        p, q = loc.pose.position, loc.pose.orientation
        return world_from_space @ pose_matrix((p.x, p.y, p.z), (q.x, q.y, q.z, q.w))

    def read(
        self,
        time: int,
        seconds: float,
        world_from_space: np.ndarray,
        head: np.ndarray | None = None,
    ) -> ControllerInput:
        """Sync actions and read this frame's input (empty before the session is FOCUSED).

        ``time`` is the XrTime to locate hands at, ``seconds`` the same in seconds;
        poses are located in the session's space and moved into the set's world by
        ``world_from_space``; ``head`` is passed through.
        """
        xr = self._xr
        assert self.session is not None, "attach() first"
        try:
            xr.sync_actions(
                self.session.handle,
                xr.ActionsSyncInfo(
                    active_action_sets=[
                        xr.ActiveActionSet(action_set=self.action_set, subaction_path=xr.NULL_PATH)
                    ]
                ),
            )
        except xr.SessionNotFocused:
            return ControllerInput(time=seconds, head=head)
        handle = self.session.handle
        buttons = {}
        for spec in ACTIONS:
            if spec.kind == "boolean":
                st = xr.get_action_state_boolean(
                    handle, xr.ActionStateGetInfo(action=self.actions[spec.name])
                )
                buttons[spec.name] = bool(st.is_active and st.current_state)
        move, lens, focus = (self._vector(handle, name) for name in ("move", "lens", "focus"))
        return ControllerInput(
            time=seconds,
            buttons=buttons,
            move=move,
            lens_stick=lens[1],
            turn_stick=lens[0],
            focus_stick=focus[1],
            left_aim=self._pose("aim", 0, time, world_from_space),
            right_aim=self._pose("aim", 1, time, world_from_space),
            left_grip=self._pose("grip", 0, time, world_from_space),
            right_grip=self._pose("grip", 1, time, world_from_space),
            head=head,
        )

    def _vector(self, handle: Any, name: str) -> tuple[float, float]:
        """A vector2f action's (x, y), (0, 0) when not bound or not active."""
        xr = self._xr
        st = xr.get_action_state_vector2f(handle, xr.ActionStateGetInfo(action=self.actions[name]))
        if not st.is_active:
            return (0.0, 0.0)
        return (float(st.current_state.x), float(st.current_state.y))

    def close(self) -> None:
        xr = self._xr
        for space in self.spaces.values():
            xr.destroy_space(space)
        self.spaces.clear()
        if getattr(self, "action_set", None) is not None:
            xr.destroy_action_set(self.action_set)
            self.action_set = None

"""The OpenXR session lifecycle as an explicit state machine driven by xrPollEvent.

:class:`SessionStateMachine` is pure: it is fed session states (from
XrEventDataSessionStateChanged) and answers what the app must do (begin the session,
end it, stop, report a loss). :class:`XRSession` owns the xr session handle, polls
events and carries out those commands.

States (OpenXR 1.0, 2.5): IDLE -> READY -> SYNCHRONIZED -> VISIBLE -> FOCUSED and
back down through STOPPING -> IDLE, then EXITING; LOSS_PENDING at any time.
"""

from __future__ import annotations

import ctypes
import enum
import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from previzkit.core.errors import XRError
from previzkit.core.optional import require
from previzkit.xr.errors import session_lost, translated

if TYPE_CHECKING:
    import moderngl

    from previzkit.xr.instance import XRInstance

log = logging.getLogger(__name__)


class State(enum.IntEnum):
    """XrSessionState values."""

    UNKNOWN = 0
    IDLE = 1
    READY = 2
    SYNCHRONIZED = 3
    VISIBLE = 4
    FOCUSED = 5
    STOPPING = 6
    LOSS_PENDING = 7
    EXITING = 8


class Command(enum.Enum):
    """What the app must do after a state change."""

    NONE = "none"
    BEGIN = "begin"  # call xrBeginSession, start the frame loop
    END = "end"  # call xrEndSession, stop the frame loop
    EXIT = "exit"  # destroy the session, leave the loop
    LOST = "lost"  # the session is being lost: destroy it and report


# Transitions the runtime may make (spec 2.5 session lifecycle diagram).
_ALLOWED: dict[State, set[State]] = {
    State.UNKNOWN: {State.IDLE},
    State.IDLE: {State.READY, State.EXITING},
    State.READY: {State.SYNCHRONIZED},
    State.SYNCHRONIZED: {State.VISIBLE, State.STOPPING},
    State.VISIBLE: {State.FOCUSED, State.SYNCHRONIZED},
    State.FOCUSED: {State.VISIBLE},
    State.STOPPING: {State.IDLE},
    State.LOSS_PENDING: set(),
    State.EXITING: set(),
}


@dataclass
class SessionStateMachine:
    """Pure session lifecycle: feed states, get commands; history kept for diagnostics."""

    state: State = State.UNKNOWN
    running: bool = False  # between xrBeginSession and xrEndSession
    history: list[State] = field(default_factory=list)

    def on_state(self, new: State | int) -> Command:
        """Apply a runtime state change and return what the app must do.

        Raises XRError on a transition the spec does not allow (a runtime bug).
        """
        new = State(new)
        if new == State.LOSS_PENDING:
            self.state = new
            self.history.append(new)
            return Command.LOST
        if new != self.state and new not in _ALLOWED[self.state]:
            raise XRError(
                f"OpenXR runtime moved the session from {self.state.name} to {new.name}, which the spec does not allow"
            )
        self.state = new
        self.history.append(new)
        if new == State.READY:
            self.running = True
            return Command.BEGIN
        if new == State.STOPPING:
            self.running = False
            return Command.END
        if new == State.EXITING:
            return Command.EXIT
        return Command.NONE

    @property
    def should_render(self) -> bool:
        """Frames are submitted (xrWaitFrame ... xrEndFrame) while the session runs."""
        return self.running

    @property
    def visible(self) -> bool:
        return self.state in (State.VISIBLE, State.FOCUSED)

    @property
    def focused(self) -> bool:
        return self.state == State.FOCUSED


class XRSession:
    """An OpenXR session bound to a moderngl context; events drive its state machine."""

    def __init__(
        self, instance: XRInstance, ctx: moderngl.Context, reference: str = "stage"
    ) -> None:
        xr = require("xr", "xr", "OpenXR")

        from previzkit.xr.graphics import binding_for

        self._xr = xr
        self.instance = instance
        self.ctx = ctx
        self.machine = SessionStateMachine()
        self.exit_requested = False
        self.binding = binding_for(instance, ctx)
        with translated("creating the session"):
            self.handle = xr.create_session(
                instance.handle,
                xr.SessionCreateInfo(system_id=instance.system_id, next=self.binding.struct),
            )
        self.space_kind = ""
        self.space = self._reference_space(reference)
        self.view_space = xr.create_reference_space(
            self.handle,
            xr.ReferenceSpaceCreateInfo(reference_space_type=xr.ReferenceSpaceType.VIEW),
        )

    def _reference_space(self, wanted: str) -> Any:
        """STAGE (floor origin, set-aligned) if the runtime has it, else LOCAL."""
        xr = self._xr
        kinds = set(xr.enumerate_reference_spaces(self.handle))
        order = [xr.ReferenceSpaceType.STAGE, xr.ReferenceSpaceType.LOCAL]
        if wanted.lower() == "local":
            order.reverse()
        for kind in order:
            if kind in kinds:
                self.space_kind = xr.ReferenceSpaceType(kind).name
                return xr.create_reference_space(
                    self.handle,
                    xr.ReferenceSpaceCreateInfo(
                        reference_space_type=kind, pose_in_reference_space=xr.Posef()
                    ),
                )
        raise XRError(
            f"the OpenXR runtime offers neither STAGE nor LOCAL reference space (has {sorted(kinds)})"
        )

    # --- events ----------------------------------------------------------------

    def poll(self) -> list[Command]:
        """Drain xrPollEvent, update the state machine and carry out its commands."""
        xr = self._xr
        done: list[Command] = []
        while True:
            try:
                event = xr.poll_event(self.instance.handle)
            except xr.EventUnavailable:
                break
            kind = xr.StructureType(event.type)
            if kind == xr.StructureType.EVENT_DATA_INSTANCE_LOSS_PENDING:
                raise session_lost("the runtime is shutting down (instance loss pending)")
            if kind == xr.StructureType.EVENT_DATA_SESSION_STATE_CHANGED:
                changed = ctypes.cast(
                    ctypes.byref(event), ctypes.POINTER(xr.EventDataSessionStateChanged)
                ).contents
                command = self.machine.on_state(int(changed.state))
                log.debug("session state %s -> %s", State(int(changed.state)).name, command.value)
                self._carry_out(command)
                done.append(command)
        return done

    def _carry_out(self, command: Command) -> None:
        xr = self._xr
        if command == Command.BEGIN:
            with translated("beginning the session"):
                xr.begin_session(
                    self.handle,
                    xr.SessionBeginInfo(primary_view_configuration_type=self.instance.view_config),
                )
        elif command == Command.END:
            with translated("ending the session"):
                xr.end_session(self.handle)
        elif command == Command.LOST:
            raise session_lost("the runtime reported LOSS_PENDING")

    def request_exit(self) -> None:
        """Ask the runtime to stop the session (it walks STOPPING -> IDLE -> EXITING)."""
        if self.machine.running and not self.exit_requested:
            self.exit_requested = True
            with translated("requesting session exit"):
                self._xr.request_exit_session(self.handle)

    def end(self, max_polls: int = 200) -> list[State]:
        """End cleanly: request exit, poll until EXITING, return the states seen."""
        import time

        self.request_exit()
        for _ in range(max_polls):
            if self.machine.state in (State.EXITING, State.LOSS_PENDING):
                break
            if (
                not self.machine.running
                and self.machine.state in (State.IDLE, State.UNKNOWN)
                and not self.exit_requested
            ):
                break
            self.poll()
            time.sleep(0.005)
        return list(self.machine.history)

    def close(self) -> None:
        xr = self._xr
        for name in ("space", "view_space"):
            space = getattr(self, name, None)
            if space is not None:
                xr.destroy_space(space)
                setattr(self, name, None)
        if getattr(self, "handle", None) is not None:
            xr.destroy_session(self.handle)
            self.handle = None

    def __enter__(self) -> XRSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

"""The session lifecycle state machine (pure): commands per state, spec-illegal moves rejected."""

from __future__ import annotations

import pytest

from previzkit.core.errors import XRError
from previzkit.xr.session import Command, SessionStateMachine, State


def test_full_lifecycle_commands():
    m = SessionStateMachine()
    seq = [
        (State.IDLE, Command.NONE),
        (State.READY, Command.BEGIN),
        (State.SYNCHRONIZED, Command.NONE),
        (State.VISIBLE, Command.NONE),
        (State.FOCUSED, Command.NONE),
        (State.VISIBLE, Command.NONE),
        (State.SYNCHRONIZED, Command.NONE),
        (State.STOPPING, Command.END),
        (State.IDLE, Command.NONE),
        (State.EXITING, Command.EXIT),
    ]
    running = []
    for state, command in seq:
        assert m.on_state(state) == command
        running.append(m.should_render)
    assert running == [False, True, True, True, True, True, True, False, False, False]
    assert m.history == [s for s, _ in seq]


def test_focus_and_visibility():
    m = SessionStateMachine()
    for s in (State.IDLE, State.READY, State.SYNCHRONIZED):
        m.on_state(s)
    assert not m.visible and not m.focused
    m.on_state(State.VISIBLE)
    assert m.visible and not m.focused
    m.on_state(State.FOCUSED)
    assert m.visible and m.focused


def test_loss_pending_from_any_state_means_lost():
    m = SessionStateMachine()
    m.on_state(State.IDLE)
    m.on_state(State.READY)
    assert m.on_state(State.LOSS_PENDING) == Command.LOST
    assert m.state == State.LOSS_PENDING


def test_ints_from_the_runtime_are_accepted():
    m = SessionStateMachine()
    assert m.on_state(1) == Command.NONE and m.state == State.IDLE


@pytest.mark.parametrize(
    "path",
    [
        [State.IDLE, State.FOCUSED],  # skipping READY..VISIBLE
        [State.IDLE, State.READY, State.STOPPING],  # READY must synchronise first
        [State.IDLE, State.READY, State.SYNCHRONIZED, State.VISIBLE, State.FOCUSED, State.STOPPING],
    ],
)
def test_illegal_transition_names_both_states(path):
    m = SessionStateMachine()
    for s in path[:-1]:
        m.on_state(s)
    with pytest.raises(XRError, match=f"from {path[-2].name} to {path[-1].name}"):
        m.on_state(path[-1])


def test_unknown_state_value_is_rejected():
    with pytest.raises(ValueError):
        SessionStateMachine().on_state(42)

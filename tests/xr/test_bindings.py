"""Suggested bindings for khr/simple, Oculus Touch and Valve Index (data checks, no runtime).

The allowed component paths are the OpenXR 1.0 spec's lists for each profile (6.4).
"""

from __future__ import annotations

import pytest

from previzkit.xr.actions import ACTIONS, BINDINGS
from previzkit.xr.events import BUTTONS

NAMES = {a.name: a.kind for a in ACTIONS}
SIMPLE = "/interaction_profiles/khr/simple_controller"
TOUCH = "/interaction_profiles/oculus/touch_controller"
INDEX = "/interaction_profiles/valve/index_controller"
POSES = {"grip/pose", "aim/pose"}
SPEC: dict[str, dict[str, set[str]]] = {
    SIMPLE: {h: {"select/click", "menu/click", *POSES} for h in ("left", "right")},
    TOUCH: {
        "left": {"x/click", "x/touch", "y/click", "y/touch", "menu/click"},
        "right": {"a/click", "a/touch", "b/click", "b/touch", "system/click"},
    },
    INDEX: {
        h: {
            *(f"{b}/{c}" for b in ("system", "a", "b") for c in ("click", "touch")),
            "squeeze/value",
            "squeeze/force",
            "trigger/click",
            "trigger/value",
            "trigger/touch",
            "thumbstick",
            "thumbstick/click",
            "thumbstick/touch",
            "trackpad",
            "trackpad/force",
            "trackpad/touch",
            *POSES,
        }
        for h in ("left", "right")
    },
}
for _hand in ("left", "right"):
    SPEC[TOUCH][_hand] |= {
        "squeeze/value",
        "trigger/value",
        "trigger/touch",
        "thumbstick",
        "thumbstick/click",
        "thumbstick/touch",
        "thumbrest/touch",
        *POSES,
    }
KIND_OF = {"pose": {"pose"}, "vector2f": {"thumbstick", "trackpad"}}


@pytest.mark.parametrize("profile", sorted(BINDINGS))
def test_every_binding_is_a_known_action_on_a_path_the_spec_lists(profile):
    for action, path in BINDINGS[profile]:
        assert action in NAMES, (profile, action)
        hand, component = path.removeprefix("/user/hand/").split("/input/")
        assert component in SPEC[profile][hand], (profile, path)
        kind = NAMES[action]
        last = component.rsplit("/", 1)[-1]
        if kind in KIND_OF:
            assert last in KIND_OF[kind], (profile, action, path)
        else:  # boolean: a click, or a value the runtime thresholds
            assert last in {"click", "value"}, (profile, action, path)


@pytest.mark.parametrize("profile", sorted(BINDINGS))
def test_each_profile_reaches_every_tool(profile):
    bound = {a for a, _ in BINDINGS[profile]}
    # Every tool through use/next; marks through grab; the camera view; poses.
    assert {"aim", "grip", "use_tool", "next_tool", "grab", "look_through"} <= bound


def test_simple_controller_binds_its_two_buttons_per_hand():
    assert {(a, p.rsplit("/input/", 1)[1]) for a, p in BINDINGS[SIMPLE] if "pose" not in p} == {
        ("use_tool", "select/click"),
        ("next_tool", "menu/click"),
        ("grab", "select/click"),
        ("look_through", "menu/click"),
    }


@pytest.mark.parametrize("profile", [TOUCH, INDEX])
def test_rich_controllers_bind_every_button_and_the_sticks(profile):
    bound = {a for a, _ in BINDINGS[profile]}
    assert set(BUTTONS) | {"move", "lens"} <= bound


def test_index_layout():
    got = dict((p.removeprefix("/user/hand/"), a) for a, p in BINDINGS[INDEX] if "pose" not in p)
    assert got == {
        "left/input/trigger/click": "use_tool",
        "left/input/a/click": "alt_tool",
        "left/input/b/click": "next_tool",
        "left/input/squeeze/value": "handheld",
        "left/input/thumbstick/click": "undo",
        "left/input/thumbstick": "move",
        "right/input/squeeze/value": "grab",
        "right/input/trigger/click": "select",
        "right/input/a/click": "take",
        "right/input/b/click": "look_through",
        "right/input/thumbstick/click": "redo",
        "right/input/thumbstick": "lens",
        "right/input/trackpad": "focus",
    }


def test_no_input_path_is_bound_twice_in_a_profile():
    for profile, pairs in BINDINGS.items():
        paths = [p for _, p in pairs]
        assert len(paths) == len(set(paths)), profile


def test_every_button_action_is_an_event_button():
    assert {a.name for a in ACTIONS if a.kind == "boolean"} == set(BUTTONS)

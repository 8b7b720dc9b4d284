"""Suggested bindings for khr/simple, Oculus Touch and Valve Index (data checks, no runtime)."""

from __future__ import annotations

import re

import pytest

from previzkit.xr.actions import ACTIONS, BINDINGS
from previzkit.xr.events import BUTTONS

NAMES = {a.name for a in ACTIONS}
PATH = re.compile(r"^/user/hand/(left|right)/input/[a-z_]+(/(click|value|pose|touch))?$")


@pytest.mark.parametrize("profile", sorted(BINDINGS))
def test_every_binding_names_a_known_action_and_a_well_formed_path(profile):
    for action, path in BINDINGS[profile]:
        assert action in NAMES, (profile, action)
        assert PATH.match(path), (profile, path)


@pytest.mark.parametrize("profile", sorted(BINDINGS))
def test_each_profile_reaches_every_function(profile):
    bound = {a for a, _ in BINDINGS[profile]}
    # Tools (teleport, camera, lens, take) through use/next; marks; look-through; poses.
    assert {"aim", "grip", "use_tool", "next_tool", "grab_mark", "look_through"} <= bound


def test_simple_controller_uses_only_its_inputs():
    for _, path in BINDINGS["/interaction_profiles/khr/simple_controller"]:
        assert path.rsplit("/input/", 1)[1] in {
            "select/click",
            "menu/click",
            "aim/pose",
            "grip/pose",
        }


@pytest.mark.parametrize(
    "profile",
    [
        "/interaction_profiles/oculus/touch_controller",
        "/interaction_profiles/valve/index_controller",
    ],
)
def test_rich_controllers_have_direct_buttons_and_sticks(profile):
    bound = {a for a, _ in BINDINGS[profile]}
    assert {"take", "place_camera", "move", "lens"} <= bound


def test_no_input_path_is_bound_twice_in_a_profile():
    for profile, pairs in BINDINGS.items():
        paths = [p for _, p in pairs]
        assert len(paths) == len(set(paths)), profile


def test_every_button_action_is_an_event_button():
    assert {a.name for a in ACTIONS if a.kind == "boolean"} == set(BUTTONS)

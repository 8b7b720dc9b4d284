"""A scripted session (an input script file) replayed through Monado's remote driver:
two Index controllers press real buttons, the runtime's action system binds them, and
previzkit's mapper turns them into the blocking session's events."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.xr.input_script import InputFrame, write_input_script
from previzkit.xr.monado_remote import free_port, remote_env

pytestmark = [pytest.mark.xr, pytest.mark.gl, pytest.mark.slow]

RATE = 20.0  # the null compositor's frame rate: one script frame per rendered frame
DOWN = (math.sin(-math.pi / 8), 0.0, 0.0, math.cos(-math.pi / 8))  # pitched 45 deg down
HANDHELD = range(88, 100)
# (first frame, last frame + 1, what is held / pushed); each press lasts a few frames.
PRESSES = [
    (10, 16, {"buttons": ["use_tool"]}),  # teleport (the first tool)
    (20, 26, {"buttons": ["take"]}),  # start a take
    (30, 44, {"buttons": ["grab"]}),  # drop a mark, drag it (the hand moves from 36)
    (48, 54, {"buttons": ["next_tool"]}),  # -> mark
    (56, 62, {"buttons": ["next_tool"]}),  # -> camera
    (64, 70, {"buttons": ["use_tool"]}),  # place the camera
    (72, 78, {"buttons": ["look_through"]}),
    (80, 86, {"lens": (0.0, 1.0)}),  # next lens
    (HANDHELD.start, HANDHELD.stop, {"buttons": ["handheld"]}),  # the left hand moves
    (104, 110, {"buttons": ["take"]}),  # stop the take
    (112, 118, {"buttons": ["select"]}),  # point at the dragged mark
    (120, 126, {"buttons": ["redo"]}),
    (128, 134, {"buttons": ["undo"]}),
    (136, 142, {"focus": 1.0}),  # right trackpad up: focus further
    (144, 150, {"lens": (1.0, 0.0)}),  # right stick right: snap turn
]
END = 156


def _hand(x, y=1.3):
    return (x, y, -0.3, *DOWN)


def script_frames() -> list[InputFrame]:
    frames = []
    for f in range(END):
        held: dict = {"buttons": []}
        for start, stop, what in PRESSES:
            if start <= f < stop:
                held = {**held, **what, "buttons": held["buttons"] + what.get("buttons", [])}
        right = _hand(0.2 + 0.05 * min(max(f - 35, 0), 8) if 30 <= f < 44 or f >= 112 else 0.2)
        left = _hand(-0.2, 1.3 + 0.02 * (f - HANDHELD.start) if f in HANDHELD else 1.3)
        frames.append(
            InputFrame(
                t=f / RATE,
                head=(0.0, 1.6, 0.0, 0.0, 0.0, 0.0, 1.0),
                left_aim=left,
                left_grip=left,
                right_aim=right,
                right_grip=right,
                buttons=frozenset(held["buttons"]),
                lens=held.get("lens", (0.0, 0.0)),
                focus=held.get("focus", 0.0),
            )
        )
    return frames


@pytest.fixture(scope="module")
def remote_run(xr_env, scenario, tmp_path_factory):
    port = free_port()
    tmp = tmp_path_factory.mktemp("xr-remote")
    env = dict(xr_env)
    env.update(remote_env(tmp / "monado-config", port))
    env["PREVIZKIT_REMOTE_PORT"] = str(port)
    env["PREVIZKIT_INPUT_SCRIPT"] = str(write_input_script(tmp / "in.jsonl", script_frames(), RATE))
    return scenario("remote", env, tmp / "out")


def _of(run, kind):
    return [e for e in run["events"] if e["type"] == kind]


def test_index_profile_is_bound(remote_run):
    assert remote_run["system"] == "Monado: Remote HMD"
    assert set(remote_run["profiles"].values()) == {"/interaction_profiles/valve/index_controller"}


def test_remote_aim_pose_is_the_controller_pose(remote_run):
    # Monado 25's remote driver reports one pose for grip and aim: no offset.
    np.testing.assert_allclose(remote_run["grip_from_aim"], np.eye(4), atol=1e-5)


def test_trigger_teleports_to_where_the_left_hand_points(remote_run):
    (tele,) = _of(remote_run, "Teleport")
    x, y, z = tele["target"]
    # Left hand at (-0.2, 1.3, -0.3) pitched 45 degrees down: floor hit 1.3 m ahead.
    assert y == 0.0 and x == pytest.approx(-0.2, abs=0.05) and z == pytest.approx(-1.6, abs=0.05)
    assert remote_run["world_from_space"][2][3] != 0.0  # the reference space moved


def test_take_starts_and_stops(remote_run):
    assert [e["recording"] for e in _of(remote_run, "TakeToggled")] == [True, False]


def test_grab_drops_a_mark_and_drags_it(remote_run):
    (placed,) = _of(remote_run, "MarkPlaced")
    moved = [e for e in _of(remote_run, "MarkMoved") if e["name"] == placed["name"]]
    assert moved and moved[-1]["final"] is True and sum(e["final"] for e in moved) == 1
    assert moved[-1]["position"][0] == pytest.approx(placed["position"][0] + 0.4, abs=0.05)


def test_next_tool_then_use_places_the_camera_then_look_through_and_lens(remote_run):
    assert [e["tool"] for e in _of(remote_run, "ToolChanged")] == ["mark", "camera"]
    types = [e["type"] for e in remote_run["events"]]
    assert types.index("CameraPlaced") < types.index("LookThrough") < types.index("LensChanged")
    assert _of(remote_run, "LookThrough")[0]["active"] is True
    assert [e["lens"] for e in _of(remote_run, "LensChanged")] == [50.0]


def test_handheld_moves_the_camera_every_frame_while_held(remote_run):
    moves = [e for e in _of(remote_run, "CameraMoved") if e["name"] is None]
    # One per rendered frame while held (give or take the driver's one-frame latency).
    assert len(HANDHELD) - 2 <= len(moves) <= len(HANDHELD) + 2
    assert [e["final"] for e in moves] == [False] * (len(moves) - 1) + [True]
    heights = [e["camera_to_world"][1][3] for e in moves]
    assert heights[-1] > heights[0] + 0.15  # followed the left hand up


def test_select_undo_redo_focus_and_turn(remote_run):
    (placed,) = _of(remote_run, "MarkPlaced")
    assert [e["key"] for e in _of(remote_run, "Selected")] == [f"mark/{placed['name']}"]
    types = [e["type"] for e in remote_run["events"]]
    assert types.count("Redo") == 1 and types.count("Undo") == 1
    assert types.index("Redo") < types.index("Undo")
    assert [e["lens_focus_m"] for e in _of(remote_run, "FocusChanged")] == [5.0]
    assert [e["yaw"] for e in _of(remote_run, "Turn")] == [pytest.approx(-math.pi / 6)]


def test_session_ends_cleanly_after_input(remote_run):
    assert remote_run["states"][-3:] == ["STOPPING", "IDLE", "EXITING"]

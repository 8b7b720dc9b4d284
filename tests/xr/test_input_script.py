"""Scripted sessions: the JSON Lines input script format (no runtime)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.core.geometry import pose_matrix
from previzkit.xr.events import ControllerInput
from previzkit.xr.input_script import (
    DEFAULT_HEAD,
    InputFrame,
    InputRecorder,
    pose7,
    read_input_script,
    write_input_script,
)

YAW90 = (0.0, math.sin(math.pi / 4), 0.0, math.cos(math.pi / 4))
HEAD = (0.0, 1.6, 0.0, *YAW90)
HAND = (0.2, 1.2, -0.3, 0.0, 0.0, 0.0, 1.0)


def frames():
    return [
        InputFrame(t=0.0, head=HEAD),
        InputFrame(
            t=0.05,
            head=HEAD,
            left_aim=HAND,
            left_grip=HAND,
            right_grip=HAND,
            buttons=frozenset({"grab", "use_tool"}),
            move=(0.0, 1.0),
            lens=(-1.0, 0.5),
            focus=0.25,
        ),
        InputFrame(t=0.1),
    ]


def test_write_then_read_round_trips(tmp_path):
    path = write_input_script(tmp_path / "s.jsonl", frames(), 20.0)
    lines = path.read_text().splitlines()
    assert json.loads(lines[0]) == {"previzkit_input": 1, "rate_hz": 20.0}
    assert json.loads(lines[3]) == {"t": 0.1}  # untracked, nothing held: only t
    script = read_input_script(path)
    assert script.frames == tuple(frames()) and script.rate_hz == 20.0
    assert script.duration == 0.1


def test_at_gives_the_latest_frame_at_or_before_t(tmp_path):
    script = read_input_script(write_input_script(tmp_path / "s.jsonl", frames(), 20.0))
    assert script.at(0.07).buttons == {"grab", "use_tool"}
    assert script.at(0.05) is script.frames[1]
    assert script.at(5.0) is script.frames[2]
    assert script.at(-1.0) == InputFrame(t=-1.0)
    np.testing.assert_allclose(script.head_at(0.2), pose_matrix(HEAD[:3], YAW90))  # last tracked
    np.testing.assert_allclose(script.head_at(-1.0), DEFAULT_HEAD)


def test_controller_input_moves_every_pose_into_the_world():
    f = frames()[1]
    wfs = pose_matrix((1.0, 0.0, -2.0), YAW90)
    inp = f.controller_input(wfs, 3.0)
    assert inp.time == 3.0 and inp.buttons == {"grab": True, "use_tool": True}
    assert inp.move == (0.0, 1.0) and (inp.turn_stick, inp.lens_stick) == (-1.0, 0.5)
    assert inp.focus_stick == 0.25 and inp.right_aim is None
    np.testing.assert_allclose(inp.left_grip, wfs @ pose_matrix(HAND[:3]))
    np.testing.assert_allclose(inp.head, wfs @ f.head_pose())


def test_recorder_writes_space_poses_that_replay_to_the_same_input(tmp_path):
    wfs = pose_matrix((1.0, 0.0, -2.0), YAW90)
    live = frames()[1].controller_input(wfs, 0.5)
    with InputRecorder(tmp_path / "rec.jsonl", 90.0) as rec:
        rec.write(live, wfs)
        rec.write(live, wfs)  # same time: skipped
    script = read_input_script(tmp_path / "rec.jsonl")
    assert len(script.frames) == 1 and script.rate_hz == 90.0
    again = script.at(0.5).controller_input(wfs, 0.5)
    for name in ("head", "left_aim", "left_grip", "right_grip"):
        np.testing.assert_allclose(getattr(again, name), getattr(live, name), atol=1e-9)
    assert again.buttons == live.buttons and again.move == live.move
    assert pose7(pose_matrix(HAND[:3])) == pytest.approx(HAND)


def test_recorder_ignores_unknown_and_released_buttons(tmp_path):
    with InputRecorder(tmp_path / "rec.jsonl", 30.0) as rec:
        rec.write(ControllerInput(time=0.0, buttons={"grab": False, "take": True}), np.eye(4))
    assert read_input_script(tmp_path / "rec.jsonl").frames[0].buttons == {"take"}


HEADER = '{"previzkit_input": 1, "rate_hz": 20}'


@pytest.mark.parametrize(
    "text, line, problem",
    [
        ("", None, "header"),
        ('{"t": 0}', 1, "first line must be the header"),
        ('{"previzkit_input": 2, "rate_hz": 20}', 1, "format version 2"),
        ('{"previzkit_input": 1, "rate_hz": 0}', 1, "rate_hz"),
        (HEADER + "\n{not json", 2, "Expecting property name"),
        (HEADER + '\n{"t": 0, "buttons": ["jump"]}', 2, "unknown buttons ['jump']"),
        (HEADER + '\n{"t": 0, "head": [0, 1, 2]}', 2, '"head" must be a list of 7 numbers'),
        (HEADER + '\n{"t": 0, "left": {"aim": [0,0,0,0,0,0,0]}}', 2, "zero quaternion"),
        (HEADER + '\n{"t": 0, "right": {"palm": []}}', 2, '"right" must be an object'),
        (HEADER + '\n{"t": 0, "move": [0, 2]}', 2, '"move" must be in [-1, 1]'),
        (HEADER + '\n{"head": [0,0,0,0,0,0,1]}', 2, 'missing "t"'),
        (HEADER + '\n{"t": 0, "hands": 1}', 2, "unknown keys ['hands']"),
        (HEADER + '\n{"t": 0.1}\n\n{"t": 0.1}', 4, "is not after the previous"),
    ],
)
def test_bad_scripts_give_one_error_naming_file_line_and_problem(tmp_path, text, line, problem):
    path = tmp_path / "bad.jsonl"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        read_input_script(path)
    msg = str(info.value)
    assert str(path) in msg and problem in msg and "\n" not in msg
    if line is not None:
        assert f"line {line}:" in msg


def test_missing_file_and_bad_writes_are_named(tmp_path):
    with pytest.raises(InputError, match=r"nope\.jsonl: cannot read"):
        read_input_script(tmp_path / "nope.jsonl")
    with pytest.raises(InputError, match="increasing t"):
        write_input_script(tmp_path / "s.jsonl", [InputFrame(t=1.0), InputFrame(t=0.5)], 20.0)
    with pytest.raises(InputError, match="rate_hz"):
        InputRecorder(tmp_path / "r.jsonl", 0.0)

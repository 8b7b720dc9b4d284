"""Controller input -> stage events (pure)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.core.geometry import pose_matrix
from previzkit.xr.events import (
    CameraPlaced,
    ControllerInput,
    InteractionMapper,
    LensChanged,
    LookThrough,
    MarkMoved,
    MarkPlaced,
    Move,
    TakeToggled,
    Teleport,
    ToolChanged,
    floor_hit,
)

DOWN45 = (math.sin(-math.pi / 8), 0.0, 0.0, math.cos(-math.pi / 8))


def aim(x=0.0, y=1.0, z=0.0, q=DOWN45):
    return pose_matrix((x, y, z), q)


def frame(t, left=None, right=None, move=(0.0, 0.0), lens=0.0, head=None, **buttons):
    return ControllerInput(
        time=t,
        buttons=buttons,
        move=move,
        lens_stick=lens,
        left_aim=left,
        right_aim=right,
        head=head,
    )


def test_floor_hit_of_a_45_degree_ray():
    hit = floor_hit(aim(0.5, 1.0, 0.0))
    assert hit == pytest.approx((0.5, 0.0, -1.0))


@pytest.mark.parametrize("q", [(0, 0, 0, 1), (math.sin(math.pi / 8), 0, 0, math.cos(math.pi / 8))])
def test_floor_hit_none_when_not_pointing_down(q):
    assert floor_hit(aim(q=q)) is None
    assert floor_hit(None) is None


def test_use_tool_teleports_on_press_only():
    m = InteractionMapper()
    (ev,) = m.update(frame(0.0, left=aim(), use_tool=True))
    assert isinstance(ev, Teleport) and ev.target == pytest.approx((0.0, 0.0, -1.0))
    assert m.update(frame(0.1, left=aim(), use_tool=True)) == []  # held: no repeat
    m.update(frame(0.2, left=aim()))
    assert len(m.update(frame(0.3, left=aim(), use_tool=True))) == 1


def test_next_tool_cycles_and_use_applies_each_tool():
    m = InteractionMapper(lens=None)
    got = []
    t = 0.0
    for _ in range(4):
        t += 0.1
        got += m.update(frame(t, left=aim(), next_tool=True))
        t += 0.1
        got += m.update(frame(t, left=aim()))
        t += 0.1
        got += m.update(frame(t, left=aim(), use_tool=True))
        t += 0.1
        m.update(frame(t, left=aim()))
    kinds = [type(e) for e in got]
    assert kinds == [
        ToolChanged,
        CameraPlaced,
        ToolChanged,
        LensChanged,
        ToolChanged,
        TakeToggled,
        ToolChanged,
        Teleport,
    ]
    assert [e.tool for e in got if isinstance(e, ToolChanged)] == [
        "camera",
        "lens",
        "take",
        "teleport",
    ]


def test_grab_near_a_mark_moves_it_and_release_is_final():
    m = InteractionMapper(marks={"A": (0.0, -1.0)})
    assert m.update(frame(0.0, right=aim(0.1, 1.0, 0.0), grab_mark=True)) == []
    ev = m.update(frame(0.1, right=aim(0.6, 1.0, 0.0), grab_mark=True))
    assert ev == [MarkMoved("A", pytest.approx((0.6, -1.0)))]
    ev = m.update(frame(0.2, right=aim(0.6, 1.0, 0.0)))
    assert ev == [MarkMoved("A", pytest.approx((0.6, -1.0)), final=True)]
    assert m.marks["A"] == pytest.approx((0.6, -1.0))


def test_grab_on_empty_floor_drops_a_new_mark():
    m = InteractionMapper(marks={"A": (5.0, 5.0), "mark2": (9.0, 9.0)})
    ev = m.update(frame(0.0, right=aim(0.0, 1.0, 0.0), grab_mark=True))
    assert ev == [MarkPlaced("mark3", pytest.approx((0.0, -1.0)))]


def test_look_through_needs_a_placed_camera():
    m = InteractionMapper()
    assert m.update(frame(0.0, look_through=True)) == []
    m.update(frame(0.1))
    placed = m.update(frame(0.2, left=aim(), place_camera=True))
    assert isinstance(placed[0], CameraPlaced) and placed[0].lens.focal_mm == 35.0
    np.testing.assert_allclose(placed[0].camera_to_world, aim())
    assert m.update(frame(0.3, look_through=True)) == [LookThrough(True)]
    m.update(frame(0.4))
    assert m.update(frame(0.5, look_through=True)) == [LookThrough(False)]


def test_lens_stick_steps_once_per_push():
    m = InteractionMapper()
    assert [e.lens.focal_mm for e in m.update(frame(0.0, lens=1.0))] == [50.0]
    assert m.update(frame(0.1, lens=0.9)) == []
    m.update(frame(0.2, lens=0.0))
    assert [e.lens.focal_mm for e in m.update(frame(0.3, lens=-1.0))] == [35.0]


def test_take_button_toggles():
    m = InteractionMapper()
    assert m.update(frame(0.0, take=True)) == [TakeToggled(True)]
    m.update(frame(0.1))
    assert m.update(frame(0.2, take=True)) == [TakeToggled(False)]


def test_stick_moves_along_head_heading_scaled_by_time():
    m = InteractionMapper(move_speed=2.0)
    head = pose_matrix(
        (0, 1.6, 0), (0.0, math.sin(math.pi / 4), 0.0, math.cos(math.pi / 4))
    )  # facing -x
    m.update(frame(0.0, move=(0.0, 1.0), head=head))
    (ev,) = m.update(frame(0.5, move=(0.0, 1.0), head=head))
    assert isinstance(ev, Move) and ev.delta == pytest.approx((-1.0, 0.0, 0.0))
    assert m.update(frame(1.0, move=(0.05, 0.05), head=head)) == []  # deadzone


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lenses_mm": ()}, "lenses_mm"),
        ({"lenses_mm": (35, -1)}, "lenses_mm"),
        ({"grab_radius": 0}, "grab_radius"),
        ({"deadzone": 1.5}, "deadzone"),
    ],
)
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(InputError, match=match):
        InteractionMapper(**kwargs)

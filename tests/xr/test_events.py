"""Controller input -> blocking-session events (pure: no runtime, no GL)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.core.geometry import pose_matrix
from previzkit.model.camera import Lens
from previzkit.xr.events import (
    TOOLS,
    Assigned,
    Bookmarked,
    BookmarkJump,
    CameraMoved,
    CameraPlaced,
    ControllerInput,
    Deleted,
    Duplicated,
    FocusChanged,
    InteractionMapper,
    LensChanged,
    LookThrough,
    MarkMoved,
    MarkPlaced,
    Measured,
    Move,
    PropMoved,
    Redo,
    SaveRequested,
    Selected,
    ShotStep,
    Snapshot,
    TakeToggled,
    Teleport,
    ToolChanged,
    Turn,
    Undo,
    floor_hit,
)

DOWN45 = (math.sin(-math.pi / 8), 0.0, 0.0, math.cos(-math.pi / 8))
LEVEL = (0.0, 0.0, 0.0, 1.0)


def aim(x=0.0, y=1.0, z=0.0, q=DOWN45):
    return pose_matrix((x, y, z), q)


def frame(t, left=None, right=None, move=(0.0, 0.0), lens=0.0, head=None, **kw):
    """ControllerInput; keyword names of BUTTONS are held, other keywords are fields."""
    fields = {k: kw.pop(k) for k in list(kw) if k in ControllerInput.__dataclass_fields__}
    return ControllerInput(
        time=t,
        buttons=kw,
        move=move,
        lens_stick=lens,
        left_aim=left,
        right_aim=right,
        head=head,
        **fields,
    )


def with_tool(tool, **kw):
    m = InteractionMapper(**kw)
    m.tool = tool
    return m


def test_floor_hit_of_a_45_degree_ray():
    assert floor_hit(aim(0.5, 1.0, 0.0)) == pytest.approx((0.5, 0.0, -1.0))


@pytest.mark.parametrize("q", [LEVEL, (math.sin(math.pi / 8), 0, 0, math.cos(math.pi / 8))])
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


def test_next_tool_cycles_every_tool_and_wraps():
    m = InteractionMapper()
    got = []
    for i in range(len(TOOLS)):
        got += m.update(frame(2 * i, next_tool=True))
        m.update(frame(2 * i + 1))
    assert [e.tool for e in got] == [*TOOLS[1:], TOOLS[0]]
    assert all(isinstance(e, ToolChanged) for e in got)


def test_mark_tool_drops_a_mark_at_the_left_aim():
    m = with_tool("mark", marks={"mark1": (5.0, 5.0)})
    assert m.update(frame(0.0, left=aim(1.0), use_tool=True)) == [
        MarkPlaced("mark2", pytest.approx((1.0, -1.0)))
    ]
    assert "mark2" in m.marks


def test_camera_tool_places_the_camera_and_alt_steps_the_shot():
    m = with_tool("camera")
    (placed,) = m.update(frame(0.0, left=aim(), use_tool=True))
    assert isinstance(placed, CameraPlaced) and placed.lens.focal_mm == 35.0
    np.testing.assert_allclose(placed.camera_to_world, aim())
    np.testing.assert_allclose(m.camera, aim())
    assert m.update(frame(0.1, alt_tool=True)) == [ShotStep(1)]


def test_measure_press_to_release_reports_each_frame_and_a_final():
    m = with_tool("measure")
    (a,) = m.update(frame(0.0, left=aim(0.0), use_tool=True))
    assert isinstance(a, Measured) and a.distance == pytest.approx(0.0)
    (b,) = m.update(frame(0.1, left=aim(3.0), use_tool=True))
    assert b.a == pytest.approx((0.0, 0.0, -1.0)) and b.b == pytest.approx((3.0, 0.0, -1.0))
    assert not b.final and b.distance == pytest.approx(3.0)
    (c,) = m.update(frame(0.2, left=aim(9.0)))
    assert c.final and c.b == pytest.approx((3.0, 0.0, -1.0))
    assert m.update(frame(0.3, left=aim(9.0))) == []


def test_measure_uses_the_hand_when_the_aim_misses_the_floor():
    m = with_tool("measure")
    m.update(frame(0.0, left=aim(0.0), use_tool=True))
    (ev,) = m.update(frame(0.1, left=aim(0.0, 1.5, -1.0, q=LEVEL), use_tool=True))
    assert ev.b == pytest.approx((0.0, 1.5, -1.0)) and ev.height == pytest.approx(1.5)


def test_bookmark_tool_bookmarks_the_head_and_alt_jumps():
    head = pose_matrix((1.0, 1.6, 2.0))
    m = with_tool("bookmark")
    (ev,) = m.update(frame(0.0, head=head, use_tool=True))
    assert isinstance(ev, Bookmarked)
    np.testing.assert_allclose(ev.head, head)
    assert m.update(frame(0.1, alt_tool=True)) == [BookmarkJump(1)]


@pytest.mark.parametrize("tool, event", [("snapshot", Snapshot()), ("save", SaveRequested())])
def test_snapshot_and_save(tool, event):
    assert with_tool(tool).update(frame(0.0, use_tool=True)) == [event]


def test_select_picks_the_object_the_right_hand_points_at():
    props = {"crate": pose_matrix((0.0, 1.0, -3.0))}
    m = InteractionMapper(marks={"A": (0.0, -1.0)}, props=props)
    assert m.update(frame(0.0, right=aim(), select=True)) == [Selected("mark/A")]
    m.update(frame(0.1))
    level = aim(0.1, 1.0, 0.0, q=LEVEL)
    assert m.update(frame(0.2, right=level, select=True)) == [Selected("prop/crate")]
    m.update(frame(0.3))
    away = aim(0.0, 1.0, 0.0, q=(0.0, 1.0, 0.0, 0.0))  # facing +z
    assert m.update(frame(0.4, right=away, select=True)) == [Selected(None)]
    assert m.selected is None


def test_assign_duplicate_delete_act_on_the_selection():
    m = InteractionMapper(
        marks={"A": (0.0, -1.0)},
        props={"crate": pose_matrix((0.0, 1.0, -3.0))},
        characters=["ANNA", "BEN"],
    )
    m.tool = "assign"
    assert m.update(frame(0.0, use_tool=True)) == []  # nothing selected
    m.selected = "mark/A"
    m.update(frame(0.1))
    assert m.update(frame(0.2, use_tool=True)) == [Assigned("A", "ANNA")]
    m.update(frame(0.3))
    assert m.update(frame(0.4, use_tool=True)) == [Assigned("A", "BEN")]
    m.tool = "duplicate"
    m.update(frame(0.5))
    assert m.update(frame(0.6, use_tool=True)) == []  # a mark is not duplicated
    m.selected = "prop/crate"
    m.update(frame(0.7))
    assert m.update(frame(0.8, use_tool=True)) == [Duplicated("prop/crate")]
    m.tool = "delete"
    m.update(frame(0.9))
    assert m.update(frame(1.0, use_tool=True)) == [Deleted("prop/crate")]
    assert m.selected is None and "crate" not in m.props


def test_grab_near_a_mark_moves_it_and_release_is_final():
    m = InteractionMapper(marks={"A": (0.0, -1.0)})
    assert m.update(frame(0.0, right=aim(0.1, 1.0, 0.0), grab=True)) == []
    assert m.held == "mark/A"
    ev = m.update(frame(0.1, right=aim(0.6, 1.0, 0.0), grab=True))
    assert ev == [MarkMoved("A", pytest.approx((0.6, -1.0)))]
    ev = m.update(frame(0.2, right=aim(2.0, 1.0, 0.0)))  # let go where last held
    assert ev == [MarkMoved("A", pytest.approx((0.6, -1.0)), final=True)]
    assert m.marks["A"] == pytest.approx((0.6, -1.0)) and m.held is None


def test_grab_on_empty_floor_drops_a_new_mark_and_drags_it():
    m = InteractionMapper(marks={"A": (5.0, 5.0), "mark2": (9.0, 9.0)})
    ev = m.update(frame(0.0, right=aim(0.0, 1.0, 0.0), grab=True))
    assert ev == [MarkPlaced("mark3", pytest.approx((0.0, -1.0)))]
    ev = m.update(frame(0.1, right=aim(1.0, 1.0, 0.0), grab=True))
    assert ev == [MarkMoved("mark3", pytest.approx((1.0, -1.0)))]


def test_grab_carries_a_prop_rigidly_with_the_hand():
    prop = pose_matrix((0.0, 1.0, -0.5))
    m = InteractionMapper(props={"crate": prop}, prop_radius={"crate": 0.3})
    hand = pose_matrix((0.0, 1.2, -0.1))  # 0.45 m from the origin: within 0.3 + 0.15
    assert m.update(frame(0.0, right=aim(), right_grip=hand, grab=True)) == []
    assert m.held == "prop/crate"
    turn = pose_matrix((1.0, 1.2, -0.1), (0.0, math.sin(math.pi / 4), 0.0, math.cos(math.pi / 4)))
    (ev,) = m.update(frame(0.1, right=aim(), right_grip=turn, grab=True))
    assert isinstance(ev, PropMoved) and not ev.final
    expected = turn @ np.linalg.inv(hand) @ prop  # hand-relative transform kept
    np.testing.assert_allclose(ev.world_from_prop, expected, atol=1e-12)
    (end,) = m.update(frame(0.2, right=aim(), right_grip=hand))  # let go: stays put
    assert end.final and end.name == "crate"
    np.testing.assert_allclose(m.props["crate"], expected, atol=1e-12)


def test_grab_reaches_a_long_wall_by_its_box_not_its_radius():
    """A 12 m wall (a kit part) 3 m ahead is not grabbed, its end beside the hand is;
    the floor in front gets a mark instead of the wall."""
    wall = pose_matrix((0.0, 0.0, -3.0))
    box = (np.array([-6.0, 0.0, -0.15]), np.array([6.0, 1.8, 0.15]))
    m = InteractionMapper(props={"wall": wall}, prop_radius={"wall": 6.3})
    m.prop_bounds = {"wall": box}
    m.update(
        frame(0.0, right=aim(0.0, 1.0, 0.0), right_grip=pose_matrix((0.0, 1.2, 0.0)), grab=True)
    )
    assert m.held == "mark/mark1"
    m = InteractionMapper(props={"wall": wall}, prop_radius={"wall": 6.3})
    m.prop_bounds = {"wall": box}
    m.update(frame(0.0, right=aim(), right_grip=pose_matrix((5.9, 1.0, -2.8)), grab=True))
    assert m.held == "prop/wall"


def test_grab_prefers_the_nearest_and_carries_cameras():
    cam = pose_matrix((0.0, 1.2, 0.0))
    m = InteractionMapper(
        marks={"A": (0.0, -1.0)},
        props={"far": pose_matrix((0.5, 1.2, 0.0))},
        cameras={"1-A": cam},
    )
    hand = pose_matrix((0.05, 1.2, 0.0))
    m.update(frame(0.0, right=aim(), right_grip=hand, grab=True))
    assert m.held == "camera/1-A"
    moved = pose_matrix((0.05, 1.5, 0.0))
    (ev,) = m.update(frame(0.1, right=aim(), right_grip=moved, grab=True))
    assert isinstance(ev, CameraMoved) and ev.name == "1-A"
    assert ev.camera_to_world[1, 3] == pytest.approx(1.5)


def test_handheld_moves_the_current_camera_every_frame_while_held():
    m = InteractionMapper()
    grips = [pose_matrix((0.0, 1.0 + 0.1 * i, 0.0)) for i in range(3)]
    evs = [m.update(frame(0.1 * i, left_grip=g, handheld=True)) for i, g in enumerate(grips)]
    assert all(len(e) == 1 and isinstance(e[0], CameraMoved) for e in evs)
    assert [e[0].name for e in evs] == [None] * 3 and not any(e[0].final for e in evs)
    np.testing.assert_allclose(evs[-1][0].camera_to_world, grips[-1])
    (end,) = m.update(frame(0.4, left_grip=grips[0]))  # let go: stays where last held
    assert end.final
    np.testing.assert_allclose(end.camera_to_world, grips[-1])
    np.testing.assert_allclose(m.camera, grips[-1])
    assert m.update(frame(0.5, left_grip=grips[0])) == []


def test_look_through_needs_a_camera():
    m = InteractionMapper()
    assert m.update(frame(0.0, look_through=True)) == []
    m.tool = "camera"
    m.update(frame(0.1))
    m.update(frame(0.2, left=aim(), use_tool=True))
    assert m.update(frame(0.3, look_through=True)) == [LookThrough(True)]
    m.update(frame(0.4))
    assert m.update(frame(0.5, look_through=True)) == [LookThrough(False)]


def test_lens_stick_steps_once_per_push():
    m = InteractionMapper()
    assert [e.lens.focal_mm for e in m.update(frame(0.0, lens=1.0))] == [50.0]
    assert m.update(frame(0.1, lens=0.9)) == []
    m.update(frame(0.2, lens=0.0))
    assert [e.lens.focal_mm for e in m.update(frame(0.3, lens=-1.0))] == [35.0]
    m.update(frame(0.4, lens=0.0))
    (ev,) = m.update(frame(0.5, lens=1.0))
    assert isinstance(ev, LensChanged) and ev.lens.focus_m == m.lens.focus_m == 3.0


def test_focus_stick_steps_focus_and_keeps_the_focal_length():
    m = InteractionMapper(lens=Lens(50.0, focus_m=3.0))
    (ev,) = m.update(frame(0.0, focus_stick=1.0))
    assert isinstance(ev, FocusChanged) and ev.lens == Lens(50.0, focus_m=5.0)
    m.update(frame(0.1))
    (ev,) = m.update(frame(0.2, focus_stick=-1.0))
    assert ev.lens.focus_m == 3.0 and m.lens.focus_m == 3.0
    m.lens = Lens(50.0, focus_m=0.5)
    m.update(frame(0.3))
    assert m.update(frame(0.4, focus_stick=-1.0)) == []  # nearest step already


def test_snap_turn_once_per_push_and_smooth_turn_by_rate():
    m = InteractionMapper()
    assert m.update(frame(0.0, turn_stick=1.0)) == [Turn(pytest.approx(-math.pi / 6))]
    assert m.update(frame(0.1, turn_stick=1.0)) == []
    m.update(frame(0.2))
    assert m.update(frame(0.3, turn_stick=-0.8)) == [Turn(pytest.approx(math.pi / 6))]
    s = InteractionMapper(smooth_turn=True)
    s.update(frame(0.0, turn_stick=1.0))
    assert s.update(frame(0.5, turn_stick=1.0)) == [Turn(pytest.approx(-math.pi / 4))]


def test_take_undo_redo_buttons():
    m = InteractionMapper()
    assert m.update(frame(0.0, take=True, undo=True)) == [TakeToggled(True), Undo()]
    m.update(frame(0.1))
    assert m.update(frame(0.2, take=True, redo=True)) == [TakeToggled(False), Redo()]


def test_stick_moves_along_head_heading_scaled_by_time():
    m = InteractionMapper(move_speed=2.0)
    head = pose_matrix((0, 1.6, 0), (0.0, math.sin(math.pi / 4), 0.0, math.cos(math.pi / 4)))
    m.update(frame(0.0, move=(0.0, 1.0), head=head))
    (ev,) = m.update(frame(0.5, move=(0.0, 1.0), head=head))
    assert isinstance(ev, Move) and ev.delta == pytest.approx((-1.0, 0.0, 0.0))
    assert m.update(frame(1.0, move=(0.05, 0.05), head=head)) == []  # deadzone


def test_events_in_one_frame_come_in_a_fixed_order():
    m = InteractionMapper(marks={"A": (0.0, -1.0)})
    m.update(frame(0.0))
    ev = m.update(
        frame(
            0.1,
            right=aim(),
            next_tool=True,
            select=True,
            take=True,
            undo=True,
            redo=True,
            lens=1.0,
            turn_stick=1.0,
            move=(0.0, 1.0),
        )
    )
    kinds = [type(e).__name__ for e in ev]
    assert kinds == [
        "ToolChanged",
        "Selected",
        "TakeToggled",
        "LensChanged",
        "Turn",
        "Undo",
        "Redo",
        "Move",
    ]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lenses_mm": ()}, "lenses_mm"),
        ({"lenses_mm": (35, -1)}, "lenses_mm"),
        ({"focus_steps_m": (0.0,)}, "focus_steps_m"),
        ({"grab_radius": 0}, "grab_radius"),
        ({"deadzone": 1.5}, "deadzone"),
        ({"aspect": 0}, "aspect"),
    ],
)
def test_bad_settings_are_named(kwargs, match):
    with pytest.raises(InputError, match=match):
        InteractionMapper(**kwargs)

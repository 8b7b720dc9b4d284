"""A director's events become set-state edits: shot cameras never overwrite the set's
own, a drag is one undo step, characters follow the marks they are assigned to."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.geometry import look_at, pose_matrix
from previzkit.model.camera import Lens
from previzkit.model.setfile import load_set
from previzkit.stage.blocking import Blocking, PlannedShot
from previzkit.stage.state import SetState
from previzkit.xr import events as ev
from tests.helpers import SAMPLE_SET


@pytest.fixture
def setup():
    set_def = load_set(SAMPLE_SET)
    state = SetState.from_set(set_def, "director")
    sent = []
    shots = [PlannedShot("1-A", ["ALEX", "SAM"], 24.0), PlannedShot("1-B", ["SAM"], 85.0)]
    b = Blocking(
        state,
        sent.append,
        shots=shots,
        lens=set_def.cameras["A_35mm"].lens,
        characters=[c.name for c in set_def.characters],
    )
    return set_def, state, b, sent


def test_cameras_are_made_per_shot_and_the_masters_is_kept(setup):
    _, state, b, sent = setup
    master = dict(state.objects["camera/A_35mm"])
    pose = look_at((1.0, 1.5, 4.0), (0.0, 1.0, 0.0))
    b.handle(ev.CameraPlaced(pose, Lens(24.0, 24.89, 18.66, 4.0)))
    b.handle(ev.ShotStep(1))
    b.handle(ev.CameraPlaced(look_at((3.0, 1.5, 2.0), (1.3, 1.5, -1.0)), Lens(85.0)))
    b.handle(ev.LensChanged(Lens(135.0)))
    assert state.objects["camera/A_35mm"] == master
    assert state.objects["camera/1-A"]["focal_mm"] == 24.0
    assert state.objects["camera/1-A"]["position"] == pytest.approx([1.0, 1.5, 4.0])
    assert state.objects["camera/1-B"]["focal_mm"] == 135.0
    assert b.current_camera() == "1-B"
    assert [e.key for e in sent] == ["camera/1-A", "camera/1-B", "camera/1-B"]
    plan = b.plan_updates()
    assert plan["1-A"] == {"camera": "1-A", "lens_mm": 24.0, "marks": {"ALEX": "A", "SAM": "B"}}
    assert plan["1-B"] == {"camera": "1-B", "lens_mm": 135.0, "marks": {"SAM": "B"}}


def test_a_drag_is_one_undo_step(setup):
    _, state, b, _ = setup
    b.handle(ev.MarkPlaced("mark1", (0.0, 1.0)))
    for i in range(5):
        b.handle(ev.MarkMoved("mark1", (0.1 * i, 1.0), final=i == 4))
    b.handle(ev.MarkMoved("A", (-1.0, 0.5), final=True))
    assert state.objects["mark/mark1"]["position"] == pytest.approx([0.4, 1.0])
    b.handle(ev.Undo())
    assert state.objects["mark/A"]["position"] == pytest.approx([-1.2, 0.0])
    assert "mark/mark1" in state.objects
    b.handle(ev.Undo())  # the whole drag, the add with it
    assert "mark/mark1" not in state.objects
    b.handle(ev.Redo())
    assert state.objects["mark/mark1"]["position"] == pytest.approx([0.4, 1.0])


def test_characters_follow_assigned_marks_and_step_off_deleted_ones(setup):
    _, state, b, _ = setup
    b.handle(ev.MarkPlaced("mark1", (2.0, 2.0)))
    b.handle(ev.Assigned("mark1", "ALEX"))
    assert state.character_position("ALEX") == pytest.approx((2.0, 0.0, 2.0))
    b.handle(ev.MarkMoved("mark1", (2.5, 2.0), final=True))
    assert state.character_position("ALEX") == pytest.approx((2.5, 0.0, 2.0))
    b.handle(ev.Deleted("mark/mark1"))
    assert "mark/mark1" not in state.objects
    assert state.character_position("ALEX") == pytest.approx((2.5, 0.0, 2.0))
    assert state.objects["character/ALEX"]["mark"] is None


def test_props_move_rigidly_and_duplicate_beside(setup):
    _, state, b, _ = setup
    m = pose_matrix((1.0, 0.0, 2.0), (0.0, math.sin(0.3), 0.0, math.cos(0.3)))
    m[:3, :3] *= 0.6
    b.handle(ev.PropMoved("crate_small", m, final=True))
    f = state.objects["prop/crate_small"]
    assert f["position"] == pytest.approx([1.0, 0.0, 2.0])
    assert f["scale"] == pytest.approx([0.6, 0.6, 0.6])
    b.handle(ev.Duplicated("prop/crate_small"))
    copy = state.objects["prop/crate_small_2"]
    assert copy["position"] == pytest.approx([1.6, 0.0, 2.0])
    assert copy["mesh"] == f["mesh"]


def test_bookmarks_keep_where_the_head_looks(setup):
    _, state, b, _ = setup
    head = pose_matrix((1.0, 1.7, 3.0), (0.0, math.sin(math.pi / 4), 0.0, math.cos(math.pi / 4)))
    b.handle(ev.Bookmarked(head))
    f = state.objects["bookmark/bm1"]
    assert f["position"] == pytest.approx([1.0, 1.7, 3.0])
    assert f["yaw_deg"] == pytest.approx(90.0)  # turned left from looking down -z
    assert np.isfinite(f["yaw_deg"])


def test_a_later_session_goes_on_with_the_shot_cameras(setup):
    _, state, b, _ = setup
    b.handle(ev.CameraPlaced(look_at((1.0, 1.5, 4.0), (0.0, 1.0, 0.0)), Lens(24.0)))
    later = Blocking(state, shots=b.shots, lens=Lens(35.0))  # as reopened from the files
    assert later.current_camera() == "1-A"
    assert later.plan_updates()["1-A"]["camera"] == "1-A"
    later.handle(ev.CameraPlaced(look_at((2.0, 1.5, 4.0), (0.0, 1.0, 0.0)), Lens(24.0)))
    assert state.objects["camera/1-A"]["position"] == pytest.approx([2.0, 1.5, 4.0])

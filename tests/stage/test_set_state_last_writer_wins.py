"""The versioned set state: last writer wins per object, order of arrival does not
matter, bad edits are refused naming the key and field, saved back to the set file."""

from __future__ import annotations

import itertools
import re

import pytest

from previzkit.core.errors import InputError
from previzkit.model.setfile import load_set
from previzkit.stage.set_save import save_set_state
from previzkit.stage.state import Edit, SetState


@pytest.fixture
def set_def(small_set):
    return load_set(small_set)


def test_objects_cover_marks_cameras_props_characters(set_def):
    s = SetState.from_set(set_def, "a")
    assert {"mark/A", "mark/B", "camera/CAM", "camera/SIDE", "prop/ball", "character/ALEX"} <= set(
        s.objects
    )
    assert s.get("mark/B")["position"] == [1.5, -1.0]
    assert s.get("camera/CAM")["focal_mm"] == 35.0


def test_any_arrival_order_converges_to_the_last_writer(set_def):
    a, b, c = (SetState.from_set(set_def, w) for w in "abc")
    e1 = a.edit("mark/A", position=[1.0, 1.0])
    b.merge(e1)
    e2 = b.edit("mark/A", position=[2.0, 2.0])  # after seeing e1: a later clock
    e3 = c.edit("mark/A", position=[3.0, 3.0])  # concurrent with e1: clock 1, writer c > a
    e4 = c.edit("prop/ball", position=[0.5, 0.0, 0.5])
    finals = set()
    for order in itertools.permutations([e1, e2, e3, e4]):
        s = SetState.from_set(set_def, "z")
        for e in order:
            s.merge(e)
        finals.add((tuple(s.get("mark/A")["position"]), tuple(s.get("prop/ball")["position"])))
    assert finals == {((2.0, 2.0), (0.5, 0.0, 0.5))}


def test_replays_and_stale_edits_are_ignored(set_def):
    a, b = SetState.from_set(set_def, "a"), SetState.from_set(set_def, "b")
    e = a.edit("mark/B", position=[0.0, 0.0])
    assert b.merge(e) is True
    v = b.version
    assert b.merge(e) is False and b.version == v
    old = Edit("mark/B", {"position": [9.0, 9.0]}, 0, "q")
    assert b.merge(old) is False and b.get("mark/B")["position"] == [0.0, 0.0]


def test_snapshot_brings_a_late_view_up_to_date(set_def):
    a = SetState.from_set(set_def, "a")
    a.edit("mark/A", position=[0.3, 0.4])
    a.edit("camera/CAM", focal_mm=50)
    late = SetState.from_set(set_def, "late")
    for e in a.snapshot():
        late.merge(e)
    assert late.edited() == a.edited()


@pytest.mark.parametrize(
    ("key", "fields", "words"),
    [
        ("mark/NOPE", {"position": [0, 0]}, "no object 'mark/NOPE'"),
        ("lamp/A", {"position": [0, 0]}, "no object 'lamp/A' (objects: camera/CAM"),
        ("mark/A", {"height": 1}, "unknown field 'height'"),
        ("mark/A", {"position": [0, 0, 0]}, "mark/A.position: expected 2 finite numbers"),
        ("mark/A", {"position": [0, float("nan")]}, "finite"),
        ("camera/CAM", {"orientation": [0, 0, 0, 0]}, "zero quaternion"),
        ("camera/CAM", {"focal_mm": -5}, "focal_mm: must be > 0"),
        ("mark/A", {}, "changes no field"),
    ],
)
def test_bad_edits_name_key_and_field(set_def, key, fields, words):
    s = SetState.from_set(set_def, "a")
    with pytest.raises(InputError, match=re.escape(words)):
        s.edit(key, **fields)


def test_bad_writer_id(set_def):
    with pytest.raises(InputError, match="writer id"):
        SetState.from_set(set_def, "a/b")


def test_apply_to_moves_objects_in_a_new_set_def(set_def):
    s = SetState.from_set(set_def, "a")
    s.edit("mark/A", position=[0.7, -0.2])
    s.edit("character/ALEX", position=[0.7, 0.0, -0.2], yaw_deg=90)
    s.edit("camera/CAM", position=[1.0, 1.5, 5.0], orientation=[0, 0, 0, 1], focal_mm=50)
    new = s.apply_to(set_def)
    assert new.marks["A"].position == (0.7, -0.2)
    assert new.characters[0].yaw_deg == 90
    assert new.cameras["CAM"].lens.focal_mm == 50 and new.cameras["CAM"].target is None
    assert set_def.marks["A"].position == (0.0, 0.0)  # the original is untouched


def test_saved_set_file_reads_back_with_the_edits(set_def, small_set):
    s = SetState.from_set(set_def, "a")
    s.edit("mark/B", position=[-2.0, 1.5])
    s.edit("prop/ball", position=[-1.0, 0.0, 2.0])
    s.edit(
        "camera/SIDE",
        position=[3.0, 1.4, 1.0],
        orientation=[0.0, 0.38268343, 0.0, 0.92387953],
        focal_mm=85,
    )
    out = save_set_state(s, small_set)
    back = load_set(out)
    assert back.marks["B"].position == (-2.0, 1.5)
    assert back.props[0].position == (-1.0, 0.0, 2.0)
    assert back.cameras["SIDE"].lens.focal_mm == 85
    assert back.cameras["SIDE"].position == (3.0, 1.4, 1.0)
    assert back.marks["A"].position == (0.0, 0.0)  # untouched objects stay


def test_save_elsewhere_than_the_set_folder_is_refused(set_def, small_set, tmp_path):
    s = SetState.from_set(set_def, "a")
    s.edit("mark/B", position=[0.0, 0.0])
    (tmp_path / "other").mkdir()
    with pytest.raises(InputError, match="must be in the set file's folder"):
        save_set_state(s, small_set, tmp_path / "other" / "x.yaml")

"""The set state carries adds and deletes as well as edits (last writer wins between a
delete and a concurrent edit, in any arrival order), characters stand on their marks,
and this view's changes undo and redo, a drag as one step."""

from __future__ import annotations

import itertools

import pytest

from previzkit.core.errors import InputError
from previzkit.model.setfile import load_set
from previzkit.stage.state import SetState, changes_since


@pytest.fixture
def set_def(small_set):
    return load_set(small_set)


def test_a_peers_new_mark_and_prop_are_created(set_def):
    a, b = SetState.from_set(set_def, "a"), SetState.from_set(set_def, "b")
    ball = dict(a.get("prop/ball"))
    assert ball["mesh"] == "ball.glb"  # as written in the set file
    edits = [
        a.add("mark/C", position=[2.0, 2.0]),
        a.add("prop/ball_2", **{**ball, "position": [0.0, 0.0, 1.0]}),
        a.delete("mark/B"),
    ]
    for e in edits:
        assert b.merge(e) is True
        assert b.merge(e) is False  # replays are harmless
    assert b.get("mark/C") == {"position": [2.0, 2.0]}
    assert b.get("prop/ball_2")["position"] == [0.0, 0.0, 1.0]
    assert "mark/B" not in b.objects
    new = b.apply_to(set_def)
    assert set(new.marks) == {"A", "C"} and [p.name for p in new.props] == ["ball", "ball_2"]
    assert new.props[1].mesh == set_def.props[0].mesh  # resolved beside the set file
    with pytest.raises(InputError, match="exists already"):
        a.add("mark/C", position=[0.0, 0.0])
    with pytest.raises(InputError, match="add of 'prop/x' needs mesh"):
        a.add("prop/x", position=[0.0, 0.0, 0.0])


def test_delete_against_concurrent_edit_converges_in_any_order(set_def):
    a, b = SetState.from_set(set_def, "a"), SetState.from_set(set_def, "b")
    e_add = a.add("mark/C", position=[1.0, 1.0])
    b.merge(e_add)
    e_del = a.delete("mark/C")  # clock 2, writer a
    e_edit = b.edit("mark/C", position=[3.0, 3.0])  # clock 2, writer b: wins the tie
    e_old = b.edit("mark/A", position=[0.5, 0.5])
    e_del_a = a.delete("mark/A")  # clock 3 > b's edit of A at 3? a: 3, b: 3 -> b wins
    finals = set()
    for order in itertools.permutations([e_add, e_del, e_edit, e_old, e_del_a]):
        s = SetState.from_set(set_def, "z")
        for e in order:
            s.merge(e)
        finals.add((str(s.objects.get("mark/C")), str(s.objects.get("mark/A"))))
    assert finals == {(str({"position": [3.0, 3.0]}), str({"position": [0.5, 0.5]}))}


def test_snapshot_brings_adds_and_deletes_to_a_late_view(set_def):
    a = SetState.from_set(set_def, "a")
    a.add("mark/C", position=[1.0, 1.0])
    a.delete("mark/B")
    a.add("bookmark/door", position=[0.0, 1.7, 4.0], yaw_deg=30)
    late = SetState.from_set(set_def, "late")
    for e in a.snapshot():
        late.merge(e)
    assert late.objects == a.objects and late.changed() == a.changed()


def test_characters_stand_on_their_marks_live(set_def):
    s = SetState.from_set(set_def, "a")
    assert s.get("character/ALEX")["mark"] == "A"
    s.edit("mark/A", position=[1.0, -2.0])
    change, _ = changes_since(s, 0)
    assert change.characters == ["ALEX"]
    assert s.apply_to(set_def).characters[0].position == (1.0, 0.0, -2.0)
    with pytest.raises(InputError, match=r"character/ALEX\.mark: no mark .Q."):
        s.edit("character/ALEX", mark="Q")
    with pytest.raises(InputError, match="expected a name or None"):
        s.edit("character/ALEX", mark=3)
    s.edit("character/ALEX", mark="B")
    assert s.apply_to(set_def).characters[0].position == (1.5, 0.0, -1.0)
    s.edit("character/ALEX", position=[0.0, 0.0, 2.0])  # placed by hand: off its mark
    ch = s.apply_to(set_def).characters[0]
    assert ch.mark is None and ch.position == (0.0, 0.0, 2.0)


def test_a_drag_undoes_as_one_step_and_redoes(set_def):
    s = SetState.from_set(set_def, "a")
    for x in (0.1, 0.2, 0.3):
        s.edit("mark/B", group="drag-1", position=[x, 0.0])
    s.add("mark/C", position=[2.0, 2.0])
    s.delete("prop/ball")
    undone = s.undo()
    assert [e.op for e in undone] == ["add"] and "prop/ball" in s.objects
    assert [e.op for e in s.undo()] == ["delete"] and "mark/C" not in s.objects
    edits = s.undo()
    assert s.get("mark/B")["position"] == [1.5, -1.0] and len(edits) == 1
    assert s.undo() == []
    # the undo's edits reach a peer like any change and restore the same there
    peer = SetState.from_set(set_def, "p")
    for e in s.redo():
        peer.merge(e)
    assert peer.get("mark/B")["position"] == [0.3, 0.0]
    s.redo()
    assert "mark/C" in s.objects
    s.edit("mark/A", position=[0.0, 1.0])  # a new change clears what could be redone
    assert not s.can_redo and s.redo() == []


def test_undo_restores_ours_over_a_later_peer_edit(set_def):
    s, peer = SetState.from_set(set_def, "a"), SetState.from_set(set_def, "b")
    peer.merge(s.edit("mark/A", position=[1.0, 1.0]))
    s.merge(peer.edit("mark/A", position=[2.0, 2.0]))
    for e in s.undo():
        peer.merge(e)
    assert s.get("mark/A") == peer.get("mark/A") == {"position": [0.0, 0.0]}


@pytest.mark.parametrize(
    ("key", "fields", "words"),
    [
        ("prop/ball", {"mesh": ""}, "prop/ball.mesh: expected a non-empty string"),
        ("prop/ball", {"color": [2, 0, 0]}, "colour components are 0..1"),
        ("prop/ball", {"scale": [1, 0, 1]}, "scale: must be > 0"),
        ("camera/CAM", {"focus_m": 0}, "focus_m: must be > 0"),
        ("camera/CAM", {"focal_mm": "35"}, "expected a finite number"),
    ],
)
def test_bad_fields_are_named(set_def, key, fields, words):
    with pytest.raises(InputError, match=words.replace("[", r"\[")):
        SetState.from_set(set_def, "a").edit(key, **fields)

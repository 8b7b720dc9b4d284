"""Pose sources: a .pzt played one frame per loop frame or in real time (all frames,
in order), actors mapped to characters, bad inputs named."""

from __future__ import annotations

import time

import numpy as np
import pytest

from previzkit.core.errors import InputError, MissingFileError
from previzkit.stage.actors import ActorMap, parse_actor_map
from previzkit.stage.sources import StreamSource, TrackSource, open_pose_source


def test_track_played_offline_gives_one_frame_per_poll(tmp_path, make_track):
    path = make_track(tmp_path / "two.pzt", 5, actors=(0, 3))
    src = TrackSource(path)
    got = []
    while not src.finished:
        got.append([(s.frame, s.pose.actor_id) for s in src.poll()])
    assert got == [[(i, 0), (i, 3)] for i in range(5)]
    assert src.poll() == []
    src.close()


def test_track_played_in_real_time_delivers_every_frame_in_order(tmp_path, make_track):
    path = make_track(tmp_path / "rt.pzt", 6, fps=60.0)
    src = TrackSource(path, realtime=True)
    src.start()
    frames = []
    end = time.monotonic() + 10
    while not src.finished and time.monotonic() < end:
        frames += [s.frame for s in src.poll()]
        time.sleep(0.005)
    src.close()
    assert frames == list(range(6))


def test_track_source_errors(tmp_path):
    with pytest.raises(MissingFileError, match=r"nope\.pzt: no such file"):
        TrackSource(tmp_path / "nope.pzt")
    from previzkit.model.pose_track import TrackWriter

    with TrackWriter(tmp_path / "empty.pzt"):
        pass
    with pytest.raises(InputError, match=r"empty\.pzt: holds no frames"):
        TrackSource(tmp_path / "empty.pzt")
    garbage = tmp_path / "junk.pzt"
    garbage.write_bytes(b"not a track at all")
    with pytest.raises(InputError, match=r"junk\.pzt"):
        TrackSource(garbage)


def test_open_pose_source_wants_exactly_one(tmp_path):
    with pytest.raises(InputError, match="exactly one pose source"):
        open_pose_source()
    with pytest.raises(InputError, match=r"expected a \.pzt"):
        open_pose_source(poses=tmp_path / "x.json")
    with pytest.raises(InputError, match="not a ZeroMQ endpoint"):
        StreamSource("127.0.0.1:5555")


def test_actor_map_assigns_free_characters_in_set_order():
    m = ActorMap(["ALEX", "SAM"], {5: "SAM"})
    assert m.character_for(5) == "SAM"
    assert m.character_for(2) == "ALEX"
    assert m.character_for(9) is None  # every character taken
    assert m.character_for(-1) is None  # capture's "nobody in view"
    assert m.character_for(2) == "ALEX"  # stable


@pytest.mark.parametrize(
    ("items", "words"),
    [
        (["0"], "expected ACTOR_ID=CHARACTER"),
        (["x=A"], "expected ACTOR_ID"),
        (["1="], "expected ACTOR_ID"),
        (["1=A", "1=B"], "actor 1 is mapped twice"),
    ],
)
def test_parse_actor_map_errors(items, words):
    with pytest.raises(InputError, match=words):
        parse_actor_map(items)
    assert parse_actor_map(["0=ALEX", " 2=SAM"]) == {0: "ALEX", 2: "SAM"}


def test_actors_retarget_two_actors_onto_two_characters(gl, tmp_path, make_track):
    from previzkit.model.setfile import CharacterDef
    from previzkit.render.character import character_from_def
    from previzkit.stage.actors import Actors

    chars = {
        n: character_from_def(gl, CharacterDef(n, position=(x, 0.0, 0.0)))
        for n, x in (("ALEX", -1.0), ("SAM", 1.0))
    }
    try:
        src = TrackSource(make_track(tmp_path / "two.pzt", 2, actors=(4, 9)))
        actors = Actors(chars, {9: "ALEX"})
        changed = actors.apply([s.pose for s in src.poll()])
        assert set(changed) == {"ALEX", "SAM"} and actors.map.assigned == {9: "ALEX", 4: "SAM"}
        # each stands on its own place, feet on the floor
        for name, x in (("ALEX", -1.0), ("SAM", 1.0)):
            j = chars[name].joint_positions()
            assert abs(j[0, 0] - x) < 0.05 and j[:, 1].min() > -0.05
        # the two actors' arms differ (actors' waves are offset by 0.13 s per id)
        hand = chars["ALEX"].skeleton.names.index("left_hand")
        a = chars["ALEX"].joint_positions()[hand] - (-1.0, 0, 0)
        b = chars["SAM"].joint_positions()[hand] - (1.0, 0, 0)
        assert np.linalg.norm(a - b) > 0.05
    finally:
        for c in chars.values():
            c.release()

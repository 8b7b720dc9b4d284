"""Two views over real pyzmq sockets add, delete, move and undo objects and end with
the same set; each sees the other user's head and hands (presence), dropped when old."""

from __future__ import annotations

import time

import numpy as np

from previzkit.core.geometry import look_at
from previzkit.model.setfile import load_set
from previzkit.stage.state import SetState
from previzkit.stage.sync import StateSync, decode, encode_presence


def _until(views, done, timeout=10.0):
    end = time.monotonic() + timeout
    while not done() and time.monotonic() < end:
        for v in views:
            v.poll(timeout=0.02)
    return done()


def test_two_views_converge_on_adds_deletes_and_undo(small_set):
    set_def = load_set(small_set)
    a = StateSync(SetState.from_set(set_def, "a"), set_def.name, "tcp://127.0.0.1:0")
    b = StateSync(SetState.from_set(set_def, "b"), set_def.name, "tcp://127.0.0.1:0", [a.endpoint])
    a.connect(b.endpoint)
    try:
        assert a.wait_for_peers(1, timeout=10) and b.wait_for_peers(1, timeout=10)
        a.add("mark/C", position=[2.0, 2.0])
        for x in (0.1, 0.2):
            a.edit("mark/C", group="drag", position=[x, 2.0])
        assert _until([a, b], lambda: "mark/C" in b.state.objects)
        b.edit("mark/C", position=[-1.0, -1.0])  # moves a's new mark
        b.delete("prop/ball")
        ball = dict(a.state.get("prop/ball"))
        a.add("prop/ball_2", **{**ball, "position": [0.0, 0.0, 3.0]})
        assert _until([a, b], lambda: a.state.objects == b.state.objects)
        assert a.state.get("mark/C")["position"] == [-1.0, -1.0]
        assert "prop/ball" not in a.state.objects
        b.undo()  # b's delete of the ball
        assert _until([a, b], lambda: "prop/ball" in a.state.objects)
        assert _until([a, b], lambda: a.state.objects == b.state.objects)
        assert a.stats.malformed == b.stats.malformed == 0
    finally:
        a.close()
        b.close()


def test_presence_shows_the_other_user_and_expires(small_set):
    set_def = load_set(small_set)
    a = StateSync(SetState.from_set(set_def, "a"), set_def.name, "tcp://127.0.0.1:0")
    b = StateSync(SetState.from_set(set_def, "b"), set_def.name, "tcp://127.0.0.1:0", [a.endpoint])
    try:
        assert a.wait_for_peers(1, timeout=10)
        head = look_at((1.0, 1.7, 3.0), (0.0, 1.0, 0.0))
        right = np.eye(4)
        right[:3, 3] = (1.2, 1.2, 2.6)
        a.send_presence(head, None, right, name="director")
        assert _until([b], lambda: "a" in b.presences)
        p = b.presences["a"]
        assert p.name == "director" and p.left is None
        np.testing.assert_allclose(p.head, head)
        np.testing.assert_allclose(p.right, right)
        assert [q.writer for q in b.live_presences(p.wall + 1.0)] == ["a"]
        assert b.live_presences(p.wall + 2.5) == [] and b.presences == {}
    finally:
        a.close()
        b.close()


def test_bad_presence_is_counted_not_raised(small_set):
    set_def = load_set(small_set)
    a = StateSync(SetState.from_set(set_def, "a"), set_def.name, "tcp://127.0.0.1:0")
    b = StateSync(SetState.from_set(set_def, "b"), set_def.name, "tcp://127.0.0.1:0", [a.endpoint])
    try:
        assert a.wait_for_peers(1, timeout=10)
        frames = encode_presence(set_def.name, "a", np.eye(4))
        op, p = decode(frames)
        assert op == "presence" and p.writer == "a"
        import msgpack

        body = msgpack.unpackb(frames[1])
        body["head"] = [1.0, 2.0]
        a._pub.send_multipart([frames[0], msgpack.packb(body)])
        a.edit("mark/A", position=[0.5, 0.5])
        assert _until([b], lambda: b.state.get("mark/A")["position"] == [0.5, 0.5])
        assert b.stats.malformed == 1 and b.presences == {}
    finally:
        a.close()
        b.close()

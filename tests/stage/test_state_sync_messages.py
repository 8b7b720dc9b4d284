"""The set-state wire format: round trip, and malformed or foreign messages are counted
and dropped without stopping the view."""

from __future__ import annotations

import time

import msgpack
import pytest

from previzkit.core.errors import InputError
from previzkit.model.setfile import load_set
from previzkit.stage.state import Edit, SetState
from previzkit.stage.sync import StateSync, decode_edit, encode_edit


def test_round_trip():
    e = Edit("mark/A", {"position": [1.0, 2.0]}, 3, "w", 12.5)
    op, back = decode_edit(encode_edit("set", e))
    assert op == "edit" and back == e


@pytest.mark.parametrize(
    ("frames", "words"),
    [
        ([b"state/s"], "1 frames, expected 2"),
        ([b"state/s", b"\xc1"], "not msgpack"),
        ([b"state/s", msgpack.packb([1, 2])], "not a map"),
        ([b"state/s", msgpack.packb({"schema": "previzkit.pose", "v": 1})], "foreign schema"),
        ([b"state/s", msgpack.packb({"schema": "previzkit.setstate", "v": 9})], "foreign version"),
        (
            [b"state/s", msgpack.packb({"schema": "previzkit.setstate", "v": 2, "op": "edit"})],
            "bad field",
        ),
    ],
)
def test_bad_messages_are_named(frames, words):
    with pytest.raises(InputError, match=words):
        decode_edit(frames)


def test_views_drop_bad_messages_and_keep_going(small_set):
    import zmq

    set_def = load_set(small_set)
    a = StateSync(SetState.from_set(set_def, "a"), set_def.name, "tcp://127.0.0.1:0")
    b = StateSync(SetState.from_set(set_def, "b"), set_def.name, "tcp://127.0.0.1:0", [a.endpoint])
    try:
        assert a.wait_for_peers(1, timeout=10)
        topic = f"state/{set_def.name}".encode()
        a._pub.send_multipart([topic, b"\xc1garbage"])
        a._pub.send_multipart([topic, msgpack.packb({"schema": "other", "v": 1})])
        e = encode_edit(set_def.name, Edit("lamp/NOPE", {"position": [0, 0]}, 5, "a"))
        a._pub.send_multipart(e)
        e = encode_edit(set_def.name, Edit("mark/NEW", {"position": [0, 0]}, 5, "a"))
        a._pub.send_multipart(e)  # an edit before its add: parked until the add comes
        a.edit("mark/B", position=[0.25, 0.5])
        end = time.monotonic() + 10
        while b.state.get("mark/B")["position"] != [0.25, 0.5] and time.monotonic() < end:
            b.poll(timeout=0.05)
        assert b.state.get("mark/B")["position"] == [0.25, 0.5]
        assert b.stats.malformed == 2 and b.stats.foreign == 1
        assert [p.clock for p in b.state.parked["mark/NEW"]] == [5]
    finally:
        a.close()
        b.close()
    assert zmq  # imported: the sockets are real


def test_bind_errors_name_the_address(small_set):
    set_def = load_set(small_set)
    with pytest.raises(InputError, match="cannot bind 'tcp://nowhere'"):
        StateSync(SetState.from_set(set_def, "a"), "s", "tcp://nowhere")

"""Fuzz the pose stream decoder: any two frames decode to a valid PoseMessage or raise
PoseMessageError; the subscriber counts bad messages and never raises."""

from __future__ import annotations

import msgpack
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from previzkit.capture.schema import decode, encode
from previzkit.core.errors import PoseMessageError
from previzkit.core.types import Pose
from tests.helpers.fuzzkit import fuzz_settings, mutated_bytes


def _seed(actor: int = 3) -> tuple[bytes, bytes]:
    rng = np.random.default_rng(0)
    pose = Pose(1.5, actor, rng.random((33, 3), np.float32), rng.random((33, 3), np.float32), 0.9)
    return encode(pose, 7, frame=45, fps=30.0, wall=1.7e9, size=(640, 480))


TOPIC, PAYLOAD = _seed()
FIELDS = msgpack.unpackb(PAYLOAD, raw=False)


def _check(topic_frame: bytes, payload: bytes) -> None:
    try:
        msg = decode(topic_frame, payload)
    except PoseMessageError:
        return
    assert msg.pose.image.shape == (33, 3) and msg.pose.world.shape == (33, 3)
    assert msg.pose.flags.shape == (33,)
    assert topic_frame == b"pose/" + str(msg.pose.actor_id).encode()


@fuzz_settings(2)
@given(
    mutated_bytes(PAYLOAD, max_ops=8), st.sampled_from([TOPIC, b"pose/", b"pose/x", b"", b"cam/3"])
)
def test_fuzz_mutated_payload(payload, topic_frame):
    _check(topic_frame, payload)


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.floats(),
    st.text(max_size=10),
    st.binary(max_size=400),
    st.lists(st.integers(-5, 5000), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(-(2**63), 2**63 - 1), max_size=2),
)


@fuzz_settings(2)
@given(
    st.dictionaries(st.sampled_from(sorted(FIELDS)), _values, max_size=6),
    st.sets(st.sampled_from(sorted(FIELDS)), max_size=3),
    st.integers(-3, 2**40),
)
def test_fuzz_field_values(changes, removed, actor):
    d = dict(FIELDS, **changes)
    for k in removed:
        d.pop(k, None)
    payload = msgpack.packb(d, use_bin_type=True)
    _check(b"pose/" + str(d.get("actor", actor)).encode(), payload)
    _check(TOPIC, payload)


@fuzz_settings()
@given(st.binary(max_size=600))
def test_fuzz_random_bytes(payload):
    _check(TOPIC, payload)


def test_subscriber_counts_fuzzed_messages_and_keeps_receiving():
    """Hostile frames on a live socket: counted as malformed/foreign, a good pose after
    them still arrives."""
    from previzkit.capture.stream import PosePublisher, PoseSubscriber

    rng = np.random.default_rng(1)
    bad = [[TOPIC, PAYLOAD[: int(n)]] for n in rng.integers(0, len(PAYLOAD) - 1, 20)]
    bad += [[TOPIC], [TOPIC, PAYLOAD, b"x"], [b"pose/3", b"\xc1"], [b"pose/", PAYLOAD]]
    with PosePublisher("tcp://127.0.0.1:0") as pub, PoseSubscriber(pub.endpoint) as sub:
        assert pub.wait_for_subscribers(1, 5.0)
        for frames in bad:
            pub.publish_raw(frames)
        pose = Pose(2.0, 3, np.zeros((33, 3), np.float32), np.zeros((33, 3), np.float32), 1.0)
        pub.publish(pose)
        msg = sub.receive(5.0)
    assert msg is not None and msg.pose.actor_id == 3
    assert sub.stats.malformed + sub.stats.foreign == len(bad)


# regressions found by the fuzzer: each raised TypeError/ValueError out of decode(), or
# let a NaN/zero frame rate into the stage loop's pacing.
@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("size", True),
        ("size", [1]),
        ("size", "ab"),
        ("size", [1.5, 2]),
        ("size", [-1, 4]),
        ("fps", 0.0),
        ("fps", float("nan")),
        ("t", float("inf")),
        ("conf", float("nan")),
        ("wall", float("-inf")),
        ("seq", -1),
        ("frame", -5),
    ],
)
def test_regression_bad_field_is_a_pose_message_error(key, value):
    payload = msgpack.packb(dict(FIELDS, **{key: value}), use_bin_type=True)
    with pytest.raises(PoseMessageError, match=repr(key)):
        decode(TOPIC, payload)


# end to end: whatever the decoder lets through is retargeted and drawn by one stage
# loop step without raising; a pose that fails to retarget is counted, not raised.
_landmark_values = st.one_of(
    st.floats(width=32),
    st.floats(-2.0, 2.0, width=32),
    st.sampled_from([0.0, 1.0, -1.0, 999.0, 1e-38, 3e38]),
)


@pytest.mark.gl
def test_fuzz_decoded_message_through_one_loop_step(gl, tmp_path):
    from previzkit.stage.loop import StageLoop, StageOptions
    from tests.helpers.hostile import SIZE, PushSource, hostile_set

    source = PushSource()
    with StageLoop(gl, hostile_set(tmp_path), source, StageOptions(*SIZE)) as loop:

        @fuzz_settings(0.2)
        @given(
            st.lists(_landmark_values, min_size=99, max_size=99),
            st.lists(_landmark_values, min_size=99, max_size=99),
            st.floats(),
            mutated_bytes(PAYLOAD, max_ops=3),
        )
        def one(world, img, conf, mutated):
            fields = dict(
                FIELDS,
                world=np.asarray(world, "<f4").tobytes(),
                img=np.asarray(img, "<f4").tobytes(),
                conf=conf,
            )
            for payload in (msgpack.packb(fields, use_bin_type=True), mutated):
                try:
                    msg = decode(TOPIC, payload)
                except PoseMessageError:
                    continue
                source.push(msg.pose)
                failed = loop.actors.failed
                assert loop.step()
                assert loop.actors.failed == failed  # valid by value: retargets
                joints = loop.drawables.characters["ALEX"].joint_positions()
                assert np.all(np.isfinite(joints))

        one()

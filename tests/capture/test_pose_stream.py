"""Pose stream: two processes on loopback, none lost; late joiners; drops and bad messages."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time

import msgpack
import numpy as np
import pytest

from previzkit.capture.schema import SCHEMA, VERSION, decode, encode, smpte_timecode
from previzkit.capture.stream import PosePublisher, PoseSubscriber
from previzkit.core.errors import PoseMessageError
from previzkit.core.types import Pose

SUBSCRIBER = textwrap.dedent(
    """
    import json, sys, time
    from previzkit.capture.stream import PoseSubscriber
    sub = PoseSubscriber(sys.argv[1])
    print("ready", flush=True)
    got, lat = [], []
    while len(got) < int(sys.argv[2]):
        m = sub.receive(timeout=10.0)
        if m is None:
            break
        got.append([m.pose.actor_id, m.seq, m.frame])
        lat.append(time.time() - m.wall)
    print(json.dumps({"got": got, "dropped": sub.stats.dropped, "lat": lat}), flush=True)
    """
)


def _pose(actor: int, t: float = 0.0) -> Pose:
    rng = np.random.default_rng(actor)
    img = np.c_[rng.random((33, 2)) * 640, np.ones(33)].astype(np.float32)
    return Pose(t, actor, img, rng.random((33, 3)).astype(np.float32), 0.95)


def test_two_processes_steady_rate_none_lost():
    n, rate = 300, 500.0  # 300 messages of two actors at 500 messages/s
    with PosePublisher("tcp://127.0.0.1:0") as pub:
        proc = subprocess.Popen(
            [sys.executable, "-c", SUBSCRIBER, pub.endpoint, str(n)],
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert proc.stdout.readline().strip() == "ready"
            assert pub.wait_for_subscribers(1, timeout=10.0)
            start = time.perf_counter()
            for i in range(n):
                pub.publish(_pose(i % 2, i / rate), frame=i // 2, fps=30)
                while time.perf_counter() < start + (i + 1) / rate:
                    pass
            out = json.loads(proc.stdout.readline())
        finally:
            proc.wait(timeout=20)
    got = out["got"]
    assert len(got) == n and out["dropped"] == 0
    for actor in (0, 1):
        seqs = [s for a, s, _ in got if a == actor]
        assert seqs == list(range(n // 2))
    assert max(out["lat"]) < 1.0  # sanity only; latency figures are the benchmark's


def test_late_joiner_counts_from_the_first_message_it_sees():
    with PosePublisher("tcp://127.0.0.1:0") as pub:
        for i in range(5):
            pub.publish(_pose(0, i))  # nobody listening yet
        with PoseSubscriber(pub.endpoint) as sub:
            assert pub.wait_for_subscribers(1, 5.0)
            time.sleep(0.05)
            for i in range(5, 10):
                pub.publish(_pose(0, i))
            seqs = [m.seq for m in iter(lambda: sub.receive(0.5), None)]
    assert seqs == [5, 6, 7, 8, 9]
    assert sub.stats.dropped == 0 and sub.stats.received == 5


def test_gaps_are_reported_as_dropped(caplog):
    drops = []
    with (
        PosePublisher("tcp://127.0.0.1:0") as pub,
        PoseSubscriber(pub.endpoint, on_drop=lambda t, a, b: drops.append((t, a, b))) as sub,
    ):
        assert pub.wait_for_subscribers(1, 5.0)
        time.sleep(0.05)
        pub.publish(_pose(3))
        pub._seq[3] += 4  # four messages lost on the way
        pub.publish(_pose(3))
        while sub.receive(0.3) is not None:
            pass
    assert sub.stats.dropped == 4 and drops == [(b"pose/3", 1, 5)]
    assert "4 message(s) lost" in caplog.text


def test_malformed_and_foreign_messages_are_counted_and_dropped(caplog):
    with PosePublisher("tcp://127.0.0.1:0") as pub, PoseSubscriber(pub.endpoint) as sub:
        assert pub.wait_for_subscribers(1, 5.0)
        time.sleep(0.05)
        pub.publish_raw([b"pose/1", b"\xc1not msgpack"])
        pub.publish_raw([b"pose/1"])  # one frame only
        pub.publish_raw([b"pose/1", msgpack.packb({"schema": "someone.else", "v": 1})])
        pub.publish_raw([b"pose/1", msgpack.packb({"schema": SCHEMA, "v": 99})])
        t, payload = encode(_pose(1), 0)
        d = msgpack.unpackb(payload)
        d["img"] = b"\0" * 10
        pub.publish_raw([t, msgpack.packb(d)])
        pub.publish(_pose(1))  # a good one after all that
        good = [m for m in iter(lambda: sub.receive(0.5), None)]
    assert len(good) == 1 and good[0].pose.actor_id == 1
    assert sub.stats.malformed == 4 and sub.stats.foreign == 1
    assert "not msgpack" in caplog.text and "someone.else" not in caplog.text
    assert "foreign message" in caplog.text


def test_one_actor_topic_is_exact():
    with PosePublisher("tcp://127.0.0.1:0") as pub, PoseSubscriber(pub.endpoint, actors=[1]) as sub:
        assert pub.wait_for_subscribers(1, 5.0)
        time.sleep(0.05)
        for a in (1, 12, 2, 1):
            pub.publish(_pose(a))
        got = [m.pose.actor_id for m in iter(lambda: sub.receive(0.3), None)]
    assert got == [1, 1]


def test_schema_round_trip_and_timecode():
    p = _pose(4, t=61.5)
    p.flags = np.zeros(33, np.uint8)
    p.flags[3] = 1
    t, payload = encode(p, 7, frame=1845, fps=30.0, wall=123.0, size=(640, 480))
    assert t == b"pose/4"
    m = decode(t, payload)
    assert m.seq == 7 and m.frame == 1845 and m.size == (640, 480) and m.wall == 123.0
    assert m.pose.timecode == "00:01:01:15"
    assert np.array_equal(m.pose.image, p.image) and m.pose.flags[3] == 1
    raw = msgpack.unpackb(payload)
    assert raw["schema"] == SCHEMA and raw["v"] == VERSION
    assert smpte_timecode(3600 * 25 + 1 / 25, 25) == "01:00:00:01"  # wraps at 24 h
    with pytest.raises(PoseMessageError, match="carries actor 4"):
        decode(b"pose/5", payload)
    with pytest.raises(PoseMessageError, match="fps"):
        smpte_timecode(1.0, 0)


def test_curve_keys_let_only_known_subscribers_in(tmp_path):
    from previzkit.capture.keys import create_keys
    from previzkit.cli import main

    assert main(["keys", "generate", str(tmp_path / "server"), "--name", "stage"]) == 0
    create_keys(tmp_path / "clients", "xr")
    create_keys(tmp_path / "strangers", "eve")
    server_secret = tmp_path / "server" / "stage.key_secret"
    server_public = tmp_path / "server" / "stage.key"
    with PosePublisher(
        "tcp://127.0.0.1:0", curve_secret=server_secret, curve_clients=tmp_path / "clients"
    ) as pub:
        ok = PoseSubscriber(
            pub.endpoint,
            curve_secret=tmp_path / "clients" / "xr.key_secret",
            curve_server=server_public,
        )
        eve = PoseSubscriber(
            pub.endpoint,
            curve_secret=tmp_path / "strangers" / "eve.key_secret",
            curve_server=server_public,
        )
        assert pub.wait_for_subscribers(1, 5.0)
        time.sleep(0.2)
        for i in range(3):
            pub.publish(_pose(0, i))
        got = [m.seq for m in iter(lambda: ok.receive(0.5), None)]
        assert got == [0, 1, 2]
        assert eve.receive(0.3) is None
        ok.close()
        eve.close()


def test_curve_key_errors_name_the_file(tmp_path):
    from previzkit.capture.keys import create_keys
    from previzkit.core.errors import InputError, MissingFileError, StreamAuthError

    pub_file, _ = create_keys(tmp_path, "a")
    with pytest.raises(InputError, match="exists already"):
        create_keys(tmp_path, "a")
    with pytest.raises(StreamAuthError, match=r"a\.key holds no secret"):
        PoseSubscriber("tcp://127.0.0.1:1", curve_secret=pub_file, curve_server=pub_file)
    with pytest.raises(MissingFileError, match=r"none\.key_secret"):
        PosePublisher("tcp://127.0.0.1:0", curve_secret=tmp_path / "none.key_secret")
    with pytest.raises(InputError, match="both curve_secret"):
        PoseSubscriber("tcp://127.0.0.1:1", curve_secret=pub_file)

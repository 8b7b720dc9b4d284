"""CurveZMQ on the shared set state, over real sockets on loopback, one view in its own
process: views holding each other's keys share edits both ways (a SUB connected to two
views trusts each one's own server key); a plain peer and a key not on the allow list
are refused by the share port, an impostor share port by the subscriber, and each
refusal is logged on the side that sees it; keys that do not go together are one
``error:`` line, exit 2."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from previzkit.capture.keys import create_keys
from previzkit.core.errors import InputError
from previzkit.model.setfile import load_set
from previzkit.stage.state import SetState
from previzkit.stage.sync import StateSync, check_share_keys
from tests.helpers import SAMPLE_SET, flat_stage, start_worker, worker_env, write_set

pytest.importorskip("zmq")
DEADLINE = 20.0  # s: a bound on waiting for events, not a timing being measured


@pytest.fixture(scope="module")
def keys(tmp_path_factory) -> Path:
    """root/NAME/NAME.key(_secret) per view; root/allow-NAME: whom NAME accepts."""
    root = tmp_path_factory.mktemp("viewkeys")
    for name in ("director", "operator", "gaffer", "intruder", "impostor"):
        create_keys(root / name, name)
    allow = {
        "director": ["operator"],
        "operator": ["director", "gaffer"],
        "gaffer": ["operator"],
        "impostor": ["operator"],  # it would accept the operator: the operator refuses it
        "intruder": ["director"],
    }
    for name, accepted in allow.items():
        (root / f"allow-{name}").mkdir()
        for a in accepted:
            shutil.copy(root / a / f"{a}.key", root / f"allow-{name}")
    return root


def _secret(keys: Path, name: str) -> Path:
    return keys / name / f"{name}.key_secret"


def _public(keys: Path, name: str) -> Path:
    return keys / name / f"{name}.key"


def _view(keys: Path, name: str | None, writer: str, peers: list[str] = ()) -> StateSync:
    set_def = load_set(SAMPLE_SET)
    curve = {}
    if name is not None:
        curve = {"curve_secret": _secret(keys, name), "curve_clients": keys / f"allow-{name}"}
    return StateSync(
        SetState.from_set(set_def, writer), set_def.name, "tcp://127.0.0.1:0", list(peers), **curve
    )


def _start(keys: Path, name: str, set_path: Path = SAMPLE_SET) -> tuple[subprocess.Popen, str]:
    return start_worker(
        "curve_view", set_path, _secret(keys, name), keys / f"allow-{name}", stdin=True
    )


def _finish(proc: subprocess.Popen) -> tuple[int, int, int, str]:
    """Close the view's stdin; (applied, accepted, refused, its log)."""
    out, err = proc.communicate("", timeout=DEADLINE)
    assert proc.returncode == 0, err
    words = out.split()
    return int(words[1]), int(words[3]), int(words[4]), err


def _until(views: list[StateSync], done) -> bool:
    end = time.monotonic() + DEADLINE
    while not done() and time.monotonic() < end:
        for v in views:
            v.poll(0.02)
    return done()


def _from(view: StateSync, writer: str) -> int:
    return sum(1 for e, _ in view.last_applied if e.writer == writer)


def test_views_with_each_others_keys_share_edits_both_ways(keys):
    proc, ep = _start(keys, "director")
    gaffer = _view(keys, "gaffer", "gaffer")
    op = _view(
        keys,
        "operator",
        "operator",
        [f"{ep}={_public(keys, 'director')}", f"{gaffer.endpoint}={_public(keys, 'gaffer')}"],
    )
    try:
        proc.stdin.write(f"peer {op.endpoint}={_public(keys, 'operator')}\n")
        proc.stdin.flush()
        gaffer.connect(op.endpoint, _public(keys, "operator"))
        gaffer.edit("mark/B", position=[1.0, 2.0])
        # from the director's process and from the gaffer's view, each its own server key
        assert _until([op, gaffer], lambda: _from(op, "curve-view") >= 5 and _from(op, "gaffer"))
        assert _until([op, gaffer], lambda: op.handshakes.accepted >= 2)  # both subscribed
        op.edit("mark/B", position=[-1.0, -2.0])
        assert _until([op, gaffer], lambda: gaffer.state.get("mark/B")["position"] == [-1.0, -2.0])
        assert _until([op, gaffer], lambda: "mark/ack" in op.state.objects)  # the director's
        assert op.peer_handshakes.accepted >= 2 and op.peer_handshakes.refused == 0
        assert op.handshakes.refused == 0 and op.stats.malformed == 0
    finally:
        applied, accepted, refused, err = _finish(proc)
        op.close()
        gaffer.close()
    assert applied >= 1 and accepted >= 1 and refused == 0, err


def test_plain_and_wrong_key_peers_are_refused_and_logged(keys, caplog):
    caplog.set_level(logging.WARNING, logger="previzkit.stage.sync")
    proc, ep = _start(keys, "director")
    director = f"{ep}={_public(keys, 'director')}"
    allowed = _view(keys, "operator", "operator", [director])
    intruder = _view(keys, "intruder", "intruder", [director])  # right server key, not listed
    plain = _view(keys, None, "plain", [ep])  # no CurveZMQ at all
    views = [allowed, intruder, plain]
    try:
        assert _until(
            views,
            lambda: _from(allowed, "curve-view") >= 20 and intruder.peer_handshakes.refused >= 1,
        )
        assert "auth" in intruder.peer_handshakes.reasons
        assert intruder.stats.received == 0 and plain.stats.received == 0
        assert intruder.state.get("mark/A") == plain.state.get("mark/A")  # unchanged
    finally:
        _applied, accepted, refused, err = _finish(proc)
        for v in views:
            v.close()
    assert accepted >= 1 and refused >= 2, err
    assert "set state: refused a subscriber" in err and "not on the allow list" in err
    assert "CurveZMQ handshake failed" in err  # the plain peer
    assert any("refused this subscriber's key" in r.getMessage() for r in caplog.records)


def test_impostor_share_port_is_refused_and_logged(keys, caplog):
    """A view holding another secret key on the address the operator trusts as the
    director's: the operator's subscriber refuses it."""
    caplog.set_level(logging.WARNING, logger="previzkit.stage.sync")
    proc, ep = _start(keys, "impostor")
    op = _view(keys, "operator", "operator", [f"{ep}={_public(keys, 'director')}"])
    try:
        assert _until([op], lambda: op.peer_handshakes.refused >= 1)
        assert op.stats.received == 0 and op.peer_handshakes.accepted == 0
    finally:
        _applied, _accepted, _refused, err = _finish(proc)
        op.close()
    assert any("did not prove the expected server key" in r.getMessage() for r in caplog.records)
    assert "CurveZMQ handshake failed" in err


def test_keys_that_do_not_go_together_are_refused(keys, tmp_path):
    s, c = _secret(keys, "operator"), keys / "allow-operator"
    with pytest.raises(InputError, match="both --share-secret"):
        check_share_keys(s, None, [])
    with pytest.raises(InputError, match="name the peer's public key"):
        check_share_keys(s, c, ["tcp://127.0.0.1:5560"])
    with pytest.raises(InputError, match="needs --share-secret"):
        check_share_keys(None, None, [f"tcp://127.0.0.1:5560={_public(keys, 'director')}"])
    with pytest.raises(InputError, match="expected an address"):
        check_share_keys(None, None, ["director-pc:5560"])
    with pytest.raises(InputError, match="clients folder"):
        _view_missing = StateSync(
            SetState.from_set(load_set(SAMPLE_SET), "x"),
            "x",
            "tcp://127.0.0.1:0",
            curve_secret=s,
            curve_clients=tmp_path / "nope",
        )
    with pytest.raises(Exception, match=r"nope\.key"):
        StateSync(
            SetState.from_set(load_set(SAMPLE_SET), "x"),
            "x",
            "tcp://127.0.0.1:0",
            [f"tcp://127.0.0.1:1={tmp_path / 'nope.key'}"],
            curve_secret=s,
            curve_clients=c,
        )


@pytest.mark.parametrize(
    "args, says",
    [
        (["--peer", "tcp://127.0.0.1:1=x.key"], "--share-secret"),
        (["--share", "0", "--share-secret", "s.key_secret"], "--share-clients"),
    ],
)
def test_stage_cli_key_errors_are_one_line_exit_2(tmp_path, args, says):
    proc = subprocess.run(
        [sys.executable, "-m", "previzkit", "stage", str(SAMPLE_SET), *args, "--frames", "1"],
        env=worker_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and says in lines[0], proc.stderr


@pytest.mark.gl
@pytest.mark.parametrize("name", ["operator", "intruder"])
def test_stage_cli_shares_with_keys(keys, tmp_path, name, capsys):
    """``previzkit stage --share-secret ... --share-clients ... --peer ADDR=KEY
    --save-set``: with a key the director accepts, its moves of mark A reach the stage
    and are saved; with a key it does not, nothing arrives and nothing is saved."""
    from previzkit.cli import main

    set_path = write_set(
        tmp_path,
        flat_stage("keyed") + "default_camera: CAM\nmarks:\n  A: {position: [0.0, 0.0]}\ncameras:\n"
        "  CAM: {lens: {focal_mm: 35}, position: [0.0, 1.3, 6.0], target: [0.0, 1.1, 0.0]}\n",
        props=(),
    )
    proc, ep = _start(keys, "director", set_path)
    try:
        rc = main(
            [
                "stage",
                str(set_path),
                "--subscribe",
                "tcp://127.0.0.1:1",  # no poses: the set state is what is tested
                "--share",
                "0",
                "--share-secret",
                str(_secret(keys, name)),
                "--share-clients",
                str(keys / f"allow-{name}"),
                "--peer",
                f"{ep}={_public(keys, 'director')}",
                "--save-set",
                "--realtime",
                "--fps",
                "30",
                "--frames",
                "45",
                "--size",
                "160x90",
            ]
        )
    finally:
        _finish(proc)
    out = capsys.readouterr().out
    assert rc == 0, out
    saved = load_set(set_path).marks["A"].position
    if name == "operator":
        assert "set saved" in out and saved[0] > 0.0, out
    else:
        assert "set saved" not in out and saved[0] == 0.0, out


def test_a_flooding_subscriber_gets_one_snapshot_per_interval_and_delays_no_other(keys):
    """The director (an allowed key) subscribes and unsubscribes in a loop on the
    operator's share port: its subscriptions earn one snapshot per
    PEER_SNAPSHOT_INTERVAL_S, not one per 0.5 s; the gaffer joining during the flood
    gets its snapshot (its own key: its own allowance)."""
    import zmq

    from previzkit.capture.keys import curve_client
    from previzkit.stage.sync import PEER_SNAPSHOT_INTERVAL_S

    op = _view(keys, "operator", "operator")
    op.edit("mark/B", position=[0.5, 0.5])  # what a snapshot carries
    flood = zmq.Context.instance().socket(zmq.SUB)
    flood.setsockopt(zmq.LINGER, 0)
    curve_client(flood, _secret(keys, "director"), _public(keys, "operator"))
    flood.connect(op.endpoint)
    gaffer = None
    try:
        start = time.monotonic()
        for i in range(400):
            flood.setsockopt(zmq.SUBSCRIBE if i % 2 == 0 else zmq.UNSUBSCRIBE, op.topic)
            op.poll(0.005)
        gaffer = _view(keys, "gaffer", "gaffer", [f"{op.endpoint}={_public(keys, 'operator')}"])
        assert _until([op, gaffer], lambda: gaffer.state.get("mark/B")["position"] == [0.5, 0.5])
        took = time.monotonic() - start
        assert op.stats.subscriptions >= 100  # the flood arrived
        # the director's: one per interval (+1 at the start); the gaffer's: one
        assert op.stats.snapshots <= took / PEER_SNAPSHOT_INTERVAL_S + 2, (op.stats, took)
    finally:
        flood.close(0)
        if gaffer is not None:
            gaffer.close()
        op.close()

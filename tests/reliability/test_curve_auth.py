"""CurveZMQ pose streams across two processes: the allowed subscriber receives; a
subscriber whose key is not on the allow list, a subscriber without CurveZMQ, and a
publisher (impostor) that cannot prove the server key the subscriber trusts are
refused, and each refusal is logged on the side that sees it."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from previzkit.capture.keys import create_keys, load_keys
from previzkit.capture.stream import PoseSubscriber
from previzkit.core.errors import InputError, MissingFileError, StreamAuthError
from tests.helpers import start_worker

pytest.importorskip("zmq")
SECONDS = 6.0


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    root = tmp_path_factory.mktemp("keys")
    create_keys(root / "server", "stage")
    create_keys(root / "clients", "director")  # the allow list: public keys only
    (root / "clients" / "director.key_secret").rename(root / "director.key_secret")
    create_keys(root / "elsewhere", "intruder")
    create_keys(root / "elsewhere", "impostor")
    return root


def _start(secret: Path, clients: Path, seconds: float = SECONDS):
    return start_worker("curve_publisher", secret, clients, seconds)


def _finish(proc) -> tuple[str, str]:
    out, err = proc.communicate(timeout=SECONDS + 20)
    assert proc.returncode == 0, err
    return out, err


def _receive(sub: PoseSubscriber, seconds: float) -> int:
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if sub.receive(0.1) is not None:
            n += 1
    return n


def test_allowed_subscriber_receives_and_others_are_refused_and_logged(keys, caplog):
    caplog.set_level(logging.WARNING, logger="previzkit.capture.stream")
    proc, ep = _start(keys / "server" / "stage.key_secret", keys / "clients")
    try:
        good = PoseSubscriber(
            ep,
            curve_secret=keys / "director.key_secret",
            curve_server=keys / "server" / "stage.key",
        )
        intruder = PoseSubscriber(
            ep,
            curve_secret=keys / "elsewhere" / "intruder.key_secret",
            curve_server=keys / "server" / "stage.key",
        )
        plain = PoseSubscriber(ep)  # no CurveZMQ at all
        try:
            got_good = _receive(good, 1.5)
            got_bad = _receive(intruder, 0.5) + _receive(plain, 0.5)
            assert good.handshakes.accepted >= 1 and good.handshakes.refused == 0
            assert intruder.handshakes.refused >= 1 and intruder.handshakes.accepted == 0
            assert "auth" in intruder.handshakes.reasons
        finally:
            for s in (good, intruder, plain):
                s.close()
    finally:
        out, err = _finish(proc)
    assert got_good >= 10, "the allowed subscriber received nothing"
    assert got_bad == 0, "a refused subscriber received poses"
    # the publisher process logged both refusals (not on the allow list; no CurveZMQ)
    assert "refused a subscriber" in err and "not on the allow list" in err
    assert "CurveZMQ handshake failed" in err
    accepted, refused = (int(x.split("=")[1]) for x in out.split("handshakes")[1].split())
    assert accepted >= 1 and refused >= 2
    # ... and this side logged its own refusal
    assert any("refused this subscriber's key" in r.getMessage() for r in caplog.records)


def test_impostor_publisher_is_refused_and_logged(keys, caplog):
    """A publisher holding another secret key: the subscriber trusts only stage.key."""
    caplog.set_level(logging.WARNING, logger="previzkit.capture.stream")
    proc, ep = _start(keys / "elsewhere" / "impostor.key_secret", keys / "clients")
    try:
        sub = PoseSubscriber(
            ep,
            curve_secret=keys / "director.key_secret",
            curve_server=keys / "server" / "stage.key",
        )
        try:
            got = _receive(sub, 1.5)
            refused = sub.handshakes.refused
        finally:
            sub.close()
    finally:
        _out, err = _finish(proc)
    assert got == 0 and refused >= 1
    assert any("did not prove the expected server key" in r.getMessage() for r in caplog.records)
    assert "CurveZMQ handshake failed" in err


def test_key_file_errors_name_the_file(keys, tmp_path):
    with pytest.raises(MissingFileError, match=r"nope\.key"):
        load_keys(tmp_path / "nope.key", need_secret=False)
    junk = tmp_path / "junk.key"
    junk.write_text("not a certificate\n")
    with pytest.raises(StreamAuthError, match=r"junk\.key"):
        load_keys(junk, need_secret=True)
    with pytest.raises(StreamAuthError, match=r"stage\.key.*no secret"):
        load_keys(keys / "server" / "stage.key", need_secret=True)
    with pytest.raises(InputError, match="curve_server"):
        PoseSubscriber("tcp://127.0.0.1:1", curve_secret=keys / "director.key_secret")
    with pytest.raises(InputError, match="exists already"):
        create_keys(keys / "server", "stage")


def test_keys_cli_writes_a_pair_with_a_private_secret(tmp_path):
    from previzkit.cli import main

    assert main(["keys", "generate", str(tmp_path / "k"), "--name", "cam1"]) == 0
    pub, sec = tmp_path / "k" / "cam1.key", tmp_path / "k" / "cam1.key_secret"
    assert pub.is_file() and sec.is_file()
    assert sec.stat().st_mode & 0o077 == 0
    assert load_keys(sec, need_secret=True)[1]


@pytest.mark.gl
@pytest.mark.parametrize("allowed", [True, False])
def test_stage_cli_subscribes_with_keys(keys, tmp_path, allowed, capsys, caplog):
    """``previzkit stage --subscribe ... --curve-secret ... --curve-server ...``: the
    allowed key drives the loop with live poses; a key not on the list gets none."""
    from previzkit.cli import main
    from previzkit.core.resources import asset_path

    caplog.set_level(logging.WARNING, logger="previzkit.capture.stream")
    secret = keys / ("director.key_secret" if allowed else "elsewhere/intruder.key_secret")
    proc, ep = _start(keys / "server" / "stage.key_secret", keys / "clients", seconds=120)
    try:
        rc = main(
            [
                "stage",
                str(asset_path("sets", "sample.yaml")),
                "--subscribe",
                ep,
                "--curve-secret",
                str(secret),
                "--curve-server",
                str(keys / "server" / "stage.key"),
                "--realtime",
                "--fps",
                "30",
                "--frames",
                "45",
                "--size",
                "160x90",
                "--stats",
            ]
        )
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    out = capsys.readouterr().out
    assert rc == 0, out
    row = next(ln for ln in out.splitlines() if ln.startswith("capture->received"))
    samples = int(row.split()[-1])
    if allowed:
        assert samples > 0, out
    else:
        assert samples == 0, out
        assert any("refused this subscriber's key" in r.getMessage() for r in caplog.records)

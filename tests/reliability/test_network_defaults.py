"""Network defaults (issue 23): the set state binds loopback unless an interface is
named, the Dask dashboard listens on 127.0.0.1, and a NaN in a pose track is refused
with an error naming the file (the same NaN a hostile publisher would send)."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.core.types import Pose
from previzkit.model.pose_track import PoseFrame, TrackError, TrackWriter, read_track
from previzkit.stage.sync import share_address


@pytest.mark.parametrize(
    ("given", "want"),
    [
        (None, "tcp://127.0.0.1:0"),
        ("5560", "tcp://127.0.0.1:5560"),
        ("tcp://10.0.0.5:5560", "tcp://10.0.0.5:5560"),
        ("tcp://*:5560", "tcp://*:5560"),
    ],
)
def test_share_binds_loopback_unless_an_address_is_named(given, want):
    assert share_address(given) == want


@pytest.mark.parametrize("bad", ["nonsense", "70000"])
def test_share_refuses_what_is_not_a_port_or_address(bad):
    with pytest.raises(InputError, match="--share"):
        share_address(bad)


def test_peer_only_view_listens_on_loopback():
    from previzkit.stage.state import SetState
    from previzkit.stage.sync import StateSync

    state = SetState({"mark/A": {"position": [0.0, 0.0]}}, "view")
    with StateSync(state, "s", share_address(None), ["tcp://127.0.0.1:1"]) as sync:
        assert sync.endpoint.startswith("tcp://127.0.0.1:")


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_pose_track_with_nan_names_the_file(tmp_path, bad):
    path = tmp_path / "hostile.pzt"
    world = np.zeros((33, 3), np.float32)
    world[0, 1] = bad
    with TrackWriter(path) as w:
        w.write(PoseFrame(0, 0.0, [Pose(0.0, 0, np.zeros((33, 3), np.float32), world, 1.0)]))
    with pytest.raises(TrackError, match=r"hostile\.pzt.*frame 0, actor 0.*not finite"):
        read_track(path)


@pytest.mark.gl
def test_stage_cli_names_the_track_with_nan(tmp_path, capsys):
    from previzkit.cli import main
    from tests.helpers.hostile import hostile_set

    path = tmp_path / "nan.pzt"
    world = np.full((33, 3), np.nan, np.float32)
    with TrackWriter(path) as w:
        w.write(PoseFrame(0, 0.0, [Pose(0.0, 0, np.zeros((33, 3), np.float32), world, 1.0)]))
    code = main(["stage", str(hostile_set(tmp_path)), "--poses", str(path), "--frames", "1"])
    err = capsys.readouterr().err
    assert code == 2 and "nan.pzt" in err and "not finite" in err, err


def test_dask_dashboard_listens_on_loopback():
    pytest.importorskip("distributed")
    from previzkit.batch.runner import _client

    client, cluster, _ = _client(None, 1)
    try:
        addrs = [s.getsockname()[0] for s in cluster.scheduler.http_server._sockets.values()]
        assert addrs and all(a == "127.0.0.1" for a in addrs), addrs
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    finally:
        client.close()
        cluster.close()

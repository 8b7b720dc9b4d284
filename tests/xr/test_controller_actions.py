"""Controller buttons pressed through Monado's remote driver (two Index controllers)
reach previzkit as stage events via the real OpenXR action system."""

from __future__ import annotations

import pytest

from previzkit.xr.monado_remote import free_port, remote_env

pytestmark = [pytest.mark.xr, pytest.mark.gl, pytest.mark.slow]


@pytest.fixture(scope="module")
def remote_run(xr_env, scenario, tmp_path_factory):
    port = free_port()
    env = dict(xr_env)
    env.update(remote_env(tmp_path_factory.mktemp("monado-config"), port))
    env["PREVIZKIT_REMOTE_PORT"] = str(port)
    return scenario("remote", env, tmp_path_factory.mktemp("xr-remote"))


def _types(run):
    return [e["type"] for e in run["events"]]


def test_index_profile_is_bound(remote_run):
    assert remote_run["system"] == "Monado: Remote HMD"
    assert set(remote_run["profiles"].values()) == {"/interaction_profiles/valve/index_controller"}


def test_trigger_teleports_to_where_the_left_hand_points(remote_run):
    tele = next(e for e in remote_run["events"] if e["type"] == "Teleport")
    x, y, z = tele["target"]
    # Left hand at (-0.2, 1.3, -0.3) pitched 45 degrees down: floor hit 1.3 m ahead.
    assert y == 0.0 and x == pytest.approx(-0.2, abs=0.05) and z == pytest.approx(-1.6, abs=0.05)
    assert remote_run["world_from_space"][2][3] != 0.0  # the reference space moved


def test_take_starts_and_stops(remote_run):
    takes = [e["recording"] for e in remote_run["events"] if e["type"] == "TakeToggled"]
    assert takes == [True, False]


def test_squeeze_drops_a_mark_and_drags_it(remote_run):
    ev = remote_run["events"]
    placed = next(e for e in ev if e["type"] == "MarkPlaced")
    moved = [e for e in ev if e["type"] == "MarkMoved" and e["name"] == placed["name"]]
    assert moved and moved[-1]["final"] is True
    assert moved[-1]["position"][0] > placed["position"][0] + 0.1  # dragged towards +x


def test_place_camera_then_look_through_then_change_lens(remote_run):
    types = _types(remote_run)
    assert types.index("CameraPlaced") < types.index("LookThrough") < types.index("LensChanged")
    look = next(e for e in remote_run["events"] if e["type"] == "LookThrough")
    lens = next(e for e in remote_run["events"] if e["type"] == "LensChanged")
    assert look["active"] is True and lens["lens"] > 35.0


def test_session_ends_cleanly_after_input(remote_run):
    assert remote_run["states"][-3:] == ["STOPPING", "IDLE", "EXITING"]

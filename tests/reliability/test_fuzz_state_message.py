"""Fuzz the shared set state end to end: any message a peer sends is dropped and
counted by :func:`previzkit.stage.sync.decode`, or it merges into the state and the
state saves into a set file that loads again (edit -> merge -> save)."""

from __future__ import annotations

import msgpack
import pytest
from hypothesis import given
from hypothesis import strategies as st

from previzkit.core.errors import InputError
from previzkit.model.setfile import load_set
from previzkit.stage.set_save import save_set_state
from previzkit.stage.state import SetState
from previzkit.stage.sync import decode
from tests.helpers.fuzzkit import fuzz_settings, mutated_bytes
from tests.helpers.hostile import hostile_set

_number = st.one_of(
    st.floats(),
    st.integers(-(2**63), 2**64 - 1),
    st.sampled_from([1e-300, 1e300, 0.0, -1.0, 35.0, 2.0**53, 2**64 - 1]),
)
_value = st.one_of(_number, st.lists(_number, max_size=5), st.none(), st.text(max_size=5))
_fields = st.dictionaries(
    st.sampled_from(
        ["position", "orientation", "focal_mm", "sensor_width_mm", "focus_m", "yaw_deg", "x"]
    ),
    _value,
    max_size=3,
)
_body = st.fixed_dictionaries(
    {
        "schema": st.just("previzkit.setstate"),
        "v": st.just(2),
        "op": st.sampled_from(["edit", "add", "delete", "save", "presence"]),
        "key": st.sampled_from(["camera/CAM", "mark/A", "character/ALEX", "mark/Z", "x"]),
        "fields": _fields,
        "clock": _number,
        "writer": st.sampled_from(["peer", "view", ""]),
        "wall": _number,
    }
)
SEED = msgpack.packb(
    {
        "schema": "previzkit.setstate",
        "v": 2,
        "op": "edit",
        "key": "camera/CAM",
        "fields": {"focal_mm": 50.0},
        "clock": 3,
        "writer": "peer",
        "wall": 0.0,
    }
)


@pytest.fixture(scope="module")
def set_path(tmp_path_factory):
    return hostile_set(tmp_path_factory.mktemp("fuzzstate"))


def _through(set_path, payload: bytes) -> None:
    state = SetState.from_set(load_set(set_path), "view")
    try:
        op, item = decode([b"state/hostile", payload])
    except InputError:
        return
    if op in ("save", "presence"):
        return
    try:
        changed = state.merge(item)
    except InputError:
        return  # check_fields names the key and field: counted as malformed by poll()
    assert state.clock <= 2**53
    if changed and state.edited():
        out = save_set_state(state, set_path, set_path.with_name("saved.yaml"))
        load_set(out)  # what a peer set is a valid set file


@fuzz_settings(0.15)
@given(_body)
def test_fuzz_state_message_merges_and_saves(set_path, body):
    _through(set_path, msgpack.packb(body, use_bin_type=True))


@fuzz_settings(0.15)
@given(mutated_bytes(SEED, max_ops=6))
def test_fuzz_mutated_state_message(set_path, payload):
    _through(set_path, payload)


# near-valid edits (right keys and fields, numbers anywhere): most merge and save
_near = st.one_of(
    st.fixed_dictionaries(
        {"focal_mm": st.floats(-10, 6000), "focus_m": st.floats(0.001, 1e7, allow_nan=False)}
    ),
    st.fixed_dictionaries({"position": st.lists(st.floats(-2e5, 2e5), min_size=3, max_size=3)}),
    st.fixed_dictionaries({"orientation": st.lists(st.floats(-1, 1), min_size=4, max_size=4)}),
)


@fuzz_settings(0.15)
@given(_near, st.integers(0, 2**53 + 2))
def test_fuzz_near_valid_camera_edit_merges_and_saves(set_path, fields, clock):
    body = {
        "schema": "previzkit.setstate",
        "v": 2,
        "op": "edit",
        "key": "camera/CAM",
        "fields": fields,
        "clock": clock,
        "writer": "peer",
        "wall": 0.0,
    }
    _through(set_path, msgpack.packb(body, use_bin_type=True))

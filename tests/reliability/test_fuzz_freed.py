"""Fuzz the FreeD D1 decoder: any datagram decodes to a packet that re-encodes to the
same bytes, or raises TrackingError; a receiver fed hostile datagrams keeps going."""

from __future__ import annotations

import math
import socket

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from previzkit.core.errors import TrackingError
from previzkit.overlay.tracking.freed import (
    FreeDPacket,
    FreeDReceiver,
    LensTable,
    checksum,
    decode,
    encode,
)
from tests.helpers.fuzzkit import fuzz_settings, mutated_bytes

SEED = encode(FreeDPacket(1, 12.5, -3.25, 0.5, 1200.0, -3400.0, 1650.0, 40000, 900000, 7))


def _check(data: bytes) -> None:
    try:
        p = decode(data)
    except TrackingError:
        return
    assert encode(p) == data  # lossless: every field is an integer count
    m = p.camera_to_world()
    assert np.all(np.isfinite(m))
    assert np.allclose(m[:3, :3] @ m[:3, :3].T, np.eye(3), atol=1e-9)
    q = p.orientation()
    assert math.isclose(sum(c * c for c in q), 1.0, rel_tol=1e-9) and q[3] >= 0
    lens = LensTable().lens(p)
    assert lens.focal_mm > 0


@fuzz_settings(3)
@given(mutated_bytes(SEED, max_ops=6))
def test_fuzz_mutated_packet(data):
    _check(data)


@fuzz_settings(3)
@given(st.binary(min_size=28, max_size=28))
def test_fuzz_random_body_with_good_checksum(body):
    """Every 28-byte D1 body with a correct checksum is a packet (any angles/positions)."""
    data = bytes([0xD1]) + body[1:] + bytes([checksum(bytes([0xD1]) + body[1:])])
    _check(data)
    decode(data)


@fuzz_settings()
@given(st.binary(max_size=64))
def test_fuzz_random_datagram(data):
    _check(data)


def test_receiver_survives_hostile_datagrams():
    rng = np.random.default_rng(2)
    bad = [rng.bytes(int(n)) for n in rng.integers(0, 100, 60)] + [b"", SEED[:-1] + b"\x00"]
    with (
        FreeDReceiver(("127.0.0.1", 0)) as rx,
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as tx,
    ):
        for d in bad:
            tx.sendto(d, rx.address)
        tx.sendto(SEED, rx.address)
        assert rx.wait(len(bad) + 1, timeout=10.0)
        got = rx.latest(1)
    s = rx.stats
    assert got is not None and encode(got[0]) == SEED
    assert s.packets >= 1 and s.bad_length + s.bad_type + s.bad_checksum + s.packets == len(bad) + 1

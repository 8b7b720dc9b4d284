"""FreeD D1: packets built byte by byte from the protocol description decode to the
right camera pose; a real UDP socket on 127.0.0.1 counts and drops bad checksums."""

from __future__ import annotations

import math
import socket

import numpy as np
import pytest

from previzkit.core.errors import TrackingError
from previzkit.overlay.tracking.freed import (
    FreeDPacket,
    FreeDReceiver,
    LensTable,
    checksum,
    decode,
    encode,
    parse_udp_url,
)

# pan +45.5 deg, tilt -10.25 deg, roll 0, X 1500.25 mm, Y -2000 mm, Z 1650 mm,
# zoom 0x123456, focus 0x00ABCD, camera 7: written out field by field
BODY = b"".join(
    bytes(field)
    for field in (
        [0xD1, 0x07],  # D1 message, camera id 7
        [0x16, 0xC0, 0x00],  # pan   45.5 * 32768 = 1490944 = 0x16C000
        [0xFA, 0xE0, 0x00],  # tilt -10.25 * 32768 = -335872 -> two's complement 0xFAE000
        [0x00, 0x00, 0x00],  # roll 0
        [0x01, 0x77, 0x10],  # X 1500.25 * 64 = 96016 = 0x017710
        [0xFE, 0x0C, 0x00],  # Y -2000 * 64 = -128000 -> 0xFE0C00
        [0x01, 0x9C, 0x80],  # Z 1650 * 64 = 105600 = 0x019C80
        [0x12, 0x34, 0x56],  # zoom counts
        [0x00, 0xAB, 0xCD],  # focus counts
        [0x00, 0x00],  # spare
    )
)
PACKET = BODY + bytes([(0x40 - sum(BODY)) % 256])  # checksum: 0x40 minus the sum, mod 256


def test_a_hand_built_packet_decodes_to_the_right_values():
    assert len(PACKET) == 29 and PACKET[28] == 0xF5 == checksum(PACKET)
    p = decode(PACKET)
    assert p.camera_id == 7
    assert (p.pan, p.tilt, p.roll) == (45.5, -10.25, 0.0)
    assert (p.x, p.y, p.z) == (1500.25, -2000.0, 1650.0)
    assert (p.zoom, p.focus, p.spare) == (0x123456, 0xABCD, 0)
    assert encode(p) == PACKET


def test_the_pose_in_the_set_frame():
    p = decode(PACKET)
    # FreeD X -> x, Z (height) -> y, Y (forward) -> -z; metres
    np.testing.assert_allclose(p.position_m(), (1.50025, 1.65, 2.0))
    m = p.camera_to_world()
    forward = -m[:3, 2]
    # pan 45.5 deg to the right of FreeD +Y (set -z) and 10.25 deg down
    yaw = math.degrees(math.atan2(forward[0], -forward[2]))
    pitch = math.degrees(math.asin(forward[1]))
    assert yaw == pytest.approx(45.5) and pitch == pytest.approx(-10.25)
    assert m[1, 0] == pytest.approx(0.0, abs=1e-12)  # no roll: the camera's x stays level
    q = np.array(p.orientation())
    from previzkit.core.geometry import quat_to_matrix

    np.testing.assert_allclose(quat_to_matrix(q)[:3, :3], m[:3, :3], atol=1e-9)


@pytest.mark.parametrize(
    ("pan", "tilt", "roll", "forward", "up"),
    [
        (0, 0, 0, (0, 0, -1), (0, 1, 0)),
        (90, 0, 0, (1, 0, 0), (0, 1, 0)),  # pan right: clockwise seen from above
        (0, 90, 0, (0, 1, 0), (0, 0, 1)),  # tilt up
        (0, 0, 90, (0, 0, -1), (1, 0, 0)),  # roll clockwise seen from behind: up -> right
        (-180, 0, 0, (0, 0, 1), (0, 1, 0)),
    ],
)
def test_angle_conventions(pan, tilt, roll, forward, up):
    m = FreeDPacket(0, pan, tilt, roll, 0, 0, 0, 0, 0).rotation()
    np.testing.assert_allclose(-m[:, 2], forward, atol=1e-12)
    np.testing.assert_allclose(m[:, 1], up, atol=1e-12)


def test_extremes_and_round_trips():
    p = FreeDPacket(
        255,
        -180.0,
        89.999969482421875,
        -0.000030517578125,
        -131072.0,
        131071.984375,
        0.015625,
        0xFFFFFF,
        0,
        0xBEEF,
    )
    assert decode(encode(p)) == p
    with pytest.raises(TrackingError, match="pan"):
        encode(FreeDPacket(0, 256.0, 0, 0, 0, 0, 0, 0, 0))


def test_bad_packets_are_named():
    with pytest.raises(TrackingError, match="28 bytes"):
        decode(PACKET[:28])
    with pytest.raises(TrackingError, match="0xD2"):
        decode(b"\xd2" + PACKET[1:])
    bad = PACKET[:28] + bytes([PACKET[28] ^ 1])
    with pytest.raises(TrackingError, match=r"checksum 0xF4, bytes 0-27 give 0xF5"):
        decode(bad)
    with pytest.raises(TrackingError, match="udp://HOST:PORT"):
        parse_udp_url("tcp://1.2.3.4:5")
    assert parse_udp_url("udp://0.0.0.0:40000") == ("0.0.0.0", 40000)


def test_lens_table_maps_encoder_counts():
    table = LensTable(zoom=[(0, 24.0), (1000, 70.0)], focus=[(0, 0.5), (4000, 10.0)])
    p = FreeDPacket(0, 0, 0, 0, 0, 0, 0, zoom=500, focus=2000)
    lens = table.lens(p, (36.0, 24.0))
    assert lens.focal_mm == pytest.approx(47.0) and lens.focus_m == pytest.approx(5.25)
    assert lens.sensor_width_mm == 36.0
    with pytest.raises(TrackingError, match="rising"):
        LensTable(zoom=[(10, 24.0), (5, 70.0)])


def test_udp_receiver_decodes_and_drops_bad_checksums():
    with FreeDReceiver("udp://127.0.0.1:0") as rx:
        host, port = rx.address
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            good2 = encode(FreeDPacket(7, 10.0, 0.0, 0.0, 0, 0, 1000.0, 1, 2))
            bad = PACKET[:28] + bytes([(PACKET[28] + 1) % 256])
            for data in (PACKET, bad, b"\xd1" * 10, bad, good2, b"\x00" + PACKET[1:]):
                tx.sendto(data, (host, port))
            assert rx.wait(6, timeout=5.0)
        finally:
            tx.close()
        s = rx.stats
        assert (s.packets, s.bad_checksum, s.bad_length, s.bad_type) == (2, 2, 1, 1)
        assert s.per_camera == {7: 2}
        packet, arrived = rx.latest(7)
        assert packet.pan == 10.0 and packet.z == 1000.0  # the last good one, not a bad one
        assert arrived > 0
        assert rx.latest(3) is None
        assert rx.latest()[0] == packet


def test_binding_a_busy_port_is_named():
    with FreeDReceiver(("127.0.0.1", 0)) as rx:
        port = rx.address[1]
        with pytest.raises(TrackingError, match=f"udp://127.0.0.1:{port}"):
            FreeDReceiver(f"udp://127.0.0.1:{port}")


def test_a_delayed_look_up_picks_the_packet_that_matches_a_late_plate():
    import time

    with FreeDReceiver("udp://127.0.0.1:0") as rx:
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            tx.sendto(encode(FreeDPacket(1, 10.0, 0, 0, 0, 0, 0, 0, 0)), rx.address)
            assert rx.wait(1)
            between = time.monotonic()
            time.sleep(0.05)
            tx.sendto(encode(FreeDPacket(1, 20.0, 0, 0, 0, 0, 0, 0, 0)), rx.address)
            assert rx.wait(2)
        finally:
            tx.close()
        assert rx.latest(1)[0].pan == 20.0
        assert rx.latest(1, before=between)[0].pan == 10.0
        assert rx.latest(before=between)[0].pan == 10.0
        assert rx.latest(1, before=0.0)[0].pan == 10.0  # older than all: the oldest kept
        assert rx.latest(1, before=time.monotonic())[0].pan == 20.0


@pytest.mark.parametrize(
    ("eye", "target", "roll"),
    [((1.0, 2.0, 3.0), (0.0, 0.0, 0.0), 0.0), ((-2.0, 0.5, -1.0), (3.0, 1.0, 2.0), 12.5)],
)
def test_a_packet_from_a_camera_pose_round_trips(eye, target, roll):
    from previzkit.core.geometry import axis_rotation, look_at

    m = look_at(eye, target)
    m[:3, :3] = m[:3, :3] @ axis_rotation(2, -math.radians(roll))
    p = FreeDPacket.from_camera_to_world(m, camera_id=3, zoom=5, focus=6)
    assert (p.camera_id, p.zoom, p.focus) == (3, 5, 6) and p.roll == pytest.approx(roll)
    np.testing.assert_allclose(p.camera_to_world(), m, atol=1e-12)
    np.testing.assert_allclose(decode(encode(p)).camera_to_world(), m, atol=1e-4)


def test_the_receiver_hands_out_its_history_since_a_time():
    with FreeDReceiver("udp://127.0.0.1:0") as rx:
        assert rx.history() == []
        tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            for i in range(3):
                tx.sendto(encode(FreeDPacket(2, float(i), 0, 0, 0, 0, 0, 0, 0)), rx.address)
            assert rx.wait(3)
        finally:
            tx.close()
        hist = rx.history(2)
        assert [p.pan for p, _ in hist] == [0.0, 1.0, 2.0] and rx.history() == hist
        assert [p.pan for p, _ in rx.history(2, since=hist[0][1])] == [1.0, 2.0]
        assert rx.history(9) == []

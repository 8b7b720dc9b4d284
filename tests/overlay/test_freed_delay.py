"""The FreeD-to-plate delay, measured: a real H.264 handheld plate (OpenCV's board on a
textured floor, warped with cv2) lags FreeD packets (built with ``encode`` and read with
``decode``, 60 Hz) of the same camera path by 3 frames; correlating the plate's global
image motion with the packets' rotation finds those 3 frames."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.model.camera import Lens
from previzkit.overlay.tracking.charuco import BoardDef, Calibration
from previzkit.overlay.tracking.delay import AutoDelay, MotionMeter, estimate_delay
from previzkit.overlay.tracking.freed import FreeDPacket, decode, encode
from tests.helpers.board_plate import film, h264_round_trip, handheld_path

pytestmark = pytest.mark.media

FPS, N, LAG = 30, 60, 3  # plate frames per second, frames, plate lag in frames
BOARD = BoardDef(position=(-0.21, 0.0, -0.15))
CAL = Calibration.from_lens(Lens(28.0, 24.89, 14.0, 2.0), 640, 360)


def _looking_around(t: float) -> tuple[float, float]:
    """An operator panning to and fro at uneven speeds (degrees), not walking."""
    return 12 * math.sin(2 * math.pi * 0.7 * t) + 6 * math.sin(2 * math.pi * 1.9 * t + 1), 0.0


def _path(times: np.ndarray) -> list[np.ndarray]:
    return handheld_path(times, (0.0, 1.2, 1.4), (0.0, 0.0, 0.0), _looking_around)


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """(plate times, decoded plate frames, packet times, decoded packets)."""
    plate_t = np.arange(N) / FPS
    shown = _path(plate_t - LAG / FPS)  # each plate frame shows the camera 3 frames late
    path = tmp_path_factory.mktemp("delay") / "plate.mp4"
    frames = h264_round_trip(film(BOARD, CAL, shown), path, FPS)
    packet_t = np.arange(int(N / FPS * 60) + 1) / 60.0
    packets = [decode(encode(FreeDPacket.from_camera_to_world(m, 1))) for m in _path(packet_t)]
    return plate_t, frames, packet_t, packets


def test_the_delay_between_plate_and_freed_is_found(recording):
    plate_t, frames, packet_t, packets = recording
    meter = MotionMeter()
    motion = [meter(f) for f in frames]
    assert motion[0] is None
    angles = [(p.pan, p.tilt, p.roll) for p in packets]
    est = estimate_delay(plate_t, motion[1:], packet_t, angles)
    assert est is not None
    assert est.delay_s * FPS == pytest.approx(LAG, abs=0.2), est
    assert est.score > 0.9 and est.motion_px > 5
    # the other way round (packets late): a negative delay
    late = estimate_delay(plate_t, motion[1:], packet_t + 2 / FPS, angles)
    assert late is not None and late.delay_s * FPS == pytest.approx(LAG - 2, abs=0.2)


def test_auto_delay_measures_as_frames_and_packets_come(recording):
    plate_t, frames, packet_t, packets = recording
    auto = AutoDelay(window_s=1.0, max_delay_s=0.3)
    auto.add_packets(list(zip(packets, packet_t, strict=True)))
    made = [auto.add_frame(t, f) for t, f in zip(plate_t, frames, strict=True)]
    assert auto.done and sum(m is not None for m in made) >= 1
    assert auto.estimate is not None and auto.estimate.delay_s * FPS == pytest.approx(3, abs=0.25)


def test_no_motion_no_estimate_and_bad_input_named():
    still = np.zeros((20, 2))
    t = np.arange(21) / FPS
    assert estimate_delay(t, still, t, np.zeros((21, 3))) is None
    with pytest.raises(InputError, match=r"plate_motion \(5, 2\) for 21 plate times"):
        estimate_delay(t, np.zeros((5, 2)), t, np.zeros((21, 3)))
    with pytest.raises(InputError, match="max_delay_s -1"):
        estimate_delay(t, still, t, np.zeros((21, 3)), max_delay_s=-1)


def test_a_freed_camera_measures_its_delay_and_then_uses_it(recording):
    """``FreeDCamera(auto_delay=True)`` over real UDP: packets stamped on a stepped clock
    (the receiver's, which the camera reads too) as the plate's frames come 3 frames
    late; once measured, each frame gets the packet of the pose the plate shows."""
    import socket

    from previzkit.overlay.compositor import FreeDCamera
    from previzkit.overlay.tracking.freed import FreeDReceiver

    plate_t, frames, packet_t, packets = recording
    now = [0.0]
    rx = FreeDReceiver("udp://127.0.0.1:0", clock=lambda: now[0])
    cam = FreeDCamera(rx, camera_id=1, auto_delay=True, stale_s=0.5)
    cam.auto = AutoDelay(window_s=1.0, max_delay_s=0.3)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    got = []
    try:
        for j, (p, t) in enumerate(zip(packets, packet_t, strict=True)):
            now[0] = float(t)
            tx.sendto(encode(p), rx.address)
            assert rx.wait(j + 1)
            if j % 2 == 0 and j // 2 < N:  # a plate frame every other packet
                got.append(cam.update(frames[j // 2]))
    finally:
        tx.close()
        cam.close()
    assert cam.delay_estimate is not None
    assert cam.delay_s * FPS == pytest.approx(LAG, abs=0.25)
    shown = _path(plate_t - LAG / FPS)
    for k in range(N - 5, N):  # the last frames: the pose the plate shows (a 60 Hz packet)
        assert got[k] is not None
        np.testing.assert_allclose(got[k][0][:3, 3], shown[k][:3, 3], atol=4e-3)

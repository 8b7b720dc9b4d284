"""The AR overlay composes a correct frame: a virtual prop over the plate, a character
behind a keyed actor where its depth is larger; the camera tracked from a ChArUco
board in the plate or from FreeD packets over UDP."""

from __future__ import annotations

import math
import socket

import numpy as np
import pytest

from previzkit.core.errors import InputError, ShapeError
from previzkit.core.geometry import look_at, view_matrix
from previzkit.model.camera import Lens, perspective_from_lens, project_points
from previzkit.overlay.compositor import STAGES, FixedCamera, Overlay, OverlayOptions, compose
from tests.helpers import flat_stage, write_set

pytestmark = pytest.mark.gl

W, H = 640, 360
SET = (
    flat_stage("overlay stage")
    + """cameras:
  CAM: {lens: {focal_mm: 35}, position: [0.0, 1.2, 5.0], target: [0.0, 1.0, 0.0]}
props:
  - {name: ball, mesh: ball.glb, position: [0.05, 0.8, 3.5], scale: 0.5, color: [0.9, 0.1, 0.1]}
characters:
  - {name: ALEX, model: mannequin, position: [-0.3, 0, 0.0], yaw_deg: 0, color: [0.95, 0.2, 0.9]}
"""
)
GREEN, SKIN = (40, 200, 60), (200, 150, 120)
ACTOR = (slice(60, 330), slice(300, 380))  # rows, columns of the actor in the plate


@pytest.fixture
def set_file(tmp_path):
    return write_set(tmp_path, SET)


def _plate():
    plate = np.empty((H, W, 3), np.uint8)
    plate[:] = GREEN
    plate[ACTOR] = SKIN
    return plate


def _camera(set_file):
    from previzkit.model.setfile import load_set

    cam = load_set(set_file).camera("CAM")
    return cam.camera_to_world(), cam.lens


def _px(point, pose, lens):
    proj = perspective_from_lens(lens, W / H)
    x, y = project_points(np.array([point]), view_matrix(pose), proj, W, H)[0]
    return int(y), int(x)


def _red(img):
    return (img[..., 0] > 150) & (img[..., 1] < 80) & (img[..., 2] < 80)


def _is(rgb, color, tol=40):
    return bool(np.all(np.abs(rgb.astype(int) - color) <= tol))


@pytest.mark.slow
def test_a_character_passes_behind_the_keyed_actor_and_a_prop_in_front(gl, set_file):
    pose, lens = _camera(set_file)
    opts = OverlayOptions(W, H, matte="green", actor_depth_m=2.5)
    with Overlay(gl, set_file, FixedCamera(pose, lens), opts) as ov:
        frame = ov.process(_plate())
    img = frame.image
    assert frame.tracked and frame.actor_depth_m == 2.5
    assert set(frame.timings) == set(STAGES)
    magenta = (242, 51, 230)
    # the character's chest (5 m away) left of the actor: drawn
    assert _is(img[_px((-0.3, 1.3, 0.0), pose, lens)], magenta, 60)
    # its right hand reaches behind the actor (2.5 m): the actor covers it
    hand = _px((0.3, 1.42, 0.0), pose, lens)
    assert ACTOR[1].start <= hand[1] < ACTOR[1].stop
    assert _is(img[hand], SKIN, 30)
    # the ball (1.5 m away) is in front of the actor: drawn over them
    ball = _red(img)
    assert ball.sum() > 300
    assert ball[ACTOR].sum() > 0.3 * ball.sum()  # drawn over the actor
    # the green screen is replaced by the set's backdrop everywhere
    green = np.all(np.abs(img.astype(int) - GREEN) <= 30, axis=-1)
    assert green.sum() == 0
    assert _is(img[10, 10], (51, 77, 204), 10)
    assert frame.matte[ACTOR].min() == 255 and frame.matte[5, 5] == 0


def test_the_plate_shows_wherever_nothing_virtual_is_drawn(gl, set_file):
    pose, lens = _camera(set_file)
    plate = _plate()
    with Overlay(gl, set_file, FixedCamera(pose, lens), OverlayOptions(W, H, matte="none")) as ov:
        frame = ov.process(plate)
    img = frame.image
    assert frame.matte is None and frame.actor_depth_m is None
    np.testing.assert_array_equal(img[10, 10], GREEN)  # no sky, no floor: the plate
    np.testing.assert_array_equal(img[350, 5], GREEN)
    assert _red(img).sum() > 300  # the prop over the plate
    hand = _px((0.3, 1.42, 0.0), pose, lens)
    assert _is(img[hand], (242, 51, 230), 60)  # without a matte the character covers the actor


def test_the_actor_depth_follows_a_set_position(gl, set_file):
    pose, lens = _camera(set_file)
    opts = OverlayOptions(W, H, actor_position=(0.0, 0.0, -1.0))  # behind the character
    with Overlay(gl, set_file, FixedCamera(pose, lens), opts) as ov:
        frame = ov.process(_plate())
    assert frame.actor_depth_m == pytest.approx(-(view_matrix(pose) @ [0, 0, -1, 1])[2])
    hand = _px((0.3, 1.42, 0.0), pose, lens)
    assert _is(frame.image[hand], (242, 51, 230), 60)  # the character is in front now


def _board_plate(gl, tmp_path):
    """A ChArUco board on the floor of a grey stage, seen by a 24 mm pinhole camera:
    (board, lens, the camera's true camera-to-world, the stage's set file, the plate)."""
    from previzkit.overlay.tracking.board_drawable import BoardDrawable
    from previzkit.overlay.tracking.charuco import BoardDef
    from previzkit.render.look import Look
    from previzkit.render.renderer import Renderer

    board = BoardDef(square_m=0.2, marker_m=0.15, position=(-0.7, 0.003, 2.2))  # on the floor
    lens = Lens(24.0, 24.89, 18.66, 3.0)
    truth = look_at((0.3, 1.4, 5.6), (0.0, 0.4, 3.0))
    stage = tmp_path / "board_stage.yaml"
    stage.write_text(
        "name: s\nbackground: {color: [0.5, 0.5, 0.5]}\n"
        "lights:\n  - {type: ambient, color: [1, 1, 1]}\n"
    )
    with Renderer(gl, stage, look=Look.off()) as film:  # a plain "real camera" plate
        film.drawables.add(BoardDrawable(gl, board))
        plate = film.render_image((truth, lens), W, H, samples=4)
    return board, lens, truth, stage, plate


def test_a_board_in_the_plate_places_the_camera(gl, set_file, tmp_path):
    from previzkit.overlay.compositor import BoardCamera
    from previzkit.overlay.tracking.charuco import Calibration

    board, lens, truth, _, plate = _board_plate(gl, tmp_path)
    tracker = BoardCamera(board, Calibration.from_lens(lens, W, H))
    initial = (look_at((3, 3, 3), (0, 0, 0)), Lens())
    opts = OverlayOptions(W, H, matte="none")
    with Overlay(gl, set_file, tracker, opts, initial=initial) as ov:
        frame = ov.process(plate)
        lost = ov.process(np.full((H, W, 3), 128, np.uint8))  # board out of view
    assert frame.tracked
    assert np.linalg.norm(frame.camera_to_world[:3, 3] - truth[:3, 3]) < 0.01
    assert frame.lens.focal_mm == pytest.approx(24.0, rel=1e-6)
    with Overlay(gl, set_file, FixedCamera(truth, lens), opts) as ov2:
        expected = _red(ov2.process(plate).image)
    got = _red(frame.image)
    assert expected.sum() > 300
    assert (got & expected).sum() / (got | expected).sum() > 0.95  # the ball where it belongs
    assert not lost.tracked and ov.lost == 1
    np.testing.assert_allclose(lost.camera_to_world, frame.camera_to_world)  # kept


def test_freed_packets_drive_the_camera(gl, set_file):
    from previzkit.overlay.compositor import FreeDCamera
    from previzkit.overlay.tracking.freed import FreeDPacket, FreeDReceiver, LensTable, encode

    rx = FreeDReceiver("udp://127.0.0.1:0")
    table = LensTable(zoom=[(0, 20.0), (10000, 100.0)], focus=[(0, 1.0), (10000, 11.0)])
    cam = FreeDCamera(rx, table, camera_id=2)
    # the set's CAM: pan 0, tilt down to (0, 1, 0), x 0, height 1.2 m, 5 m back (FreeD Y -5 m)
    tilt = -math.degrees(math.atan2(0.2, 5.0))
    packet = FreeDPacket(2, 0.0, tilt, 0.0, 0.0, -5000.0, 1200.0, zoom=1875, focus=2000)
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        tx.sendto(encode(packet), rx.address)
        assert rx.wait(1)
    finally:
        tx.close()
    with Overlay(gl, set_file, cam, OverlayOptions(W, H, matte="none")) as ov:
        frame = ov.process(_plate())
    assert frame.tracked
    np.testing.assert_allclose(frame.camera_to_world[:3, 3], (0.0, 1.2, 5.0), atol=1e-6)
    assert frame.lens.focal_mm == pytest.approx(35.0) and frame.lens.focus_m == pytest.approx(3.0)
    forward = -frame.camera_to_world[:3, 2]
    assert np.degrees(np.arcsin(forward[1])) == pytest.approx(tilt, abs=1e-4)
    with Overlay(
        gl,
        set_file,
        FixedCamera(_camera(set_file)[0], Lens(35.0, 24.89, 18.66, 3.0)),
        OverlayOptions(W, H, matte="none"),
    ) as ov2:
        expected = ov2.process(_plate()).image
    differ = np.any(np.abs(frame.image.astype(int) - expected) > 8, axis=-1)
    assert differ.mean() < 0.001  # the same picture as the set camera's


def test_compose_is_a_depth_composite_over_the_plate():
    plate = np.zeros((2, 2, 3), np.uint8)
    virt = np.zeros((2, 2, 4), np.uint8)
    virt[:, 0] = (255, 0, 0, 255)
    depth = np.full((2, 2), np.inf, np.float32)
    depth[0, 0], depth[1, 0] = 1.0, 9.0
    actor = np.zeros((2, 2, 4), np.uint8)
    actor[:, :] = (0, 0, 255, 255)
    out = compose(plate, virt, depth, actor, 3.0, backend="numpy")
    assert out[0, 0].tolist() == [255, 0, 0]  # virtual nearer
    assert out[1, 0].tolist() == [0, 0, 255]  # actor nearer
    assert compose(plate, virt, depth, None, None, backend="numpy")[1, 0].tolist() == [255, 0, 0]


def test_bad_inputs_are_named(gl, set_file):
    pose, lens = _camera(set_file)
    with pytest.raises(InputError, match="matte 'chroma'"):
        OverlayOptions(matte="chroma")
    with pytest.raises(InputError, match="actor_depth_m"):
        OverlayOptions(actor_depth_m=0)
    assert OverlayOptions(matte="segment").backdrop is False  # the plate is the real set
    assert OverlayOptions(matte="green").backdrop is True
    ov = Overlay(gl, set_file, FixedCamera(pose, lens), OverlayOptions(W, H))
    try:
        with pytest.raises(ShapeError, match=r"\(360, 640, 3\)"):
            ov.process(np.zeros((H, W + 2, 3), np.uint8))
    finally:
        ov.close()


def test_the_actor_plane_maps_to_the_z_buffer_and_back():
    from previzkit.composite import zbuffer_to_depth
    from previzkit.overlay.compositor import zbuffer_of_depth

    proj = perspective_from_lens(Lens(), W / H, 0.05, 500.0)
    for d in (0.1, 1.0, 2.5, 40.0, 400.0):
        z = zbuffer_of_depth(d, proj)
        assert 0.0 < z < 1.0
        assert float(zbuffer_to_depth(np.array([z]), proj)[0]) == pytest.approx(d, rel=1e-5)
    assert zbuffer_of_depth(1.0, proj) < zbuffer_of_depth(2.0, proj)  # the order is kept


def test_a_distorted_lens_is_tracked_and_its_plate_undistorted_to_the_render(gl, tmp_path):
    import cv2

    from previzkit.overlay.compositor import BoardCamera
    from previzkit.overlay.tracking.charuco import Calibration

    board, lens, truth, stage, pinhole = _board_plate(gl, tmp_path)
    # the "real" camera: barrel distortion and an off-centre principal point
    f = lens.focal_px(W)
    k = np.array([[f, 0, W / 2 - 0.5 + 12], [0, f, H / 2 - 0.5 - 7], [0, 0, 1.0]])
    dist = np.array([-0.15, 0.05, 0.0, 0.0, 0.0])
    px = np.stack(np.meshgrid(np.arange(W), np.arange(H)), -1).reshape(-1, 1, 2).astype(np.float64)
    norm = cv2.undistortPoints(px, k, dist).reshape(H, W, 2)
    maps = (norm * f + (W / 2 - 0.5, H / 2 - 0.5)).astype(np.float32)
    shot = cv2.remap(pinhole, maps[..., 0], maps[..., 1], cv2.INTER_LINEAR)
    cal = Calibration(W, H, k, dist, 0.0, lens.sensor_width_mm)

    def run(undistort):
        opts = OverlayOptions(W, H, matte="none")
        with Overlay(gl, stage, BoardCamera(board, cal, undistort=undistort), opts) as ov:
            return ov.process(shot)

    frame = run(True)
    assert frame.tracked
    dist_m, angle = (
        np.linalg.norm(frame.camera_to_world[:3, 3] - truth[:3, 3]),
        np.degrees(
            np.arccos(
                np.clip((np.trace(frame.camera_to_world[:3, :3].T @ truth[:3, :3]) - 1) / 2, -1, 1)
            )
        ),
    )
    assert dist_m < 0.01 and angle < 0.5, (dist_m, angle)
    inner = (slice(30, H - 30), slice(40, W - 40))
    fixed = np.abs(frame.image[inner].astype(int) - pinhole[inner]).mean()
    as_shot = np.abs(run(False).image[inner].astype(int) - pinhole[inner]).mean()
    assert fixed < 3.0 and as_shot > 5 * fixed, (fixed, as_shot)  # resampled twice: ~2 left

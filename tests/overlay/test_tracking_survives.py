"""Tracking that survives: a handheld H.264 plate of OpenCV's own ChArUco board on a
textured floor (warped by a known camera path with cv2, not previzkit's renderer) pans
off the board for about 20 frames and back. Through the overlay the camera error grows
smoothly while the board is out, the overlay is marked lost (faded, badge) after the
horizon and snaps back within 3 frames; with FreeD beside the board, FreeD carries the
camera through and the board corrects FreeD's offset. The pose filter on its own."""

from __future__ import annotations

import math
import socket

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.model.camera import Lens
from previzkit.overlay.tracking.charuco import CV_TO_GL, BoardDef, Calibration
from previzkit.overlay.tracking.filter import (
    CameraFilter,
    FilterParams,
    TrackState,
    matrix_to_rotvec,
    rotvec_to_matrix,
)
from tests.helpers import flat_stage, write_set
from tests.helpers.board_plate import film, h264_round_trip, handheld_path, smoothstep

FPS = 30
N = 72
W, H = 960, 540
BOARD = BoardDef(position=(-0.21, 0.0, -0.15))  # 7x5 x 6 cm, flat on the floor at the origin
CAL = Calibration.from_lens(Lens(28.0, 24.89, 14.0, 2.0), W, H)
BALL = (0.0, 0.1, 0.05)
SET = (
    flat_stage("floor stage")
    + "props:\n  - {name: ball, mesh: ball.glb, position: [0.0, 0.1, 0.05], scale: 0.2, "
    "color: [0.9, 0.1, 0.1]}\n"
)


def _away(t: float) -> tuple[float, float]:
    """Pan 60 degrees left while stepping 25 cm left, hold, come back."""
    f = t * FPS
    a = smoothstep((f - 20) / 14) - smoothstep((f - 39) / 14)
    return 60.0 * a, -0.25 * a


TIMES = np.arange(N) / FPS
TRUTH = handheld_path(TIMES, (0.0, 1.2, 1.4), (0.0, 0.0, 0.0), _away)


@pytest.fixture(scope="module")
def plate_file(tmp_path_factory):
    """The handheld plate (H.264 MP4) and its decoded frames."""
    path = tmp_path_factory.mktemp("plate") / "handheld.mp4"
    return path, h264_round_trip(film(BOARD, CAL, TRUTH), path, FPS)


@pytest.fixture(scope="module")
def plate(plate_file):
    return plate_file[1]


def _px(pose: np.ndarray, point) -> np.ndarray:
    """Pixel (x right, y down) of a set point seen through ``pose`` and the plate's lens."""
    c = CV_TO_GL @ np.linalg.inv(pose) @ np.array([*point, 1.0])
    u = CAL.camera_matrix @ c[:3]
    return u[:2] / u[2]


def _err(pose: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Position (m) and angle (deg) error."""
    d = float(np.linalg.norm(pose[:3, 3] - truth[:3, 3]))
    a = math.degrees(float(np.linalg.norm(matrix_to_rotvec(pose[:3, :3] @ truth[:3, :3].T))))
    return d, a


@pytest.mark.gl
@pytest.mark.media
def test_the_overlay_predicts_fades_when_lost_and_snaps_back(gl, plate, tmp_path):
    from previzkit.overlay.compositor import BoardCamera, Overlay, OverlayOptions

    set_file = write_set(tmp_path, SET)
    opts = OverlayOptions(W, H, matte="none", backdrop=False)
    frames = []
    with Overlay(gl, set_file, BoardCamera(BOARD, CAL), opts) as ov:
        for i, img in enumerate(plate):
            frames.append(ov.process(img, TIMES[i]))
        states = dict(ov.states)
    tracked = np.array([f.tracked for f in frames])
    out = np.flatnonzero(~tracked)
    assert 18 <= len(out) <= 24 and np.all(np.diff(out) == 1), out  # one gap, ~20 frames
    gone, back = int(out[0]), int(out[-1]) + 1
    errors = [_err(f.camera_to_world, t) for f, t in zip(frames, TRUTH, strict=True)]
    pos = np.array([e[0] for e in errors])

    # board in view: within a centimetre, the ball within a pixel (the filter adds no lag)
    assert np.median(pos[:gone]) < 0.006 and np.max(pos[:gone]) < 0.02
    ball = [
        np.linalg.norm(_px(f.camera_to_world, BALL) - _px(t, BALL))
        for f, t in zip(frames, TRUTH, strict=True)
    ]
    inview = np.array(ball)[tracked]
    assert np.median(inview) < 0.6 and inview.max() < 3.0, inview
    # while it is out: predicted, the error grows smoothly (no jump over 5 cm a frame)
    steps = np.abs(np.diff(pos[gone - 1 : back]))  # from the last tracked frame on
    assert steps.max() < 0.05, steps
    horizon = int(FilterParams().horizon_s * FPS)
    seen = [frames[i].state for i in out]
    assert seen[:horizon] == ["predicting"] * horizon
    assert seen[horizon + 1 :] == ["lost"] * (len(out) - horizon - 1)
    vis = np.array([frames[i].visibility for i in out])
    assert np.all(np.diff(vis) <= 0) and vis[0] == 1.0 and vis[-1] == 0.0  # fades out
    # lost and faded: the plate as shot, apart from the TRACKING LOST badge top left
    last = frames[back - 1]
    differ = np.any(last.image != plate[back - 1], axis=-1)
    assert differ[:60, :220].mean() > 0.2  # the badge
    differ[:60, :220] = False
    assert not differ.any()
    # while tracking, the red ball is drawn; after the return too
    red = lambda im: (im[..., 0] > 150) & (im[..., 1] < 80) & (im[..., 2] < 80)  # noqa: E731
    assert red(frames[5].image).sum() > 200 and red(frames[back + 2].image).sum() > 200
    # back: within 3 frames under a centimetre, then it stays there
    assert frames[back].state == "tracking"
    assert pos[back + 2] < 0.01 and np.all(pos[back + 2 :] < 0.015), pos[back:]
    assert states == {
        "tracking": N - len(out),
        "predicting": horizon,
        "lost": len(out) - horizon,
    }


def test_freed_carries_the_camera_while_the_board_corrects_its_offset(plate):
    """FreeD packets (over real UDP) of the true path seen through a misplaced tracker
    frame (12 cm and 3 degrees off, drifting 1 cm/s); the board in the plate fixes the
    offset, and FreeD carries the camera through the 20 frames without the board."""
    from previzkit.overlay.compositor import BoardCamera, FreeDCamera
    from previzkit.overlay.tracking.freed import FreeDPacket, FreeDReceiver, encode
    from previzkit.overlay.tracking.fusion import FusedCamera

    def misplaced(t: float) -> np.ndarray:  # set frame -> tracker frame
        m = np.eye(4)
        m[:3, :3] = rotvec_to_matrix(np.radians([0.0, 3.0, 0.0]))
        m[:3, 3] = (0.12 + 0.01 * t, 0.0, -0.05)
        return m

    rx = FreeDReceiver("udp://127.0.0.1:0")
    fused = FusedCamera(BoardCamera(BOARD, CAL), FreeDCamera(rx, camera_id=4))
    flt = CameraFilter()
    tx = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        out = []
        for i, img in enumerate(plate):
            seen = misplaced(TIMES[i]) @ TRUTH[i]
            tx.sendto(encode(FreeDPacket.from_camera_to_world(seen, 4)), rx.address)
            assert rx.wait(i + 1)
            got = fused.update(img)
            est = flt.step(TIMES[i], None if got is None else got[0], fused.noise)
            out.append((fused.source, est, _err(seen, TRUTH[i])[0]))
    finally:
        tx.close()
        fused.close()
    sources = [s for s, _, _ in out]
    assert sources.count("freed") >= 18 and set(sources) == {"freed", "freed+board"}
    assert all(e.state == TrackState.TRACKING for _, e, _ in out)
    raw = np.array([r for _, _, r in out])
    pos = np.array([_err(e.camera_to_world, t)[0] for (_, e, _), t in zip(out, TRUTH, strict=True)])
    assert raw.min() > 0.05  # FreeD alone is off by its frame's offset
    settled = slice(15, None)  # the offset's low-pass settles in half a second
    assert np.median(pos[settled]) < 0.006 and pos[settled].max() < 0.02, pos


def test_motion_blur_dropouts_are_predicted_not_frozen(tmp_path):
    """A camera swinging 12 degrees to and fro (60 deg/s mid-swing, stepping 15 cm)
    with a 180-degree shutter: about 18 px of motion blur loses the board for 7-8
    frames each swing. The filter predicts through them (never lost) and stays much
    nearer the truth than the last good pose would (5 cm / 7 degrees against 17 cm /
    15 degrees in the second swing)."""
    from previzkit.overlay.tracking.charuco import BoardTracker

    times = np.arange(45) / FPS
    truth = handheld_path(
        times,
        (0.0, 1.2, 1.4),
        (0.0, 0.0, 0.0),
        lambda t: (12 * math.sin(5.0 * t), 0.15 * math.sin(5.0 * t)),
    )
    frames = h264_round_trip(film(BOARD, CAL, truth, shutter=0.5), tmp_path / "blur.mp4", FPS)
    tracker, flt = BoardTracker(BOARD, CAL), CameraFilter()
    last, rows = None, []
    for i, img in enumerate(frames):
        found = tracker.track(img)
        m = None if found is None else found.camera_to_world
        est = flt.step(times[i], m)
        last = m if m is not None else last
        rows.append(
            (m is None, est.state, _err(est.camera_to_world, truth[i]), _err(last, truth[i]))
        )
    dropped = [i for i, r in enumerate(rows) if r[0]]
    late = [i for i in dropped if i > 30]  # the second swing: the velocity is known
    assert len(dropped) >= 10 and len(late) >= 5, dropped
    assert all(rows[i][1] == TrackState.PREDICTING for i in dropped)
    predicted = max(rows[i][2][0] for i in late), max(rows[i][2][1] for i in late)
    held = max(rows[i][3][0] for i in late), max(rows[i][3][1] for i in late)
    assert predicted[0] < 0.5 * held[0] and predicted[1] < 0.7 * held[1], (predicted, held)


def _move(t: float) -> np.ndarray:
    """A camera gliding at (1, 0, -0.5) m/s, turning 20 deg/s about y."""
    m = np.eye(4)
    m[:3, :3] = rotvec_to_matrix(np.array([0.0, math.radians(20.0) * t, 0.0]))
    m[:3, 3] = (1.0 * t, 1.5, -0.5 * t)
    return m


def test_the_filter_follows_constant_motion_and_extrapolates_through_a_dropout():
    f = CameraFilter()
    for i in range(30):
        est = f.step(i / FPS, _move(i / FPS))
    d, a = _err(est.camera_to_world, _move(29 / FPS))
    assert d < 0.002 and a < 0.1 and est.state == TrackState.TRACKING
    # three frames without a measurement: predicted along (damped), uncertainty grows
    sig = est.position_sigma_m
    for i in range(30, 33):
        est = f.step(i / FPS, None)
        assert est.state == TrackState.PREDICTING and est.position_sigma_m > sig
        sig = est.position_sigma_m
    d, _ = _err(est.camera_to_world, _move(32 / FPS))
    assert d < 0.02  # a frozen pose would be 11 cm behind
    est = f.step(33 / FPS, _move(33 / FPS))
    assert (
        est.state == TrackState.TRACKING and _err(est.camera_to_world, _move(33 / FPS))[0] < 0.003
    )


def test_lost_after_the_horizon_then_relocalised_at_once():
    f = CameraFilter(FilterParams(horizon_s=0.2, fade_s=0.1))
    assert f.step(0.0, None).state == TrackState.LOST  # nothing yet
    assert f.step(0.0, None).camera_to_world is None
    for i in range(10):
        f.step(i / FPS, _move(i / FPS))
    states = [f.step(i / FPS, None) for i in range(10, 20)]
    assert [s.state.value[0] for s in states] == list("pppppplll" + "l")
    assert [round(s.visibility, 2) for s in states[6:]] == [0.67, 0.33, 0.0, 0.0]
    far = _move(3.0)  # the board comes back somewhere else entirely
    est = f.step(20 / FPS, far)
    assert est.state == TrackState.TRACKING
    np.testing.assert_allclose(est.camera_to_world, far, atol=1e-9)


def test_one_wild_measurement_is_gated_two_relocalise():
    f = CameraFilter()
    still = _move(0.0)
    for i in range(20):
        f.step(i / FPS, still)
    flipped = still.copy()
    flipped[:3, :3] = rotvec_to_matrix(np.radians([40.0, 0, 0])) @ still[:3, :3]  # a PnP flip
    est = f.step(20 / FPS, flipped)
    assert est.state == TrackState.PREDICTING and _err(est.camera_to_world, still)[1] < 0.01
    est = f.step(21 / FPS, flipped)
    assert est.state == TrackState.TRACKING and _err(est.camera_to_world, flipped)[1] < 1e-6


def test_filter_params_are_checked():
    with pytest.raises(InputError, match="horizon_s -1"):
        FilterParams(horizon_s=-1)
    with pytest.raises(InputError, match="gate_sigma"):
        FilterParams(gate_sigma=math.nan)


@pytest.mark.gl
@pytest.mark.media
def test_the_cli_runs_board_and_freed_together_and_records_the_states(plate_file, tmp_path, capsys):
    """``--board`` with ``--freed`` (no packets come: the board alone tracks),
    ``--freed-delay auto`` (nothing to measure against), a short ``--track-horizon``; the
    take's journal marks when tracking was lost and found."""
    from previzkit.cli import main
    from previzkit.takes.journal import read_journal
    from previzkit.takes.store import TakeStore

    set_file = write_set(tmp_path, SET)
    (tmp_path / "board.yaml").write_text(
        "board:\n  squares: [7, 5]\n  square_m: 0.06\n  marker_m: 0.045\n"
        "  position: [-0.21, 0.0, -0.15]\n"
    )
    CAL.save(tmp_path / "cam.yaml")
    project = tmp_path / "day"
    args = ["overlay", "--plate", str(plate_file[0]), "--board", str(tmp_path / "board.yaml")]
    args += ["--calibration", str(tmp_path / "cam.yaml"), "--freed", "udp://127.0.0.1:0"]
    args += ["--freed-delay", "auto", "--track-horizon", "0.2", "--matte", "none"]
    args += ["--frames", "40", "-p", str(project), "--stats", str(set_file)]
    assert main(args) == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert "overlay: 40 frames, tracking lost on 13 (predicted 6, shown lost 7)" in said, said
    assert "FreeD delay: not measured" in said
    with TakeStore(project) as store:
        take = store.get("1", "1-A", 1)
        marks = read_journal(store.take_dir(take) / "journal.pzj").marks()
    assert [(m["frame"], m["state"]) for m in marks if m.get("event") == "tracking"] == [
        (0, "tracking"),
        (27, "predicting"),
        (33, "lost"),
    ]


def test_bad_tracking_options_end_in_one_line(tmp_path, capsys):
    from previzkit.cli import main

    set_file = write_set(tmp_path, SET)
    for opt, why in (
        (["--freed-delay", "soon"], "error: --freed-delay 'soon': milliseconds or 'auto'"),
        (["--freed-delay", "-5"], "error: --freed-delay '-5': milliseconds in [0, 10000)"),
        (["--track-horizon", "0"], "error: --track-horizon 0.0: must be > 0 seconds"),
    ):
        assert main(["overlay", "--plate", "x.mp4", *opt, str(set_file)]) == 2
        assert capsys.readouterr().err.strip() == why


def test_the_fade_scales_the_premultiplied_layer():
    from previzkit.overlay.tracking.badge import draw_lost_badge, fade_layer

    layer = np.array([[[255, 128, 2, 255]]], np.uint8)
    z = np.array([[0.3]], np.float32)
    assert fade_layer(layer, z, 1.0)[0] is layer
    half, zz = fade_layer(layer, z, 0.5)
    assert half.ravel().tolist() == [128, 64, 1, 128] and zz is z
    gone, zgone = fade_layer(layer, z, 0.0)
    assert not gone.any() and zgone.ravel().tolist() == [1.0]
    img = np.zeros((40, 50, 3), np.uint8)  # smaller than the badge: clipped, no error
    draw_lost_badge(img)
    assert img[12:, 12:].any() and not img[:12].any()

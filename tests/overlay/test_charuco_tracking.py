"""ChArUco: a board rendered by previzkit's renderer at a known camera pose is tracked
back within 1 cm / 0.5 deg; lens calibration from rendered views finds the lens; board
and calibration files are validated."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import MissingFileError, TrackingError
from previzkit.core.geometry import look_at
from previzkit.model.camera import Lens
from previzkit.overlay.tracking.charuco import (
    BoardDef,
    BoardTracker,
    Calibration,
    calibrate,
    load_board,
    load_calibration,
)
from tests.helpers import flat_stage

pytestmark = pytest.mark.gl

SET = flat_stage("board stage", 6, (0.45, 0.5, 0.55))
WALL = (1.0, 0.0, 0.0, 0.0)  # board frame -> set: printed face toward +z, rows downward


@pytest.fixture
def renderer(gl, tmp_path):
    from previzkit.render.renderer import Renderer

    path = tmp_path / "set.yaml"
    path.write_text(SET)
    r = Renderer(gl, path)
    yield r
    r.release()


def _film(renderer, board, pose, lens, size=(1280, 720)):
    from previzkit.overlay.tracking.board_drawable import BoardDrawable

    d = renderer.drawables.add(BoardDrawable(renderer.ctx, board))
    try:
        return renderer.render_image((pose, lens), *size, samples=4)
    finally:
        renderer.drawables.remove(d)
        d.release()


def _errors(found, truth):
    dist = np.linalg.norm(found[:3, 3] - truth[:3, 3])
    r = found[:3, :3].T @ truth[:3, :3]
    angle = np.degrees(np.arccos(np.clip((np.trace(r) - 1) / 2, -1, 1)))
    return dist, angle


@pytest.mark.parametrize(
    ("eye", "focal"),
    [((0.3, 1.1, 1.0), 35.0), ((-0.55, 1.45, 0.9), 28.0), ((0.5, 0.85, 1.6), 50.0)],
)
def test_a_rendered_wall_board_is_tracked_back(renderer, eye, focal):
    board = BoardDef(square_m=0.06, marker_m=0.045, position=(-0.21, 1.3, 0.0), orientation=WALL)
    lens = Lens(focal, 24.89, 18.66, 2.0)
    truth = look_at(eye, (0.02, 1.13, 0.0))
    img = _film(renderer, board, truth, lens)
    tracked = BoardTracker(board, Calibration.from_lens(lens, 1280, 720)).track(img)
    assert tracked is not None and tracked.corners >= 12
    dist, angle = _errors(tracked.camera_to_world, truth)
    assert dist < 0.01 and angle < 0.5, (dist, angle)
    assert tracked.error_px < 0.5


def test_a_board_on_the_floor_by_default(renderer):
    board = BoardDef(square_m=0.08, marker_m=0.06, position=(-0.28, 0.002, -0.2))  # flat, face up
    lens = Lens(24.0, 24.89, 18.66, 2.0)
    truth = look_at((0.4, 1.2, 1.1), (0.0, 0.0, 0.0))
    img = _film(renderer, board, truth, lens)
    tracked = BoardTracker(board, Calibration.from_lens(lens, 1280, 720)).track(img)
    assert tracked is not None
    dist, angle = _errors(tracked.camera_to_world, truth)
    assert dist < 0.01 and angle < 0.5, (dist, angle)


def test_no_board_no_pose(renderer):
    board = BoardDef(position=(-0.21, 1.3, 0.0), orientation=WALL)
    lens = Lens()
    away = look_at((0.0, 1.2, 1.0), (0.0, 1.2, 3.0))  # looking away from it
    img = _film(renderer, board, away, lens, (640, 360))
    assert BoardTracker(board, Calibration.from_lens(lens, 640, 360)).track(img) is None
    with pytest.raises(TrackingError, match=r"shape \(4, 4, 4\)"):
        BoardTracker(board, Calibration.from_lens(lens, 4, 4)).track(np.zeros((4, 4, 4), np.uint8))


def test_calibration_from_rendered_views_finds_the_lens(renderer, tmp_path):
    board = BoardDef(square_m=0.06, marker_m=0.045, position=(-0.21, 1.3, 0.0), orientation=WALL)
    lens = Lens(30.0, 24.89, 18.66, 2.0)
    eyes = [
        (0.45, 1.2, 0.8),
        (-0.45, 1.0, 0.85),
        (0.1, 1.55, 0.75),
        (0.0, 0.8, 0.8),
        (0.5, 1.45, 0.9),
        (-0.35, 1.4, 0.7),
    ]
    views = [_film(renderer, board, look_at(e, (0.0, 1.15, 0.0)), lens, (960, 540)) for e in eyes]
    cal = calibrate(board, views, sensor_width_mm=24.89)
    assert cal.views == 6 and cal.rms < 0.5
    found = cal.lens(focus_m=2.0)
    assert found.focal_mm == pytest.approx(30.0, rel=0.02)
    assert cal.camera_matrix[0, 2] == pytest.approx(479.5, abs=6)
    path = cal.save(tmp_path / "cal.yaml")
    back = load_calibration(path)
    np.testing.assert_allclose(back.camera_matrix, cal.camera_matrix)
    assert back.scaled(1920, 1080).lens().focal_mm == pytest.approx(found.focal_mm)
    with pytest.raises(TrackingError, match=r"0 of 1 images.*need 4"):
        calibrate(board, [np.zeros((540, 960, 3), np.uint8)])


def test_board_files_are_validated(tmp_path):
    good = tmp_path / "board.yaml"
    good.write_text(
        "board:\n  dictionary: DICT_4X4_50\n  squares: [5, 7]\n  square_m: 0.04\n"
        "  marker_m: 0.03\n  position: [1, 0, 2]\n"
    )
    b = load_board(good)
    assert (b.squares_x, b.squares_y, b.square_m, b.position) == (5, 7, 0.04, (1.0, 0.0, 2.0))
    assert b.size_m == pytest.approx((0.2, 0.28))
    assert b.image(20).shape == (140, 100)
    cases = {
        "board:\n  square_m: 0.04\n": r"board\.marker_m: missing",
        "board:\n  square_m: 0.04\n  marker_m: 0.05\n": "marker_m 0.05 must be",
        "board:\n  square_m: -1\n  marker_m: 0.03\n": r"board\.square_m: expected a positive",
        "board:\n  dictionary: DICT_NOPE\n  square_m: 0.04\n  marker_m: 0.03\n": "DICT_NOPE",
        "board:\n  squares: 7\n  square_m: 0.04\n  marker_m: 0.03\n": r"board\.squares",
        "board:\n  square_m: 0.04\n  marker_m: 0.03\n  size: 3\n": r"board\.size: unknown",
        "board:\n  square_m: 0.04\n  marker_m: 0.03\n  orientation: [0, 0, 0, 2]\n": "unit",
        "nope: 1\n": "needs a 'board:' map",
        "board: [\n": "not YAML",
    }
    for i, (text, why) in enumerate(cases.items()):
        p = tmp_path / f"bad{i}.yaml"
        p.write_text(text)
        with pytest.raises(TrackingError, match=why) as info:
            load_board(p)
        assert f"bad{i}.yaml" in str(info.value)
    with pytest.raises(MissingFileError, match=r"none\.yaml"):
        load_board(tmp_path / "none.yaml")
    bad_cal = tmp_path / "cal.yaml"
    bad_cal.write_text("calibration: {image_size: [10, 10]}\n")
    with pytest.raises(TrackingError, match=r"cal\.yaml"):
        load_calibration(bad_cal)

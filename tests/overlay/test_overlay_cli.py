"""``previzkit overlay`` end to end on a real H.264 plate of a rendered board: the
overlay video, a recorded take with the tracked camera; ``overlay board`` and
``overlay calibrate``; bad arguments end in one line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from previzkit.cli import main
from previzkit.core.geometry import look_at
from previzkit.model.camera import Lens
from tests.helpers import REPO, flat_stage, write_set

pytestmark = [pytest.mark.gl, pytest.mark.media]

W, H = 640, 360
BOARD = """
board:
  dictionary: DICT_5X5_100
  squares: [7, 5]
  square_m: 0.2
  marker_m: 0.15
  position: [-0.7, 0.003, 2.2]
"""
SET = (
    flat_stage("overlay stage")
    + """marks:
  A: {position: [0.0, 0.0]}
cameras:
  CAM: {lens: {focal_mm: 24, sensor: super35, focus_m: 3.0}, position: [0.0, 1.4, 5.6], target: [0.0, 0.4, 3.0]}
props:
  - {name: ball, mesh: ball.glb, position: [0.05, 0.8, 3.5], scale: 0.5, color: [0.9, 0.1, 0.1]}
"""
)
LENS = Lens(24.0, 24.89, 18.66, 3.0)


def _truth(i: int) -> np.ndarray:
    return look_at((0.3 - 0.05 * i, 1.4, 5.6), (0.0, 0.4, 3.0))


def _board_views(gl, board_file, poses, lens, size):
    from previzkit.overlay.tracking.board_drawable import BoardDrawable
    from previzkit.overlay.tracking.charuco import load_board
    from previzkit.render.look import Look
    from previzkit.render.renderer import Renderer

    stage = board_file.parent / "board_stage.yaml"
    stage.write_text(
        "name: s\nbackground: {color: [0.5, 0.5, 0.5]}\n"
        "lights:\n  - {type: ambient, color: [1, 1, 1]}\n"
    )
    with Renderer(gl, stage, look=Look.off()) as film:  # a plain "real camera" plate
        film.drawables.add(BoardDrawable(gl, load_board(board_file)))
        return [film.render_image((p, lens), *size, samples=4) for p in poses]


def _plate(path: Path, frames: list[np.ndarray]) -> Path:
    """A 24 fps H.264 plate of ``frames`` (W x H RGB)."""
    import av

    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=24)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.options = {"crf": "12"}
        for img in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


@pytest.fixture
def files(tmp_path):
    write_set(tmp_path, SET)
    (tmp_path / "board.yaml").write_text(BOARD)
    return tmp_path


def test_overlay_a_plate_tracked_from_a_board_and_record_the_take(gl, files, capsys):
    import av

    from previzkit.model.camera_track import read_camera_track
    from previzkit.takes.store import TakeStore

    frames = _board_views(gl, files / "board.yaml", [_truth(i) for i in range(6)], LENS, (W, H))
    plate = _plate(files / "plate.mp4", frames)
    out, project = files / "overlay.mp4", files / "proj"
    args = [
        "overlay",
        "--plate",
        str(plate),
        "--board",
        str(files / "board.yaml"),
        str(files / "set.yaml"),
        "--matte",
        "none",
        "-o",
        str(out),
        "-p",
        str(project),
        "--scene",
        "3",
        "--shot",
        "3-A",
        "--start-tc",
        "01:00:00:00",
        "--stats",
    ]
    assert main(args) == 0, capsys.readouterr().err
    said = capsys.readouterr().out
    assert "overlay: 6 frames, tracking lost on 0" in said
    assert "render" in said and "p99" in said
    with av.open(str(out)) as c:
        decoded = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(decoded) == 6
    red = (decoded[3][..., 0] > 150) & (decoded[3][..., 1] < 90) & (decoded[3][..., 2] < 90)
    assert red.sum() > 300  # the virtual ball over the plate
    with TakeStore(project) as store:
        take = store.get("3", "3-A", 1)
        cams = read_camera_track(store.file(take, "camera"))
    assert take.status == "ok" and take.duration_frames == 6 and take.start_tc == "01:00:00:00"
    assert set(take.files) >= {"video", "plate", "camera"}
    for i in range(6):
        assert np.linalg.norm(cams.position[i] - _truth(i)[:3, 3]) < 0.02
    np.testing.assert_allclose(cams.focal_mm, 24.0, rtol=1e-6)


def test_board_image_and_calibration_commands(gl, files, capsys):
    from PIL import Image

    png = files / "board.png"
    assert main(["overlay", "board", str(files / "board.yaml"), "-o", str(png)]) == 0
    assert "print at 140.0 x 100.0 cm" in capsys.readouterr().out
    assert Image.open(png).size == (1400, 1000)

    lens = Lens(28.0, 24.89, 18.66, 3.0)
    eyes = [(1.2, 1.3, 4.2), (-1.2, 1.1, 4.0), (0.1, 2.2, 3.9), (0.0, 0.9, 4.6), (0.9, 1.9, 4.4)]
    views = _board_views(
        gl, files / "board.yaml", [look_at(e, (0.0, 0.0, 2.7)) for e in eyes], lens, (960, 540)
    )
    folder = files / "views"
    folder.mkdir()
    for i, v in enumerate(views):
        Image.fromarray(v).save(folder / f"v{i:02d}.png")
    cal = files / "cam.yaml"
    args = [
        "overlay",
        "calibrate",
        "--board",
        str(files / "board.yaml"),
        "--plate",
        str(folder),
        "--every",
        "1",
        "-o",
        str(cal),
    ]
    assert main(args) == 0, capsys.readouterr().err
    assert "5 views" in capsys.readouterr().out
    from previzkit.overlay.tracking.charuco import load_calibration

    assert load_calibration(cal).lens().focal_mm == pytest.approx(28.0, rel=0.03)


def test_bad_arguments_end_in_one_line(files, capsys):
    set_file = str(files / "set.yaml")
    assert main(["overlay", set_file]) == 2
    assert capsys.readouterr().err.strip() == (
        "error: overlay: give exactly one of --camera INDEX or --plate VIDEO"
    )
    assert main(["overlay", "--plate", "x.mp4", "--camera", "0", set_file]) == 2
    capsys.readouterr()
    assert main(["overlay", "--plate", str(files / "none.mp4"), set_file]) == 2
    assert "none.mp4" in capsys.readouterr().err
    assert main(["overlay", "--plate", str(files / "set.yaml"), "--actor-mark", "Z", set_file]) == 2
    assert "--actor-mark 'Z'" in capsys.readouterr().err
    assert main(["overlay", "board", str(files / "nope.yaml"), "-o", str(files / "b.png")]) == 2
    assert "nope.yaml" in capsys.readouterr().err


def test_overlay_window_on_a_virtual_display_and_without_one(files, display):
    """``--window`` opens a real glfw window (Xvfb) beside the MP4; with no display the
    run ends in one line naming the option. In subprocesses: glfw switches the thread
    between EGL and GLX."""
    import os
    import subprocess
    import sys

    import av

    grey = [np.full((H, W, 3), 60 + 10 * i, np.uint8) for i in range(4)]
    plate, out = _plate(files / "grey.mp4", grey), files / "windowed.mp4"
    args = [
        sys.executable,
        "-m",
        "previzkit",
        "overlay",
        "--plate",
        str(plate),
        "--set-camera",
        "CAM",
        "--matte",
        "none",
        "--window",
        "-o",
        str(out),
        str(files / "set.yaml"),
    ]
    env = {**os.environ, "DISPLAY": display, "PYTHONPATH": str(REPO)}
    env.pop("WAYLAND_DISPLAY", None)
    r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr[-3000:]
    assert "overlay: 4 frames" in r.stdout
    with av.open(str(out)) as c:
        assert sum(1 for _ in c.decode(video=0)) == 4

    env.pop("DISPLAY")
    r = subprocess.run(args, env=env, capture_output=True, text=True, timeout=180)
    assert r.returncode == 2
    assert r.stderr.strip().splitlines()[-1] == (
        "error: --window needs a desktop display (DISPLAY or WAYLAND_DISPLAY is unset); "
        "drop --window or run it on a desktop"
    )

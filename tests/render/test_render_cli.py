"""`previzkit render` writes a PNG and an MP4 of the sample set; bad arguments end in
one clear line and a non-zero exit."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from previzkit.cli import main
from previzkit.core.resources import asset_path
from previzkit.core.sizes import parse_size
from previzkit.model.setfile import load_set
from previzkit.render.offline import camera_move

SAMPLE = str(asset_path("sets", "sample.yaml"))


@pytest.mark.gl
def test_cli_renders_png(tmp_path, capsys):
    out = tmp_path / "frame.png"
    assert main(["render", SAMPLE, "--camera", "B_85mm", "-o", str(out), "--size", "160x90"]) == 0
    with Image.open(out) as im:
        assert im.size == (160, 90)
        pixels = np.asarray(im.convert("RGB"))
    assert pixels.std() > 10  # a real picture, not a blank frame
    assert "wrote" in capsys.readouterr().out


@pytest.mark.gl
@pytest.mark.media
def test_cli_renders_mp4_with_frame_count(tmp_path):
    import av

    out = tmp_path / "clip.mp4"
    rc = main(
        [
            "render",
            SAMPLE,
            "-c",
            "A_35mm",
            "--frames",
            "6",
            "-o",
            str(out),
            "--size",
            "128x72",
            "--msaa",
            "0",
        ]
    )
    assert rc == 0
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    assert len(frames) == 6
    assert frames[0].shape == (72, 128, 3)
    assert np.abs(frames[0].astype(int) - frames[-1].astype(int)).mean() > 2  # the camera moved


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-c", "Z_12mm", "-o", "{tmp}/x.png"], "no camera named 'Z_12mm'"),
        (["-o", "{tmp}/x.png", "--size", "big"], "--size must look like 1920x1080"),
        (["-o", "{tmp}/x.png", "--frames", "5"], "--frames 5 needs a video output"),
        (["-o", "{tmp}/x.mp4", "--size", "161x90"], "needs an even size, got 161x90"),
        (["-o", "{tmp}/x.gif"], "unknown image suffix '.gif'"),
        (["-o", "{tmp}/no/such/dir/x.png"], "does not exist"),
        (["-o", "{tmp}/x.png", "--stereo", "--ipd", "-5"], "ipd must be between 0 and 1 m"),
    ],
)
def test_cli_bad_arguments_fail_with_one_line(tmp_path, capsys, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(["render", SAMPLE, *args]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and "\n" not in err, err


def test_cli_missing_set_file(tmp_path, capsys):
    assert main(["render", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "x.png")]) == 2
    assert "nope.yaml: set file not found" in capsys.readouterr().err


def test_parse_size():
    assert parse_size("1920x1080") == (1920, 1080)
    assert parse_size(" 64X48 ") == (64, 48)


def test_camera_moves_start_at_the_camera_and_keep_aim():
    s = load_set(SAMPLE)
    cam = s.cameras["A_35mm"]
    start = cam.camera_to_world()
    for move in ("orbit", "dolly", "static"):
        assert np.allclose(camera_move(cam, move, 0.0), start)
    end = camera_move(cam, "orbit", 1.0)
    target = np.array(cam.target)
    # orbit keeps the distance to the target and keeps looking at it
    assert np.isclose(np.linalg.norm(end[:3, 3] - target), np.linalg.norm(start[:3, 3] - target))
    fwd = -end[:3, 2]
    assert np.allclose(fwd, (target - end[:3, 3]) / np.linalg.norm(target - end[:3, 3]))
    dolly = camera_move(cam, "dolly", 1.0, amount=2.0)
    assert np.isclose(np.linalg.norm(dolly[:3, 3] - start[:3, 3]), 2.0)
    assert np.allclose(dolly[:3, :3], start[:3, :3])


@pytest.mark.gl
def test_offline_render_leaves_the_callers_context_current(gl, tmp_path):
    fbo = gl.simple_framebuffer((4, 4))
    try:
        assert main(["render", SAMPLE, "-o", str(tmp_path / "f.png"), "--size", "32x18"]) == 0
        fbo.use()
        fbo.clear(0.0, 0.0, 1.0, 1.0)
        assert fbo.read(components=3)[:3] == b"\x00\x00\xff"
    finally:
        gl.detect_framebuffer(0).use()  # never leave a released framebuffer bound
        fbo.release()


@pytest.mark.gl
def test_cli_stereo_png_is_side_by_side(tmp_path):
    out = tmp_path / "sbs.png"
    rc = main(
        [
            "render",
            SAMPLE,
            "-c",
            "A_35mm",
            "-o",
            str(out),
            "--size",
            "96x54",
            "--stereo",
            "--msaa",
            "0",
        ]
    )
    assert rc == 0
    with Image.open(out) as im:
        assert im.size == (192, 54)
        pixels = np.asarray(im.convert("RGB")).astype(int)
    left, right = pixels[:, :96], pixels[:, 96:]
    assert np.abs(left - right).mean() > 1  # two viewpoints
    assert np.abs(left - right).mean() < 40  # of the same scene


@pytest.mark.gl
def test_gan_background_without_torch_ends_in_one_line(tmp_path):
    """A set naming a GAN sky, rendered where torch is not installed (the render extra
    alone; here torch is made unimportable in the child), ends in one line naming the
    set file, its key and the extra to install."""
    import os
    import subprocess
    import sys

    sky = asset_path("models", "genai", "environment.pt")
    set_file = tmp_path / "gan.yaml"
    set_file.write_text(
        f"name: gan sky\nbackground: {{model: {sky}, seed: 3, size: [256, 128]}}\n"
        "cameras:\n  A: {lens: {focal_mm: 35}, position: [0, 1.6, 4], target: [0, 1, 0]}\n"
    )
    child = (
        "import sys; sys.modules['torch'] = None\n"
        "from previzkit.cli import main\n"
        f"sys.exit(main(['render', {str(set_file)!r}, '-o', {str(tmp_path / 'f.png')!r},"
        " '--size', '64x36']))"
    )
    env = {**os.environ, "PREVIZKIT_CACHE": str(tmp_path / "cache")}  # no cached panorama
    r = subprocess.run(
        [sys.executable, "-c", child], capture_output=True, text=True, timeout=120, env=env
    )
    assert r.returncode == 2, r.stderr[-2000:]
    assert r.stderr.strip().splitlines()[-1] == (
        f"error: {set_file}: background.model (a GAN model) needs the 'torch' package: "
        "pip install 'previzkit[genai]'"
    )
    assert "Traceback" not in r.stderr

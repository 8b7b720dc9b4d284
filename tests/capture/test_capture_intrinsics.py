"""The capture camera from a still's EXIF and the user's flags (precedence: flags first)."""

from __future__ import annotations

import math

import pytest
from PIL import Image

from previzkit.capture.intrinsics import camera_from_file, with_flags
from previzkit.core.errors import InputError
from previzkit.model.capture_camera import CaptureCamera


def _photo(tmp_path, astronaut, tags: dict[int, object], size=None):
    exif = Image.Exif()
    ifd = exif.get_ifd(0x8769)
    for tag, value in tags.items():
        ifd[tag] = value
    im = Image.fromarray(astronaut)
    if size is not None:
        im = im.resize(size)
    path = tmp_path / "photo.jpg"
    im.save(path, exif=exif)
    return path


def test_focal_length_and_sensor_resolution_scaled_to_the_frame(tmp_path, astronaut):
    # 4.2 mm lens, 1000 px per cm on the sensor, the sensor image 4000 x 4000 px:
    # 420 px of the sensor; the file is 512 px wide, so 420 * 512 / 4000 = 53.76 px
    tags = {0x920A: 4.2, 0xA20E: 1000.0, 0xA210: 3, 0xA002: 4000, 0xA003: 4000}
    cam = camera_from_file(_photo(tmp_path, astronaut, tags), 512, 512)
    assert cam is not None and cam.focal_px == pytest.approx(420 * 512 / 4000)
    assert (cam.cx, cam.cy, cam.assumed) == (256.0, 256.0, False)


def test_35mm_equivalent_wins_and_no_exif_is_none(tmp_path, astronaut):
    tags = {0xA405: 50, 0x920A: 4.2, 0xA20E: 1000.0, 0xA210: 3}
    cam = camera_from_file(_photo(tmp_path, astronaut, tags, size=(640, 360)), 640, 360)
    assert cam is not None
    assert cam.focal_px == pytest.approx(50 / math.hypot(36, 24) * math.hypot(640, 360))
    plain = tmp_path / "plain.png"
    Image.fromarray(astronaut).save(plain)
    assert camera_from_file(plain, 512, 512) is None
    assert camera_from_file(tmp_path / "missing.jpg", 512, 512) is None


def test_flags_replace_only_what_they_name():
    base = CaptureCamera(640, 480, 500.0, 300.0, 250.0, height_m=1.4, tilt_deg=8.0)
    cam = with_flags(base, fov_deg=90.0)
    assert cam.focal_px == pytest.approx(320.0) and (cam.height_m, cam.tilt_deg) == (1.4, 8.0)
    cam = with_flags(base, focal_px=700.0, tilt_deg=-3.0)
    assert (cam.focal_px, cam.cx, cam.cy, cam.height_m, cam.tilt_deg) == (700, 300, 250, 1.4, -3)
    assumed = CaptureCamera.from_hfov(640, 480, assumed=True)
    assert with_flags(assumed, height_m=1.7).assumed  # the focal length is still a guess
    assert not with_flags(assumed, focal_px=600.0).assumed
    with pytest.raises(InputError, match="not both"):
        with_flags(base, fov_deg=60.0, focal_px=500.0)

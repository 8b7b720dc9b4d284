"""previzkit.media.image: one reader and one writer for image files."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError, MissingFileError, VideoOpenError
from previzkit.media.image import decode_image, read_image, read_mask, write_image

pytest.importorskip("PIL")


def test_real_jpeg_reads_as_pillow_decodes_it(hopper_jpeg):
    from PIL import Image

    img = read_image(hopper_jpeg)
    with Image.open(hopper_jpeg) as im:
        ref = np.asarray(im.convert("RGB"))
    assert img.dtype == np.uint8 and img.shape == ref.shape and img.shape[2] == 3
    assert np.array_equal(img, ref)
    assert img.flags.writeable and img.flags.c_contiguous


def test_png_round_trip_is_exact(tmp_path, astronaut):
    p = write_image(tmp_path / "sub" / "a.png", astronaut)
    assert p.is_file()
    assert np.array_equal(read_image(p), astronaut)
    rgba = np.dstack([astronaut, np.tile(np.arange(512, dtype=np.uint8)[None] // 2, (512, 1))])
    write_image(tmp_path / "k.png", rgba)
    assert np.array_equal(read_image(tmp_path / "k.png", alpha="auto"), rgba)
    assert read_image(p, alpha="auto").shape == (512, 512, 3)
    opaque = read_image(p, alpha=True)
    assert opaque.shape == (512, 512, 4) and (opaque[..., 3] == 255).all()


def test_grey_and_mask(tmp_path, astronaut):
    grey = astronaut[..., 1].copy()
    write_image(tmp_path / "g.png", grey)
    rgb = read_image(tmp_path / "g.png")
    assert rgb.shape == (512, 512, 3) and np.array_equal(rgb[..., 0], grey)
    assert np.array_equal(read_mask(tmp_path / "g.png"), grey)


def test_jpeg_quality_and_png_options(tmp_path, astronaut):
    write_image(tmp_path / "q.jpg", astronaut, quality=90)
    back = read_image(tmp_path / "q.jpg")
    assert np.abs(back.astype(int) - astronaut).mean() < 4
    write_image(tmp_path / "tmp.name", astronaut, format="PNG", compress_level=1)
    assert np.array_equal(read_image(tmp_path / "tmp.name"), astronaut)


def test_decode_image_bytes(hopper_jpeg):
    data = hopper_jpeg.read_bytes()
    assert np.array_equal(decode_image(data, "x"), read_image(hopper_jpeg))
    assert decode_image(data, "x", alpha=True).shape[2] == 4
    with pytest.raises(VideoOpenError, match=r"scene\.glb: images\[0\]"):
        decode_image(b"not an image", "scene.glb: images[0]")


def test_bad_files_name_the_file(tmp_path, hopper_jpeg):
    with pytest.raises(MissingFileError, match=r"nope\.png"):
        read_image(tmp_path / "nope.png")
    with pytest.raises(MissingFileError, match=r"nope\.png"):
        read_mask(tmp_path / "nope.png")
    text = tmp_path / "photo.png"
    text.write_text("<html>not a picture</html>")
    with pytest.raises(VideoOpenError, match=r"photo\.png"):
        read_image(text)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(hopper_jpeg.read_bytes()[:200])
    with pytest.raises(VideoOpenError, match=r"cut\.jpg"):
        read_image(cut)


def test_write_refuses_what_it_cannot_write(tmp_path, astronaut):
    with pytest.raises(InputError, match=r"a\.xyz"):
        write_image(tmp_path / "a.xyz", astronaut)
    rgba = np.dstack([astronaut, astronaut[..., :1]])
    with pytest.raises(InputError, match="no alpha"):
        write_image(tmp_path / "a.jpg", rgba)

"""media.hdr_image reads real HDR panoramas (the shipped CC0 EXRs, a Radiance .hdr
written from one, the LDR sample sky) as float32 linear radiance, and says clearly
what is wrong with a file it cannot use."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError, MissingFileError, VideoOpenError
from previzkit.core.resources import asset_path
from previzkit.media.hdr_image import (
    check_equirect,
    linear_to_srgb,
    read_radiance,
    srgb_to_linear,
    write_radiance,
)

OpenEXR = pytest.importorskip("OpenEXR")

NIGHT = asset_path("environments", "night.exr")
PARK = asset_path("environments", "park.exr")


def _raw(path) -> np.ndarray:
    with OpenEXR.File(str(path)) as f:
        return np.asarray(f.channels()["RGB"].pixels, dtype=np.float32)


def test_shipped_exr_is_float32_radiance_with_negatives_clamped():
    raw = _raw(PARK)
    img = read_radiance(PARK)
    assert img.shape == (256, 512, 3) and img.dtype == np.float32
    assert raw.min() < 0  # DWAB rings below 0 around the sun ...
    assert img.min() == 0.0  # ... which reading clamps
    assert np.array_equal(img, np.maximum(raw, 0))
    assert img.max() > 100  # the sun: real HDR, far above 1.0


@pytest.mark.parametrize("layout", ["RGB", "RGBA", "separate", "float32"])
def test_exr_channel_layouts(tmp_path, layout):
    rgb = read_radiance(NIGHT)
    half = rgb.astype(np.float16)
    channels = {
        "RGB": {"RGB": half},
        "RGBA": {"RGBA": np.concatenate([half, np.ones_like(half[..., :1])], axis=-1)},
        "separate": {c: np.ascontiguousarray(half[..., i]) for i, c in enumerate("RGB")},
        "float32": {"RGB": rgb},
    }[layout]
    path = tmp_path / "layout.exr"
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    with OpenEXR.File(header, channels) as f:
        f.write(str(path))
    back = read_radiance(path)
    assert back.shape == rgb.shape
    assert np.allclose(back, half.astype(np.float32) if layout != "float32" else rgb)


def test_write_radiance_exr_round_trip(tmp_path):
    img = read_radiance(NIGHT)
    path = write_radiance(tmp_path / "out" / "night.exr", img)
    assert np.array_equal(read_radiance(path), img)  # half float in, half float out


def test_radiance_hdr_written_by_opencv_reads_back(tmp_path):
    cv2 = pytest.importorskip("cv2")
    img = read_radiance(PARK)
    path = tmp_path / "park.hdr"
    assert cv2.imwrite(str(path), np.ascontiguousarray(img[..., ::-1]))  # OpenCV is BGR
    back = read_radiance(path)
    assert back.shape == img.shape and back.dtype == np.float32
    # RGBE keeps 8 bits of mantissa per pixel: within 1% of the pixel's largest channel
    err = np.abs(back - img).max(axis=2) / np.maximum(img.max(axis=2), 1e-3)
    assert np.percentile(err, 99) < 0.01
    assert back.max() > 100  # the sun survives: a real HDR file
    assert back[..., 0].mean() == pytest.approx(img[..., 0].mean(), rel=0.01)  # not BGR


def test_ldr_png_is_srgb_decoded():
    from PIL import Image

    path = asset_path("textures", "sample_sky.png")
    with Image.open(path) as im:
        srgb = np.asarray(im.convert("RGB"))
    img = read_radiance(path)
    assert img.shape == (*srgb.shape[:2], 3) and img.min() >= 0.0 and img.max() <= 1.0
    assert np.allclose(img, srgb_to_linear(srgb / 255.0))
    assert img.mean() < (srgb / 255.0).mean()  # decoding darkens the mid-tones
    assert np.abs(linear_to_srgb(img) * 255 - srgb).max() < 0.01


def test_sixteen_bit_png_keeps_its_precision(tmp_path):
    cv2 = pytest.importorskip("cv2")
    lin = np.clip(read_radiance(NIGHT) / 4.0, 0, 1)
    u16 = np.round(linear_to_srgb(lin) * 65535).astype(np.uint16)
    path = tmp_path / "night16.png"
    assert cv2.imwrite(str(path), np.ascontiguousarray(u16[..., ::-1]))
    back = read_radiance(path)
    assert np.abs(back - lin).max() < 1e-4  # 8 bits would be off by up to ~4e-3
    grey = tmp_path / "grey16.png"
    assert cv2.imwrite(str(grey), u16[..., 1])
    assert np.abs(read_radiance(grey)[..., 0] - lin[..., 1]).max() < 1e-4


def test_missing_unreadable_and_wrong_suffix(tmp_path):
    with pytest.raises(MissingFileError, match=r"nowhere\.exr: image file not found"):
        read_radiance(tmp_path / "nowhere.exr")
    junk = tmp_path / "junk.exr"
    junk.write_bytes(b"not an exr at all")
    with pytest.raises(VideoOpenError, match=r"junk\.exr: not a readable EXR image"):
        read_radiance(junk)
    bad_hdr = tmp_path / "junk.hdr"
    bad_hdr.write_bytes(b"#?RADIANCE\nnonsense")
    pytest.importorskip("cv2")
    with pytest.raises(VideoOpenError, match=r"junk\.hdr: not a readable Radiance"):
        read_radiance(bad_hdr)
    with pytest.raises(InputError, match=r"pano\.gif: unknown image suffix '\.gif'"):
        read_radiance(tmp_path / "pano.gif")


def test_nan_is_an_error_naming_the_file(tmp_path):
    img = read_radiance(NIGHT).copy()
    img[10, 20] = np.nan
    path = write_radiance(tmp_path / "nan.exr", img)
    with pytest.raises(InputError, match=r"nan\.exr: 1 pixels are NaN or infinite"):
        read_radiance(path)


def test_check_equirect_wants_two_to_one():
    check_equirect(np.zeros((256, 512, 3), np.float32), "ok.exr")
    with pytest.raises(InputError, match=r"wide\.exr: .*2:1\), got 600x256"):
        check_equirect(np.zeros((256, 600, 3), np.float32), "wide.exr")

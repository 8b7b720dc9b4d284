"""Model bundles (shipped, looked up, built on demand) and frame sources."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from previzkit.capture import models
from previzkit.capture.sources import open_source
from previzkit.core.errors import InputError, MissingFileError, ModelNotFound, VideoOpenError


@pytest.mark.parametrize("variant", ["lite", "full"])
def test_shipped_bundles_are_aligned_task_zips_with_metadata(variant):
    path = models.model_path(variant)
    assert path.name == f"pose_landmarker_{variant}.task"
    with zipfile.ZipFile(path) as zf:
        names = sorted(zf.namelist())
        assert names == ["pose_detector.tflite", "pose_landmarks_detector.tflite"]
        raw = path.read_bytes()
        for info in zf.infolist():
            assert info.compress_type == zipfile.ZIP_STORED
            n, e = struct.unpack("<HH", raw[info.header_offset + 26 : info.header_offset + 30])
            assert (info.header_offset + 30 + n + e) % 4 == 0  # mmap-able members
            member = zf.read(info)
            assert member[4:8] == b"TFL3"  # a TFLite flatbuffer
            assert b"TFLITE_METADATA" in member  # the input metadata the Tasks API needs


def test_missing_model_names_the_file_and_where_it_looked(tmp_path, monkeypatch):
    monkeypatch.setenv("PREVIZKIT_ASSETS", str(tmp_path / "assets"))
    monkeypatch.setenv("PREVIZKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("PREVIZKIT_POSE_MODELS", raising=False)
    with pytest.raises(ModelNotFound) as e:
        models.model_path("heavy")
    msg = str(e.value)
    assert "pose_landmarker_heavy.task" in msg
    assert str(tmp_path / "assets" / "models") in msg and str(tmp_path / "cache") in msg
    assert "scripts/build_pose_models.py --variant heavy" in msg


def test_env_folder_is_searched_first(tmp_path, monkeypatch):
    target = tmp_path / "pose_landmarker_lite.task"
    target.write_bytes(models.model_path("lite").read_bytes())
    monkeypatch.setenv("PREVIZKIT_POSE_MODELS", str(tmp_path))
    assert models.model_path("lite") == target


def test_heavy_is_built_on_demand_from_local_sources(tmp_path, monkeypatch):
    """Raw models in the cache's sources folder (as the build script leaves them) are
    turned into a bundle on first use. The raw files here are the shipped lite bundle's
    members with their metadata: the writer replaces metadata, so they stand in."""
    monkeypatch.setenv("PREVIZKIT_ASSETS", str(tmp_path / "assets"))
    monkeypatch.setenv("PREVIZKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("PREVIZKIT_POSE_MODELS", raising=False)
    src = models.sources_dir()
    src.mkdir(parents=True)
    with zipfile.ZipFile(_shipped_lite()) as zf:
        (src / "pose_detection.tflite").write_bytes(zf.read("pose_detector.tflite"))
        (src / "pose_landmark_heavy.tflite").write_bytes(zf.read("pose_landmarks_detector.tflite"))
    path = models.model_path("heavy")
    assert path == tmp_path / "cache" / "models" / "pose_landmarker_heavy.task"
    from previzkit.capture.pose import PoseEstimator

    with PoseEstimator(path, mode="image") as est:
        assert est.detect(np.full((64, 64, 3), 90, np.uint8)) == []


def _shipped_lite():
    from importlib import resources

    # the package's own copy, whatever PREVIZKIT_ASSETS a test has set
    return Path(
        str(resources.files("previzkit") / "assets" / "models" / "pose_landmarker_lite.task")
    )


def test_unknown_variant_and_missing_bundle_path():
    with pytest.raises(InputError, match="'ultra' is unknown"):
        models.model_path("ultra")
    from previzkit.capture.pose import resolve_model

    with pytest.raises(ModelNotFound, match=r"nowhere\.task"):
        resolve_model("/nowhere.task")


@pytest.mark.media
def test_video_source_reports_size_rate_and_times(moving_video):
    path, truth = moving_video
    with open_source(path) as src:
        assert (src.width, src.height) == (320, 240) and src.fps == pytest.approx(30)
        frames = list(src)
    assert len(frames) == len(truth)
    assert frames[0].image.shape == (240, 320, 3) and frames[0].image.dtype == np.uint8
    assert [f.index for f in frames] == list(range(len(truth)))
    assert frames[3].time == pytest.approx(3 / 30, abs=1e-3)


def test_image_sources(tmp_path, astronaut):
    p = tmp_path / "a.png"
    Image.fromarray(astronaut).save(p)
    with open_source(p) as src:
        (f,) = list(src)
    assert np.array_equal(f.image, astronaut) and src.count == 1
    grey = tmp_path / "g.png"
    Image.fromarray(astronaut[:, :, 0]).save(grey)
    (g,) = list(open_source(grey))
    assert g.image.shape == (512, 512, 3)


def test_bad_sources_name_the_input(tmp_path):
    with pytest.raises(MissingFileError, match=r"nope\.mp4"):
        open_source(tmp_path / "nope.mp4")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not a png")
    with pytest.raises(VideoOpenError, match=r"bad\.png"):
        open_source(bad)
    txt = tmp_path / "clip.mov"
    txt.write_text("hello")
    with pytest.raises(VideoOpenError, match=r"clip\.mov"):
        open_source(txt)

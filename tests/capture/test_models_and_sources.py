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


def test_heavy_model_runs_on_a_real_photo(astronaut, lite_image):
    """The heavy bundle the install builds finds the astronaut where lite does."""
    path = models.find_bundle("heavy")
    if path is None:
        pytest.skip(
            "heavy pose model not built: run 'python3 scripts/build_pose_models.py "
            "--variant heavy' (scripts/install.sh does when online)"
        )
    from previzkit.capture.pose import PoseEstimator

    with PoseEstimator("heavy", mode="image") as est:
        (pose,) = est.detect(astronaut)
    (lite,) = lite_image.detect(astronaut)
    assert pose.image[0, 2] > 0.9  # nose seen
    # nose on the face (lite measured 0.435, 0.250 of 512 px); heavy gave 0.432, 0.239
    assert np.allclose(pose.image[0, :2] / 512, (0.435, 0.250), atol=0.03)
    # face, shoulders and elbows where lite puts them (the hands differ: 50-65 px)
    assert np.linalg.norm(pose.image[:15, :2] - lite.image[:15, :2], axis=1).max() < 25  # px


BUILD = Path(__file__).resolve().parents[2] / "scripts" / "build_pose_models.py"


def _offline_env(tmp_path: Path) -> dict[str, str]:
    """The build script's environment with every registry unreachable (port 9)."""
    import os

    dead = "http://127.0.0.1:9"
    env = dict(os.environ)
    env.update(
        PREVIZKIT_CACHE=str(tmp_path / "cache"),
        PREVIZKIT_ASSETS=str(tmp_path / "assets"),
        npm_config_registry=dead + "/",
        npm_config_cache=str(tmp_path / "npm"),
        npm_config_fetch_retries="0",
        https_proxy=dead,
        HTTPS_PROXY=dead,
        PIP_CONFIG_FILE=os.devnull,
        PIP_INDEX_URL=dead + "/simple",
    )
    env.pop("PREVIZKIT_POSE_MODELS", None)
    return env


def test_build_script_skips_a_present_bundle_and_is_not_fatal_offline(tmp_path):
    import subprocess
    import sys

    env = _offline_env(tmp_path)
    cmd = [sys.executable, str(BUILD), "--variant", "heavy", "--if-missing", "--offline-ok"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert len(lines) == 1 and "heavy not built" in lines[0], proc.stdout
    assert "scripts/build_pose_models.py --variant heavy" in lines[0]

    have = tmp_path / "cache" / "models" / "pose_landmarker_heavy.task"
    have.parent.mkdir(parents=True)
    have.write_bytes(_shipped_lite().read_bytes())  # a valid bundle under heavy's name
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "present, not rebuilt" in proc.stdout, proc.stderr
    have.write_bytes(b"PK\x03\x04 torn")  # a torn bundle is not taken as present
    assert not models.bundle_ok(have)


def test_npm_tarball_is_checked_against_the_registry_digest():
    import base64
    import hashlib
    import importlib.util

    spec = importlib.util.spec_from_file_location("build_pose_models", BUILD)
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    data = _shipped_lite().read_bytes()  # any real file stands for the tarball
    sha512 = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
    build.verify_npm_tarball(data, {"integrity": sha512})
    build.verify_npm_tarball(data, {"shasum": hashlib.sha1(data).hexdigest()})
    with pytest.raises(ValueError, match="sha512"):
        build.verify_npm_tarball(data[:-1] + b"x", {"integrity": sha512})
    with pytest.raises(ValueError, match="no integrity"):
        build.verify_npm_tarball(data, {})


def test_doctor_lists_the_pose_models_and_how_to_build_a_missing_one(tmp_path, monkeypatch):
    from previzkit.doctor import check_mediapipe

    monkeypatch.setenv("PREVIZKIT_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv("PREVIZKIT_POSE_MODELS", raising=False)
    check = check_mediapipe()
    assert check.ok and "pose models: lite, full" in check.detail
    assert "missing heavy (build: python3 scripts/build_pose_models.py --variant heavy)" in (
        check.detail
    )
    heavy = tmp_path / "cache" / "models" / "pose_landmarker_heavy.task"
    heavy.parent.mkdir(parents=True)
    heavy.write_bytes(b"not a zip")
    assert "missing heavy" in check_mediapipe().detail  # an unreadable bundle is not a model

"""A take's camera as an animated glTF camera, read back by Khronos' glTF validator
(node, scripts/setup.d/55-gltf-validator.sh) and by trimesh; ``previzkit takes
export-camera`` writes it from a recorded take."""

from __future__ import annotations

import base64
import json
import math

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.model.camera import Lens
from previzkit.model.camera_track import CameraSample, CameraTrack, read_camera_track
from tests.helpers.gltf_validator import validate

pytest.importorskip("pygltflib")

N, FPS = 48, 24.0


def _samples() -> list[tuple[tuple[float, float, float], tuple[float, float, float, float], Lens]]:
    """A dolly along x with a pan about y and a slow zoom, 2 s at 24 fps."""
    out = []
    for i in range(N):
        yaw = math.radians(30.0) * i / (N - 1)
        quat = (0.0, math.sin(yaw / 2), 0.0, math.cos(yaw / 2))
        lens = Lens(35.0 + 15.0 * i / (N - 1), 24.89, 18.66, 2.0 + 0.05 * i)
        out.append(((0.05 * i, 1.6, 4.0), quat, lens))
    return out


def _track() -> CameraTrack:
    return CameraTrack.from_samples(
        CameraSample.from_lens(i, i / FPS, pos, rot, lens)
        for i, (pos, rot, lens) in enumerate(_samples())
    )


def _buffer(doc: dict, accessor: int) -> np.ndarray:
    """An accessor's floats, decoded from the .gltf's data URI by hand."""
    acc = doc["accessors"][accessor]
    view = doc["bufferViews"][acc["bufferView"]]
    data = base64.b64decode(doc["buffers"][0]["uri"].split(",", 1)[1])
    start = view.get("byteOffset", 0) + acc.get("byteOffset", 0)
    width = {"SCALAR": 1, "VEC3": 3, "VEC4": 4}[acc["type"]]
    arr = np.frombuffer(data, np.float32, acc["count"] * width, start)
    return arr.reshape(acc["count"], width) if width > 1 else arr


def test_gltf_and_glb_are_valid_animated_cameras(tmp_path):
    trimesh = pytest.importorskip("trimesh")
    from previzkit.media.camera_gltf import export_camera_gltf

    track = _track()
    for suffix in (".gltf", ".glb"):
        out = export_camera_gltf(track, tmp_path / f"cam{suffix}", name="A_cam")
        report = validate(out)
        assert report["issues"]["numErrors"] == 0, report["issues"]["messages"]
        assert report["issues"]["numWarnings"] == 0, report["issues"]["messages"]
        assert report["info"]["animationCount"] == 1

    doc = json.loads((tmp_path / "cam.gltf").read_text())
    (anim,) = doc["animations"]
    assert {c["target"]["path"] for c in anim["channels"]} == {"translation", "rotation"}
    for sampler in anim["samplers"]:
        assert sampler["interpolation"] == "LINEAR"
        assert doc["accessors"][sampler["input"]]["count"] == N  # keyframes
    times = _buffer(doc, anim["samplers"][0]["input"])
    assert np.allclose(times, np.arange(N) / FPS)
    translation = _buffer(doc, anim["samplers"][0]["output"])
    rotation = _buffer(doc, anim["samplers"][1]["output"])
    assert np.allclose(translation, track.position, atol=1e-6)
    assert np.allclose(rotation, track.orientation, atol=1e-6)
    lens = anim["extras"]["previzkit"]
    assert lens["focal_mm"][0] == 35.0 and lens["focal_mm"][-1] == pytest.approx(50.0)
    assert len(lens["focus_m"]) == N and lens["sensor_mm"] == [24.89, 18.66]
    camera = doc["cameras"][0]["perspective"]
    assert camera["yfov"] == pytest.approx(2 * math.atan(24.89 / (16 / 9) / 2 / 35.0))

    scene = trimesh.load(tmp_path / "cam.gltf")
    transform, _ = scene.graph["A_cam"]  # the node at the first keyframe
    assert np.allclose(transform, track.sample(0).camera_to_world, atol=1e-6)
    assert scene.camera.fov[1] == pytest.approx(math.degrees(camera["yfov"]), rel=1e-4)


def test_bad_input_is_named(tmp_path):
    from previzkit.media.camera_gltf import export_camera_gltf

    track = _track()
    with pytest.raises(InputError, match=r"cam\.fbx.*\.gltf or \.glb"):
        export_camera_gltf(track, tmp_path / "cam.fbx")
    track.time[3] = track.time[2]
    with pytest.raises(InputError, match="times must increase, sample 3"):
        export_camera_gltf(track, tmp_path / "cam.gltf")
    assert not list(tmp_path.iterdir())


def test_takes_export_camera_from_a_recorded_take(tmp_path, capsys):
    from previzkit.cli import main
    from previzkit.takes.recorder import Recorder
    from previzkit.takes.store import TakeStore

    with (
        TakeStore(tmp_path / "proj") as store,
        Recorder(store, "2", "2-B", rate="24", start_tc="10:00:00:00") as rec,
    ):
        for pos, rot, lens in _samples():
            rec.frame(camera=(pos, rot, lens), time_s=rec.frames / FPS)
    recorded = read_camera_track(rec.folder / "camera.npz")
    assert len(recorded) == N
    out = tmp_path / "take2.glb"
    args = ["takes", "export-camera", "-p", str(tmp_path / "proj"), "2", "2-B", "1"]
    assert main([*args, "-o", str(out), "--smooth", "4"]) == 0
    assert f"{N} keyframes" in capsys.readouterr().out
    report = validate(out)
    assert report["issues"]["numErrors"] == 0 and report["info"]["animationCount"] == 1
    assert main([*args, "-o", str(tmp_path / "take2.mov")]) == 2
    assert "expected a .gltf or .glb" in capsys.readouterr().err

"""Set files: the sample loads; each kind of bad file fails naming file, key path and why."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.errors import InputError, SetFileError
from previzkit.core.geometry import euler_to_quat
from previzkit.core.resources import asset_path
from previzkit.model.setfile import load_set, parse_set


def _base(sphere_file) -> dict:
    return {
        "name": "t",
        "props": [{"name": "ball", "mesh": sphere_file.name, "position": [0, 0, -2]}],
        "marks": {"A": {"position": [0, 0]}},
        "cameras": {"A_35mm": {"lens": {"focal_mm": 35}, "position": [0, 1.6, 5], "target": "A"}},
    }


def test_sample_set_loads_with_marks_cameras_props_and_background():
    s = load_set(asset_path("sets", "sample.yaml"))
    assert set(s.marks) == {"A", "B"}
    assert set(s.cameras) == {"A_35mm", "B_85mm"}
    assert s.cameras["A_35mm"].lens.focal_mm == 35 and s.cameras["B_85mm"].lens.focal_mm == 85
    assert s.cameras["B_85mm"].lens.sensor_width_mm == pytest.approx(24.89)
    meshes = [p.mesh for p in s.props if p.kit is None]
    assert len(meshes) >= 3 and all(m is not None and m.is_file() for m in meshes)
    assert {m.suffix for m in meshes if m is not None} >= {".glb", ".ply", ".obj"}
    assert {p.kit.part for p in s.props if p.kit is not None} == {"wall", "stairs"}
    assert s.background.environment == "city" and s.background.image is None
    assert [c.mark for c in s.characters] == ["A", "B"]
    assert s.characters[0].position == (s.marks["A"].position[0], 0.0, s.marks["A"].position[1])
    assert s.default_camera == "A_35mm"


def test_valid_set_round_trip(write_set, sphere_file):
    s = load_set(write_set(_base(sphere_file)))
    assert s.props[0].mesh == sphere_file.resolve()
    cam = s.cameras["A_35mm"]
    assert cam.target == (0.0, 1.2, 0.0)  # a mark target is looked at 1.2 m above the floor
    m = cam.camera_to_world()
    forward = -m[:3, 2]
    expected = np.array([0, 1.2, 0]) - np.array([0, 1.6, 5])
    assert np.allclose(forward, expected / np.linalg.norm(expected))
    assert cam.lens.hfov == pytest.approx(2 * math.atan(24.89 / 70))


def test_missing_mesh_file_names_file_and_key(write_set, sphere_file):
    data = _base(sphere_file)
    data["props"].append({"name": "crate", "mesh": "props/nothere.glb"})
    path = write_set(data)
    with pytest.raises(SetFileError) as e:
        load_set(path)
    msg = str(e.value)
    assert str(path) in msg and "props[1].mesh" in msg and "not found" in msg
    assert "nothere.glb" in msg


def test_wrong_type_names_key_and_types(write_set, sphere_file):
    data = _base(sphere_file)
    data["cameras"]["A_35mm"]["lens"]["focal_mm"] = "thirty-five"
    path = write_set(data)
    with pytest.raises(SetFileError) as e:
        load_set(path)
    msg = str(e.value)
    assert str(path) in msg and "cameras.A_35mm.lens.focal_mm" in msg
    assert "expected a number" in msg and "thirty-five" in msg


def test_wrong_type_for_a_section(write_set, sphere_file):
    data = _base(sphere_file)
    data["props"] = {"ball": "x"}
    with pytest.raises(SetFileError, match=r"props: expected a list, got a mapping"):
        load_set(write_set(data))


def test_unknown_camera_referenced_by_name(write_set, sphere_file):
    data = _base(sphere_file)
    data["default_camera"] = "C_50mm"
    path = write_set(data)
    with pytest.raises(SetFileError) as e:
        load_set(path)
    msg = str(e.value)
    assert str(path) in msg and "default_camera" in msg
    assert "unknown camera 'C_50mm'" in msg and "A_35mm" in msg


def test_unknown_camera_asked_of_a_loaded_set(write_set, sphere_file):
    s = load_set(write_set(_base(sphere_file)))
    with pytest.raises(InputError, match=r"no camera named 'Z'.*cameras: A_35mm"):
        s.camera("Z")


def test_unknown_key_names_key_and_suggests(write_set, sphere_file):
    data = _base(sphere_file)
    data["cameras"]["A_35mm"]["lense"] = data["cameras"]["A_35mm"].pop("lens")
    path = write_set(data)
    with pytest.raises(SetFileError) as e:
        load_set(path)
    msg = str(e.value)
    assert str(path) in msg and "cameras.A_35mm.lense" in msg
    assert "unknown key 'lense'" in msg and "did you mean 'lens'" in msg


def test_unknown_top_level_key(write_set, sphere_file):
    data = _base(sphere_file)
    data["prop"] = []
    with pytest.raises(SetFileError, match=r"prop: unknown key 'prop'.*did you mean 'props'"):
        load_set(write_set(data))


def test_unknown_mark_for_a_character_and_a_camera_target(write_set, sphere_file):
    data = _base(sphere_file)
    data["characters"] = [{"name": "hero", "mark": "Q"}]
    with pytest.raises(SetFileError, match=r"characters\[0\]\.mark: unknown mark 'Q' \(marks: A\)"):
        load_set(write_set(data))
    data = _base(sphere_file)
    data["cameras"]["A_35mm"]["target"] = "B"
    with pytest.raises(SetFileError, match=r"cameras\.A_35mm\.target: unknown mark 'B'"):
        load_set(write_set(data))


def test_missing_required_key(write_set, sphere_file):
    data = _base(sphere_file)
    del data["cameras"]["A_35mm"]["lens"]
    with pytest.raises(SetFileError, match=r"cameras\.A_35mm\.lens: required key is missing"):
        load_set(write_set(data))


def test_bad_values(write_set, sphere_file):
    cases = [
        (
            ("cameras", "A_35mm", "lens", "sensor"),
            "imax70",
            r"lens\.sensor: unknown sensor 'imax70'",
        ),
        (("cameras", "A_35mm", "lens", "focal_mm"), -5, r"lens\.focal_mm: must be > 0"),
        (
            ("cameras", "A_35mm", "position"),
            [0, 1],
            r"position: expected a list of 3 numbers, got 2",
        ),
        (("marks", "A", "color"), [2, 0, 0], r"marks\.A\.color\[0\]: colour components are 0\.\.1"),
    ]
    for keys, value, pattern in cases:
        data = _base(sphere_file)
        node = data
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
        with pytest.raises(SetFileError, match=pattern):
            load_set(write_set(data))


def test_bad_light_and_rotation(write_set, sphere_file):
    data = _base(sphere_file)
    data["lights"] = [{"type": "point"}]
    with pytest.raises(SetFileError, match=r"lights\[0\]\.type: unknown light type 'point'"):
        load_set(write_set(data))
    data["lights"] = [{"type": "spot"}]  # a spot light needs its position
    with pytest.raises(SetFileError, match=r"lights\[0\]: missing.*position|position"):
        load_set(write_set(data))
    data["lights"] = [{"type": "spot", "position": [0, 3, 0], "cone_deg": 95}]
    with pytest.raises(SetFileError, match=r"lights\[0\]\.cone_deg: must be below 90"):
        load_set(write_set(data))
    data["lights"] = [{"type": "spot", "position": [0, 3, 0], "target": [0, 3, 0]}]
    with pytest.raises(SetFileError, match=r"lights\[0\]\.target: target is at the light"):
        load_set(write_set(data))
    data["lights"] = [{"type": "directional", "shadow": "yes"}]
    with pytest.raises(SetFileError, match=r"lights\[0\]\.shadow: expected true or false"):
        load_set(write_set(data))
    data["lights"] = [{"type": "spot", "position": [1, 3, 0], "target": [1, 0, 0], "shadow": False}]
    spot = load_set(write_set(data)).lights[0]
    assert spot.kind == "spot" and spot.position == (1.0, 3.0, 0.0) and spot.shadow is False
    assert spot.direction == pytest.approx((0.0, -1.0, 0.0))
    data = _base(sphere_file)
    data["props"][0]["rotation"] = [0, 0, 0, 0]
    with pytest.raises(SetFileError, match=r"props\[0\]\.rotation: quaternion .* zero length"):
        load_set(write_set(data))
    data["props"][0]["rotation"] = {"yaw": 10, "tilt": 3}
    with pytest.raises(SetFileError, match=r"props\[0\]\.rotation\.tilt: unknown key"):
        load_set(write_set(data))


def test_wrong_mesh_suffix_and_missing_background(write_set, sphere_file, tmp_path):
    (tmp_path / "notes.txt").write_text("x")
    data = _base(sphere_file)
    data["props"][0]["mesh"] = "notes.txt"
    with pytest.raises(SetFileError, match=r"props\[0\]\.mesh: mesh 'notes.txt' has suffix '.txt'"):
        load_set(write_set(data))
    data = _base(sphere_file)
    data["background"] = {"image": "sky.png"}
    with pytest.raises(SetFileError, match=r"background\.image: panorama image file not found"):
        load_set(write_set(data))


def test_not_yaml_and_empty_and_missing_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("props: [a, b\ncameras: {")
    with pytest.raises(SetFileError, match=r"bad\.yaml: not valid YAML at line"):
        load_set(bad)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(SetFileError, match=r"empty\.yaml: set file is empty"):
        load_set(empty)
    with pytest.raises(SetFileError, match=r"nope\.yaml: set file not found"):
        load_set(tmp_path / "nope.yaml")
    with pytest.raises(SetFileError, match=r"expected a mapping, got a list"):
        parse_set([1, 2])


def test_rotation_forms_agree(write_set, sphere_file):
    data = _base(sphere_file)
    q = euler_to_quat(90, 0, 0)
    data["props"][0]["rotation"] = {"yaw": 90}
    data["props"].append(
        {"name": "b2", "mesh": sphere_file.name, "rotation": list(q), "scale": [1, 2, 3]}
    )
    s = load_set(write_set(data))
    assert np.allclose(s.props[0].rotation, s.props[1].rotation)
    m = s.props[0].model_matrix()
    assert np.allclose(m[:3, :3] @ [0, 0, -1], [-1, 0, 0], atol=1e-9)  # yaw 90: -z turns to -x
    assert np.allclose(np.linalg.norm(s.props[1].model_matrix()[:3, :3], axis=0), [1, 2, 3])
    # pitch 90 looks up, roll turns about the view axis
    assert np.allclose(_rot(euler_to_quat(0, 90, 0)) @ [0, 0, -1], [0, 1, 0], atol=1e-9)


def _rot(q):
    from previzkit.core.geometry import quat_to_matrix

    return quat_to_matrix(q)


def test_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text(
        "cameras:\n"
        "  A: {lens: {focal_mm: 35}, position: [0, 1, 5]}\n"
        "  A: {lens: {focal_mm: 85}, position: [0, 1, 5]}\n"
    )
    with pytest.raises(
        SetFileError, match=r"dup\.yaml: not valid YAML at line 3.*duplicate key 'A'"
    ):
        load_set(path)

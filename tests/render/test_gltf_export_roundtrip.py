"""glTF export and import: mannequin.glb, skinned round trip, animations, name maps, errors."""

from __future__ import annotations

import base64
import io
import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from previzkit.core.errors import ExportError, InputError, MissingFileError
from previzkit.core.geometry import look_at, quat_from_axis_angle, quat_to_matrix
from previzkit.core.resources import asset_path
from previzkit.core.types import SkeletonPose
from previzkit.model.camera import Lens
from previzkit.model.kinematics import forward_kinematics
from previzkit.model.skeleton import SKELETON, default_skeleton
from previzkit.render.character import character_from_def
from previzkit.render.character_gltf import (
    GltfFile,
    _parse_glb,
    load_skinned_gltf,
    skeleton_from_gltf,
)
from previzkit.render.character_preview import render_drawables
from previzkit.render.gltf_export import export_animation_glb, export_mannequin_glb
from previzkit.render.mannequin import mannequin_mesh

SK = default_skeleton()


def wave(n: int) -> list[SkeletonPose]:
    return [
        SkeletonPose(
            root=(0.05 * i, 0.95, 0.1 * i),
            rotations={
                "left_upper_arm": quat_from_axis_angle((0, 0, 1), 0.15 * i),
                "left_forearm": quat_from_axis_angle((0, 1, 0), -0.1 * i),
                "hips": quat_from_axis_angle((0, 1, 0), 0.05 * i),
            },
        )
        for i in range(n)
    ]


def as_gltf_with_data_uris(glb_path, out_path, edit=None):
    """Rewrite a .glb as a .gltf (JSON + base64 buffer), optionally editing the JSON."""
    doc, binary = _parse_glb(glb_path.read_bytes())
    doc["buffers"][0]["uri"] = (
        "data:application/octet-stream;base64," + base64.b64encode(binary).decode()
    )
    if edit:
        edit(doc)
    out_path.write_text(json.dumps(doc))
    return out_path


def cdef(model, **kw):
    return SimpleNamespace(
        **(
            {
                "name": "c",
                "model": str(model),
                "position": (0.0, 0.0, 0.0),
                "yaw_deg": 0.0,
                "color": (0.3, 0.6, 0.9),
                "height_m": 1.75,
            }
            | kw
        )
    )


def test_shipped_mannequin_glb_is_the_exported_mannequin(tmp_path):
    import trimesh

    shipped = asset_path("characters", "mannequin.glb")
    assert shipped.stat().st_size < 512_000
    fresh = export_mannequin_glb(tmp_path / "m.glb")
    a, b = trimesh.load(shipped, force="mesh"), trimesh.load(fresh, force="mesh")
    assert len(a.vertices) == len(b.vertices) == len(mannequin_mesh(SK).positions)
    assert a.bounds == pytest.approx(b.bounds, abs=1e-6)
    assert a.bounds[:, 1] == pytest.approx((0.0, 1.75), abs=1e-3)
    mesh = load_skinned_gltf(shipped, SK)
    assert mesh.positions == pytest.approx(mannequin_mesh(SK).positions, abs=1e-6), (
        "previzkit/assets/characters/mannequin.glb is stale: regenerate it with export_mannequin_glb"
    )
    assert mesh.joint_names == list(SKELETON)
    assert list(mesh.skeleton_joint) == list(range(len(SKELETON)))


def test_exported_skin_reads_back_exactly(tmp_path):
    path = export_mannequin_glb(tmp_path / "m.glb")
    m, ref = load_skinned_gltf(path, SK), mannequin_mesh(SK)
    assert m.positions == pytest.approx(ref.positions)
    assert np.array_equal(m.joints, ref.joints) and np.array_equal(m.indices, ref.indices)
    assert m.inverse_bind == pytest.approx(ref.inverse_bind, abs=1e-6)
    assert m.bind_world() == pytest.approx(ref.bind_world(), abs=1e-6)
    fitted = skeleton_from_gltf(path)
    assert fitted.offsets == pytest.approx(SK.offsets, abs=1e-6)
    assert fitted.height_m == pytest.approx(1.75, abs=1e-6)


@pytest.mark.gl
def test_glb_character_posed_renders_like_the_mannequin(gl, tmp_path):
    path = export_mannequin_glb(tmp_path / "m.glb", color=(0.3, 0.6, 0.9))
    pose = wave(6)[5]
    a = character_from_def(gl, cdef("mannequin", position=(0.5, 0.0, 0.0), yaw_deg=20.0))
    b = character_from_def(gl, cdef(path, position=(0.5, 0.0, 0.0), yaw_deg=20.0))
    try:
        for ch in (a, b):
            ch.set_pose(pose)
        assert b.joint_positions() == pytest.approx(a.joint_positions(), abs=1e-6)
        assert np.abs(b.gpu_vertices() - a.gpu_vertices()).max() < 1e-5
        cam = look_at((1.5, 1.5, 4.0), (0.5, 1.0, 0.0))
        ia = render_drawables(gl, [a], cam, Lens(35.0), 320, 240)
        ib = render_drawables(gl, [b], cam, Lens(35.0), 320, 240)
        assert (ia.sum(axis=2) > 0).sum() > 1500
        # same silhouette and shading (b's colour comes from the file's material)
        assert np.abs(ia.astype(int) - ib.astype(int)).max() <= 2
    finally:
        a.release()
        b.release()


@pytest.mark.gl
def test_mixamo_named_textured_gltf_loads_maps_and_samples_its_texture(gl, tmp_path):
    from PIL import Image

    glb = export_mannequin_glb(tmp_path / "m.glb")
    mixamo = {
        "hips": "Hips",
        "spine": "Spine",
        "chest": "Spine2",
        "neck": "Neck",
        "head": "Head",
        "shoulder": "Shoulder",
        "upper_arm": "Arm",
        "forearm": "ForeArm",
        "hand": "Hand",
        "upper_leg": "UpLeg",
        "lower_leg": "Leg",
        "foot": "Foot",
        "toe": "ToeBase",
    }
    n_vertices = len(mannequin_mesh(SK).positions)
    png = io.BytesIO()
    Image.new("RGB", (4, 4), (255, 0, 0)).save(png, format="PNG")

    def edit(doc):
        for node in doc["nodes"]:
            name = node.get("name", "")
            side, _, bone = name.partition("_")
            if side in ("left", "right") and bone in mixamo:
                node["name"] = f"mixamorig:{side.capitalize()}{mixamo[bone]}"
            elif name in mixamo:
                node["name"] = f"mixamorig:{mixamo[name]}"
        uv = np.full((n_vertices, 2), 0.5, np.float32).tobytes()
        doc["buffers"].append(
            {
                "byteLength": len(uv),
                "uri": "data:application/octet-stream;base64," + base64.b64encode(uv).decode(),
            }
        )
        doc["bufferViews"].append({"buffer": 1, "byteLength": len(uv)})
        doc["accessors"].append(
            {
                "bufferView": len(doc["bufferViews"]) - 1,
                "componentType": 5126,
                "count": n_vertices,
                "type": "VEC2",
            }
        )
        doc["meshes"][0]["primitives"][0]["attributes"]["TEXCOORD_0"] = len(doc["accessors"]) - 1
        doc["images"] = [
            {"uri": "data:image/png;base64," + base64.b64encode(png.getvalue()).decode()}
        ]
        doc["textures"] = [{"source": 0}]
        pbr = doc["materials"][0]["pbrMetallicRoughness"]
        pbr["baseColorFactor"] = [1.0, 1.0, 1.0, 1.0]
        pbr["baseColorTexture"] = {"index": 0}

    path = as_gltf_with_data_uris(glb, tmp_path / "mixamo.gltf", edit)
    mesh = load_skinned_gltf(path)
    assert mesh.joint_names[0] == "mixamorig:Hips"
    assert sorted(mesh.skeleton_joint) == list(range(len(SKELETON)))  # every joint mapped
    assert len(mesh.textures) == 1 and mesh.textures[0].shape == (4, 4, 4)
    ch = character_from_def(gl, cdef(path))
    try:
        ch.set_pose(wave(4)[3])
        img = render_drawables(
            gl, [ch], look_at((0.0, 1.0, 4.0), (0.0, 1.0, 0.0)), Lens(35.0), 160, 160, flat=True
        )
        covered = img[img.sum(axis=2) > 0]
        assert len(covered) > 500
        assert np.all(covered[:, 0] >= 253) and np.all(covered[:, 1:] <= 2)  # the red texture
    finally:
        ch.release()


def test_animation_channels_read_back_as_the_poses(tmp_path):
    import trimesh

    poses = wave(12)
    path = export_animation_glb(tmp_path / "take.glb", poses, fps=24.0, name="wave")
    assert trimesh.load(path) is not None
    gf = GltfFile(path)
    (anim,) = gf.doc["animations"]
    assert anim["name"] == "wave"
    times = gf.accessor(anim["samplers"][0]["input"])
    assert times == pytest.approx(np.arange(12) / 24.0)
    nodes = gf.doc["nodes"]
    channels = {(c["target"]["node"], c["target"]["path"]): c["sampler"] for c in anim["channels"]}
    assert len(channels) == len(SKELETON) + 1
    assert gf.accessor(anim["samplers"][channels[(0, "translation")]]["output"]) == pytest.approx(
        np.array([p.root for p in poses])
    )
    # evaluate the file's node hierarchy at each frame: equals forward kinematics
    rot = {
        j: gf.accessor(anim["samplers"][channels[(j, "rotation")]]["output"])
        for j in range(len(SKELETON))
    }
    for i in (0, 5, 11):
        world = {}
        for j, name in enumerate(SKELETON):
            assert nodes[j]["name"] == name
            local = np.eye(4)
            local[:3, :3] = quat_to_matrix(rot[j][i])
            local[:3, 3] = poses[i].root if j == 0 else nodes[j]["translation"]
            parent = next((p for p, n in enumerate(nodes) if j in n.get("children", [])), None)
            world[j] = local if parent is None else world[parent] @ local
        fk = forward_kinematics(SK, poses[i])
        assert np.array([world[j] for j in range(len(SKELETON))]) == pytest.approx(fk, abs=1e-6)


def test_animation_quaternions_stay_on_one_hemisphere(tmp_path):
    poses = [
        SkeletonPose(
            root=(0, 0.95, 0),
            rotations={"head": tuple(s * c for c in quat_from_axis_angle((0, 1, 0), 0.1 * i))},
        )
        for i, s in enumerate([1, -1, 1, -1])
    ]
    gf = GltfFile(export_animation_glb(tmp_path / "a.glb", poses, fps=30, with_mesh=False))
    anim = gf.doc["animations"][0]
    head = SKELETON.index("head")
    ch = next(c for c in anim["channels"] if c["target"] == {"node": head, "path": "rotation"})
    q = gf.accessor(anim["samplers"][ch["sampler"]]["output"])
    assert np.all(np.einsum("ij,ij->i", q[1:], q[:-1]) > 0)
    assert "meshes" not in gf.doc


# --- bad input ----------------------------------------------------------------------------


def test_export_refuses_bad_fps_empty_poses_and_bad_frames(tmp_path):
    with pytest.raises(InputError, match="fps must be a positive"):
        export_animation_glb(tmp_path / "a.glb", wave(2), fps=0)
    with pytest.raises(InputError, match="no poses"):
        export_animation_glb(tmp_path / "a.glb", [], fps=24)
    bad = [*wave(3), SkeletonPose(root=(0, 1, 0), rotations={"wing": (0, 0, 0, 1)})]
    with pytest.raises(InputError, match=r"frame 3:.*'wing'"):
        export_animation_glb(tmp_path / "a.glb", bad, fps=24)
    with pytest.raises(InputError, match=r"take\.gltf.*must end in \.glb"):
        export_animation_glb(tmp_path / "take.gltf", wave(2), fps=24)


def test_export_to_an_unwritable_place_is_an_export_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ExportError, match="cannot write"):
        export_mannequin_glb(blocker / "m.glb")


def test_reader_refuses_a_file_that_is_not_gltf(tmp_path):
    junk = tmp_path / "junk.glb"
    junk.write_bytes(b"glTF\x02\x00\x00\x00garbage")
    with pytest.raises(InputError, match=r"junk\.glb: not a readable glTF"):
        load_skinned_gltf(junk, SK)


def test_reader_refuses_a_gltf_without_a_skin(tmp_path):
    import trimesh

    path = tmp_path / "box.glb"
    trimesh.creation.box().export(path)
    with pytest.raises(InputError, match=r"box\.glb: skins: the file has no skin"):
        load_skinned_gltf(path, SK)


def test_reader_says_to_pass_a_name_map_when_no_joint_matches(tmp_path):
    def rename(doc):
        for i, node in enumerate(doc["nodes"]):
            node["name"] = f"bone{i}"

    path = as_gltf_with_data_uris(
        export_mannequin_glb(tmp_path / "m.glb"), tmp_path / "odd.gltf", rename
    )
    with pytest.raises(InputError, match=r"odd\.gltf: none of the skin's joints \(bone0.*name_map"):
        load_skinned_gltf(path, SK)
    # with a name map it loads
    mesh = load_skinned_gltf(path, SK, name_map={f"bone{i}": n for i, n in enumerate(SKELETON)})
    assert list(mesh.skeleton_joint) == list(range(len(SKELETON)))


def test_reader_names_a_missing_buffer_file(tmp_path):
    def external(doc):
        doc["buffers"][0]["uri"] = "missing.bin"

    path = as_gltf_with_data_uris(
        export_mannequin_glb(tmp_path / "m.glb"), tmp_path / "ext.gltf", external
    )
    with pytest.raises(
        MissingFileError, match=r"buffers\[0\]\.uri: file not found: .*missing\.bin"
    ):
        load_skinned_gltf(path, SK)


def test_reader_names_a_primitive_without_weights(tmp_path):
    def strip(doc):
        del doc["meshes"][0]["primitives"][0]["attributes"]["WEIGHTS_0"]

    path = as_gltf_with_data_uris(
        export_mannequin_glb(tmp_path / "m.glb"), tmp_path / "w.gltf", strip
    )
    with pytest.raises(
        InputError, match=r"meshes\[0\]\.primitives\[0\]\.attributes: missing WEIGHTS_0"
    ):
        load_skinned_gltf(path, SK)


def test_missing_gltf_file_is_named(tmp_path):
    with pytest.raises(MissingFileError, match=r"nobody\.glb"):
        load_skinned_gltf(tmp_path / "nobody.glb", SK)


def test_elbow_bend_in_an_exported_animation_matches_fk(tmp_path):
    bend = SkeletonPose(
        root=SK.rest_pose().root,
        rotations={"left_forearm": quat_from_axis_angle((0, 1, 0), -math.pi / 2)},
    )
    gf = GltfFile(export_animation_glb(tmp_path / "b.glb", [SK.rest_pose(), bend], fps=2))
    anim = gf.doc["animations"][0]
    fore = SKELETON.index("left_forearm")
    ch = next(c for c in anim["channels"] if c["target"] == {"node": fore, "path": "rotation"})
    q = gf.accessor(anim["samplers"][ch["sampler"]]["output"])
    assert q[0] == pytest.approx((0, 0, 0, 1))
    assert quat_to_matrix(q[1]) @ (1.0, 0.0, 0.0) == pytest.approx((0.0, 0.0, 1.0), abs=1e-6)


def test_animation_export_reports_progress_per_frame(tmp_path):
    calls = []
    export_animation_glb(
        tmp_path / "p.glb",
        wave(5),
        fps=24,
        with_mesh=False,
        progress=lambda d, t: calls.append((d, t)),
    )
    assert calls == [(i, 5) for i in range(1, 6)]


def a_pose(sk, arms_deg=45.0, legs_deg=8.0):
    arms, legs = math.radians(arms_deg), math.radians(legs_deg)
    return SkeletonPose(
        root=sk.rest_pose().root,
        rotations={
            "left_upper_arm": quat_from_axis_angle((0, 0, 1), -arms),
            "right_upper_arm": quat_from_axis_angle((0, 0, 1), arms),
            "left_upper_leg": quat_from_axis_angle((0, 0, 1), legs),
            "right_upper_leg": quat_from_axis_angle((0, 0, 1), -legs),
        },
    )


def test_a_pose_bound_file_unbends_to_the_t_pose_skeleton(tmp_path):
    path = export_mannequin_glb(tmp_path / "a.glb", bind_pose=a_pose(SK))
    gf = GltfFile(path)
    assert "rotation" in gf.doc["nodes"][SKELETON.index("left_upper_arm")]
    # the file's mesh hangs its arms (T pose finger tips: x = 0.91 m) ...
    position = gf.doc["meshes"][0]["primitives"][0]["attributes"]["POSITION"]
    assert gf.accessor(position)[:, 0].max() < 0.75
    # ... but the fitted skeleton is the T pose with the same bone lengths
    fitted = skeleton_from_gltf(path)
    assert fitted.offsets == pytest.approx(SK.offsets, abs=1e-6)
    assert fitted.tails == pytest.approx(SK.tails, abs=1e-6)


@pytest.mark.gl
def test_a_pose_bound_character_takes_t_relative_poses(gl, tmp_path):
    path = export_mannequin_glb(tmp_path / "a.glb", bind_pose=a_pose(SK))
    a = character_from_def(gl, cdef("mannequin"))
    b = character_from_def(gl, cdef(path))
    try:
        # at rest the A-bound character stands in the T pose, like the mannequin
        assert np.abs(b.gpu_vertices() - a.gpu_vertices()).max() < 1e-5
        for pose in (wave(6)[5], a_pose(SK, 70.0, 0.0)):
            a.set_pose(pose)
            b.set_pose(pose)
            assert b.joint_positions() == pytest.approx(a.joint_positions(), abs=1e-6)
            assert np.abs(b.gpu_vertices() - a.gpu_vertices()).max() < 1e-5
    finally:
        a.release()
        b.release()

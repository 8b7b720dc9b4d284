"""Meshes from glTF/GLB/OBJ/PLY load with normals; textures map the right way up;
directional light shades the lit side brighter; transforms place props."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from previzkit.core.errors import InputError, MissingFileError
from previzkit.core.geometry import look_at
from previzkit.model.camera import Lens
from previzkit.model.setfile import load_set
from previzkit.render.mesh import load_mesh
from previzkit.render.renderer import Renderer


@pytest.mark.parametrize("suffix", [".glb", ".gltf", ".obj", ".ply"])
def test_box_loads_from_each_format(tmp_path, suffix):
    import trimesh

    path = tmp_path / f"box{suffix}"
    box = trimesh.creation.box((1.0, 2.0, 0.5))
    box.export(path)
    parts = load_mesh(path)
    assert sum(p.triangle_count for p in parts) == 12
    pts = np.concatenate([p.positions for p in parts])
    assert np.allclose(pts.max(axis=0) - pts.min(axis=0), [1.0, 2.0, 0.5], atol=1e-5)
    for p in parts:
        assert p.normals.shape == p.positions.shape
        assert np.allclose(np.linalg.norm(p.normals, axis=1), 1.0, atol=1e-4)
        # flat box faces: creases split, so every normal is axis-aligned
        assert np.allclose(np.abs(p.normals).max(axis=1), 1.0, atol=1e-4)


def test_bad_mesh_files(tmp_path):
    with pytest.raises(MissingFileError, match=r"nothere\.glb"):
        load_mesh(tmp_path / "nothere.glb")
    junk = tmp_path / "junk.glb"
    junk.write_bytes(b"not a gltf at all")
    with pytest.raises(InputError, match=r"junk\.glb: cannot read mesh"):
        load_mesh(junk)


def _textured_quad(path):
    import trimesh

    quad = trimesh.Trimesh(
        vertices=[[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]],
        faces=[[0, 1, 2], [0, 2, 3]],
        process=False,
    )
    quadrants = np.zeros((2, 2, 3), np.uint8)
    quadrants[0, 0] = (255, 0, 0)  # image top-left: red
    quadrants[0, 1] = (0, 255, 0)  # top-right: green
    quadrants[1, 0] = (0, 0, 255)  # bottom-left: blue
    quadrants[1, 1] = (255, 255, 0)  # bottom-right: yellow
    tex = np.repeat(np.repeat(quadrants, 32, axis=0), 32, axis=1)
    uv = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], float)  # v up: (0, 1) is the image top
    material = trimesh.visual.material.PBRMaterial(
        baseColorTexture=Image.fromarray(tex), baseColorFactor=[255, 255, 255, 255]
    )
    quad.visual = trimesh.visual.TextureVisuals(uv=uv, material=material)
    quad.export(path)
    return path


@pytest.mark.gl
def test_texture_maps_upright(gl, tmp_path, write_set, isolated_set):
    _textured_quad(tmp_path / "quad.glb")
    props = [{"name": "q", "mesh": "quad.glb", "position": [0, 20, -3]}]
    renderer = Renderer(gl, load_set(write_set(isolated_set(props))))
    try:
        image = renderer.render_image((look_at((0, 20, 0), (0, 20, -3)), Lens(20.0)), 200, 200)
    finally:
        renderer.release()
    # the quad spans about 2 * 20/24.89 * 200 / 3 = 107 px around the centre
    q = 30
    expected = {
        (-q, -q): (255, 0, 0),
        (q, -q): (0, 255, 0),
        (-q, q): (0, 0, 255),
        (q, q): (255, 255, 0),
    }
    for (dx, dy), rgb in expected.items():
        got = image[100 + dy, 100 + dx].astype(int)
        assert np.abs(got - rgb).max() <= 60, ((dx, dy), got, rgb)


@pytest.mark.gl
def test_directional_light_shades_lit_side(gl, write_set, sphere_file):
    data = {
        "stage": {"width": 0.5, "depth": 0.5, "grid": 0},
        "background": {"color": [0, 0, 0]},
        "lights": [
            {"type": "directional", "direction": [-1, 0, 0], "intensity": 1.0},  # travels to -x
            {"type": "ambient", "color": [0.1, 0.1, 0.1]},
        ],
        "props": [
            {
                "name": "s",
                "mesh": sphere_file.name,
                "position": [0, 20, -1.5],
                "color": [0.8, 0.8, 0.8],
            }
        ],
    }
    renderer = Renderer(gl, load_set(write_set(data)))
    try:
        image = renderer.render_image((look_at((0, 20, 0), (0, 20, -1.5)), Lens(35.0)), 160, 120)
    finally:
        renderer.release()
    lum = image.astype(float).mean(axis=2)
    lit = lum[55:65, 85:95].mean()  # +x side faces the light
    dark = lum[55:65, 65:75].mean()
    assert lit > dark + 60, (lit, dark)
    assert dark >= 15  # ambient still lights the far side


@pytest.mark.gl
def test_prop_transform_scale_and_yaw(gl, tmp_path, write_set, isolated_set, centroid):
    import trimesh

    bar = trimesh.creation.box((1.0, 0.1, 0.1))  # long along x
    bar.apply_translation((0.5, 0, 0))  # from its origin to +x
    bar.export(tmp_path / "bar.ply")
    props = [
        {
            "name": "b",
            "mesh": "bar.ply",
            "position": [0, 20, -3],
            "rotation": {"yaw": 90},
            "scale": 2.0,
            "color": [1, 0, 0],
        }
    ]
    renderer = Renderer(gl, load_set(write_set(isolated_set(props))))
    top = look_at((0, 26, -2.999), (0, 20, -3))  # looking down, -z up in the image
    try:
        image = renderer.render_image((top, Lens(35.0)), 201, 201)
    finally:
        renderer.release()
    mask = image[..., 0] > 128
    ys, xs = np.nonzero(mask)
    # yaw 90 turns +x to -z (up in this view); scale 2 makes it 2 m long
    assert ys.max() - ys.min() > 4 * (xs.max() - xs.min())
    cx, cy = centroid(mask)
    assert cy < 100 and abs(cx - 100.5) < 1.5


@pytest.mark.gl
@pytest.mark.parametrize("side", [1.0, -1.0])
def test_two_sided_shading_with_inconsistent_winding(gl, tmp_path, write_set, side):
    import trimesh

    # a 2 x 2 m wall in the z = 0 plane of four triangles, two of them wound the other way
    v = [[-1, -1, 0], [0, -1, 0], [1, -1, 0], [-1, 1, 0], [0, 1, 0], [1, 1, 0]]
    faces = [[0, 1, 4], [0, 4, 3], [1, 5, 4][::-1], [1, 2, 5][::-1]]
    trimesh.Trimesh(v, faces, process=False).export(tmp_path / "wall.ply")
    data = {
        "stage": {"width": 0.5, "depth": 0.5, "grid": 0},
        "background": {"color": [0, 0, 0]},
        "lights": [
            {
                "type": "directional",
                "direction": [0, 0, -side],
                "intensity": 0.8,
            },  # from the viewer
            {"type": "ambient", "color": [0.1, 0.1, 0.1]},
        ],
        "props": [{"name": "w", "mesh": "wall.ply", "position": [0, 20, 0], "color": [1, 1, 1]}],
    }
    renderer = Renderer(gl, load_set(write_set(data)))
    try:
        eye = (0, 20, 3 * side)
        image = renderer.render_image((look_at(eye, (0, 20, 0)), Lens(35.0)), 120, 90)
    finally:
        renderer.release()
    lum = image.astype(float).mean(axis=2)
    left, right = lum[40:50, 40:50].mean(), lum[40:50, 70:80].mean()
    # both halves face the light from the viewer's side: equally and fully lit
    assert left == pytest.approx(right, abs=3)
    assert left > 0.8 * 255 * 0.85


@pytest.mark.gl
def test_unreadable_mesh_in_a_set_names_set_and_prop(gl, tmp_path, write_set):
    (tmp_path / "broken.glb").write_bytes(b"glTF but not really")
    path = write_set({"props": [{"name": "crate", "mesh": "broken.glb"}]})
    with pytest.raises(InputError) as e:
        Renderer(gl, load_set(path))
    msg = str(e.value)
    assert str(path) in msg and "props[0].mesh (crate)" in msg and "broken.glb" in msg

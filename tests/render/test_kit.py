"""Kit parts: watertight meshes of the asked size with outward normals, openings that go
through, stairs with their treads; set files use them (errors name the key); the shipped
sets show their kit walls in a real render; a kit prop survives saving the set."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest

from previzkit.core.errors import InputError, SetFileError
from previzkit.core.geometry import view_matrix
from previzkit.core.resources import asset_path
from previzkit.model.camera import perspective_from_lens
from previzkit.model.kitparts import KIT_PARTS, check_kit
from previzkit.model.setfile import BackgroundDef, LightDef, load_set, parse_set
from previzkit.render import kit

trimesh = pytest.importorskip("trimesh")

MM = 1e-3


def _box_is(mesh, lo, hi) -> None:
    np.testing.assert_allclose(mesh.bounds, [lo, hi], atol=MM)


def _solid(mesh) -> None:
    """Watertight, consistently wound, normals outward (positive volume)."""
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert mesh.volume > 0


def _ray_hits(mesh, origins, directions) -> list[np.ndarray]:
    """For each ray, the distances at which it crosses the mesh's triangles
    (Moller-Trumbore over all triangles; trimesh's ray module wants rtree)."""
    tri = np.asarray(mesh.triangles, dtype=float)
    v0, e1, e2 = tri[:, 0], tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0]
    o = np.asarray(origins, dtype=float).reshape(-1, 3)
    d = np.broadcast_to(np.asarray(directions, dtype=float), o.shape)
    out = []
    for oi, di in zip(o, d, strict=True):
        p = np.cross(di, e2)
        det = np.einsum("ij,ij->i", e1, p)
        ok = np.abs(det) > 1e-12
        inv = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
        s = oi - v0
        u = np.einsum("ij,ij->i", s, p) * inv
        q = np.cross(s, e1)
        v = (q @ di) * inv
        t = np.einsum("ij,ij->i", e2, q) * inv
        hit = ok & (u >= 0) & (v >= 0) & (u + v <= 1) & (t > 0)
        out.append(np.sort(t[hit]))
    return out


def _hits(mesh, origins, directions) -> np.ndarray:
    """Whether each ray hits the mesh."""
    return np.array([len(t) > 0 for t in _ray_hits(mesh, origins, directions)])


# --- the parts ------------------------------------------------------------------------


def test_wall_is_watertight_of_its_size_and_its_openings_go_through():
    openings = [
        {"type": "door", "x": 1.5, "width": 1.0, "height": 2.1},
        {"type": "window", "x": -2.0, "width": 1.4, "height": 1.0, "sill": 1.0},
    ]
    w = kit.wall(10.0, 3.2, 0.2, openings)
    _solid(w)
    _box_is(w, [-5, 0, -0.1], [5, 3.2, 0.1])
    assert w.volume == pytest.approx(10 * 3.2 * 0.2 - 1.0 * 2.1 * 0.2 - 1.4 * 1.0 * 0.2)
    through = [[1.5, 1.05, 2.0], [-2.0, 1.5, 2.0], [1.05, 0.05, 2.0], [-2.65, 1.95, 2.0]]
    solid = [[0.0, 1.5, 2.0], [1.5, 2.5, 2.0], [-2.0, 0.5, 2.0], [-2.0, 2.3, 2.0]]
    assert not _hits(w, through, [0, 0, -1]).any()  # the openings' centres and corners
    assert _hits(w, solid, [0, 0, -1]).all()  # beside, above and below them
    plain = kit.wall(4.0, 2.5)
    _solid(plain)
    _box_is(plain, [-2, 0, -0.1], [2, 2.5, 0.1])


def test_slabs_and_columns_have_their_size():
    f = kit.floor(4.0, 3.0)
    _solid(f)
    _box_is(f, [-2, 0, -1.5], [2, 0.1, 1.5])  # a platform on the floor by default
    _box_is(kit.floor(4.0, 3.0, thickness=0.2, level=1.0), [-2, 0.8, -1.5], [2, 1.0, 1.5])
    c = kit.ceiling(6.0, 5.0, level=3.0, thickness=0.25)
    _solid(c)
    _box_is(c, [-3, 3.0, -2.5], [3, 3.25, 2.5])
    round_ = kit.column(3.0, radius=0.25, sides=32)
    _solid(round_)
    _box_is(round_, [-0.25, 0, -0.25], [0.25, 3.0, 0.25])
    square = kit.column(2.0, side=0.4)
    _solid(square)
    _box_is(square, [-0.2, 0, -0.2], [0.2, 2.0, 0.2])


def test_door_frame_and_leaf_and_its_swing():
    d = kit.door(width=0.9, height=2.1, depth=0.12, frame=0.06)
    assert d.is_watertight and d.is_winding_consistent and d.body_count == 2
    _box_is(d, [-0.45, 0, -0.06], [0.45, 2.1, 0.06])
    assert _hits(d, [[0.0, 1.0, 1.0]], [0, 0, -1]).all()  # the closed leaf
    ajar = kit.door(ajar=90)
    assert not _hits(ajar, [[0.0, 1.0, 1.0]], [0, 0, -1]).any()  # open: see through
    # the leaf swung 90 degrees about its hinge at -x stands out toward +z
    assert ajar.bounds[1][2] == pytest.approx(0.9 - 2 * 0.06, abs=0.03)


def test_window_frame_mullions_and_panes():
    w = kit.window(width=1.2, height=1.0, depth=0.1, frame=0.06, mullions=1, transoms=1)
    _solid(w)
    _box_is(w, [-0.6, 0, -0.05], [0.6, 1.0, 0.05])
    panes = [[x, y, 1.0] for x in (-0.3, 0.3) for y in (0.28, 0.72)]
    assert not _hits(w, panes, [0, 0, -1]).any()  # four open panes
    bars = [[0.0, 0.28, 1.0], [-0.3, 0.5, 1.0], [-0.58, 0.5, 1.0]]
    assert _hits(w, bars, [0, 0, -1]).all()  # mullion, transom, frame
    glazed = kit.window(glass=True)
    assert glazed.body_count == 2 and _hits(glazed, [[0.3, 0.6, 1.0]], [0, 0, -1]).all()


def test_stairs_have_their_treads_at_the_right_heights():
    s = kit.stairs(width=1.2, rise=1.5, run=2.4, steps=8)
    _solid(s)
    _box_is(s, [-0.6, 0, -1.2], [0.6, 1.5, 1.2])
    tread = 2.4 / 8
    # the first riser at z = +run/2, climbing toward -z: drop a ray on each tread's middle
    zs = [1.2 - tread * (k + 0.5) for k in range(8)]
    hits = _ray_hits(s, [[0.0, 5.0, z] for z in zs], [0.0, -1.0, 0.0])
    heights = np.array([5.0 - t[0] for t in hits])
    np.testing.assert_allclose(heights, [1.5 * (k + 1) / 8 for k in range(8)], atol=MM)
    up = s.face_normals[:, 1] > 0.99
    levels = np.unique(np.round(s.triangles_center[up, 1], 6))
    assert len(levels) == 8  # one tread per step, no other upward faces


def test_railing_posts_and_rails():
    r = kit.railing(5.0, height=1.0, post_spacing=1.2, post=0.05, rails=1)
    _solid(r)
    _box_is(r, [-2.5, 0, -0.025], [2.5, 1.0, 0.025])
    low = np.array([[x, 0.2, 1.0] for x in np.linspace(-2.49, 2.49, 2000)])
    posts = _hits(r, low, [0, 0, -1])
    runs = np.count_nonzero(np.diff(posts.astype(int)) == 1) + int(posts[0])
    assert runs == 6  # 4.95 m between the end posts at most 1.2 m apart: 5 gaps
    assert _hits(r, [[0.1, 0.99, 1.0], [0.1, 0.5, 1.0]], [0, 0, -1]).all()  # top and mid rail


def test_build_parts_colours_normals_and_uvs():
    k = check_kit(
        "wall",
        {"length": 4, "height": 3, "openings": [{"type": "door", "width": 1, "height": 2}]},
    )
    parts = kit.build_parts(k, (0.5, 0.4, 0.3))
    assert parts[0].base_color == pytest.approx((0.5, 0.4, 0.3, 1.0))
    assert len(parts) == 3  # the wall, the door's frame, its leaf
    for p in parts:
        assert p.uvs is not None and p.uvs.shape == (len(p.positions), 2)
        np.testing.assert_allclose(np.linalg.norm(p.normals, axis=1), 1.0, atol=1e-5)
    bare = check_kit(
        "wall",
        {
            "length": 4,
            "height": 3,
            "openings": [{"type": "door", "width": 1, "height": 2, "fill": False}],
        },
    )
    assert len(kit.build_parts(bare)) == 1
    for part in KIT_PARTS:  # every part builds with its defaults and the least it needs
        need = {
            "wall": {"length": 2, "height": 2},
            "floor": {"width": 1, "depth": 1},
            "ceiling": {"width": 1, "depth": 1, "level": 2},
            "stairs": {"rise": 1, "run": 1, "steps": 3},
            "railing": {"length": 2},
            "column": {"height": 2, "radius": 0.2},
        }.get(part, {})
        assert kit.build_parts(check_kit(part, need))


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: kit.wall(-1.0, 2.0), r"length: must be > 0"),
        (
            lambda: kit.wall(
                2.0, 2.0, openings=[{"type": "door", "x": 0.8, "width": 1, "height": 2}]
            ),
            r"openings\[0\]: opening spans x 0.3..1.3 m, outside the wall's -1..1 m",
        ),
        (
            lambda: kit.wall(4.0, 2.0, openings=[{"type": "door", "width": 1, "height": 2.5}]),
            r"openings\[0\]: opening's top .* above the wall's height 2 m",
        ),
        (
            lambda: kit.wall(
                4.0,
                3.0,
                openings=[
                    {"type": "door", "width": 1, "height": 2},
                    {"type": "window", "x": 0.5, "width": 1, "height": 1},
                ],
            ),
            r"openings\[1\]: opening overlaps or touches openings\[0\]",
        ),
        (
            lambda: kit.wall(4.0, 3.0, openings=[{"type": "arch", "width": 1, "height": 2}]),
            r"openings\[0\].type: expected one of door, window",
        ),
        (lambda: kit.stairs(1.0, 1.0, 1.0, 0), r"steps: stairs need at least 1 step"),
        (lambda: kit.column(2.0), r"either 'radius' \(round\) or 'side'"),
        (lambda: kit.door(width=0.1), r"frame: frame 0.06 m leaves no opening"),
    ],
)
def test_bad_sizes_fail_naming_the_parameter(call, match):
    with pytest.raises(InputError, match=match):
        call()


# --- set files ----------------------------------------------------------------------


def _kit_set(**prop) -> dict:
    return {"props": [{"name": "w", "position": [0, 0, -2], **prop}]}


def test_set_file_kit_prop_is_read_with_its_parameters():
    s = parse_set(
        _kit_set(
            kit="wall",
            length=10,
            height=3.2,
            openings=[{"type": "door", "x": 1.5, "width": 1.0, "height": 2.1}],
            rotation={"yaw": 90},
            color=[0.5, 0.5, 0.5],
        )
    )
    p = s.props[0]
    assert p.mesh is None and p.kit is not None and p.kit.part == "wall"
    params = p.kit.kwargs()
    assert params["length"] == 10 and params["thickness"] == 0.2  # the default filled in
    (o,) = params["openings"]
    assert (o.type, o.x, o.width, o.height, o.sill) == ("door", 1.5, 1.0, 2.1, 0.0)
    assert p.color == (0.5, 0.5, 0.5) and p.scale == (1.0, 1.0, 1.0)


@pytest.mark.parametrize(
    ("prop", "match"),
    [
        (
            {"kit": "wal", "length": 1, "height": 1},
            r"props\[0\]\.kit: unknown kit part 'wal' \(parts: wall, floor, ceiling, door, window, stairs, railing, column\)",
        ),
        ({"kit": "wall", "height": 1}, r"props\[0\]\.length: a wall needs 'length'"),
        ({"kit": "wall", "length": -2, "height": 1}, r"props\[0\]\.length: must be > 0, got -2"),
        (
            {"kit": "wall", "length": "long", "height": 1},
            r"props\[0\]\.length: expected a finite number",
        ),
        (
            {
                "kit": "wall",
                "length": 2,
                "height": 3,
                "openings": [{"type": "door", "x": 1, "width": 1, "height": 2}],
            },
            r"props\[0\]\.openings\[0\]: opening spans x 0.5..1.5 m, outside the wall's -1..1 m",
        ),
        (
            {"kit": "wall", "length": 2, "height": 3, "openings": [{"type": "door", "height": 2}]},
            r"props\[0\]\.openings\[0\]\.width: an opening needs 'width'",
        ),
        (
            {"kit": "wall", "length": 2, "height": 3, "lenght": 2},
            r"props\[0\]\.lenght: unknown parameter of a wall \(parameters: length, height, thickness, openings\); did you mean 'length'\?",
        ),
        (
            {"kit": "stairs", "rise": 1, "run": 2, "steps": 2.5},
            r"props\[0\]\.steps: expected a whole number",
        ),
        (
            {"kit": "stairs", "rise": 1, "run": 2, "steps": 10**9},
            r"props\[0\]\.steps: expected a whole number 0..1000",
        ),
        (
            {"kit": "wall", "length": 2, "height": 3, "mesh": "x.glb"},
            r"props\[0\]: give either 'mesh' \(a file\) or 'kit' \(a part\), not both",
        ),
        ({}, r"props\[0\]\.mesh: required key is missing \(or give 'kit': one of wall, "),
    ],
)
def test_set_file_kit_errors_name_the_key(prop, match):
    with pytest.raises(SetFileError, match=match):
        parse_set(_kit_set(**prop))


# --- rendering the shipped sets -----------------------------------------------------


def _pixel(set_def, cam_name: str, point, width: int, height: int) -> tuple[int, int]:
    cam = set_def.cameras[cam_name]
    clip = perspective_from_lens(cam.lens, width / height) @ view_matrix(cam.camera_to_world())
    p = clip @ np.r_[np.asarray(point, float), 1.0]
    ndc = p[:3] / p[3]
    return int((ndc[0] + 1) / 2 * width), int((1 - ndc[1]) / 2 * height)


@pytest.mark.gl
@pytest.mark.parametrize(
    ("set_name", "wall", "points"),
    [
        (
            "rooftop.yaml",
            "parapet_back",
            [(-3.5, 0.45, -5.69), (0.2, 0.45, -5.69), (3.0, 0.45, -5.69)],
        ),
        ("warehouse_projection_booth.yaml", "back_wall", [(-0.5, 2.5, -3.19), (1.0, 0.3, -3.19)]),
        ("warehouse.yaml", "wall_back", [(-6.8, 3.0, -6.99), (4.0, 2.8, -6.99)]),
        ("sample.yaml", "back_wall", [(-1.0, 0.6, -5.24), (2.6, 0.4, -5.24)]),
    ],
)
def test_shipped_set_shows_its_kit_walls(gl, set_name, wall, points):
    """In flat white light with the plain look (no tone curve) a surface renders in its
    own colour: where the wall should be, the default camera sees the wall's colour, and
    the sky or background once it is gone."""
    from previzkit.render.look import Look
    from previzkit.render.renderer import Renderer

    base = load_set(asset_path("sets", set_name))
    flat = dataclasses.replace(
        base,
        lights=[LightDef("ambient", (1.0, 1.0, 1.0), 1.0)],
        background=BackgroundDef(color=(1.0, 0.0, 1.0)),
    )
    prop = next(p for p in flat.props if p.name == wall)
    assert prop.kit is not None and prop.kit.part == "wall"
    w, h = 320, 180
    cam = flat.cameras[flat.default_camera]
    pose = (cam.camera_to_world(), cam.lens)
    without = dataclasses.replace(flat, props=[p for p in flat.props if p.name != wall])
    images = []
    for s in (flat, without):
        r = Renderer(gl, s, look=Look.off())
        try:
            images.append(r.render_image(pose, w, h, exclude_cameras=(cam.name,)))
        finally:
            r.release()
    want = np.asarray(prop.color) * 255
    for pt in points:
        x, y = _pixel(flat, cam.name, pt, w, h)
        assert 0 <= x < w and 0 <= y < h, pt
        assert np.abs(images[0][y, x].astype(float) - want).max() < 12, (pt, images[0][y, x])
        assert np.abs(images[1][y, x].astype(float) - want).max() > 20, pt  # what it hides


# --- saving a set with kit props ----------------------------------------------------


@pytest.fixture
def sample_copy(tmp_path):
    (tmp_path / "sets").mkdir()
    shutil.copytree(asset_path("props"), tmp_path / "props")
    (tmp_path / "textures").mkdir()
    shutil.copy(asset_path("textures", "sample_sky.png"), tmp_path / "textures")
    return Path(shutil.copy(asset_path("sets", "sample.yaml"), tmp_path / "sets" / "sample.yaml"))


def test_kit_props_round_trip_through_saving_the_set(sample_copy):
    from previzkit.stage.set_save import save_set_state
    from previzkit.stage.state import SetState

    before_text = sample_copy.read_text(encoding="utf-8")
    before = load_set(sample_copy)
    state = SetState.from_set(before, "a")
    state.edit("prop/back_wall", position=[0.0, 0.0, -5.0])  # moved: its kit stays
    steps = dict(state.get("prop/gate_steps"))
    state.add("prop/gate_steps_2", **{**steps, "position": [3.0, 0.0, -4.9]})
    state.add(
        "prop/rail",
        position=[0.0, 0.0, 3.0],
        kit={"kit": "railing", "length": 3.0, "rails": 2},
        color=[0.2, 0.2, 0.2],
    )
    save_set_state(state, sample_copy)
    text = sample_copy.read_text(encoding="utf-8")
    gate = next(ln for ln in before_text.splitlines() if "name: gate_steps," in ln)
    assert gate in text  # an untouched kit prop stays byte for byte
    after = {p.name: p for p in load_set(sample_copy).props}
    old = {p.name: p for p in before.props}
    assert after["back_wall"].kit == old["back_wall"].kit
    assert after["back_wall"].position == (0.0, 0.0, -5.0)
    assert after["gate_steps_2"].kit == old["gate_steps"].kit
    assert after["gate_steps_2"].mesh is None
    assert after["rail"].kit == check_kit("railing", {"length": 3.0, "rails": 2})
    assert after["rail"].color == (0.2, 0.2, 0.2)
    assert after["crate"].mesh == old["crate"].mesh and after["crate"].kit is None


def test_set_state_refuses_a_bad_kit():
    from previzkit.stage.state import check_fields

    with pytest.raises(InputError, match=r"prop/x\.kit: length: must be > 0"):
        check_fields(
            "prop/x",
            {"position": [0, 0, 0], "kit": {"kit": "wall", "length": 0, "height": 2}},
            "add",
        )
    with pytest.raises(InputError, match=r"add of 'prop/x' needs mesh or kit"):
        check_fields("prop/x", {"position": [0, 0, 0]}, "add")

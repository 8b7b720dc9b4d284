"""The rendered mannequin's joints land where forward kinematics says (real EGL render)."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from previzkit.core.geometry import look_at, quat_from_axis_angle, view_matrix
from previzkit.core.types import SkeletonPose
from previzkit.model.camera import Lens, perspective_from_lens, project_points
from previzkit.model.skeleton import default_skeleton
from previzkit.render.character import Character, character_from_def
from previzkit.render.character_preview import render_drawables
from previzkit.render.mannequin import mannequin_mesh, mannequin_solids

pytestmark = pytest.mark.gl

COLOR = (0.2, 0.8, 0.4)
RGB = np.round(np.array(COLOR) * 255)
W = H = 640


def mannequin(ctx, position=(0.0, 0.0, 0.0), yaw_deg=0.0, height_m=1.75):
    cdef = SimpleNamespace(
        name="m",
        model="mannequin",
        position=position,
        yaw_deg=yaw_deg,
        color=COLOR,
        height_m=height_m,
    )
    return character_from_def(ctx, cdef)


def mask(img):
    return np.all(np.abs(img.astype(int) - RGB) <= 2, axis=2)


def posed(sk):
    r = sk.rest_pose().root
    return SkeletonPose(
        root=(r[0] + 0.1, r[1] - 0.05, r[2]),
        rotations={
            "hips": quat_from_axis_angle((0, 1, 0), math.radians(20)),
            "spine": quat_from_axis_angle((1, 0, 0), math.radians(10)),
            "left_upper_arm": quat_from_axis_angle((0, 0, 1), math.radians(50)),
            "left_forearm": quat_from_axis_angle((0, 0, 1), math.radians(40)),
            "right_upper_arm": quat_from_axis_angle((0, 0, 1), math.radians(-30)),
            "right_forearm": quat_from_axis_angle((0, 1, 0), math.radians(70)),
            "head": quat_from_axis_angle((0, 1, 0), math.radians(-30)),
            "left_upper_leg": quat_from_axis_angle((1, 0, 0), math.radians(-35)),
            "left_lower_leg": quat_from_axis_angle((1, 0, 0), math.radians(50)),
            "right_upper_leg": quat_from_axis_angle((0, 0, 1), math.radians(-15)),
        },
    )


def test_mannequin_has_one_solid_per_bone_standing_on_the_floor():
    sk = default_skeleton()
    solids = mannequin_solids(sk)
    assert list(solids) == list(sk.names)
    mesh = mannequin_mesh(sk)
    assert mesh.positions[:, 1].min() == pytest.approx(0.0, abs=1e-6)
    assert mesh.positions[:, 1].max() == pytest.approx(1.75, abs=1e-3)
    assert mesh.positions[:, 0].max() == pytest.approx(
        sk.rest_tails()[sk.index("left_hand")][0], abs=1e-6
    )
    assert np.all(mesh.weights[:, 0] == 1.0)  # rigidly bound
    # every vertex of a solid is bound to that solid's joint
    assert set(np.unique(mesh.joints[:, 0])) == set(range(sk.num_joints))


@pytest.mark.parametrize("yaw", [0.0, 35.0])
def test_each_projected_joint_is_covered_by_the_mannequin(gl, yaw):
    ch = mannequin(gl, position=(0.4, 0.0, -0.5), yaw_deg=yaw)
    try:
        ch.set_pose(posed(ch.skeleton))
        lens = Lens(focal_mm=35.0)
        c2w = look_at((0.8, 1.3, 4.0), (0.3, 0.95, -0.5))
        img = render_drawables(gl, [ch], c2w, lens, W, H, flat=True)
        m = mask(img)
        px = project_points(
            ch.joint_positions(), view_matrix(c2w), perspective_from_lens(lens, W / H), W, H
        )
        for name, (x, y) in zip(ch.skeleton.names, px, strict=True):
            assert m[int(y), int(x)], (
                f"joint {name} at pixel ({x:.1f}, {y:.1f}) is not on the mannequin"
            )
        assert m.sum() > 2000
    finally:
        ch.release()


def silhouette_box(m):
    ys, xs = np.nonzero(m)
    return xs.min(), xs.max() + 1, ys.min(), ys.max() + 1  # pixel edges


def test_silhouette_extremes_match_forward_kinematics(gl):
    # arms: left raised straight up, right straight out (T); seen from the front, far, long lens
    ch = mannequin(gl)
    try:
        sk = ch.skeleton
        pose = SkeletonPose(
            root=sk.rest_pose().root,
            rotations={"left_upper_arm": quat_from_axis_angle((0, 0, 1), math.pi / 2)},
        )
        ch.set_pose(pose)
        lens = Lens(focal_mm=85.0)
        c2w = look_at((0.0, 1.2, 14.0), (0.0, 1.2, 0.0))
        img = render_drawables(gl, [ch], c2w, lens, W, H, flat=True)
        x0, x1, y0, y1 = silhouette_box(mask(img))
        mats = ch.joint_matrices()

        def tip(name):
            m = mats[sk.index(name)]
            return m[:3, :3] @ sk.tails[sk.index(name)] + m[:3, 3]

        view, proj = view_matrix(c2w), perspective_from_lens(lens, W / H)
        left_tip, right_tip = project_points(
            np.array([tip("left_hand"), tip("right_hand")]), view, proj, W, H
        )
        toe = tip("left_toe")  # the feet's nearest sole point: under the toe tips, on y = 0
        floor = project_points(np.array([[toe[0], 0.0, toe[2]]]), view, proj, W, H)[0]
        # the raised left hand is the top; the right hand (actor's right: image left) the left edge
        assert y0 == pytest.approx(left_tip[1], abs=2.0)
        assert x0 == pytest.approx(right_tip[0], abs=2.0)
        assert y1 == pytest.approx(floor[1], abs=2.0)
        # the raised arm stands on the left shoulder: the right edge is that arm's outer side
        outer = mats[sk.index("left_upper_arm"), :3, 3] + (0.05, 0.0, 0.0)  # upper-arm radius
        assert x1 == pytest.approx(project_points(outer[None], view, proj, W, H)[0][0], abs=2.0)
    finally:
        ch.release()


def test_taller_mannequin_top_of_head_matches_its_height(gl):
    ch = mannequin(gl, height_m=1.95)
    try:
        lens = Lens(focal_mm=85.0)
        c2w = look_at((0.0, 1.0, 14.0), (0.0, 1.0, 0.0))
        img = render_drawables(gl, [ch], c2w, lens, W, H, flat=True)
        _, _, y0, y1 = silhouette_box(mask(img))
        view, proj = view_matrix(c2w), perspective_from_lens(lens, W / H)
        sk = ch.skeleton
        toe_z = sk.rest_tails()[sk.index("left_toe")][2]
        top, floor = project_points(
            np.array([[0.0, 1.95, 0.0], [0.0, 0.0, toe_z]]), view, proj, W, H
        )
        assert y0 == pytest.approx(top[1], abs=2.0)
        assert y1 == pytest.approx(floor[1], abs=2.0)
    finally:
        ch.release()


def test_lit_mannequin_is_shaded(gl):
    ch = Character(gl, mannequin_mesh(), default_skeleton(), color=COLOR)
    try:
        img = render_drawables(
            gl, [ch], look_at((1.0, 1.4, 3.0), (0.0, 1.0, 0.0)), Lens(35.0), 320, 320
        )
        lit = img[img.sum(axis=2) > 0]
        assert len(lit) > 500
        assert lit[:, 1].max() - lit[:, 1].min() > 40  # light and shadow sides differ
    finally:
        ch.release()

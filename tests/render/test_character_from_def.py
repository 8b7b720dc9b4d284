"""Characters built from set-file definitions: placement, pose, protocol, bad input."""

from __future__ import annotations

import math
from types import SimpleNamespace

import numpy as np
import pytest

from previzkit.core.errors import InputError, MissingFileError
from previzkit.core.geometry import quat_from_axis_angle, translation
from previzkit.core.types import SkeletonPose
from previzkit.model.kinematics import joint_positions
from previzkit.model.skeleton import default_skeleton
from previzkit.render.character import Character, character_from_def
from previzkit.render.drawable import Drawable

pytestmark = pytest.mark.gl


def cdef(**kw):
    base = {
        "name": "hero",
        "model": "mannequin",
        "mark": None,
        "position": (0.0, 0.0, 0.0),
        "yaw_deg": 0.0,
        "color": (0.8, 0.2, 0.2),
        "height_m": 1.75,
    }
    return SimpleNamespace(**(base | kw))


def test_character_is_a_drawable_standing_on_its_mark(gl):
    ch = character_from_def(gl, cdef(position=(2.0, 0.0, -1.0), yaw_deg=90.0))
    try:
        assert isinstance(ch, Drawable)
        assert isinstance(ch, Character)
        p = ch.joint_positions()
        assert p.shape == (21, 3)
        hips = p[0]
        assert hips == pytest.approx((2.0, 0.95, -1.0))
        # yaw 90 turns +z (facing) to +x: the toes are in front, along +x
        toe = p[ch.skeleton.index("left_toe")]
        assert toe[0] - 2.0 == pytest.approx(0.13)
        # the actor's left (+x at rest) now points to -z
        assert p[ch.skeleton.index("left_hand")][2] == pytest.approx(-1.0 - 0.73)
    finally:
        ch.release()


def test_height_scales_the_mannequin(gl):
    ch = character_from_def(gl, cdef(height_m=1.5))
    try:
        assert ch.skeleton.height_m == pytest.approx(1.5)
        assert ch.mesh.positions[:, 1].max() == pytest.approx(1.5, abs=1e-3)
    finally:
        ch.release()


def test_set_pose_moves_joints_and_bumps_the_version(gl):
    ch = character_from_def(gl, cdef(position=(1.0, 0.0, 0.0)))
    try:
        v = ch.version
        pose = SkeletonPose(
            root=(0.0, 0.95, 0.5),
            rotations={"left_forearm": quat_from_axis_angle((0, 1, 0), -math.pi / 2)},
        )
        ch.set_pose(pose)
        assert ch.version == v + 1
        assert ch.pose is pose
        expected = joint_positions(ch.skeleton, pose) + np.array([1.0, 0.0, 0.0])
        assert ch.joint_positions() == pytest.approx(expected)
        ch.set_placement((0.0, 0.0, 3.0), 180.0)
        assert ch.version == v + 2
        assert ch.joint_positions()[0] == pytest.approx((0.0, 0.95, 2.5))
    finally:
        ch.release()


def test_set_files_character_def_builds_a_character(gl, tmp_path):
    setfile = pytest.importorskip("previzkit.model.setfile")
    ch = character_from_def(
        gl, setfile.CharacterDef(name="a", position=(0.5, 0.0, 0.0), yaw_deg=10.0)
    )
    try:
        assert ch.name == "a"
        assert ch.placement == pytest.approx(translation((0.5, 0.0, 0.0), math.radians(10.0)))
    finally:
        ch.release()


def test_release_twice_is_harmless(gl):
    ch = character_from_def(gl, cdef())
    ch.release()
    ch.release()


def test_explicit_skeleton_is_used(gl):
    sk = default_skeleton(2.0)
    ch = character_from_def(gl, cdef(), skeleton=sk)
    try:
        assert ch.skeleton is sk
        assert ch.joint_positions()[0][1] == pytest.approx(0.95 * 2.0 / 1.75)
    finally:
        ch.release()


def test_missing_model_file_names_the_character(gl, tmp_path):
    with pytest.raises(
        MissingFileError, match=r"character 'hero' model file not found: .*nobody\.glb"
    ):
        character_from_def(gl, cdef(model=str(tmp_path / "nobody.glb")))


def test_model_that_is_not_gltf_is_refused(gl, tmp_path):
    obj = tmp_path / "hero.obj"
    obj.write_text("v 0 0 0\n")
    with pytest.raises(
        InputError, match=r"character 'hero' model .*hero\.obj.*mannequin' or a \.glb/\.gltf"
    ):
        character_from_def(gl, cdef(model=str(obj)), skeleton=default_skeleton())


def test_pose_with_unknown_joint_is_refused(gl):
    ch = character_from_def(gl, cdef())
    try:
        with pytest.raises(InputError, match="'tail'"):
            ch.set_pose(SkeletonPose(root=(0, 1, 0), rotations={"tail": (0, 0, 0, 1)}))
        assert ch.version == 0  # nothing changed
        assert np.all(np.isfinite(ch.joint_positions()))
    finally:
        ch.release()


def test_skin_with_more_joints_than_the_gl_allows_is_refused(gl):
    from dataclasses import replace

    from previzkit.render.mannequin import mannequin_mesh

    m = mannequin_mesh(default_skeleton())
    k = gl.info["GL_MAX_VERTEX_UNIFORM_COMPONENTS"] // 16
    big = replace(
        m,
        joint_names=[f"j{i}" for i in range(k)],
        parents=np.arange(k) - 1,
        local_bind=np.tile(np.eye(4), (k, 1, 1)),
        inverse_bind=np.tile(np.eye(4), (k, 1, 1)),
        skeleton_joint=np.full(k, -1),
    )
    with pytest.raises(InputError, match=rf"'crowd'.*{k} joints.*GL_MAX_VERTEX_UNIFORM_COMPONENTS"):
        Character(gl, big, default_skeleton(), name="crowd")

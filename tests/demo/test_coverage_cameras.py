"""Planned shots become cameras that frame their subjects and keep the 180° line
(pure: projected with the analytic pinhole, no GL)."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.core.geometry import view_matrix
from previzkit.core.resources import asset_path, assets_dir
from previzkit.model.camera import perspective_from_lens, project_points
from previzkit.model.setfile import load_set
from previzkit.production import coverage
from previzkit.production.record import take_specs
from previzkit.script import plan_shots, read_script
from previzkit.script.locations import assets_exists

W, H = 640, 360


@pytest.fixture(scope="module")
def scene():
    script = read_script(asset_path("scripts", "sample.fountain"))
    plan = plan_shots(script, exists=assets_exists())
    sp = plan.scenes[0]
    return (
        script,
        plan,
        sp,
        coverage.scene_set(load_set(assets_dir() / sp.set_file), sp, assets_dir()),
    )


def _pixels(cam, points):
    view = view_matrix(cam.camera_to_world())
    proj = perspective_from_lens(cam.lens, W / H)
    return project_points(np.asarray(points, float), view, proj, W, H)


def test_cast_on_marks_facing_each_other(scene) -> None:
    _, _, sp, s = scene
    assert [c.name for c in s.characters] == list(sp.axis) == ["MARA", "JONAS"]
    a, b = (np.array(c.position) for c in s.characters)
    for c, other in ((s.characters[0], b), (s.characters[1], a)):
        yaw = np.radians(c.yaw_deg)
        facing = np.array([np.sin(yaw), 0.0, np.cos(yaw)])
        d = other - np.array(c.position)
        assert np.dot(facing, d / np.linalg.norm(d)) > 0.99
    assert set(s.cameras) == {sh.id for sh in sp.shots}


def test_every_camera_sees_its_subjects_and_keeps_the_line(scene) -> None:
    _, _, sp, s = scene
    pos = {c.name: np.array(c.position) for c in s.characters}
    for shot in sp.shots:
        cam = s.cameras[shot.id]
        people = [n for n in shot.subjects if n in pos] or list(pos)
        if shot.type == "ots":
            people = people[:1]  # the one facing the camera; the near shoulder may cut out
        if shot.type == "insert":
            continue
        chest = [pos[n] + [0, 1.1, 0] for n in people]
        px = _pixels(cam, chest)
        if shot.type != "pov":
            assert np.all((px[:, 0] > 0) & (px[:, 0] < W) & (px[:, 1] > 0) & (px[:, 1] < H)), (
                shot.id
            )
        if shot.type in ("master", "two-shot", "establishing"):
            both = _pixels(cam, [pos["MARA"] + [0, 1, 0], pos["JONAS"] + [0, 1, 0]])
            assert both[0, 0] < both[1, 0], f"{shot.id}: A must be frame-left on side right"


def test_side_left_crosses_the_line(scene) -> None:
    import dataclasses

    _, _, sp, s = scene
    pos = {c.name: np.array(c.position) for c in s.characters}
    master = next(sh for sh in sp.shots if sh.type == "master")
    cam = coverage.shot_camera(dataclasses.replace(master, side="left"), pos, sp.axis)
    both = _pixels(cam, [pos["MARA"] + [0, 1, 0], pos["JONAS"] + [0, 1, 0]])
    assert both[0, 0] > both[1, 0]


def test_take_timing_differs_per_take(scene) -> None:
    script, plan, _, _ = scene
    specs = take_specs(script, plan, 3)
    first = [s for s in specs if s.shot == "1-B"]
    assert [s.take for s in first] == [1, 2, 3]
    assert len({(s.speed, s.frames) for s in first}) == 3
    with pytest.raises(InputError, match="takes per shot"):
        take_specs(script, plan, 0)


def test_a_shot_without_cast_is_refused(scene) -> None:
    _, _, sp, _ = scene
    with pytest.raises(InputError, match=sp.shots[0].id):
        coverage.shot_camera(sp.shots[0], {}, [])

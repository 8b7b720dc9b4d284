"""The camera operator frames the actors' actual heads through a take of the bundled
sample: the take's world joints (retarget + kinematics of the demo's retimed clips,
as the stage loop poses them) projected through each frame's operated camera."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.errors import InputError
from previzkit.core.resources import asset_path, assets_dir
from previzkit.model.camera import Lens
from previzkit.model.pose_track import read_track
from previzkit.model.setfile import load_set
from previzkit.production import coverage, operator, record
from previzkit.production.demo import CAST_CLIPS
from previzkit.script import plan_shots, read_script
from previzkit.script.locations import assets_exists

ASPECT = 16 / 9
FPS = 24.0


@pytest.fixture(scope="module")
def sample():
    script = read_script(asset_path("scripts", "sample.fountain"))
    plan = plan_shots(script, exists=assets_exists())
    specs = record.take_specs(script, plan, 2, handle_s=0.5)
    return plan, specs, {}, {}


def _take(sample, tmp_path, shot_id: str, take: int = 2):
    """(spec, set, joints, operated path, prop centre) of one take of the sample."""
    plan, specs, sets, cache = sample
    spec = next(s for s in specs if s.shot == shot_id and s.take == take)
    sp = next(s for s in plan.scenes if s.number == spec.scene)
    if spec.scene not in sets:
        sets[spec.scene] = coverage.scene_set(
            load_set(assets_dir() / sp.set_file), sp, assets_dir()
        )
    full = sets[spec.scene]
    cast = [c.name for c in full.characters]
    clips = record.load_clips([assets_dir() / CAST_CLIPS[n] for n in cast])
    poses = record.write_take_poses(spec, clips, tmp_path / f"{shot_id}.pzt")
    joints, path = record.camera_path(spec, full, read_track(poses), cast, ASPECT, cache)
    prop = None
    if spec.plan_shot.type == "insert":
        prop = record.prop_centre(full, spec.plan_shot.subjects[0])
    return spec, full, joints, path, prop


def _static(full, spec, n):
    cam = full.camera(spec.shot)
    return [(cam.camera_to_world(), cam.lens)] * n


@pytest.mark.parametrize(
    ("shot_id", "kind"),
    [
        ("1-F", "single"),
        ("3-F", "single"),
        ("1-E", "ots"),
        ("3-D", "ots"),
        ("1-C", "two-shot"),
        ("3-A", "master"),
        ("1-H", "insert"),
        ("3-G", "insert"),
    ],
)
def test_operated_cameras_frame_their_subjects(sample, tmp_path, shot_id, kind) -> None:
    spec, _, joints, path, prop = _take(sample, tmp_path, shot_id)
    shot = spec.plan_shot
    assert shot.type == kind and len(path) == len(joints) == spec.frames
    heads = {c: np.asarray(joints.joint(c, "head"), float) for c in joints.characters}
    if spec.scene == "1":  # Jonas sits (kneels: no sit clip) on the air vent in scene 1
        assert min(h[:, 1].min() for h in heads.values()) < 1.0
    figure = operator.fraction_by_subject(shot, joints, path, ASPECT, prop)
    assert figure >= 0.95, f"{shot_id} ({kind}): framed in {figure:.0%} of frames"
    # the plan's lens, focus pulled to the subject
    assert {lens.focal_mm for _, lens in path} == {shot.lens_mm}
    # an operator's move: bounded pan/tilt, no jitter (the speed changes smoothly)
    speed = operator.path_speeds(path, FPS)
    assert speed.max() <= operator.OperatorLimits().max_speed_deg_s + 1e-6
    assert np.abs(np.diff(speed)).max() * FPS <= 2 * operator.OperatorLimits().max_accel_deg_s2
    # the 180° side: every camera on the right of the line from A (MARA) to B (JONAS)
    a, b = heads["MARA"].mean(0), heads["JONAS"].mean(0)
    u = (b - a) * [1, 0, 1]
    right = np.array([-u[2], 0.0, u[0]])
    assert all(float((m[:3, 3] - a) @ right) > 0 for m, _ in path)


def test_singles_put_the_eyes_on_the_upper_third_with_lead_room(sample, tmp_path) -> None:
    for shot_id in ("1-F", "1-G"):
        spec, full, joints, path, _ = _take(sample, tmp_path, shot_id)
        who = spec.plan_shot.subjects[0]
        other = next(c for c in joints.characters if c != who)
        up = np.array([0.0, operator.EYE_ABOVE_HEAD_M, 0.0])
        eyes = np.asarray(joints.joint(who, "head"), float) + up
        ndc = np.array(
            [
                operator.screen_position(e, m, lens, ASPECT)[0]
                for e, (m, lens) in zip(eyes, path, strict=True)
            ]
        )
        static = _static(full, spec, len(path))
        before = np.array(
            [
                operator.screen_position(e, m, lens, ASPECT)[0]
                for e, (m, lens) in zip(eyes, static, strict=True)
            ]
        )
        on_third = np.mean(np.abs(ndc[:, 1] - 1 / 3) <= 0.15)
        assert on_third >= 0.8 > np.mean(np.abs(before[:, 1] - 1 / 3) <= 0.15), shot_id
        # lead room: the subject sits on the third away from the partner they face
        partner = operator.screen_position(
            np.asarray(joints.joint(other, "head"), float).mean(0), *path[len(path) // 2], ASPECT
        )[0]
        assert np.sign(np.median(ndc[:, 0])) == -np.sign(partner[0]), shot_id
        # a close single: the frame at the subject is under a metre high (the plan's
        # static camera framed 1.4 m, a medium shot)
        m, lens = path[len(path) // 2]
        dist = float(np.linalg.norm(m[:3, 3] - eyes[len(path) // 2]))
        assert 2 * dist * math.tan(lens.hfov / 2) / ASPECT < 1.0


def test_static_cameras_miss_the_insert_props(sample, tmp_path) -> None:
    spec, full, joints, path, prop = _take(sample, tmp_path, "1-J")
    static = _static(full, spec, len(path))
    assert operator.fraction_by_subject(spec.plan_shot, joints, static, ASPECT, prop) < 0.5
    assert operator.fraction_by_subject(spec.plan_shot, joints, path, ASPECT, prop) == 1.0


def test_aim_puts_a_point_where_asked_and_framed_reads_it() -> None:
    lens = Lens(50.0, 36.0, 24.0, 3.0)
    eye = np.array([[0.0, 1.5, 3.0], [1.0, 1.2, 2.0]])
    point = np.array([[0.5, 1.0, 0.0], [-1.0, 0.8, -1.0]])
    want = np.array([[0.3, 0.3], [-0.5, 0.2]])
    ang = operator.aim(eye, point, want, lens, ASPECT)
    for i in range(2):
        m = operator.camera_matrix(eye[i], *ang[i])
        assert np.allclose(operator.screen_position(point[i], m, lens, ASPECT)[0], want[i])
        assert operator.framed(point[i], m, lens, ASPECT, "title_safe")
        assert operator.framed(point[i], m, lens, ASPECT, "middle_third") == (i == 0)
        behind = 2 * eye[i] - point[i]
        assert not operator.framed(behind, m, lens, ASPECT, "frame")
    with pytest.raises(InputError, match="framing area 'safe'"):
        operator.framed(point[0], np.eye(4), lens, ASPECT, "safe")


def test_speed_limits_hold_on_a_jerky_track() -> None:
    t = np.arange(240) / FPS
    jerky = np.where(t > 5, 1.5, 0.0)[:, None] + 0.02 * np.sin(40 * t)[:, None]
    held = operator.limit_motion(jerky, FPS, math.radians(30), math.radians(120), 4.0)
    speed = np.degrees(np.abs(np.diff(held[:, 0]))) * FPS
    assert speed.max() <= 30 + 1e-6
    assert abs(held[-1, 0] - 1.5) < 0.05 and abs(held[0, 0]) < 0.05


@pytest.mark.gl
@pytest.mark.media
def test_record_take_renders_and_records_the_operated_camera(gl, sample, tmp_path) -> None:
    """Through the stage loop: the take's camera track is the operator's move."""
    import dataclasses

    from previzkit.model.camera_track import read_camera_track
    from previzkit.takes.store import TakeStore

    plan, specs, sets, cache = sample
    spec = next(s for s in specs if s.shot == "1-F" and s.take == 1)
    spec = dataclasses.replace(spec, frames=8)
    sp = plan.scenes[0]
    full = sets.get("1") or coverage.scene_set(
        load_set(assets_dir() / sp.set_file), sp, assets_dir()
    )
    shot_set = dataclasses.replace(full, cameras={"1-F": full.cameras["1-F"]}, default_camera="1-F")
    cast = [c.name for c in full.characters]
    clips = record.load_clips([assets_dir() / CAST_CLIPS[n] for n in cast])
    poses = record.write_take_poses(spec, clips, tmp_path / "t.pzt")
    _, path = record.camera_path(spec, shot_set, read_track(poses), cast, 64 / 36, cache)
    with TakeStore(tmp_path / "project") as store:
        take = record.record_take(
            gl, shot_set, store, spec, poses, cast, (64, 36), retarget_cache=cache
        )
        cams = read_camera_track(store.file(take, "camera"))
    assert len(cams) == 8
    assert np.allclose(cams.position, [m[:3, 3] for m, _ in path], atol=1e-5)
    assert np.allclose(cams.focal_mm, 85.0)
    static = full.cameras["1-F"].position
    assert not np.allclose(cams.position[0], static, atol=0.1)  # not the plan's still camera

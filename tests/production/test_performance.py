"""Blocking becomes performance: the sample script's action lines become walks, kneels
and idles from the motion library; every shot of a scene plays the same blocking; planted
feet stay put in the takes' world joints (recorded through the stage loop)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from previzkit.core.resources import asset_path
from previzkit.production import record
from previzkit.production.performance_check import contact_speeds
from previzkit.script import plan_shots, read_script
from previzkit.script.locations import assets_exists


@pytest.fixture(scope="module")
def specs():
    script = read_script(asset_path("scripts", "sample.fountain"))
    plan = plan_shots(script, exists=assets_exists())
    return record.take_specs(script, plan, 2, scale=0.25, handle_s=0.5)


def test_action_lines_become_walks_kneels_and_idles(specs) -> None:
    perf = {s.scene: s.performance for s in specs}
    actions = {
        (scene, name): [g.action for g in p.segments]
        for scene, cast in perf.items()
        for name, p in cast.items()
    }
    print({k: v for k, v in actions.items()})
    assert "walk" in actions[("1", "MARA")]  # "MARA ... steps out": she walks on
    assert "kneel" in actions[("1", "JONAS")]  # "JONAS ... sits on an AIR VENT": no sit clip
    assert "walk" in actions[("2", "MARA")] and "walk" in actions[("2", "JONAS")]  # leads / behind
    assert set(actions[("3", "MARA")]) <= {"idle", "speak"}  # nobody moves in scene 3
    # she ends her walk on her mark (the scene set's position), facing Jonas within 10 deg
    mara = perf["1"]["MARA"]
    home = next(g for g in mara.segments if g.action == "walk").end
    assert np.hypot(*(mara.position[-1, [0, 2]] - np.array(home))) < 0.2
    jonas = perf["1"]["JONAS"].position[-1]
    want = np.degrees(np.arctan2(jonas[0] - home[0], jonas[2] - home[1]))
    assert abs((mara.yaw_deg[-1] - want + 180) % 360 - 180) < 10


def test_every_shot_of_a_scene_plays_the_same_blocking(specs) -> None:
    by_scene: dict[str, set[int]] = {}
    for s in specs:
        by_scene.setdefault(s.scene, set()).add(id(s.performance))
        t = [k[1] for k in s.timeline]
        assert t == sorted(t)  # the take's time runs forward through the scene
    assert all(len(v) == 1 for v in by_scene.values())


def _joints_without_gl(spec, tmp_path: Path):
    from previzkit.model.pose_track import read_track
    from previzkit.model.skeleton import default_skeleton

    poses = record.write_take_poses(spec, [], tmp_path / f"{spec.shot}_{spec.take}.pzt")
    track = read_track(poses)
    cast = list(spec.performance)
    rigs = {n: record.Rig(default_skeleton(), np.eye(4)) for n in cast}
    return record.performance_joints(
        rigs,
        track,
        dict(enumerate(cast)),
        spec.frames,
        placements=record.track_placements(track),
    )


def test_feet_stay_locked_while_planted(specs, tmp_path: Path) -> None:
    """Median horizontal speed of planted toes < 3 cm/s over the walking shots' takes."""
    masters = [s for s in specs if s.scene in ("1", "2") and s.plan_shot.type == "master"]
    assert masters
    speeds = np.concatenate([contact_speeds(_joints_without_gl(s, tmp_path)) for s in masters])
    median = float(np.median(speeds) * 100)
    print(f"planted toes: median {median:.2f} cm/s over {speeds.size} foot-frames")
    assert speeds.size > 100 and median < 3.0


@pytest.mark.gl
def test_stage_loop_moves_characters_as_the_operator_sees_them(specs, tmp_path: Path) -> None:
    """A take recorded through the stage loop: joints.npz has the walk (Mara travels
    over 1 m), locked feet, and the same joints the camera operator aimed with."""
    import dataclasses

    from previzkit.model.joint_track import read_joint_track
    from previzkit.model.setfile import load_set
    from previzkit.production.coverage import scene_set
    from previzkit.render.headless import create_context
    from previzkit.takes.store import TakeStore

    spec = next(s for s in specs if s.scene == "1" and s.plan_shot.type == "master")
    script = read_script(asset_path("scripts", "sample.fountain"))
    sp = next(p for p in plan_shots(script, exists=assets_exists()).scenes if p.number == "1")
    assets = asset_path("sets", "sample.yaml").parent.parent
    full = scene_set(load_set(assets / sp.set_file), sp, assets, sky_size=(64, 32))
    full = dataclasses.replace(full, background=dataclasses.replace(full.background, model=None))
    shot_set = dataclasses.replace(
        full, cameras={spec.shot: full.cameras[spec.shot]}, default_camera=spec.shot
    )
    cast = tuple(c.name for c in full.characters)
    poses = record.write_take_poses(spec, [], tmp_path / "take.pzt")
    ctx = create_context()
    try:
        with TakeStore(tmp_path / "project") as store:
            take = record.record_take(ctx, shot_set, store, spec, poses, cast, (96, 54))
            joints = read_joint_track(store.file(take, "joints"))
    finally:
        ctx.release()
    from previzkit.model.pose_track import read_track

    track = read_track(poses)
    expect = record.performance_joints(
        record.set_rigs(shot_set),
        track,
        dict(enumerate(cast)),
        spec.frames,
        placements=record.track_placements(track),
    )
    assert np.allclose(joints.world, expect.world, atol=1e-3)
    hips = joints.joint("MARA", "hips")
    assert np.hypot(*(hips[-1, [0, 2]] - hips[0, [0, 2]])) > 1.0
    assert float(np.median(contact_speeds(joints)) * 100) < 3.0

"""A small project recorded for real: four takes of two shots through the stage loop
and the take recorder (the demo's recording path), 320x180, 20 frames each."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def recorded_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from previzkit.core.resources import asset_path, assets_dir
    from previzkit.model.setfile import load_set
    from previzkit.production import coverage, record
    from previzkit.render.headless import create_context
    from previzkit.script import plan_shots, read_script
    from previzkit.script.locations import assets_exists
    from previzkit.takes.store import TakeStore

    root = tmp_path_factory.mktemp("batch")
    script = read_script(asset_path("scripts", "sample.fountain"))
    plan = plan_shots(script, exists=assets_exists())
    sp = plan.scenes[0]
    base = load_set(assets_dir() / sp.set_file)
    full = coverage.scene_set(base, sp, assets_dir(), sky_size=(256, 128))
    clips = record.load_clips([asset_path("motion", "mara.pzt"), asset_path("motion", "jonas.pzt")])
    ctx = create_context()
    with TakeStore(root / "project") as store:
        for shot in ("1-F", "1-G"):
            for k, (speed, start) in enumerate(((1.0, 0.0), (0.8, 4.0)), 1):
                spec = record.TakeSpec("1", shot, k, 20, "24", speed, start)
                poses = record.write_take_poses(spec, clips, root / f"{shot}_{k}.pzt")
                one = dataclasses.replace(full, cameras={shot: full.cameras[shot]})
                record.record_take(ctx, one, store, spec, poses, sp.axis, (320, 180))
    ctx.release()
    return root / "project"


@pytest.fixture
def project_copy(recorded_project: Path, tmp_path: Path) -> Path:
    """A fresh copy of the recorded project for one test to change."""
    dst = tmp_path / "project"
    shutil.copytree(recorded_project, dst)
    return dst

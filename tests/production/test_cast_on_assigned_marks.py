"""The director's blocking drives the previz: characters stand on the marks a blocking
session assigned (the shot plan's ``marks``, then the set file's ``mark``), not on the
set's marks in file order."""

from __future__ import annotations

import dataclasses

import numpy as np

from previzkit.core.resources import asset_path
from previzkit.model.setfile import load_set
from previzkit.production import coverage
from previzkit.production.record import scene_performance
from previzkit.script import plan_shots, read_script
from previzkit.script.locations import assets_exists


def _scene_one():
    script = read_script(asset_path("scripts", "sample.fountain"))
    plan = plan_shots(script, exists=assets_exists())
    sp = next(p for p in plan.scenes if p.number == "1")
    assets = asset_path("sets", "sample.yaml").parent.parent
    return script, sp, assets, load_set(assets / sp.set_file)


def _floor(set_def, mark):
    x, z = set_def.marks[mark].position
    return (x, z)


def test_set_file_assignment_is_kept():
    _, sp, _, base = _scene_one()
    on = coverage.cast_marks(base, sp.axis)
    wanted = {c.name: c.mark for c in base.characters if c.name in sp.axis}
    assert wanted and all(on[n] == m for n, m in wanted.items())


def test_plan_marks_from_a_blocking_session_move_the_cast():
    script, sp, assets, base = _scene_one()
    a, b = sp.axis[:2]
    before = coverage.cast_marks(base, sp.axis)
    # the director swapped the two actors' marks in the headset and saved the plan
    swapped = {a: before[b], b: before[a]}
    shots = [dataclasses.replace(s, marks=dict(swapped)) for s in sp.shots]
    sp2 = dataclasses.replace(sp, shots=shots)
    full = coverage.scene_set(base, sp2, assets, sky_size=(64, 32))
    placed = {c.name: c for c in full.characters}
    for who, mark in swapped.items():
        assert placed[who].mark == mark
        assert np.allclose((placed[who].position[0], placed[who].position[2]), _floor(base, mark))
    # the performance starts them there too
    scene = next(s for s in script.scenes if s.number == "1")
    perf = scene_performance(scene, sp2, assets=assets, set_def=full)
    for who, mark in swapped.items():
        x, _, z = perf[who].position[0]
        assert np.hypot(x - _floor(base, mark)[0], z - _floor(base, mark)[1]) < 2.0


def test_unknown_or_missing_marks_fall_back_to_free_marks():
    _, sp, _, base = _scene_one()
    on = coverage.cast_marks(base, sp.axis, {sp.axis[0]: "no-such-mark"})
    assert set(on.values()) <= set(base.marks) | {None}
    named = [m for m in on.values() if m is not None]
    assert len(named) == len(set(named))  # no two on one mark

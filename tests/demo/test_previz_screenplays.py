"""`previzkit previz --quick --takes 1` on the bundled sample and on a second screenplay
written for this test (tests/demo/data/spare_key.fountain: five scenes, five speaking
roles, INT and EXT, a walk across a room, a sit), both on stand-in sets: every scene
has takes, every speaking role is cast and appears in the cut, and the outputs read
back with the real libraries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gl, pytest.mark.media, pytest.mark.slow]

DATA = Path(__file__).parent / "data"
QUICK = ("--quick", "--takes", "1")


def _sample() -> Path:
    from previzkit.core.resources import asset_path

    return asset_path("scripts", "sample.fountain")


@pytest.fixture(scope="module", params=["sample", "spare_key"])
def run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    script = _sample() if request.param == "sample" else DATA / "spare_key.fountain"
    out = tmp_path_factory.mktemp(request.param) / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "previzkit", "previz", str(script), "-o", str(out), *QUICK],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return script, out, proc.stdout


def _cut(out: Path):
    import opentimelineio as otio

    timeline = otio.adapters.read_from_file(str(out / "cut.otio"))
    return [c for c in timeline.video_tracks()[0] if isinstance(c, otio.schema.Clip)]


def _cast(out: Path) -> dict:
    import yaml

    return yaml.safe_load((out / "cast.yaml").read_text(encoding="utf-8"))


def test_outputs_are_written_and_summarised(run) -> None:
    _, out, stdout = run
    for name in ("cut.otio", "cut.edl", "cut.fcpxml", "previz.mp4", "index.html", "shots.yaml"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0, name
    assert _cut(out)
    assert "stand-in" in stdout and "cast: " in stdout and str(out / "previz.mp4") in stdout


def test_every_scene_has_takes_of_every_planned_shot(run) -> None:
    from previzkit.script import load_shot_plan, read_script
    from previzkit.takes.store import TakeStore

    script, out, _ = run
    plan = load_shot_plan(out / "shots.yaml")
    with TakeStore(out / "project", create=False) as store:
        takes = store.list()
    assert {t.scene for t in takes} == {s.number for s in read_script(script).scenes}
    assert sorted(t.shot for t in takes) == sorted(sh.id for sp in plan.scenes for sh in sp.shots)
    assert all(t.status == "ok" and t.duration_frames > 0 and t.take == 1 for t in takes)


def test_one_character_per_speaking_role_told_apart(run) -> None:
    from previzkit.script import read_script

    script, out, _ = run
    roles = read_script(script).characters
    chars = _cast(out)["characters"]
    assert list(chars) == roles
    looks = [(tuple(c["color"]), c["height_m"]) for c in chars.values()]
    assert len({c for c, _ in looks}) == len(roles)
    assert len({h for _, h in looks}) == len(roles)


def test_every_speaking_role_appears_in_the_cut(run) -> None:
    from previzkit.script import load_shot_plan, read_script

    script, out, _ = run
    roles = read_script(script).characters
    scenes = _cast(out)["scenes"]
    plan = load_shot_plan(out / "shots.yaml")
    shots = {sh.id: sh for sp in plan.scenes for sh in sp.shots}
    seen: set[str] = set()
    for clip in _cut(out):
        m = clip.metadata["previzkit"]
        cast = scenes[m["scene"]]["cast"]
        sh = shots[m["shot"]]
        framed = cast if sh.type in ("establishing", "master") else sh.subjects
        seen |= {n for n in framed if n in cast}
    assert seen >= set(roles), f"missing from the cut: {set(roles) - seen}"
    assert {m for c in _cut(out) for m in [c.metadata["previzkit"]["scene"]]} == set(scenes)


def test_standin_sets_are_rooms_inside_and_open_ground_outside(run) -> None:
    from previzkit.model.setfile import load_set

    _, out, _ = run
    scenes = _cast(out)["scenes"]
    for sc in scenes.values():
        assert sc["standin"]
        s = load_set(sc["set"])
        names = {p.name for p in s.props}
        assert {"table", "chair_left", "door", "window", "floor"} <= names
        assert len(s.marks) >= len(sc["cast"])
        if sc["int_ext"] == "INT":
            assert {"wall_back", "wall_left", "wall_right"} <= names
        else:
            assert "steps" in names and not names & {"wall_left", "wall_right"}


def test_cut_keeps_the_scripts_coverage_rules(run) -> None:
    """The cut against its screenplay (tests/demo/data/spare_key.fountain has an O.S.
    line, a voice-over, a POV, dual dialogue, inserts named in action and in a note):
    no rule broken, each rule met at least once, most planned shot types in the cut."""
    import opentimelineio as otio

    from previzkit.edit.coverage_check import check_coverage, clip_infos
    from previzkit.script import load_shot_plan, read_script

    script, out, _ = run
    timeline = otio.adapters.read_from_file(str(out / "cut.otio"))
    report = check_coverage(
        clip_infos(timeline), read_script(script), load_shot_plan(out / "shots.yaml")
    )
    assert report.ok, report.summary()
    assert all(r.lines for r in report.rules.values()), report.summary()
    assert report.type_ratio >= 0.6, report.summary()

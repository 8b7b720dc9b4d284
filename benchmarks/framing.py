"""Framing per shot type over every take of the default demo, before (the plan's still
camera, `coverage.shot_camera`) and after (the camera operator,
`production.operator.operate`): the take's world joints (retarget + kinematics, as the
stage loop poses them) projected through each frame's camera. No GL; about a minute.

    python3 benchmarks/framing.py [-v]
"""

from __future__ import annotations

import argparse
import collections
import tempfile
from pathlib import Path

import numpy as np

from previzkit.core.resources import asset_path, assets_dir
from previzkit.model.pose_track import read_track
from previzkit.model.setfile import load_set
from previzkit.production import coverage, operator, record
from previzkit.production.demo import CAST_CLIPS, DemoOptions
from previzkit.script import plan_shots, read_script
from previzkit.script.locations import assets_exists


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("-v", action="store_true", help="a line per take")
    args = ap.parse_args()
    opts = DemoOptions()
    aspect = opts.size[0] / opts.size[1]
    script = read_script(asset_path("scripts", "sample.fountain"))
    plan = plan_shots(script, exists=assets_exists())
    specs = record.take_specs(
        script, plan, opts.takes, opts.rate, scale=opts.time_scale, handle_s=opts.handle_s
    )
    scenes = {sp.number: sp for sp in plan.scenes}
    rows: dict[str, list[tuple[float, float, float, float, int]]] = collections.defaultdict(list)
    cache: dict = {}
    sets: dict = {}
    work = Path(tempfile.mkdtemp())
    for spec in specs:
        sp = scenes[spec.scene]
        if spec.scene not in sets:
            sets[spec.scene] = coverage.scene_set(
                load_set(assets_dir() / sp.set_file), sp, assets_dir()
            )
        full = sets[spec.scene]
        cast = [c.name for c in full.characters]
        clips = record.load_clips([assets_dir() / CAST_CLIPS[n] for n in cast])
        poses = record.write_take_poses(spec, clips, work / "take.pzt")
        joints, path = record.camera_path(spec, full, read_track(poses), cast, aspect, cache)
        shot = spec.plan_shot
        prop = None
        if shot.type == "insert":
            found = (record.prop_centre(full, s) for s in shot.subjects)
            prop = next((c for c in found if c is not None), None)
        cam = full.camera(spec.shot)
        still = [(cam.camera_to_world(), cam.lens)] * len(path)
        before = operator.fraction_by_subject(shot, joints, still, aspect, prop)
        after = operator.fraction_by_subject(shot, joints, path, aspect, prop)
        third_b = third_a = float("nan")
        if shot.type in ("single", "ots"):
            up = np.array([0.0, operator.EYE_ABOVE_HEAD_M, 0.0])
            eyes = np.asarray(joints.joint(shot.subjects[0], "head"), float) + up
            on = []
            for cams in (still, path):
                y = [
                    operator.screen_position(e, m, ln, aspect)[0, 1]
                    for e, (m, ln) in zip(eyes, cams, strict=True)
                ]
                on.append(float(np.mean(np.abs(np.array(y) - 1 / 3) <= 0.15)))
            third_b, third_a = on
        rows[shot.type].append((before, after, third_b, third_a, len(path)))
        if args.v:
            print(f"{spec.label:10s} {shot.type:12s} {before:.2f} -> {after:.2f}")
    print("| shot type | takes | frames | before | after | eyes on upper third, before | after |")
    print("|---|---|---|---|---|---|---|")
    for kind, r in rows.items():
        a = np.array(r)
        n = a[:, 4]

        def mean(col: int, a: np.ndarray = a, n: np.ndarray = n) -> str:
            ok = ~np.isnan(a[:, col])
            return "n/a" if not ok.any() else f"{np.sum(a[ok, col] * n[ok]) / n[ok].sum():.1%}"

        print(
            f"| {kind} | {len(r)} | {int(n.sum())} | {mean(0)} | {mean(1)} | {mean(2)} | {mean(3)} |"
        )


if __name__ == "__main__":
    main()

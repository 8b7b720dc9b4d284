#!/usr/bin/env python3
"""Build previzkit's motion library (``previzkit/assets/motion/library/``) from real
motion capture shipped in registry packages (see previzkit/assets/README.md, motion).

Sources, fetched once by hand, never at run time:
- ``apt-get download assimp-testmodels`` (Debian): CMU mocap 01_01, 01_03 (BVH, 120 fps)
- ``pip download --no-deps --no-binary :all: pybullet==3.2.7``: DeepMimic humanoid3d
  motions (``examples/pybullet/gym/pybullet_data/data/motions/``)
- the MocapBank take already in ``assets/motion/source/mocapbank_crouch.bvh``

Usage::

    python3 scripts/build_motion_library.py --assimp-deb X.deb --pybullet-sdist Y.tar.gz
    python3 scripts/build_motion_library.py        # re-convert from assets/motion/source/

Each clip is cut (and thinned to 30 fps) into ``source/<id>.bvh``, converted to
``library/<id>.pzt`` and measured (root motion, foot contacts, skating) into
``library.yaml``.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from previzkit.production import deepmimic, library, motion

MOTION = Path(__file__).resolve().parents[1] / "previzkit" / "assets" / "motion"
CMU_SCALE = 0.0254 / 0.45  # cgspeed's CMU BVH: ASF length units (inches / 0.45) -> metres
DM = "pybullet-3.2.7/examples/pybullet/gym/pybullet_data/data/motions/"
CMU = "usr/share/assimp/models/BVH/"

# id: (tags, origin kind, file inside the package, start s, stop s, scale of the cut BVH)
CLIPS: dict[str, tuple[list[str], str, str, float, float, float]] = {
    "idle_stand": (["idle", "stand"], "mocapbank", "mocapbank_crouch.bvh", 0.0, 3.0, 0.01),
    "kneel_down": (["kneel", "crouch"], "mocapbank", "mocapbank_crouch.bvh", 3.0, 6.5, 0.01),
    "kneel_hold": (["kneel", "idle"], "mocapbank", "mocapbank_crouch.bvh", 6.5, 10.5, 0.01),
    "stand_up_from_kneel": (
        ["stand", "kneel"],
        "mocapbank",
        "mocapbank_crouch.bvh",
        10.5,
        14.0,
        0.01,
    ),
    "turn_around": (["turn"], "cmu", "01_01.bvh", 8.5, 10.6, CMU_SCALE),
    "turn_back": (["turn"], "cmu", "01_01.bvh", 16.0, 18.0, CMU_SCALE),
    "jump_forward": (["jump"], "cmu", "01_01.bvh", 1.3, 2.9, CMU_SCALE),
    "walk_curve": (["walk", "turn"], "cmu", "01_03.bvh", 0.0, 2.6, CMU_SCALE),
    "climb": (["climb"], "cmu", "01_03.bvh", 3.0, 12.0, CMU_SCALE),
    "walk": (["walk", "loop"], "deepmimic", "humanoid3d_walk.txt", 0.0, 99.0, 0.01),
    "run": (["run", "hurry", "loop"], "deepmimic", "humanoid3d_run.txt", 0.0, 99.0, 0.01),
    "get_up_from_back": (
        ["stand", "getup"],
        "deepmimic",
        "humanoid3d_getup_faceup.txt",
        0.0,
        99.0,
        0.01,
    ),
    "get_up_from_front": (
        ["stand", "getup"],
        "deepmimic",
        "humanoid3d_getup_facedown.txt",
        0.0,
        99.0,
        0.01,
    ),
    "kick": (["kick", "fight"], "deepmimic", "humanoid3d_kick.txt", 0.0, 99.0, 0.01),
    "punch": (["punch", "fight"], "deepmimic", "humanoid3d_punch.txt", 0.0, 99.0, 0.01),
    "dance": (["dance"], "deepmimic", "humanoid3d_dance_a.txt", 0.0, 99.0, 0.01),
}


def cut_sources(assimp_deb: Path | None, pybullet_sdist: Path | None) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        if assimp_deb:
            subprocess.run(["dpkg-deb", "-x", str(assimp_deb), str(t)], check=True)
        if pybullet_sdist:
            with tarfile.open(pybullet_sdist) as tf:
                members = [m for m in tf.getmembers() if m.name.startswith(DM)]
                tf.extractall(t, members=members, filter="data")
        for cid, (_, kind, name, a, b, _) in CLIPS.items():
            if kind == "mocapbank":
                clip = motion.read_bvh(MOTION / "source" / name)
            elif kind == "cmu" and assimp_deb:
                clip = motion.read_bvh(t / CMU / name)
            elif kind == "deepmimic" and pybullet_sdist:
                clip = deepmimic.read_deepmimic(t / DM / name)
            else:
                continue
            stop = min(b, (len(clip.motion) - 1) / clip.fps)
            cut = motion.cut_bvh(clip, a, stop, fps=30.0)
            motion.write_bvh(cut, MOTION / "source" / f"{cid}.bvh")
            print(f"source/{cid}.bvh: {len(cut.motion)} frames at {cut.fps:.2f} fps")


def build() -> None:
    out = MOTION / "library"
    out.mkdir(exist_ok=True)
    entries = []
    for cid, (tags, kind, name, a, b, scale) in CLIPS.items():
        src = MOTION / "source" / f"{cid}.bvh"
        lm = library.convert_bvh(src, scale=scale)
        path = library.write_library_clip(
            out / f"{cid}.pzt",
            lm,
            30.0,
            meta={"source": src.name, "converted_by": "previzkit.production.library"},
        )
        clip = library.describe(cid, tags, lm, 30.0, path, src, scale)
        entry = library.clip_entry(clip, MOTION)
        entry["origin"] = {"kind": kind, "file": name, "start_s": a, "stop_s": b}
        entries.append(entry)
        print(cid, entry["frames"], entry["root_travel_m"], entry["heading_change_deg"])
    (MOTION / "library.yaml").write_text(
        "# previzkit motion library: written by scripts/build_motion_library.py\n"
        + yaml.safe_dump({"clips": entries}, sort_keys=False, default_flow_style=None),
        encoding="utf-8",
    )


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--assimp-deb", type=Path)
    ap.add_argument("--pybullet-sdist", type=Path)
    args = ap.parse_args()
    cut_sources(args.assimp_deb, args.pybullet_sdist)
    build()

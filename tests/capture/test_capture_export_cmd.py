"""``previzkit capture export``: BVH/glTF from an existing pose track, without capturing.

Tracks are the shipped ones (real mocap converted to pose tracks). Files are read
back by bvhio and Khronos' glTF validator; a false skeleton (a real actor's legs
scaled by 3 about the hips) and a 5-frame flicker are dropped with a note.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from previzkit.capture.export import export_actors, export_clip
from previzkit.capture.jsonfmt import write_json
from previzkit.capture.track_quality import assess_track
from previzkit.cli import main
from previzkit.core.resources import assets_dir
from previzkit.core.types import Pose
from previzkit.model.capture_camera import CaptureCamera
from previzkit.model.landmarks import LANDMARK_INDEX
from previzkit.model.pose_track import PoseFrame, PoseTrack, TrackWriter, read_track

bvhio = pytest.importorskip("bvhio")

WALK = assets_dir() / "motion" / "library" / "walk.pzt"  # 38 frames at 30 fps, actor 0
LEG = {
    side: [LANDMARK_INDEX[f"{side}_{n}"] for n in ("knee", "ankle", "heel", "foot_index")]
    for side in ("left", "right")
}


def _long_legs(pose: Pose, actor_id: int) -> Pose:
    """``pose`` with each leg's landmarks 3 times as far from its hip (world, metres)."""
    world = pose.world.copy()
    for side, idx in LEG.items():
        hip = world[LANDMARK_INDEX[f"{side}_hip"]]
        world[idx] = hip + 3.0 * (world[idx] - hip)
    return Pose(pose.timestamp, actor_id, pose.image.copy(), world, pose.confidence)


def _crowded(path: Path) -> Path:
    """walk.pzt plus actor 1 (the same walk with 3x legs) and actor 2 (5 frames)."""
    walk = read_track(WALK)
    with TrackWriter(path, width=walk.width, height=walk.height, fps=walk.fps) as w:
        for i, f in enumerate(walk.frames):
            people = list(f.people) + [_long_legs(p, 1) for p in f.people]
            if 10 <= i < 15:
                people += [Pose(p.timestamp, 2, p.image, p.world, p.confidence) for p in f.people]
            w.write(PoseFrame(f.index, f.time, people))
    return path


def _offsets(path: Path) -> np.ndarray:
    root = bvhio.readAsBvh(str(path)).Root
    out = []

    def walk(j) -> None:
        out.append(list(j.Offset))
        for c in j.Children:
            walk(c)

    walk(root)
    return np.array(out)


def test_export_writes_bvh_and_gltf_that_load_back(tmp_path, capsys):
    from tests.helpers.gltf_validator import validate

    bvh, glb = tmp_path / "walk.bvh", tmp_path / "walk.glb"
    assert main(["capture", "export", str(WALK), "--bvh", str(bvh), "--gltf", str(glb)]) == 0
    err = capsys.readouterr().err
    assert f"actor 0: {bvh}" in err and "note:" not in err
    assert "hfov 60.0 deg" in err and "assumed" in err  # walk.pzt has no recorded camera
    track = read_track(WALK)
    doc = bvhio.readAsBvh(str(bvh))
    assert doc.FrameCount == len(track.frames)
    assert doc.FrameTime == pytest.approx(1 / 30, abs=1e-6)
    assert doc.Root.Name == "hips" and len(doc.Root.Keyframes) == len(track.frames)
    report = validate(glb)
    assert report["issues"]["numErrors"] == 0, report["issues"]["messages"][:5]
    assert report["info"]["animationCount"] == 1


def test_units_m_are_a_hundredth_of_cm(tmp_path):
    cm, m = tmp_path / "cm.bvh", tmp_path / "m.bvh"
    assert main(["capture", "export", str(WALK), "--bvh", str(cm)]) == 0
    assert main(["capture", "export", str(WALK), "--bvh", str(m), "--units", "m"]) == 0
    off_cm, off_m = _offsets(cm), _offsets(m)
    assert np.abs(off_cm).max() > 10  # centimetres: a thigh is tens of cm
    assert np.allclose(off_m, off_cm / 100, atol=1e-5)
    root_cm = np.array([list(k.Position) for k in bvhio.readAsBvh(str(cm)).Root.Keyframes])
    root_m = np.array([list(k.Position) for k in bvhio.readAsBvh(str(m)).Root.Keyframes])
    assert np.allclose(root_m, root_cm / 100, atol=1e-5)


def test_json_track_exports_like_the_binary_one(tmp_path):
    js = tmp_path / "walk.json"
    write_json(js, read_track(WALK))
    a, b = tmp_path / "a.bvh", tmp_path / "b.bvh"
    assert main(["capture", "export", str(js), "--bvh", str(a)]) == 0
    assert main(["capture", "export", str(WALK), "--bvh", str(b)]) == 0
    assert np.allclose(_offsets(a), _offsets(b), atol=0.05)  # JSON keeps 0.1 mm


def test_false_skeleton_and_flicker_are_dropped_with_a_note(tmp_path, capsys):
    track_path = _crowded(tmp_path / "crowd.pzt")
    quality = assess_track(read_track(track_path))
    assert [a.actor_id for a in quality.kept] == [0]
    long_legs, flicker = quality.of(1), quality.of(2)
    assert long_legs.reason is not None and "implausible upper_leg" in long_legs.reason
    assert long_legs.bones["upper_leg"] == pytest.approx(3 * quality.of(0).bones["upper_leg"])
    assert flicker.frames == 5 and flicker.reason is not None and "too short" in flicker.reason

    out = tmp_path / "crowd.bvh"
    args = ["capture", "export", str(track_path), "--bvh", str(out), "--all-actors"]
    assert main(args) == 0
    err = capsys.readouterr().err
    notes = [line for line in err.splitlines() if line.startswith("note:")]
    assert len(notes) == 2
    assert "actor 1: 38 frames" in notes[0] and "implausible upper_leg" in notes[0]
    assert "actor 2: 5 frames" in notes[1] and "too short" in notes[1]
    assert sorted(p.name for p in tmp_path.glob("*.bvh")) == ["crowd_0.bvh"]

    # the default actor is the longest kept one; an explicit dropped actor warns
    assert main(["capture", "export", str(track_path), "--bvh", str(out)]) == 0
    assert f"actor 0: {out}" in capsys.readouterr().err
    assert main(["capture", "export", str(track_path), "--bvh", str(out), "--actor", "1"]) == 0
    err = capsys.readouterr().err
    assert "warning: actor 1 exported although implausible upper_leg" in err
    assert bvhio.readAsBvh(str(out)).FrameCount == 38


def test_all_actors_writes_one_file_each(tmp_path):
    walk = read_track(WALK)
    two = PoseTrack(walk.width, walk.height, walk.fps, meta=dict(walk.meta))
    for f in walk.frames:
        people = list(f.people)
        people += [Pose(p.timestamp, 4, p.image, p.world, p.confidence) for p in f.people]
        two.frames.append(PoseFrame(f.index, f.time, people))
    done = export_actors(two, bvh=tmp_path / "t.bvh", gltf=tmp_path / "t.glb", units="m")
    assert [d.actor_id for d in done] == [0, 4]
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["t_0.bvh", "t_0.glb", "t_4.bvh", "t_4.glb"]


def test_camera_flags_override_the_track_camera(tmp_path, capsys):
    walk = read_track(WALK)
    recorded = CaptureCamera.from_hfov(walk.width, walk.height, 50.0, height_m=1.2)
    walk.meta["camera"] = recorded.to_meta()
    done = export_clip(walk, bvh=tmp_path / "a.bvh")
    assert done.camera == recorded  # the track's meta when no camera is given

    js = tmp_path / "walk.json"
    write_json(js, walk)
    track_path = tmp_path / "walk.pzt"
    with TrackWriter(
        track_path, width=walk.width, height=walk.height, fps=walk.fps, meta=walk.meta
    ) as w:
        for f in walk.frames:
            w.write(f)
    args = ["capture", "export", str(track_path), "--bvh", str(tmp_path / "b.bvh")]
    assert main([*args, "--fov", "70", "--camera-tilt", "12.5"]) == 0
    err = capsys.readouterr().err
    assert "hfov 70.0 deg" in err and "height 1.20 m" in err and "tilt 12.5 deg" in err
    assert "assumed" not in err
    assert main([*args, "--fov", "70", "--focal-px", "500"]) == 2
    assert "give --fov or --focal-px, not both" in capsys.readouterr().err


def test_capture_stores_camera_flags_and_exif_in_track_meta(tmp_path, astronaut, capsys):
    photo = tmp_path / "astronaut.jpg"
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0xA405] = 28  # FocalLengthIn35mmFilm, mm
    Image.fromarray(astronaut).save(photo, exif=exif)
    out = tmp_path / "a.pzt"
    assert main(["capture", str(photo), "-o", str(out), "--max-people", "1"]) == 0
    cam = CaptureCamera.from_meta(read_track(out).meta["camera"])
    assert cam.focal_px == pytest.approx(28 / math.hypot(36, 24) * math.hypot(512, 512))
    assert not cam.assumed

    flags = ["--focal-px", "800", "--camera-height", "1.5", "--camera-tilt", "-5"]
    bvh = tmp_path / "a.bvh"
    assert main(["capture", str(photo), "-o", str(out), "--bvh", str(bvh), *flags]) == 0
    cam = CaptureCamera.from_meta(read_track(out).meta["camera"])
    assert (cam.focal_px, cam.height_m, cam.tilt_deg, cam.assumed) == (800, 1.5, -5, False)
    assert "height 1.50 m, tilt -5.0 deg" in capsys.readouterr().err
    assert bvhio.readAsBvh(str(bvh)).FrameCount == 1  # a still is kept, not "too short"


def test_bad_input_is_one_error_line(tmp_path, capsys):
    cases = [
        (["capture", "export", str(tmp_path / "missing.pzt"), "--bvh", "x.bvh"], "does not exist"),
        (["capture", "export", str(WALK)], "give --bvh and/or --gltf"),
        (["capture", "export", "take.mp4", "--bvh", "x.bvh"], "write ./export"),
        (["capture", "export", str(WALK), "--bvh", "x.bvh", "--actor", "7"], "actor 7 not in"),
    ]
    for args, message in cases:
        assert main(args) == 2, args
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("error: ") and message in err[0], err
    assert main(["capture", "export", str(WALK), "--bvh", "x.bvh", "--units", "ft"]) == 2
    assert "'ft' is not one of 'cm', 'm'" in capsys.readouterr().err  # click's own check


def test_a_source_named_export_is_captured_as_dot_slash(tmp_path, astronaut, monkeypatch):
    """The word ``export`` is the subcommand; a folder of stills named so is ``./export``."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "export").mkdir()
    Image.fromarray(astronaut).save(tmp_path / "export" / "a.png")
    out = tmp_path / "e.json"
    assert main(["capture", "./export", "-o", str(out), "--max-people", "1"]) == 0
    assert json.loads(out.read_text())["frames"][0]["people"]

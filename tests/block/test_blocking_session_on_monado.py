"""A whole blocking session on Monado (remote driver, two Index controllers), driven
by a replayed input file through `previzkit xr SET --replay`: the director adds three
marks, moves a prop, places cameras for two planned shots with different lenses,
records a handheld camera move as a take, undoes one edit and saves. Re-read by the
set and plan parsers (and the take by an independent glTF reader), the files hold
exactly those edits and their comments.

Expected positions come from what the runtime reported: the session's own
``--record-input`` file (the aim and grip poses it read through the action system).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys

import numpy as np
import pytest

from previzkit.model.camera_track import read_camera_track
from previzkit.model.setfile import load_set
from previzkit.script.shots import load_shot_plan
from previzkit.xr.events import floor_hit
from previzkit.xr.monado_remote import free_port
from tests.helpers import ASSETS, REPO

pytestmark = [pytest.mark.xr, pytest.mark.gl, pytest.mark.slow]

RATE = 20  # Hz: Monado's null compositor
PLAN = """\
# Coverage of scene 1 (hand-written for this test)
previzkit_shot_plan: 1
title: Courtyard
source: null
scenes:
  - number: '1'
    heading: EXT. COURTYARD - DAY
    line: 1
    set_file: sets/sample.yaml
    time: DAY
    sky_model: null
    ground_model: null
    axis: [ALEX, SAM]
    shots:
      - id: 1-A   # the master
        type: master
        subjects: [ALEX, SAM]
        lens_mm: 24
        side: right
        covers: [2, 3]
      - id: 1-B   # SAM's single
        type: single
        subjects: [SAM]
        lens_mm: 85
        side: right
        covers: [3]
"""


def _q(pitch_deg: float = 0.0, yaw_deg: float = 0.0) -> list[float]:
    """x, y, z, w of yaw (about +y) then pitch (about +x)."""
    from previzkit.core.geometry import euler_to_quat

    return list(euler_to_quat(yaw_deg, pitch_deg, 0.0))


class Script:
    """Builds the replay file: one frame per call of :meth:`hold`."""

    def __init__(self) -> None:
        self.frames: list[dict] = []
        self.head = [0.0, 1.6, 2.0, *_q()]
        self.left = [-0.25, 1.25, 1.6, *_q(-30)]
        self.right = [0.25, 1.25, 1.6, *_q(-60)]

    def hold(self, n: int, buttons: tuple[str, ...] = (), **sticks) -> None:
        for _ in range(n):
            frame = {
                "t": len(self.frames) / RATE,
                "head": list(self.head),
                "left": {"grip": list(self.left)},
                "right": {"grip": list(self.right)},
                "buttons": list(buttons),
            }
            frame.update({k: v for k, v in sticks.items()})
            self.frames.append(frame)

    def press(self, button: str, n: int = 4, gap: int = 4) -> None:
        self.hold(n, (button,))
        self.hold(gap)

    def write(self, path) -> None:
        lines = [json.dumps({"previzkit_input": 1, "rate_hz": RATE})]
        lines += [json.dumps(f) for f in self.frames]
        path.write_text("\n".join(lines) + "\n")


def build_script() -> Script:
    s = Script()
    s.hold(30)  # the session reaches FOCUSED
    for x, z in ((-2.0, 0.8), (-0.6, 2.2), (2.0, 0.8)):  # three marks, right grip
        s.right = [x, 1.25, z + 0.3, *_q(-60)]
        s.hold(4)
        s.press("grab")
    # the ball (0.4, 0, 1.2): grab it with the right hand, carry it 0.5 m along +x
    s.right = [0.4, 0.35, 1.2, *_q(-60)]
    s.hold(4)
    s.hold(4, ("grab",))
    for i in range(10):
        s.right = [0.4 + 0.05 * (i + 1), 0.35, 1.2, *_q(-60)]
        s.hold(1, ("grab",))
    s.hold(2, ("grab",))
    s.hold(6)
    s.press("next_tool")  # teleport -> mark
    s.press("next_tool")  # mark -> camera
    s.left = [-0.6, 1.5, 1.4, *_q(-5, 20)]
    s.hold(4)
    s.press("use_tool")  # camera for shot 1-A (24 mm)
    s.press("alt_tool")  # next shot: 1-B (85 mm)
    s.left = [0.9, 1.45, 1.2, *_q(-8, -25)]
    s.hold(4)
    s.press("use_tool")  # camera for shot 1-B
    s.press("take")  # start the take
    s.hold(4, ("handheld",))
    for i in range(110):  # a 5.5 s handheld move: dolly in and pan
        a = i / 110
        s.left = [0.9 - 0.6 * a, 1.45 + 0.05 * math.sin(6 * a), 1.2 - 0.8 * a, *_q(-8, -25 + 30 * a)]
        s.hold(1, ("handheld",))
    s.hold(4)
    s.press("take")  # stop
    s.press("undo")  # undo the handheld move: camera 1-B back where it was placed
    for _ in range(7):  # camera -> measure, bookmark, snapshot, assign, duplicate, delete, save
        s.press("next_tool")
    s.press("use_tool")  # save
    s.hold(10)
    return s


def _pressed_frames(rec: list[dict], button: str) -> list[int]:
    """Indices of recorded frames where ``button`` went down."""
    out, prev = [], False
    for i, f in enumerate(rec):
        now = button in f.get("buttons", [])
        if now and not prev:
            out.append(i)
        prev = now
    return out


def _mat(pose: list[float]) -> np.ndarray:
    from previzkit.core.geometry import pose_matrix

    return pose_matrix(pose[:3], pose[3:])


@pytest.fixture(scope="module")
def session(xr_env, runtime_service, tmp_path_factory):
    work = tmp_path_factory.mktemp("blocking")
    for folder in ("sets", "props", "textures"):
        (work / folder).mkdir()
    shutil.copy(ASSETS / "sets" / "sample.yaml", work / "sets" / "sample.yaml")
    for f in (ASSETS / "props").iterdir():
        shutil.copy(f, work / "props" / f.name)
    shutil.copy(ASSETS / "textures" / "sample_sky.png", work / "textures" / "sample_sky.png")
    (work / "shots.yaml").write_text(PLAN)
    script = build_script()
    script.write(work / "replay.jsonl")
    port = free_port()
    env = dict(xr_env)
    cmd = [
        sys.executable, "-m", "previzkit", "xr", str(work / "sets" / "sample.yaml"),
        "--plan", str(work / "shots.yaml"), "--scene", "1", "-p", str(work / "project"),
        "--replay", str(work / "replay.jsonl"), "--remote-port", str(port),
        "--record-input", str(work / "recorded.jsonl"), "--take-size", "320x180",
    ]  # fmt: skip
    with runtime_service(env):
        proc = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    lines = (work / "recorded.jsonl").read_text().splitlines()
    recorded = [json.loads(line) for line in lines[1:]]
    return {"work": work, "proc": proc, "recorded": recorded}


def test_set_file_holds_the_marks_the_prop_and_the_cameras(session):
    work, rec = session["work"], session["recorded"]
    original = load_set(ASSETS / "sets" / "sample.yaml")
    saved = load_set(work / "sets" / "sample.yaml")
    text = (work / "sets" / "sample.yaml").read_text()
    # comments and the untouched master camera are kept
    assert "# previzkit sample set: a small courtyard stage" in text
    assert "A_35mm:   # wide master from the front" in text
    assert saved.cameras["A_35mm"] == original.cameras["A_35mm"]
    # three new marks where the right hand's ray met the floor when grab went down
    grabs = _pressed_frames(rec, "grab")
    assert len(grabs) == 4
    new = sorted(set(saved.marks) - set(original.marks))
    assert len(new) == 3
    for name, i in zip(new, grabs[:3], strict=True):
        hit = floor_hit(_mat(rec[i]["right"]["aim"]))
        assert hit is not None
        assert saved.marks[name].position == pytest.approx((hit[0], hit[2]), abs=0.01)
    # the ball moved by what the right hand moved while it held it
    g0 = np.asarray(rec[grabs[3]]["right"]["grip"][:3])
    release = next(i for i in range(grabs[3], len(rec)) if "grab" not in rec[i].get("buttons", []))
    g1 = np.asarray(rec[release - 1]["right"]["grip"][:3])
    ball0 = next(p for p in original.props if p.name == "ball")
    ball1 = next(p for p in saved.props if p.name == "ball")
    assert np.asarray(ball1.position) == pytest.approx(np.asarray(ball0.position) + (g1 - g0), abs=0.01)
    assert np.linalg.norm(g1 - g0) > 0.4
    # two cameras named by shot id, with the plan's lenses; 1-B where it was placed (undo)
    uses = _pressed_frames(rec, "use_tool")
    assert saved.cameras["1-A"].lens.focal_mm == 24
    assert saved.cameras["1-B"].lens.focal_mm == 85
    for name, i in (("1-A", uses[0]), ("1-B", uses[1])):
        placed = _mat(rec[i]["left"]["grip"])
        assert np.asarray(saved.cameras[name].position) == pytest.approx(placed[:3, 3], abs=0.01)


def test_shot_plan_holds_each_shots_camera_lens_and_marks(session):
    work = session["work"]
    plan = load_shot_plan(work / "shots.yaml")
    shots = {s.id: s for s in plan.scenes[0].shots}
    assert shots["1-A"].camera == "1-A" and shots["1-A"].lens_mm == 24
    assert shots["1-B"].camera == "1-B" and shots["1-B"].lens_mm == 85
    assert shots["1-B"].marks == {"SAM": "B"}
    text = (work / "shots.yaml").read_text()
    assert "# Coverage of scene 1" in text and "# SAM's single" in text


def test_take_holds_the_handheld_move(session):
    work = session["work"]
    takes = list((work / "project").rglob("camera.npz"))
    assert len(takes) == 1
    track = read_camera_track(takes[0])
    poses = np.round(np.concatenate([track.position, track.orientation], axis=1), 5)
    assert len(np.unique(poses, axis=0)) >= 100
    assert len(track) < 140  # bound by start and stop, not the whole session
    assert set(np.round(track.focal_mm, 3)) == {85.0}


def test_take_camera_exports_to_gltf_an_independent_reader_reads(session, tmp_path):
    from tests.helpers.gltf_validator import validate

    work = session["work"]
    out = tmp_path / "camera.gltf"
    proc = subprocess.run(
        [sys.executable, "-m", "previzkit", "takes", "export-camera", "-p", str(work / "project"),
         "1", "1-B", "1", "-o", str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    report = validate(out)
    assert report["issues"]["numErrors"] == 0
    assert report["info"]["animationCount"] == 1

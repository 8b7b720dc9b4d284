"""The blocking session offscreen (no runtime): `previzkit xr SET --offscreen --replay
FILE`, rendered for real through EGL at small eye sizes. What a director relies on:
every tool's edit lands in the saved set (comments kept), a recorded session replays
to the same set, an edit is drawn the frame it is made, a second view's edits and
presence arrive, bad input is one clear error line, a read-only folder loses nothing,
and a take holds exactly the handheld move between the take presses.

Scripts are written here in the documented JSON Lines format (docs/xr.md, "Scripted
sessions"); offscreen the head comes from the script too. World = the reference space
until a bookmark jump moves it. Sessions run in-process on the shared GL context where
the test inspects the session, and as ``python -m previzkit xr`` where it checks the
command's own behaviour (exit code, messages, recorded files).
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from previzkit.model.setfile import load_set
from tests.helpers import ASSETS, REPO, worker_env

pytestmark = [pytest.mark.gl]

RATE = 20.0  # Hz of the scripts
TAN60 = math.tan(math.radians(60))
EYE = ["--eye-size", "160x160", "--msaa", "0", "--take-size", "160x90"]


def _q(pitch_deg: float = 0.0, yaw_deg: float = 0.0) -> list[float]:
    from previzkit.core.geometry import euler_to_quat

    return list(euler_to_quat(yaw_deg, pitch_deg, 0.0))


def pointing_at(x: float, z: float, height: float = 1.2) -> list[float]:
    """A hand pose at ``height`` pitched 60 degrees down whose ray meets the floor at (x, z)."""
    return [x, height, z + height / TAN60, *_q(-60)]


class Script:
    """Builds a replay file one frame per :meth:`hold`; ``at[label]`` is the index of the
    frame where a labelled press went down (the session's step index)."""

    def __init__(self) -> None:
        self.frames: list[dict] = []
        self.at: dict[str, int] = {}
        self.head = [0.0, 1.6, 2.0, *_q()]
        self.left: list[float] | None = [-0.25, 1.25, 1.6, *_q(-30)]
        self.right: list[float] | None = [0.25, 1.25, 1.6, *_q(-60)]

    def hold(self, n: int = 1, buttons: tuple[str, ...] = ()) -> None:
        for _ in range(n):
            frame: dict = {"t": round(len(self.frames) / RATE, 6), "head": list(self.head)}
            for hand in ("left", "right"):
                pose = getattr(self, hand)
                if pose is not None:  # aim and grip the same, as Monado's remote driver
                    frame[hand] = {"aim": list(pose), "grip": list(pose)}
            if buttons:
                frame["buttons"] = list(buttons)
            self.frames.append(frame)

    def press(self, button: str, label: str | None = None, n: int = 2, gap: int = 2) -> None:
        if label is not None:
            self.at[label] = len(self.frames)
        self.hold(n, (button,))
        self.hold(gap)

    def write(self, path: Path) -> Path:
        lines = [json.dumps({"previzkit_input": 1, "rate_hz": RATE})]
        lines += [json.dumps(f) for f in self.frames]
        path.write_text("\n".join(lines) + "\n")
        return path


def _set_copy(folder: Path) -> Path:
    """The sample set with its props and sky in ``folder`` (sets/, props/, textures/)."""
    for sub in ("sets", "props", "textures"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    shutil.copy(ASSETS / "sets" / "sample.yaml", folder / "sets" / "sample.yaml")
    for f in (ASSETS / "props").iterdir():
        shutil.copy(f, folder / "props" / f.name)
    shutil.copy(ASSETS / "textures" / "sample_sky.png", folder / "textures" / "sample_sky.png")
    return folder / "sets" / "sample.yaml"


def _options(set_path: Path, replay: Path, **kw):
    from previzkit.block.session import BlockOptions

    kw.setdefault("eye_size", (160, 160))
    kw.setdefault("take_size", (160, 90))
    kw.setdefault("samples", 0)
    return BlockOptions(set_path=set_path, offscreen=True, replay=replay, rate_hz=None, **kw)


def _cli(
    *args: object, env: dict | None = None, timeout: float = 120
) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "previzkit", *(str(a) for a in args)]
    return subprocess.run(
        cmd, env=env or worker_env(), cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def _mat(pose: list[float]) -> np.ndarray:
    from previzkit.core.geometry import pose_matrix

    q = np.asarray(pose[3:7])
    return pose_matrix(pose[:3], q / np.linalg.norm(q))


# --- 1. every tool, one session ---------------------------------------------------------

M1, M2 = (-2.0, 0.8), (2.0, 0.6)  # the two marks the right grip drops
CAMERA = [-0.6, 1.5, 1.4, *_q(-5, 20)]  # where the left hand places the camera
MEASURE_A, MEASURE_B = (-1.0, 0.5), (0.5, -1.5)  # floor points: 2.5 m apart


def tools_script() -> Script:
    s = Script()
    s.hold(3)
    for label, (x, z) in (("mark3", M1), ("mark4", M2)):  # right grip on the floor: marks
        s.right = pointing_at(x, z)
        s.hold(2)
        s.press("grab", label)
    # the ball (0.4, 0, 1.2): grab it, carry it 0.5 m along +x, let go
    s.right = [0.4, 0.35, 1.2, *_q(-60)]
    s.hold(2)
    s.at["ball"] = len(s.frames)
    s.hold(2, ("grab",))
    for i in range(10):
        s.right = [0.4 + 0.05 * (i + 1), 0.35, 1.2, *_q(-60)]
        s.hold(1, ("grab",))
    s.hold(2)
    s.press("next_tool")  # teleport -> mark
    s.press("next_tool")  # mark -> camera
    s.left = list(CAMERA)
    s.hold(2)
    s.press("use_tool", "camera")
    s.press("next_tool")  # camera -> measure: press at A, hold, let go at B
    s.left = pointing_at(*MEASURE_A)
    s.hold(2)
    s.hold(2, ("use_tool",))
    s.left = pointing_at(*MEASURE_B)
    s.hold(2, ("use_tool",))
    s.at["measured"] = len(s.frames)
    s.hold(2)
    s.press("next_tool")  # measure -> bookmark: the head where it stands
    s.press("use_tool", "bookmark")
    s.press("next_tool")  # bookmark -> snapshot
    s.press("use_tool", "snapshot")
    s.right = pointing_at(*M1)  # select mark3, assign it (to ALEX, the first character)
    s.hold(2)
    s.press("select", "select_mark3")
    s.press("next_tool")  # snapshot -> assign
    s.press("use_tool", "assign")
    s.right = pointing_at(0.9, 1.2)  # select the ball where it was carried, duplicate it
    s.hold(2)
    s.press("select", "select_ball")
    s.press("next_tool")  # assign -> duplicate
    s.press("use_tool", "duplicate")
    s.right = pointing_at(*M2)  # select mark4 and delete it
    s.hold(2)
    s.press("select")
    s.press("next_tool")  # duplicate -> delete
    s.press("use_tool", "delete")
    s.press("undo", "undo")  # mark4 back...
    s.press("redo", "redo")  # ...and gone again
    for _ in range(6):  # delete -> save, teleport, mark, camera, measure, bookmark
        s.press("next_tool")
    s.head = [1.0, 1.6, 3.0, *_q(0, 30)]  # walk off and turn, then jump back
    s.hold(2)
    s.press("alt_tool", "jump")
    s.hold(3)
    return s


def test_every_tool_lands_in_the_saved_set(gl, tmp_path):
    from previzkit.block.session import BlockSession
    from previzkit.media.image import read_image
    from previzkit.stage.set_save import autosave_paths

    set_path = _set_copy(tmp_path)
    s = tools_script()
    opts = _options(set_path, s.write(tmp_path / "tools.jsonl"), project=tmp_path / "project")
    seen: dict[str, object] = {}
    with BlockSession(opts, ctx=gl) as session:
        n = len(s.frames)
        while session._step < n:
            assert session.step()
            step = session._step - 1  # the frame just run
            objects = session.state.objects
            if step == s.at["measured"]:  # the panel shows the distance
                seen["panel"] = session._panel_lines()
            if step == s.at["snapshot"]:
                seen["viewfinder"] = session.viewfinder.image()
            if step == s.at["undo"]:
                seen["after_undo"] = "mark/mark4" in objects
            if step == s.at["redo"]:
                seen["after_redo"] = "mark/mark4" in objects
            if step == s.at["jump"] - 1:
                seen["head_before_jump"] = session.frame_loop.head.copy()
            if step == s.at["jump"]:  # the eyes are there the frame of the jump
                seen["eyes_at_jump"] = [v.camera_to_world for v in session.frame_loop.last_views]
                seen["wfs"] = session.frame_loop.world_from_space.copy()
            if step == s.at["jump"] + 1:
                seen["head_after_jump"] = session.frame_loop.head.copy()
        result = session.finish()
    assert result.saved_set == set_path
    assert any("2.50 m" in line for line in seen["panel"]), seen["panel"]
    assert seen["after_undo"] is True and seen["after_redo"] is False
    # the bookmark jump put the head back where it was bookmarked, facing the same way
    before, after = seen["head_before_jump"], seen["head_after_jump"]
    assert before[[0, 2], 3] == pytest.approx([1.0, 3.0], abs=1e-6)
    assert after[[0, 2], 3] == pytest.approx([0.0, 2.0], abs=1e-6)
    assert after[1, 3] == pytest.approx(1.6, abs=1e-6)
    assert -after[:3, 2] == pytest.approx([0.0, 0.0, -1.0], abs=1e-6)  # looking down -z
    assert not np.allclose(seen["wfs"], np.eye(4))
    eyes = np.mean([np.asarray(m)[:3, 3] for m in seen["eyes_at_jump"]], axis=0)
    assert eyes == pytest.approx([0.0, 1.6, 2.0], abs=1e-6)
    # the snapshot: the viewfinder's picture and the camera's metadata
    jpgs = sorted((tmp_path / "project" / "snapshots").glob("*.jpg"))
    assert len(jpgs) == 1
    meta = json.loads(jpgs[0].with_suffix(".json").read_text())
    assert meta["focal_mm"] == 35.0 and meta["camera"] == "cam1"
    assert np.asarray(meta["camera_to_world"]) == pytest.approx(_mat(CAMERA), abs=1e-6)
    picture, shown = read_image(jpgs[0]).astype(float), np.asarray(seen["viewfinder"], float)
    assert picture.shape == shown.shape
    assert np.abs(picture - shown).mean() < 4.0  # JPEG's loss only
    assert shown.std() > 10  # a picture of the set, not a blank frame

    # the set file holds exactly those edits, its comments kept
    original, saved = load_set(ASSETS / "sets" / "sample.yaml"), load_set(set_path)
    text = set_path.read_text()
    assert "# previzkit sample set: a small courtyard stage" in text
    assert "A_35mm:   # wide master from the front" in text
    assert not any(p.exists() for p in autosave_paths(set_path))
    assert sorted(saved.marks) == ["A", "B", "mark3"]  # mark4 deleted (undo, redo)
    assert saved.marks["mark3"].position == pytest.approx(M1, abs=1e-3)
    for name in ("A", "B"):
        assert saved.marks[name] == original.marks[name]
    props = {p.name: p for p in saved.props}
    old = {p.name: p for p in original.props}
    assert sorted(props) == sorted([*old, "ball_2"])
    assert props["ball"].position == pytest.approx((0.9, 0.0, 1.2), abs=1e-3)
    assert props["ball_2"].position == pytest.approx((1.5, 0.0, 1.2), abs=1e-3)
    assert props["ball_2"].mesh == props["ball"].mesh
    for name in old.keys() - {"ball"}:  # the meshes' paths: each set file's folder
        assert props[name] == dataclasses.replace(old[name], mesh=props[name].mesh)
        mesh, was = props[name].mesh, old[name].mesh
        assert (mesh.name if mesh else None) == (was.name if was else None)  # kit parts: None
    assert sorted(saved.cameras) == ["A_35mm", "B_85mm", "cam1"]
    assert saved.cameras["A_35mm"] == original.cameras["A_35mm"]
    assert saved.cameras["cam1"].lens.focal_mm == 35.0
    assert saved.cameras["cam1"].camera_to_world() == pytest.approx(_mat(CAMERA), abs=1e-3)
    chars = {c.name: c for c in saved.characters}
    assert chars["ALEX"].mark == "mark3" and chars["SAM"].mark == "B"
    assert list(saved.bookmarks) == ["bm1"]
    assert saved.bookmarks["bm1"].position == pytest.approx((0.0, 1.6, 2.0), abs=1e-3)
    assert saved.bookmarks["bm1"].yaw_deg == pytest.approx(0.0, abs=1e-3)


def test_assigned_character_stands_on_the_mark(gl, tmp_path):
    """The character is drawn on the mark it was assigned to, the frame it is assigned."""
    from previzkit.block.session import BlockSession

    set_path = _set_copy(tmp_path)
    s = Script()
    s.hold(2)
    s.right = pointing_at(*M1)
    s.hold(1)
    s.press("grab")
    s.press("select")
    for _ in range(6):  # teleport -> assign
        s.press("next_tool", n=1, gap=1)
    s.press("use_tool", "assign")
    with BlockSession(_options(set_path, s.write(tmp_path / "a.jsonl")), ctx=gl) as session:
        while session._step <= s.at["assign"]:
            session.step()
        chars = {c.name: c for c in session.stage.drawables.set.characters}
        assert chars["ALEX"].mark == "mark3"
        assert chars["ALEX"].position[0] == pytest.approx(M1[0], abs=1e-3)
        assert chars["ALEX"].position[2] == pytest.approx(M1[1], abs=1e-3)
        assert session.state.character_position("ALEX")[::2] == pytest.approx(M1, abs=1e-3)


def aiming(origin: list[float], target: tuple[float, float, float]) -> list[float]:
    """A hand pose at ``origin`` whose ray (-z) passes through ``target``."""
    f = np.asarray(target, float) - np.asarray(origin, float)
    f /= np.linalg.norm(f)
    yaw, pitch = math.degrees(math.atan2(-f[0], -f[2])), math.degrees(math.asin(f[1]))
    return [*origin, *_q(pitch, yaw)]


def test_deleting_and_undoing_cameras_keeps_the_session_going(gl, tmp_path):
    """The take camera falls back when its camera is deleted, the last camera is kept,
    and an undone camera placement leaves nothing in hand."""
    from previzkit.block.session import BlockSession

    set_path = _set_copy(tmp_path)
    s = Script()
    s.hold(2)
    for _ in range(8):  # teleport -> delete
        s.press("next_tool", n=1, gap=1)
    s.right = aiming([0.0, 1.6, 2.5], (0.0, 1.6, 6.5))  # the master A_35mm, behind the head
    s.hold(1)
    s.press("select", "select_a")
    s.press("use_tool", "delete_a")
    s.right = aiming([0.25, 1.55, 2.0], (4.6, 1.55, 1.6))  # B_85mm: the last camera left
    s.hold(1)
    s.press("select", "select_b")
    s.press("use_tool", "delete_b")
    for _ in range(4):  # delete -> save, teleport, mark, camera
        s.press("next_tool", n=1, gap=1)
    s.press("use_tool", "place")
    s.press("undo", "undo")
    s.press("redo", "redo")
    s.hold(2)
    with BlockSession(_options(set_path, s.write(tmp_path / "c.jsonl")), ctx=gl) as session:
        seen = {}
        while session._step < len(s.frames):
            assert session.step()
            step = session._step - 1
            for label in ("select_a", "delete_a", "select_b", "delete_b", "place", "undo", "redo"):
                if step == s.at[label]:
                    seen[label] = (
                        session.mapper.selected,
                        sorted(session.stage.drawables.set.cameras),
                        session.stage.options.camera,
                        session.mapper.camera is not None,
                        session.status,
                    )
        session.finish()
    assert seen["select_a"][0] == "camera/A_35mm"
    assert seen["delete_a"][1:3] == (["B_85mm"], "B_85mm")  # takes go through B now
    assert seen["select_b"][0] == "camera/B_85mm"
    assert seen["delete_b"][1] == ["B_85mm"] and "last camera" in seen["delete_b"][4]
    assert seen["place"][1:4] == (["B_85mm", "cam1"], "cam1", True)
    assert seen["undo"][1:4] == (["B_85mm"], "B_85mm", False)
    assert seen["redo"][1:4] == (["B_85mm", "cam1"], "cam1", True)
    saved = load_set(set_path)
    assert sorted(saved.cameras) == ["B_85mm", "cam1"]


# --- 2. record, then replay the recording -----------------------------------------------


def test_recorded_input_replays_to_the_same_set(tmp_path):
    first, second = _set_copy(tmp_path / "first"), _set_copy(tmp_path / "second")
    s = tools_script()
    script = s.write(tmp_path / "script.jsonl")
    recorded = tmp_path / "recorded.jsonl"
    out = _cli("xr", first, "--offscreen", "--replay", script, "--record-input", recorded, *EYE)
    assert out.returncode == 0, out.stderr[-3000:]
    lines = recorded.read_text().splitlines()
    header = json.loads(lines[0])
    assert header == {"previzkit_input": 1, "rate_hz": RATE}
    frames = [json.loads(line) for line in lines[1:]]
    assert len(frames) == len(s.frames)
    assert frames[0]["t"] == 0.0
    out = _cli("xr", second, "--offscreen", "--replay", recorded, *EYE)
    assert out.returncode == 0, out.stderr[-3000:]
    a, b = load_set(first), load_set(second)
    assert sorted(a.marks) == sorted(b.marks) == ["A", "B", "mark3"]
    for name in a.marks:
        assert a.marks[name].position == pytest.approx(b.marks[name].position, abs=1e-3)
    pa, pb = {p.name: p for p in a.props}, {p.name: p for p in b.props}
    assert sorted(pa) == sorted(pb)
    for name in pa:
        assert pa[name].position == pytest.approx(pb[name].position, abs=1e-3)
    assert sorted(a.cameras) == sorted(b.cameras)
    for name in a.cameras:
        ma, mb = a.cameras[name].camera_to_world(), b.cameras[name].camera_to_world()
        assert ma == pytest.approx(mb, abs=1e-3)
    assert [(c.name, c.mark) for c in a.characters] == [(c.name, c.mark) for c in b.characters]
    assert first.read_text() == second.read_text()


# --- 3. drawn at once -------------------------------------------------------------------


def _project(point, view, proj, size) -> tuple[int, int]:
    """Pixel (column, row from the top) of a world point in an eye image."""
    clip = np.asarray(proj) @ np.asarray(view) @ np.array([*point, 1.0])
    ndc = clip[:3] / clip[3]
    w, h = size
    return int((ndc[0] + 1) / 2 * w), int((1 - ndc[1]) / 2 * h)


def test_a_mark_is_drawn_the_frame_it_is_dropped(gl, tmp_path):
    from previzkit.block.session import BlockSession

    set_path = _set_copy(tmp_path)
    spot = (0.6, -0.2)  # open floor in front of the head (0, 1.6, 2)
    s = Script()
    s.left = None
    s.right = pointing_at(*spot)
    s.hold(4)
    s.press("grab", "drop")
    opts = _options(set_path, s.write(tmp_path / "m.jsonl"), eye_size=(200, 200))
    images: dict[int, np.ndarray] = {}
    with BlockSession(opts, ctx=gl) as session:

        def on_eye(eye: int, source) -> None:
            if eye == 0:
                images[session._step] = source.read_eye(0).copy()

        session.frame_loop.on_eye = on_eye
        while session._step <= s.at["drop"]:
            session.step()
        view = session.frame_loop.last_views[0]
        marks = session.stage.drawables.set.marks
    k = s.at["drop"]
    assert "mark3" in marks
    before, now = images[k - 1].astype(int), images[k].astype(int)
    col, row = _project((spot[0], 0.0, spot[1]), view.view, view.proj, (200, 200))
    assert 10 < col < 190 and 10 < row < 190
    changed = np.abs(now - before)[..., :3].sum(axis=-1) > 30
    assert changed[row - 6 : row + 7, col - 6 : col + 7].any()  # the mark, at its place
    assert not changed[:40].any()  # and nothing in the sky: the same frame otherwise


def test_the_hud_draws_the_ray_and_the_panel(gl, tmp_path):
    from previzkit.block.session import BlockSession

    set_path = _set_copy(tmp_path)
    s = Script()
    s.left = [-0.1, 1.45, 1.7, *_q(-30)]  # the wrist panel in view
    s.right = pointing_at(0.3, 0.5)
    s.hold(3)
    opts = _options(set_path, s.write(tmp_path / "h.jsonl"), eye_size=(200, 200))
    with BlockSession(opts, ctx=gl) as session:
        session.step()
        session.step()
        eye = session.frame_loop.source.read_eye(0).copy()
        view = session.frame_loop.last_views[0]
        plain = session.ctx.framebuffer(
            [session.ctx.texture((200, 200), 4)], session.ctx.depth_texture((200, 200))
        )
        try:
            session.stage.renderer.render_view(plain, view.view, view.proj)
            bare = np.frombuffer(plain.read(components=4), np.uint8).reshape(200, 200, 4)[::-1]
        finally:
            session.ctx.detect_framebuffer(0).use()  # never leave a released one bound
            for a in (*plain.color_attachments, plain.depth_attachment):
                a.release()
            plain.release()
        assert session._hud.panel_lines and session._hud.right_aim is not None
    diff = np.abs(eye.astype(int) - bare.astype(int))[..., :3].sum(axis=-1) > 30
    assert diff.sum() > 200  # controllers, rays and the panel
    # the right ray crosses the picture from the hand to its floor point
    hit = _project((0.3, 0.0, 0.5), view.view, view.proj, (200, 200))
    hand = _project(s.right[:3], view.view, view.proj, (200, 200))
    mid = ((hit[0] + hand[0]) // 2, (hit[1] + hand[1]) // 2)
    assert diff[mid[1] - 3 : mid[1] + 4, mid[0] - 3 : mid[0] + 4].any()


# --- 4. several people ------------------------------------------------------------------


def test_a_second_view_adds_a_mark_and_shows_as_an_avatar(gl, tmp_path):
    pytest.importorskip("zmq")
    pytest.importorskip("msgpack")
    from previzkit.block.session import BlockSession
    from previzkit.core.geometry import pose_matrix
    from previzkit.stage.state import SetState
    from previzkit.stage.sync import StateSync

    set_path = _set_copy(tmp_path)
    s = Script()
    s.hold(int(RATE * 30))  # long enough; the test stops it
    set_def = load_set(set_path)
    with StateSync(SetState.from_set(set_def, "peer"), set_def.name, "tcp://127.0.0.1:0") as peer:
        opts = _options(
            set_path,
            s.write(tmp_path / "p.jsonl"),
            share="tcp://127.0.0.1:0",
            peers=[peer.endpoint],
            writer="director",
        )
        with BlockSession(opts, ctx=gl) as session:
            peer.connect(session.sync.endpoint)
            assert peer.wait_for_peers(1, timeout=5.0)
            peer.add("mark/P", position=[1.5, -1.5])
            peer._pub.send_multipart([peer.topic, b"\xc1 not msgpack"])  # malformed
            peer._pub.send_multipart([peer.topic])  # one frame only
            head = pose_matrix((2.0, 1.7, -1.0))
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                peer.send_presence(head, None, pose_matrix((2.2, 1.2, -1.3)))
                assert session.step()
                peer.poll()
                if "P" in session.stage.drawables.set.marks and session._hud.avatars:
                    break
            assert "P" in session.stage.drawables.set.marks
            assert "P" in session.mapper.marks  # grabbable here too
            assert len(session._hud.avatars) == 1
            assert session._hud.avatars[0][0] == pytest.approx(head)
            assert session.sync.stats.malformed >= 2
            for _ in range(3):  # and the session goes on
                assert session.step()
            peer.request_save()  # another view asks every view to save: this one does
            for _ in range(3):
                session.step()
            assert load_set(set_path).marks["P"].position == pytest.approx((1.5, -1.5))
            peer.poll()
            assert peer.presences.get("director") is not None  # its presence reaches the peer
            session.finish()
    assert load_set(set_path).marks["P"].position == pytest.approx((1.5, -1.5))


# --- 5. bad input -----------------------------------------------------------------------

PLAN = """\
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
      - {id: 1-A, type: master, subjects: [ALEX, SAM], lens_mm: 24, side: right, covers: [2]}
"""


@pytest.fixture
def small_set(tmp_path):
    set_path = _set_copy(tmp_path)
    (tmp_path / "shots.yaml").write_text(PLAN)
    s = Script()
    s.hold(2)
    return set_path, s.write(tmp_path / "ok.jsonl")


def _one_error(out: subprocess.CompletedProcess, ran: bool = False) -> str:
    """The one ``error:`` line of a command that exited 2 (after its progress bar when
    the session ``ran``)."""
    assert out.returncode == 2, out.stdout + out.stderr
    lines = [line for line in out.stderr.splitlines() if line.strip()]
    if ran:
        lines = [line for line in lines if not line.startswith("xr frames:")]
    assert len(lines) == 1 and lines[0].startswith("error:"), out.stderr
    assert "Traceback" not in out.stderr
    return lines[0]


@pytest.mark.parametrize(
    ("case", "expect"),
    [
        ("button", ["line 2", "unknown buttons ['jump']"]),
        ("scene_without_plan", ["--scene", "--plan"]),
        ("scene_not_in_plan", ["--scene 7", "scenes: 1"]),
        ("no_set", ["missing.yaml", "does not exist"]),
        ("aspect", ["--aspect", "wide"]),
    ],
)
def test_bad_input_is_one_error_line(small_set, tmp_path, case, expect):
    set_path, ok = small_set
    args: list[object] = ["xr", set_path, "--offscreen", "--replay", ok, *EYE]
    if case == "button":
        bad = tmp_path / "bad.jsonl"
        bad.write_text('{"previzkit_input": 1, "rate_hz": 20}\n{"t": 0, "buttons": ["jump"]}\n')
        args[4] = bad
    elif case == "scene_without_plan":
        args += ["--scene", "1"]
    elif case == "scene_not_in_plan":
        args += ["--plan", tmp_path / "shots.yaml", "--scene", "7"]
    elif case == "no_set":
        args[1] = tmp_path / "missing.yaml"
    elif case == "aspect":
        args += ["--aspect", "wide"]
    before = set_path.read_text()
    line = _one_error(_cli(*args))
    for part in expect:
        assert part in line
    assert set_path.read_text() == before


def test_read_only_folder_keeps_the_edits(small_set, tmp_path):
    """The set's folder is read-only: the session still ends, its message names the set
    file and the journal, and the journal restores the edits."""
    from previzkit.stage.set_save import restore_autosave
    from previzkit.stage.state import SetState

    set_path, _ = small_set
    s = Script()
    s.right = pointing_at(*M1)
    s.hold(2)
    s.press("grab")
    script = s.write(tmp_path / "ro.jsonl")
    cache = tmp_path / "cache"
    cache.mkdir()
    env = worker_env(PREVIZKIT_CACHE=str(cache))
    cmd = [
        sys.executable,
        "-m",
        "previzkit",
        "xr",
        set_path,
        "--offscreen",
        "--replay",
        script,
        *EYE,
    ]
    folder = str(set_path.parent)
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare: cannot make a folder read-only")
        mount = f'mount --bind {folder} {folder} && mount -o remount,bind,ro {folder} && exec "$@"'
        cmd = ["unshare", "-m", "sh", "-c", mount, "sh", *cmd]
    else:
        os.chmod(folder, 0o555)
    before = set_path.read_text()
    try:
        out = subprocess.run(
            [str(c) for c in cmd], env=env, cwd=REPO, capture_output=True, text=True, timeout=120
        )
    finally:
        os.chmod(folder, 0o755)
    if os.geteuid() == 0 and out.returncode != 0 and "mount" in out.stderr:
        pytest.skip(f"cannot make a read-only mount here: {out.stderr.strip()}")
    journal = next((cache / "autosave").glob("sample-*.autosave.yaml"))
    text = out.stdout + out.stderr
    assert str(set_path) in text and str(journal) in text, text
    assert text.count("the edits are kept in") == 1, text
    line = _one_error(out, ran=True)  # the edits were not saved: the command says so, and where
    assert str(set_path) in line and str(journal) in line
    assert set_path.read_text() == before
    os.environ["PREVIZKIT_CACHE"], old = str(cache), os.environ.get("PREVIZKIT_CACHE")
    try:
        edits = restore_autosave(set_path)
    finally:
        if old is None:
            del os.environ["PREVIZKIT_CACHE"]
        else:
            os.environ["PREVIZKIT_CACHE"] = old
    assert edits is not None
    fresh = SetState.from_set(load_set(set_path), "after")
    for e in edits:
        fresh.merge(e)
    assert fresh.get("mark/mark3")["position"] == pytest.approx(M1, abs=1e-3)


# --- 6. a take --------------------------------------------------------------------------


def test_take_holds_the_handheld_move_between_the_presses(tmp_path):
    from previzkit.model.camera_track import read_camera_track

    set_path = _set_copy(tmp_path)
    s = Script()
    s.hold(2)
    s.press("next_tool", n=1, gap=1)  # teleport -> mark
    s.press("next_tool", n=1, gap=1)  # mark -> camera
    s.left = [0.9, 1.45, 1.2, *_q(-8, -25)]
    s.hold(1)
    s.press("use_tool", n=1, gap=1)  # place cam1
    start = stop = 0
    at_stop: list[float] = []
    for i in range(40):  # dolly in and pan, the left grip held; the take in the middle
        a = (i + 1) / 40
        s.left = [
            0.9 - 0.6 * a,
            1.45 + 0.05 * math.sin(6 * a),
            1.2 - 0.8 * a,
            *_q(-8, -25 + 30 * a),
        ]
        take = i in (4, 5, 34, 35)
        if i in (4, 34):
            start, stop = (len(s.frames), stop) if i == 4 else (start, len(s.frames))
            at_stop = s.left[:3]
        s.hold(1, ("handheld", "take") if take else ("handheld",))
    s.hold(4)
    project = tmp_path / "project"
    script = s.write(tmp_path / "take.jsonl")
    out = _cli("xr", set_path, "--offscreen", "--replay", script, "-p", project, *EYE)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "take " in out.stdout
    takes = list(project.rglob("camera.npz"))
    assert len(takes) == 1
    track = read_camera_track(takes[0])
    assert abs(len(track) - (stop - start)) <= 1, (len(track), stop - start)
    pos = np.asarray(track.position)
    steps = np.linalg.norm(np.diff(pos, axis=0), axis=1)
    assert (steps > 1e-3).all(), steps  # the camera moved every frame
    # to where the hand was at the stop (a take frame shows the camera a frame late)
    assert np.linalg.norm(pos[-1] - at_stop) < 0.06
    assert np.linalg.norm(pos[0] - pos[-1]) > 0.5
    rel = takes[0].parent.relative_to(project)
    scene, shot, take = takes[0].parent.parts[-3:]
    gltf = tmp_path / "camera.gltf"
    out = _cli("takes", "export-camera", "-p", project, scene, shot,
               int("".join(c for c in take if c.isdigit())), "-o", gltf)  # fmt: skip
    assert out.returncode == 0, (rel, out.stderr)
    doc = json.loads(gltf.read_text())
    assert len(doc["animations"]) == 1 and doc["cameras"]


# --- the command's help -----------------------------------------------------------------


def test_xr_help_reads_well():
    out = _cli("xr", "--help")
    assert out.returncode == 0, out.stderr
    text = out.stdout
    for part in ("--offscreen", "--replay", "--record-input", "--plan", "--scene", "-p,"):
        assert part in text
    assert "Examples:" in text
    assert max(len(line) for line in text.splitlines()) <= 100

"""Saving the set state keeps the set file: comments, key order and flow style stay,
only changed objects are rewritten; a save that cannot be written keeps the edits in
an autosave journal (in the cache folder when the set's folder is read-only)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from previzkit.core.errors import SetFileError
from previzkit.model.setfile import load_set
from previzkit.stage.set_save import autosave_paths, restore_autosave, save_set_state
from previzkit.stage.state import SetState
from tests.helpers import ASSETS, SAMPLE_SET


@pytest.fixture
def sample(tmp_path):
    """The sample set copied with the assets its relative paths name."""
    (tmp_path / "sets").mkdir()
    shutil.copytree(ASSETS / "props", tmp_path / "props")
    (tmp_path / "textures").mkdir()
    shutil.copy(ASSETS / "textures" / "sample_sky.png", tmp_path / "textures")
    return Path(shutil.copy(SAMPLE_SET, tmp_path / "sets" / "sample.yaml"))


def _edit(state: SetState) -> None:
    state.edit("mark/A", position=[0.51234, 0.25])
    state.add("mark/C", position=[2.0, 2.0])
    state.delete("mark/B")  # SAM and camera B_85mm were on / aimed at it
    state.edit("camera/A_35mm", position=[0.0, 1.5, 5.0], focal_mm=50)
    state.add(
        "camera/1-A",
        position=[1.0, 1.6, 4.0],
        orientation=[0.0, 0.2, 0.0, 1.0],
        focal_mm=85,
        sensor_width_mm=36,
        sensor_height_mm=24,
        focus_m=4,
    )
    state.delete("prop/ball")
    crate = dict(state.get("prop/crate"))
    state.add("prop/crate_2", **{**crate, "position": [-2.0, 0.0, -2.0]})
    state.edit("character/ALEX", mark="C", yaw_deg=90)
    state.add("bookmark/door", position=[0.0, 1.7, 4.0], yaw_deg=30)


def test_save_keeps_comments_order_and_flow_style(sample):
    before = sample.read_text(encoding="utf-8")
    state = SetState.from_set(load_set(sample), "a")
    _edit(state)
    save_set_state(state, sample)
    after = sample.read_text(encoding="utf-8")
    comments = [ln.strip() for ln in before.splitlines() if "#" in ln]
    for c in comments:
        assert any(c.split("#", 1)[1] in ln for ln in after.splitlines()), c
    top = [ln.split(":")[0] for ln in after.splitlines() if ln[:1].isalpha()]
    assert top == [ln.split(":")[0] for ln in before.splitlines() if ln[:1].isalpha()] + [
        "bookmarks"
    ]
    assert "  A: {position: [0.5123, 0.25], color: [1.0, 0.78, 0.1]}" in after
    assert "  - {name: crate_2, mesh: ../props/crate.glb, position: [-2.0, 0.0, -2.0]" in after
    assert "{name: ALEX, model: mannequin, mark: C, yaw_deg: 90.0" in after
    assert "sensor: full_frame" in after
    # untouched lines stay byte for byte
    for ln in ("  - {name: column_left, mesh: ../props/column.ply, position: [-3.4, 0, -4.0]}",):
        assert ln in after
    back = load_set(sample)
    assert set(back.marks) == {"A", "C"} and back.marks["A"].position == (0.5123, 0.25)
    assert "ball" not in [p.name for p in back.props]
    cam = back.cameras["1-A"]
    assert cam.lens.focal_mm == 85 and cam.lens.focus_m == 4 and cam.target is None
    assert back.cameras["A_35mm"].lens.focal_mm == 50 and back.cameras["A_35mm"].target is None
    assert back.cameras["B_85mm"].target == pytest.approx((1.3, 1.2, -1.0))  # where B was
    alex, sam = back.characters
    assert alex.mark == "C" and alex.position == (2.0, 0.0, 2.0)
    assert sam.mark is None and sam.position == pytest.approx((1.3, 0.0, -1.0))
    assert back.bookmarks["door"].position == (0.0, 1.7, 4.0)
    # the state applied to the old set and the saved file agree (within 1e-4 m)
    now = state.apply_to(load_set(SAMPLE_SET))
    for p in now.props:
        saved = next(q for q in back.props if q.name == p.name)
        assert saved.position == pytest.approx(p.position, abs=1e-4)
        assert saved.rotation == pytest.approx(p.rotation, abs=1e-6)


def test_an_unchanged_save_leaves_the_file_as_it_was(sample):
    before = sample.read_text(encoding="utf-8")
    save_set_state(SetState.from_set(load_set(sample), "a"), sample)
    assert sample.read_text(encoding="utf-8") == before


_SAVE_AS_NOBODY = """
import json, sys
from previzkit.core.errors import SetFileError
from previzkit.model.setfile import load_set
from previzkit.stage.set_save import save_set_state
from previzkit.stage.state import SetState
s = SetState.from_set(load_set(sys.argv[1]), "a")
s.add("mark/C", position=[2.0, 2.0])
s.edit("mark/A", position=[0.5, 0.5])
try:
    save_set_state(s, sys.argv[1])
    print(json.dumps({"error": None}))
except SetFileError as exc:
    print(json.dumps({"error": str(exc)}))
"""


def _save_in_read_only_folder(folder: Path, src: Path, env: dict) -> subprocess.CompletedProcess:
    """Save from a process for which ``folder`` is read-only: a chmod for a user, a
    read-only bind mount in its own mount namespace for root (who writes anywhere)."""
    cmd = [sys.executable, "-c", _SAVE_AS_NOBODY, str(src)]
    if os.geteuid() == 0:
        if shutil.which("unshare") is None:
            pytest.skip("running as root without unshare: cannot make a folder read-only")
        f = str(folder)
        script = f'mount --bind {f} {f} && mount -o remount,bind,ro {f} && exec "$@"'
        cmd = ["unshare", "-m", "sh", "-c", script, "sh", *cmd]
    else:
        os.chmod(folder, 0o555)
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    if os.geteuid() == 0 and out.returncode != 0 and "mount" in out.stderr:
        pytest.skip(f"cannot make a read-only mount here: {out.stderr.strip()}")
    return out


def test_read_only_folder_keeps_the_edits_in_the_cache(tmp_path, monkeypatch):
    root = tmp_path
    folder, cache = root / "set", root / "cache"
    folder.mkdir()
    cache.mkdir()
    src = folder / "s.yaml"
    src.write_text("# keep me\nname: ro\nmarks:\n  A: {position: [0.0, 0.0]}\n")
    env = {**os.environ, "PREVIZKIT_CACHE": str(cache), "PYTHONPATH": os.getcwd()}
    try:
        out = _save_in_read_only_folder(folder, src, env)
        assert out.returncode == 0, out.stderr
        error = json.loads(out.stdout.splitlines()[-1])["error"]
        assert error is not None and str(src) in error
        assert "Permission denied" in error or "Read-only file system" in error
        journal = next((cache / "autosave").glob("s-*.autosave.yaml"))
        assert str(journal) in error
        assert src.read_text().startswith("# keep me")  # the file is untouched
        monkeypatch.setenv("PREVIZKIT_CACHE", str(cache))
        edits = restore_autosave(src)
        assert edits is not None
        fresh = SetState.from_set(load_set(src), "b")
        for e in edits:
            fresh.merge(e)
        assert fresh.get("mark/C") == {"position": [2.0, 2.0]}
        assert fresh.get("mark/A") == {"position": [0.5, 0.5]}
        os.chmod(folder, 0o755)  # writable again: the save goes through, journal gone
        save_set_state(fresh, src)
        assert not journal.exists() and restore_autosave(src) is None
        assert load_set(src).marks["C"].position == (2.0, 2.0)
        assert src.read_text().startswith("# keep me")
    finally:
        os.chmod(folder, 0o755)


def test_autosave_beside_the_set_and_a_bad_journal(sample):
    from previzkit.stage.set_save import autosave

    state = SetState.from_set(load_set(sample), "a")
    state.delete("mark/B")
    path = autosave(state, sample)
    assert path == autosave_paths(sample)[0] and path.name == ".sample.autosave.yaml"
    (edit,) = restore_autosave(sample) or []
    assert (edit.op, edit.key) == ("delete", "mark/B")
    path.write_text("previzkit_autosave: 1\nedits: [{op: explode, key: mark/B}]\n")
    with pytest.raises(SetFileError, match="cannot restore the autosave"):
        restore_autosave(sample)
    path.unlink()

"""`previzkit demo` / `batch` reject bad input with one line naming it, and their
help imports nothing heavy."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from previzkit.cli import main

HEAVY = {"torch", "mediapipe", "cupy", "xr", "moderngl", "numba", "av", "cv2", "trimesh", "dask"}


def test_output_folder_with_a_take_store_is_refused(tmp_path: Path, capsys) -> None:
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "takes.sqlite").write_bytes(b"")
    assert main(["demo", "-o", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: demo output") and str(tmp_path) in err and "\n" not in err


def test_bad_size_names_the_value(tmp_path: Path, capsys) -> None:
    assert main(["demo", "-o", str(tmp_path / "o"), "--size", "641x360"]) == 2
    assert "641x360" in capsys.readouterr().err


def test_batch_on_a_folder_without_takes(tmp_path: Path, capsys) -> None:
    assert main(["batch", "capture", "--project", str(tmp_path), "--serial"]) == 2
    err = capsys.readouterr().err
    assert "takes.sqlite" in err and str(tmp_path) in err


def test_help_imports_nothing_heavy() -> None:
    code = (
        "from previzkit.cli import cli\n"
        "for args in (['demo', '--help'], ['batch', '--help'], ['batch', 'capture', '--help']):\n"
        "    try:\n        cli.main(args, standalone_mode=False)\n    except SystemExit:\n        pass\n"
        "import json, sys; print(json.dumps(sorted(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True)
    loaded = set(json.loads(out.stdout.strip().splitlines()[-1]))
    assert not loaded & HEAVY


def test_unknown_scene_lists_the_scenes(tmp_path: Path, capsys) -> None:
    assert main(["demo", "-o", str(tmp_path / "o"), "--scene", "9"]) == 2
    err = capsys.readouterr().err
    assert "--scene 9" in err and "sample.fountain" in err and "1, 2, 3" in err

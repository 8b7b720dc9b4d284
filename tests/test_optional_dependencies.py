"""A missing optional dependency ends every command in one line.

Each CLI command runs in a subprocess with its optional packages hidden (``sys.modules[name]
= None`` before previzkit is imported, so importing them raises ``ModuleNotFoundError``)
on real, valid inputs; it must exit 2 with one ``error: ...`` line that names the package
and the ``pip install 'previzkit[EXTRA]'`` that brings it, and no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from previzkit.core.errors import DependencyMissing
from previzkit.core.optional import (
    COMMANDS,
    EXTRAS,
    available,
    distribution,
    ensure,
    missing_for,
    require,
)
from previzkit.core.resources import asset_path

ROOT = Path(__file__).resolve().parents[1]

PRELUDE = """
import sys
for _name in sys.argv[1].split(","):
    if _name:
        sys.modules[_name] = None
from previzkit.cli import main
sys.exit(main(sys.argv[2:]))
"""


def run_hidden(hidden: tuple[str, ...], args: list[str], cwd: Path) -> subprocess.CompletedProcess:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run(
        [sys.executable, "-c", PRELUDE, ",".join(hidden), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )


# --- inputs -----------------------------------------------------------------------------

BOARD = """\
board:
  dictionary: DICT_5X5_100
  squares: [5, 4]
  square_m: 0.04
  marker_m: 0.03
"""


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, str]:
    """Small valid inputs for every command: images, a video, a take store, a cut."""
    import numpy as np

    d = tmp_path_factory.mktemp("inputs")
    out: dict[str, str] = {
        "set": str(asset_path("sets", "sample.yaml")),
        "script": str(asset_path("scripts", "sample.fountain")),
        "poses": str(asset_path("motion", "mara.pzt")),
        "model": str(asset_path("models", "genai", "environment.pt")),
        "out": str(d / "out"),
    }
    (d / "board.yaml").write_text(BOARD)
    out["board"] = str(d / "board.yaml")
    rgb = np.zeros((48, 64, 3), np.uint8)
    rgb[..., 1] = 200
    rgb[10:30, 20:40] = (200, 120, 90)
    pil = pytest.importorskip("PIL.Image")
    pil.fromarray(rgb).save(d / "plate.png")
    pil.fromarray(np.full_like(rgb, 40)).save(d / "bg.png")
    out["plate"] = str(d / "plate.png")
    out["bg"] = str(d / "bg.png")

    pytest.importorskip("av")
    from previzkit.edit.synthetic import write_take_video

    out["video"] = str(write_take_video(d / "take.mp4", 12, 24, sound=(2, 8)))

    from previzkit.model.take import Take
    from previzkit.takes.store import TakeStore

    project = d / "project"
    with TakeStore(project) as store:
        store.add(Take("1", "1-A", 1, "10:00:00:00", "24", 12))
        store.add(Take("1", "1-A", 2, "10:01:00:00", "24", 12))
    out["project"] = str(project)

    otio = pytest.importorskip("opentimelineio")
    timeline = otio.schema.Timeline(name="cut")
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    rate = 24
    clip = otio.schema.Clip(
        name="Sc1 Sh1-A Tk1",
        media_reference=otio.schema.ExternalReference(target_url=out["video"]),
        source_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, rate), otio.opentime.RationalTime(12, rate)
        ),
    )
    track.append(clip)
    timeline.tracks.append(track)
    otio.adapters.write_to_file(timeline, str(d / "cut.otio"))
    out["cut"] = str(d / "cut.otio")
    json.loads((d / "cut.otio").read_text())  # well-formed
    return out


# (id, hidden import names, extra named in the message, args with {placeholders})
CASES = [
    ("render", ("moderngl",), "render", ["render", "{set}", "-o", "{out}.png", "--size", "64x36"]),
    ("render-clip", ("av",), "render", ["render", "{set}", "-o", "{out}.mp4", "--size", "64x36"]),
    ("render-trimesh", ("trimesh",), "render", ["render", "{set}", "-o", "{out}.png"]),
    ("capture", ("mediapipe",), "capture", ["capture", "{plate}", "-o", "{out}.json"]),
    ("capture-video", ("av",), "capture", ["capture", "{video}", "-o", "{out}.json"]),
    (
        "capture-publish",
        ("zmq",),
        "capture",
        ["capture", "{video}", "--publish", "tcp://127.0.0.1:0"],
    ),
    ("composite-key", ("PIL",), "composite", ["composite", "key", "{plate}", "-o", "{out}.png"]),
    (
        "composite-over",
        ("PIL",),
        "composite",
        ["composite", "over", "{plate}", "{bg}", "-o", "{out}.png"],
    ),
    (
        "composite-numba",
        ("numba",),
        "composite",
        ["composite", "key", "{plate}", "-o", "{out}.png", "--backend", "numba"],
    ),
    (
        "genai-sample",
        ("torch",),
        "genai",
        ["genai", "sample", "{model}", "-o", "{out}.png", "--size", "64x32"],
    ),
    ("genai-strip", ("torch",), "genai", ["genai", "strip", "{model}", "-o", "{out}.pt"]),
    ("xr-check", ("xr",), "xr", ["xr", "--check"]),
    ("xr-offscreen", ("moderngl",), "xr", ["xr", "{set}", "--offscreen", "--frames", "1"]),
    ("takes-list", ("timecode",), "takes", ["takes", "list", "-p", "{project}"]),
    ("takes-show", ("timecode",), "takes", ["takes", "show", "-p", "{project}", "1", "1-A", "1"]),
    (
        "stage",
        ("moderngl",),
        "stage",
        ["stage", "{set}", "--poses", "{poses}", "--frames", "2", "--fast"],
    ),
    (
        "stage-subscribe",
        ("zmq",),
        "stage",
        ["stage", "{set}", "--subscribe", "tcp://127.0.0.1:5999", "--frames", "1"],
    ),
    (
        "stage-record",
        ("av",),
        "stage",
        ["stage", "{set}", "--poses", "{poses}", "--frames", "2", "--fast", "-o", "{out}.mp4"],
    ),
    ("overlay-board", ("cv2",), "stage", ["overlay", "board", "{board}", "-o", "{out}.png"]),
    (
        "overlay-run",
        ("cv2",),
        "stage",
        ["overlay", "run", "{set}", "--plate", "{video}", "--board", "{board}", "--frames", "1"],
    ),
    (
        "overlay-run-gl",
        ("moderngl",),
        "stage",
        ["overlay", "run", "{set}", "--plate", "{video}", "--set-camera", "A", "--frames", "1"],
    ),
    (
        "cut-assemble",
        ("opentimelineio",),
        "edit",
        ["cut", "assemble", "-p", "{project}", "-s", "{script}", "-o", "{out}.otio"],
    ),
    ("cut-export", ("opentimelineio",), "edit", ["cut", "export", "{cut}", "-o", "{out}.edl"]),
    ("cut-formats", ("opentimelineio",), "edit", ["cut", "formats"]),
    (
        "cut-render",
        ("av",),
        "edit",
        ["cut", "render", "{cut}", "-o", "{out}.mp4", "--size", "64x36"],
    ),
    ("cut-render-otio", ("opentimelineio",), "edit", ["cut", "render", "{cut}", "-o", "{out}.mp4"]),
    ("cut-storyboard", ("av",), "edit", ["cut", "storyboard", "{cut}", "-o", "{out}"]),
    ("cut-detect", ("av",), "edit", ["cut", "detect", "{video}"]),
    ("cut-detect-scipy", ("scipy",), "edit", ["cut", "detect", "{video}"]),
    ("demo-gl", ("moderngl",), "render,edit", ["demo", "--quick", "-o", "{out}"]),
    ("demo-av", ("av",), "render,edit", ["demo", "--quick", "-o", "{out}"]),
    ("demo-otio", ("opentimelineio",), "render,edit", ["demo", "--quick", "-o", "{out}"]),
    ("batch", ("dask", "distributed"), "batch", ["batch", "capture", "-p", "{project}"]),
    (
        "batch-assemble",
        ("dask", "distributed"),
        "batch",
        ["batch", "assemble", "-p", "{project}", "--script", "{script}"],
    ),
    ("keys", ("zmq",), "capture", ["keys", "generate", "{out}"]),
]


@pytest.mark.parametrize(
    ("hidden", "extra", "args"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_missing_dependency_is_one_line(inputs, tmp_path, hidden, extra, args):
    argv = [a.format(**inputs) for a in args]
    proc = run_hidden(hidden, argv, tmp_path)
    lines = proc.stderr.strip().splitlines()
    detail = f"exit {proc.returncode}, stderr:\n{proc.stderr[-3000:]}"
    assert proc.returncode == 2, detail
    assert "Traceback" not in proc.stderr, detail
    assert len(lines) == 1 and lines[0].startswith("error: "), detail
    assert any(f"'{distribution(h)}'" in lines[0] for h in hidden), detail
    assert f"pip install 'previzkit[{extra}]'" in lines[0], detail


# --- the pieces: require, ensure, available, --help, doctor --------------------------------


def test_require_imports_a_present_module():
    assert require("json", "script", "JSON") is json


def test_require_names_the_package_and_the_extra_when_absent(monkeypatch):
    # hide pyzmq and every submodule an earlier test of this process may have imported
    for name in [m for m in sys.modules if m.startswith("zmq.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "zmq", None)
    with pytest.raises(DependencyMissing) as info:
        require("zmq.auth.thread", "capture", "the pose stream")
    assert str(info.value) == (
        "the pose stream needs the 'pyzmq' package: pip install 'previzkit[capture]'"
    )
    assert info.value.module == "pyzmq" and info.value.extra == "capture"
    with pytest.raises(DependencyMissing, match="'previzkit_no_such_package' package"):
        require("previzkit_no_such_package", "all", "a test")


def test_require_reraises_a_module_whose_own_import_fails(tmp_path, monkeypatch):
    (tmp_path / "pzk_broken_dep").mkdir()
    (tmp_path / "pzk_broken_dep" / "__init__.py").write_text("import pzk_not_there_at_all\n")
    (tmp_path / "pzk_broken_init.py").write_text("raise RuntimeError('bad wheel')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError) as info:
        require("pzk_broken_dep", "all", "a test")
    assert not isinstance(info.value, DependencyMissing)
    assert info.value.name == "pzk_not_there_at_all"
    with pytest.raises(RuntimeError, match="bad wheel"):
        require("pzk_broken_init", "all", "a test")


def test_availability_checks_import_nothing(tmp_path, monkeypatch):
    (tmp_path / "pzk_heavy.py").write_text("raise RuntimeError('imported')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert available("pzk_heavy") and not available("previzkit_no_such_package")
    ensure("all", "a test", "pzk_heavy", "json")
    assert "pzk_heavy" not in sys.modules
    with pytest.raises(DependencyMissing, match=r"pip install 'previzkit\[all\]'"):
        ensure("all", "a test", "json", "previzkit_no_such_package")
    assert missing_for("script") == []


def test_every_command_lists_its_needs():
    from previzkit.cli import SUBCOMMANDS

    assert set(COMMANDS) == set(SUBCOMMANDS)
    for extra, _ in COMMANDS.values():
        assert all(e in EXTRAS for e in extra.split(",") if e)


def test_help_marks_commands_whose_extra_is_missing(tmp_path):
    proc = run_hidden(("torch", "dask"), ["--help"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    out = " ".join(proc.stdout.split())  # click wraps long help lines
    assert "(needs previzkit[genai])" in out and "(needs previzkit[batch])" in out
    assert "script Fountain screenplays: breakdown and shot plan. " in out  # unmarked


def test_doctor_reports_missing_commands_and_extras(tmp_path):
    proc = run_hidden(("torch", "dask"), ["doctor"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert any(
        ln.startswith("MISS genai")
        and "needs torch" in ln
        and "pip install 'previzkit[genai]'" in ln
        for ln in lines
    )
    assert any(ln.startswith("MISS batch") and "previzkit[batch]" in ln for ln in lines)
    assert any(ln.startswith("ok   script") for ln in lines)


def test_script_needs_no_extra(inputs, tmp_path):
    heavy = ("torch", "mediapipe", "moderngl", "av", "opentimelineio", "timecode", "PIL", "cv2")
    proc = run_hidden(heavy, ["script", "breakdown", inputs["script"]], tmp_path)
    assert proc.returncode == 0, proc.stderr


def test_a_stray_optional_import_still_ends_in_one_line(monkeypatch, capsys):
    import click

    from previzkit import cli as cli_module
    from previzkit.cli import main

    @click.command()
    def stray() -> None:
        import timecode  # noqa: F401  (no require(): main() must still say it in one line)

    monkeypatch.setitem(sys.modules, "timecode", None)
    cli_module.cli.add_command(stray, "takes")
    try:
        assert main(["takes"]) == 2
    finally:
        cli_module.cli.commands.pop("takes")
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [
        "error: previzkit takes needs the 'timecode' package: pip install 'previzkit[takes]'"
    ]

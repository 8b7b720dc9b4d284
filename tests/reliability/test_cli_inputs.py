"""Bad command-line and file inputs end in one ``error:`` line naming the input, exit 2.

Each case is one the issue measured as a traceback (exit 1), a silent acceptance or a
runaway (4 GB of memory for ``--size 100000x100000``), run through the real entry point
:func:`previzkit.cli.main`. The file cases (a .pzt header, a lens table, a set with a
YAML 1.2 number) go through the readers the commands use.
"""

from __future__ import annotations

import math

import pytest

from previzkit.cli import main
from previzkit.core.resources import asset_path

SET = str(asset_path("sets", "sample.yaml"))
SCRIPT = str(asset_path("scripts", "sample.fountain"))
CAMERA = ["takes", "export-camera", "-p", "{tmp}", "1", "1-A", "1", "-o", "c.glb"]


def _one_error(capsys: pytest.CaptureFixture[str], argv: list[str], names: str) -> str:
    """Run ``argv``: exit 2, and stderr is one ``error:`` line naming ``names``."""
    rc = main(argv)
    err = capsys.readouterr().err.strip()
    assert rc == 2, (argv, rc, err)
    assert err.startswith("error:") and "\n" not in err, (argv, err)
    assert names in err, (argv, err)
    return err


@pytest.mark.parametrize(
    ("argv", "names"),
    [
        (["render", SET, "-o", "{tmp}/a.mp4", "--fps", "inf"], "--fps"),
        (["render", SET, "-o", "{tmp}/a.mp4", "--fps", "0"], "--fps"),
        (["render", SET, "-o", "{tmp}/a.mp4", "--amount", "nan"], "--amount"),
        (["render", SET, "-o", "{tmp}/a.png", "--msaa", "-3"], "--msaa"),
        (["render", SET, "-o", "{tmp}/a.mp4", "--frames", "1e11"], "--frames"),
        (["render", SET, "-o", "{tmp}/a.mp4", "--frames", "100000000000"], "--frames"),
        (["render", SET, "-o", "{tmp}/a.png", "--size", "20000x20000"], "--size"),
        (["render", SET, "-o", "{tmp}/a.png", "--size", "9000x9000"], "--size"),
        (["render", SET, "-o", "{tmp}/a.png", "--size", "10000x1000", "--stereo"], "--size"),
        (["render", SET, "-o", "{tmp}/missing/a.png", "--size", "64x64"], "missing"),
        (["stage", SET, "--fps", "nan"], "--fps"),
        (["stage", SET, "--fps", "0"], "--fps"),
        (["stage", SET, "--msaa", "-3"], "--msaa"),
        (["stage", SET, "--size", "20000x20000"], "--size"),
        (["xr", SET, "--offscreen", "--eye-size", "20000x20000"], "--eye-size"),
        (["cut", "render", "c.otio", "-o", "{tmp}/p.mp4", "--size", "100000x100000"], "--size"),
        (["cut", "render", "c.otio", "-o", "{tmp}/p.mp4", "--preset", "evil"], "--preset"),
        (["cut", "render", "c.otio", "-o", "{tmp}/p.mp4", "--crf", "999"], "--crf"),
        (["script", "shots", SCRIPT, "-o", "{tmp}/missing/plan.yaml"], "missing"),
        (["script", "breakdown", SCRIPT, "--wpm", "nan"], "--wpm"),
        ([*CAMERA, "--aspect", "nan"], "--aspect"),
        ([*CAMERA, "--aspect", "0"], "--aspect"),
        ([*CAMERA, "--smooth", "inf"], "--smooth"),
        ([*CAMERA, "--smooth", "-4"], "--smooth"),
    ],
    ids=lambda v: " ".join(v[:1] + v[3:]) if isinstance(v, list) else None,
)
def test_bad_option_is_one_error_line(capsys, tmp_path, argv, names):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    _one_error(capsys, argv, names)
    assert not list(tmp_path.rglob("*")), "nothing written"


def test_genai_device_and_tiles(capsys, tmp_path):
    pytest.importorskip("torch")
    model = str(asset_path("models", "genai", "environment.pt"))
    image = str(asset_path("images", "grace_hopper.jpg"))
    out = str(tmp_path / "pano.png")
    _one_error(capsys, ["genai", "sample", model, "-o", out, "--device", "cuda:7"], "--device")
    _one_error(capsys, ["genai", "eval", model, image, "--tiles", "0"], "--tiles")


def test_keys_generate_into_a_file(capsys, tmp_path):
    pytest.importorskip("zmq")
    target = tmp_path / "FILE"
    target.write_text("not a folder")
    _one_error(capsys, ["keys", "generate", str(target)], str(target))
    assert target.read_text() == "not a folder"


@pytest.mark.parametrize(
    ("meta", "field"),
    [({"width": "abc"}, "width"), ({"height": -4}, "height"), ({"fps": 0.0}, "fps")],
)
def test_pose_track_header_checked(tmp_path, meta, field):
    from previzkit.model.pose_track import TrackError, TrackWriter, read_track

    path = tmp_path / "bad.pzt"
    with TrackWriter(path, meta=meta):
        pass
    with pytest.raises(TrackError, match=rf"header {field}"):
        read_track(path)


def test_lens_table_nan_refused(tmp_path):
    from previzkit.core.errors import TrackingError
    from previzkit.overlay.tracking.freed import LensTable, load_lens_table

    with pytest.raises(TrackingError, match="finite"):
        LensTable(zoom=[(0, math.nan), (100, 35.0)])
    path = tmp_path / "lens.yaml"
    path.write_text("zoom: [[0, .nan], [100, 35]]\n")
    with pytest.raises(TrackingError, match=str(path)):
        load_lens_table(path)
    path.write_text("zoom: [[0, 2.4e1], [1e2, 5e1]]\n")  # YAML 1.2 numbers read as floats
    table, _ = load_lens_table(path)
    assert table.zoom[1] == (100.0, 50.0)


def test_set_reads_yaml12_exponent_numbers(tmp_path):
    from previzkit.model.setfile import load_set

    sets = asset_path("sets", "sample.yaml").parent
    for folder in sets.parent.iterdir():  # the set's ../props etc. beside the copy
        if folder.is_dir() and folder.name != "sets":
            (tmp_path / folder.name).symlink_to(folder)
    text = (sets / "sample.yaml").read_text()
    assert "focal_mm: 35" in text
    (tmp_path / "sets").mkdir()
    path = tmp_path / "sets" / "set.yaml"
    path.write_text(text.replace("focal_mm: 35", "focal_mm: 3.5e1", 1))
    cams = load_set(path).cameras.values()
    assert sorted(c.lens.focal_mm for c in cams)[:1] == [35.0]

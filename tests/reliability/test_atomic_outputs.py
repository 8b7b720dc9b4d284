"""An interrupted ``cut render`` or ``stage -o`` leaves the previous video byte-identical.

A real ``python -m previzkit cut render`` subprocess renders a cut (one take and a long
slate card) over an existing previz.mp4; once its partial file (the hidden temporary
name :func:`previzkit.core.atomic.replacing` gives it) has grown past the MP4 header,
it is sent SIGKILL or SIGINT. SIGINT cleans the partial file up; SIGKILL cannot, and
leaves only that hidden partial beside the untouched output. The same for a live
``previzkit stage -o``, where SIGINT (Ctrl-C) is the normal stop: the new video replaces
the old one whole.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

otio = pytest.importorskip("opentimelineio")
pytest.importorskip("av")

ROOT = Path(__file__).resolve().parents[2]
FPS = 24
SLATE = 4800  # frames of slate card: minutes of encoding, killed long before the end


def _cut(tmp: Path) -> Path:
    """A cut of one 24-frame take and a long slate card, written as .otio."""
    from previzkit.edit.synthetic import write_take_video

    video = write_take_video(tmp / "take.mp4", FPS, FPS)
    whole = otio.opentime.TimeRange(
        otio.opentime.RationalTime(0, FPS), otio.opentime.RationalTime(FPS, FPS)
    )
    clip = otio.schema.Clip(
        name="take",
        media_reference=otio.schema.ExternalReference(
            target_url=video.resolve().as_uri(), available_range=whole
        ),
        source_range=whole,
    )
    gap = otio.schema.Gap(
        source_range=otio.opentime.TimeRange(duration=otio.opentime.RationalTime(SLATE, FPS))
    )
    gap.metadata["previzkit"] = {"slate": {"scene": "1", "heading": "INT. ROOM - DAY"}}
    track = otio.schema.Track(kind=otio.schema.TrackKind.Video)
    track.extend([clip, gap])
    timeline = otio.schema.Timeline(name="kill test", tracks=[track])
    path = tmp / "cut.otio"
    otio.adapters.write_to_file(timeline, str(path))
    return path


def _partials(folder: Path, stem: str = "previz") -> list[Path]:
    return sorted(folder.glob(f".{stem}.partial.*.mp4"))


def _interrupt_mid_write(
    cmd: list[str], folder: Path, stem: str, sig: signal.Signals, what: str
) -> tuple[int, bytes]:
    """Run ``cmd`` in ``folder``, wait until its hidden partial ``.<stem>.partial.*.mp4``
    has grown past the MP4 header (frames encoded), send ``sig``; (exit code, stderr)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(cmd, cwd=folder, env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 120  # a wait limit, not a timing assertion
        while time.monotonic() < deadline and proc.poll() is None:
            parts = _partials(folder, stem)
            if parts and parts[0].stat().st_size > 16 * 1024:  # frames encoded: mid-write
                break
            time.sleep(0.05)
        assert proc.poll() is None, f"the {what} ended before it could be interrupted"
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc.returncode, err


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_interrupted_cut_render_keeps_previous_output(tmp_path, sig):
    cut = _cut(tmp_path)
    out = tmp_path / "previz.mp4"
    out.write_bytes((tmp_path / "take.mp4").read_bytes())  # the previous render
    before = out.read_bytes()
    cmd = [sys.executable, "-m", "previzkit", "cut", "render", str(cut), "-o", str(out)]
    returncode, err = _interrupt_mid_write(
        [*cmd, "--size", "640x360"], tmp_path, "previz", sig, "render"
    )
    assert out.read_bytes() == before, "previz.mp4 changed"
    if sig == signal.SIGINT:
        assert returncode == 130, err.decode()
        assert _partials(tmp_path) == [], "the partial file was left behind"
    else:
        assert returncode == -signal.SIGKILL
        assert all(p.name.startswith(".") for p in _partials(tmp_path))


@pytest.mark.gl
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_stopped_stage_video_is_whole_or_not_there(tmp_path, sig):
    """``previzkit stage -o preview.mp4`` over a previous preview.mp4: SIGKILL mid-run
    leaves the previous file byte-identical (the run's frames only in the hidden
    partial); SIGINT (Ctrl-C, how a live stage is stopped) ends the run normally and
    the new video, whole, replaces it."""
    import av

    from previzkit.core.resources import asset_path
    from previzkit.edit.synthetic import write_take_video

    out = tmp_path / "preview.mp4"
    write_take_video(out, FPS, FPS)  # the previous run's preview
    before = out.read_bytes()
    cmd = [sys.executable, "-m", "previzkit", "stage", str(asset_path("sets", "sample.yaml"))]
    cmd += ["--subscribe", "tcp://127.0.0.1:1", "-o", str(out), "--size", "320x180"]
    returncode, err = _interrupt_mid_write(cmd, tmp_path, "preview", sig, "stage")
    partials = _partials(tmp_path, "preview")
    if sig == signal.SIGKILL:
        assert returncode == -signal.SIGKILL
        assert out.read_bytes() == before, "preview.mp4 changed"
        assert len(partials) == 1, partials  # the killed run's frames, hidden
    else:
        assert returncode == 0, err.decode()
        assert partials == [], "the partial file was left behind"
        assert out.read_bytes() != before
        with av.open(str(out)) as c:
            assert sum(1 for _ in c.decode(video=0)) > FPS  # more than the previous one

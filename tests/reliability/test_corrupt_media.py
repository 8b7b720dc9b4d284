"""Corrupt media: a truncated MP4, a zero-length file, a file of the wrong codec and an
image that is not an image give a clear error naming the file from every reader (capture
sources, the editor's probe, the stage plate, image readers, the CLI); the cut assembly
(the batch over a day's takes) skips a corrupt take and carries on with the next."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pytest

from previzkit.core.errors import PrevizError
from tests.helpers.media import write_video

av = pytest.importorskip("av")
pytestmark = pytest.mark.media


def _write_mp4(path: Path, frames: int = 24, size=(64, 48)) -> Path:
    w, h = size
    return write_video(
        path, (np.full((h, w, 3), (i * 9) % 256, np.uint8) for i in range(frames)), 24
    )


def _write_audio_only(path: Path) -> Path:
    with av.open(str(path), "w") as c:
        s = c.add_stream("aac", rate=48000)
        s.layout = "mono"
        frame = av.AudioFrame.from_ndarray(
            np.zeros((1, 1024), np.float32), format="fltp", layout="mono"
        )
        frame.sample_rate = 48000
        for i in range(10):
            frame.pts = i * 1024
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    d = tmp_path_factory.mktemp("media")
    good = _write_mp4(d / "good.mp4")
    data = good.read_bytes()
    files = {"good": good}
    files["truncated"] = d / "truncated.mp4"
    files["truncated"].write_bytes(data[: len(data) // 2])
    files["zero"] = d / "zero.mp4"
    files["zero"].write_bytes(b"")
    # wrong codec: the H.264 sample entry renamed to a codec nobody decodes
    assert data.count(b"avc1") >= 1
    files["codec"] = d / "codec.mp4"
    files["codec"].write_bytes(data.replace(b"avc1", b"zzz1").replace(b"avcC", b"zzzC"))
    files["audio_only"] = _write_audio_only(d / "audio_only.mp4")
    files["text_mp4"] = d / "notes.mp4"
    files["text_mp4"].write_text("this is a shot list, not a video\n" * 20)
    files["not_image"] = d / "photo.png"
    files["not_image"].write_text("<html>this is not a picture</html>\n")
    files["truncated_png"] = d / "cut.png"
    from PIL import Image

    png = d / "ok.png"
    Image.fromarray(np.zeros((32, 32, 3), np.uint8) + 90).save(png)
    files["truncated_png"].write_bytes(png.read_bytes()[:60])
    return files


VIDEOS = ["truncated", "zero", "codec", "audio_only", "text_mp4"]


def _capture_read(path: Path) -> None:
    from previzkit.capture.sources import open_source

    with open_source(path) as src:
        for _ in src:
            pass


def _edit_probe(path: Path) -> None:
    from previzkit.media.video import probe_video

    probe_video(path)


def _plate_read(path: Path) -> None:
    from previzkit.stage.plate import PlateReader

    plate = PlateReader(path, (32, 24), loop=False)
    try:
        for _ in range(100):
            if plate.next() is None:
                break
    finally:
        plate.close()


@pytest.mark.parametrize("reader", [_capture_read, _edit_probe, _plate_read])
@pytest.mark.parametrize("kind", VIDEOS)
def test_bad_video_is_an_error_naming_the_file(media, kind, reader):
    path = media[kind]
    with pytest.raises(PrevizError) as info:
        reader(path)
    assert path.name in str(info.value), str(info.value)


def test_good_video_reads_in_every_reader(media):
    _capture_read(media["good"])
    _edit_probe(media["good"])
    _plate_read(media["good"])


@pytest.mark.parametrize("kind", ["not_image", "truncated_png"])
def test_image_that_is_not_an_image_names_the_file(media, kind):
    from previzkit.capture.sources.image import ImageSource
    from previzkit.media.image import read_image

    path = media[kind]
    for read in (ImageSource, read_image):
        with pytest.raises(PrevizError, match=path.name):
            read(path)


@pytest.mark.parametrize("kind", ["truncated", "zero", "codec", "not_image"])
def test_cli_prints_one_line_naming_the_file(media, kind, tmp_path, capsys):
    from previzkit.cli import main

    path = media[kind]
    rc = main(["capture", str(path), "-o", str(tmp_path / "out.json")])
    err = capsys.readouterr().err.strip().splitlines()[-1]  # after the progress bar
    assert rc != 0
    assert err.startswith("error: ") and "\n" not in err and path.name in err, err
    assert "Traceback" not in err


def test_cut_assembly_skips_a_corrupt_take_and_carries_on(tmp_path, media, caplog):
    """Shot 1-B has three takes; take 2 would win (circled) but its video is truncated
    after recording: the cut uses take 1 and logs why take 2 was skipped."""
    pytest.importorskip("opentimelineio")
    from previzkit.core.resources import asset_path
    from previzkit.edit.assemble import AssemblyRules, assemble
    from previzkit.edit.synthetic import synthetic_actor_track, write_take_video
    from previzkit.model.pose_track import write_actor_npz
    from previzkit.model.take import Take
    from previzkit.script import parse, plan_shots
    from previzkit.takes.store import TakeStore

    script = parse(
        "INT. ROOFTOP - NIGHT\n\nMara steps out.\n\nMARA\nJonas? Are you here?\n\n"
        "JONAS\nOver here.\n"
    )
    plan = plan_shots(script)
    shots = [sh.id for sp in plan.scenes for sh in sp.shots]
    shot = shots[0]
    media_dir = tmp_path / "media"
    media_dir.mkdir()
    with TakeStore(tmp_path / "project") as store:
        for n, circled in ((1, False), (2, True), (3, False)):
            video = write_take_video(media_dir / f"t{n}.mp4", 48, 24, seed=n, sound=(6, 40))
            pose = write_actor_npz(
                synthetic_actor_track(48, 24, (6, 40), seed=n), media_dir / f"t{n}.npz"
            )
            take = Take("1", shot, n, f"10:0{n}:00:00", "24", 48, circled=circled, rating=5 - n)
            store.add(take, {"video": video, "pose": pose})
        broken = store.file(store.get("1", shot, 2), "video")
    broken.write_bytes(broken.read_bytes()[:300])
    caplog.set_level(logging.WARNING, logger="previzkit.edit.assemble")
    result = assemble(tmp_path / "project", script, plan, rules=AssemblyRules(min_shot_s=0.2))
    used = {c.name for c in result.timeline.video_tracks()[0].find_clips()}
    assert used and all(not name.endswith("_T002") for name in used), used
    assert any(name.endswith("_T001") for name in used), used
    msgs = [r.getMessage() for r in caplog.records]
    assert any("skipped" in m and broken.name in m for m in msgs), msgs
    assert asset_path("scripts", "sample.fountain").is_file()


def test_batch_capture_fails_each_corrupt_take_alone_and_carries_on(tmp_path, media):
    """``previzkit batch capture`` over a day with a good take between corrupt ones:
    each corrupt take fails with a message naming its file; the good ones are done."""
    pytest.importorskip("mediapipe")
    from previzkit.batch.runner import run_batch
    from previzkit.edit.synthetic import write_take_video
    from previzkit.model.take import Take
    from previzkit.takes.store import TakeStore

    kinds = ["good", "truncated", "zero", "codec", "text_mp4", "good"]
    with TakeStore(tmp_path / "project") as store:
        for n, kind in enumerate(kinds, 1):
            if kind == "good":
                src = write_take_video(tmp_path / f"src{n}.mp4", 12, 24, seed=n)
            else:
                src = media[kind]
            store.add(Take("1", "1-A", n, f"10:00:0{n}:00", "24", 12), {"video": src})
    report = run_batch("capture", tmp_path / "project", scheduler="serial")
    status = {r["label"]: r["status"] for r in report.results}
    assert status == {
        f"1/1-A/{n}": ("ok" if k == "good" else "failed") for n, k in enumerate(kinds, 1)
    }
    for r in report.failed:
        assert "_T00" in r["message"] and ".mp4" in r["message"], r  # the take's video file
        assert "Traceback" not in r["message"], r

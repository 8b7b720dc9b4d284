"""`previzkit demo --quick` into a folder whose name has a space and an accent, then the
whole folder moved: the cut still renders and exports with its media, a cut whose media
moved on its own is fixed by `cut relink`, `cut bundle` writes an otioz otiotool reads,
and every take's media file has its own name (checked with the real tools)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

pytestmark = [pytest.mark.gl, pytest.mark.media, pytest.mark.slow]

otio = pytest.importorskip("opentimelineio")


def _cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "previzkit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def moved(quick_demo: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's demo run into ``quick démo``, copied whole to a new place, then
    that copy moved to ``moved ö/quick démo``. The session's original stays where it
    was, so every test here also checks that media resolve inside the moved folder."""
    base = tmp_path_factory.mktemp("paths")
    out = base / "quick démo"
    shutil.copytree(quick_demo[0], out)
    dest = base / "moved ö" / "quick démo"
    dest.parent.mkdir()
    shutil.move(out, dest)
    assert not out.exists()
    return dest


def _events(cut: Path):
    from previzkit.edit.timeline import cut_events, load_cut

    return [e for e in cut_events(load_cut(cut)) if e.slate is None]


def test_demo_in_an_odd_folder_writes_the_whole_previz(moved: Path) -> None:
    from previzkit.media.video import count_frames

    timeline = otio.adapters.read_from_file(str(moved / "cut.otio"))
    frames = round(timeline.duration().to_frames())
    assert count_frames(moved / "previz.mp4") == frames
    urls = [r.target_url for c in timeline.find_clips() for r in c.media_references().values()]
    assert urls and all(u.startswith("project/takes/") for u in urls), urls[:3]


def test_take_media_have_unique_names_from_their_take(moved: Path) -> None:
    from previzkit.takes.store import TakeStore, media_name

    media = sorted(
        p for p in (moved / "project" / "takes").rglob("*") if p.suffix in (".mp4", ".wav")
    )
    assert media and len({p.name for p in media}) == len(media)
    with TakeStore(moved / "project", create=False) as store:
        for take in store.list():
            video = store.file(take, "video")
            assert video is not None and video.name == media_name(take, "video"), take.label
            assert video.is_file()
    used = {Path(e.media).name for e in _events(moved / "cut.otio")}
    assert used <= {p.name for p in media}


def test_moved_cut_renders_and_exports_resolve_media(moved: Path, tmp_path: Path) -> None:
    from previzkit.edit.media_refs import url_to_path
    from previzkit.media.video import count_frames

    out = tmp_path / "again.mp4"
    proc = _cli(
        "cut", "render", moved / "cut.otio", "-o", out, "--size", "96x54", "--no-burn-ins",
        "--preset", "ultrafast",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert count_frames(out) == count_frames(moved / "previz.mp4")
    for suffix in (".otio", ".xml", ".fcpxml", ".aaf"):
        path = moved / f"exported{suffix}"
        proc = _cli("cut", "export", moved / "cut.otio", "-o", path)
        assert proc.returncode == 0, proc.stderr[-2000:]
        back = otio.adapters.read_from_file(str(path))
        urls = [r.target_url for c in back.find_clips() for r in c.media_references().values()]
        assert urls, suffix
        for url in urls:
            found = url_to_path(url, moved)
            assert found is not None and found.is_file(), (suffix, url)
            assert found.resolve().is_relative_to(moved.resolve()), (suffix, url)


def test_media_moved_on_their_own_are_relinked(moved: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(moved, copy, ignore=shutil.ignore_patterns("*.mp4", "thumbs", "sets"))
    archive = tmp_path / "archive ä"
    shutil.copytree(moved / "project" / "takes", archive / "takes")
    shutil.rmtree(copy / "project" / "takes", ignore_errors=True)
    cut = copy / "cut.otio"
    proc = _cli("cut", "render", cut, "-o", tmp_path / "x.mp4", "--size", "96x54")
    assert proc.returncode != 0 and "cut relink" in proc.stderr, proc.stderr[-2000:]
    assert not (tmp_path / "x.mp4").exists()
    proc = _cli("cut", "relink", cut, "--search", archive)
    assert proc.returncode == 0 and ", still missing 0:" in proc.stdout, proc.stdout + proc.stderr
    events = _events(cut)
    assert events and all(Path(e.media).is_file() and "archive ä" in e.media for e in events)


def test_relink_by_start_timecode_when_names_changed(moved: Path, tmp_path: Path) -> None:
    from previzkit.edit.media_refs import path_to_url, url_to_path
    from previzkit.edit.relink import read_stamp, relink
    from previzkit.edit.timeline import load_cut
    from previzkit.model import timecode as tc
    from previzkit.model.take import Take

    renamed = tmp_path / "renamed"
    renamed.mkdir()
    tl = load_cut(moved / "cut.otio")
    clips = list(tl.video_tracks()[0].find_clips())
    copies: dict[Path, Path] = {}
    for clip in clips:
        src = url_to_path(clip.media_reference.target_url)
        assert src is not None
        copies.setdefault(src, renamed / f"card {len(copies)}.mp4")
        shutil.copy(src, copies[src])
        gone = tmp_path / "gone" / f"old {list(copies).index(src)}.mp4"  # not found by name
        clip.media_reference.target_url = path_to_url(gone)
    report = relink(tl, [renamed])
    video = [c for c in report.clips if c.track == "V1"]
    assert video and {c.how for c in video} == {"timecode"}, video
    for clip in clips:
        start = clip.media_reference.available_range.start_time
        stamp = read_stamp(url_to_path(clip.media_reference.target_url))
        assert stamp.timecode is not None
        assert tc.timecode_to_frames(stamp.timecode, float(start.rate)) == round(start.value)
        pk = clip.metadata["previzkit"]
        assert stamp.reel == Take(pk["scene"], pk["shot"], pk["take"]).reel


def test_bundle_writes_an_otioz_that_otiotool_reads(moved: Path, tmp_path: Path) -> None:
    out = tmp_path / "cut.otioz"
    proc = _cli("cut", "bundle", moved / "cut.otio", "-o", out)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with zipfile.ZipFile(out) as z:
        media = {n for n in z.namelist() if n.startswith("media/")}
    used = {Path(e.media).name for e in _events(moved / "cut.otio")}
    assert {n.removeprefix("media/") for n in media} >= used
    listed = subprocess.run(
        ["otiotool", "-i", str(out), "--list-media"], capture_output=True, text=True, check=True
    ).stdout
    assert {ln.split("MEDIA:")[1].strip() for ln in listed.splitlines() if "MEDIA:" in ln} == media


def test_otiotool_relinks_by_name_from_a_flat_media_folder(moved: Path, tmp_path: Path) -> None:
    """Media gathered into one folder (as an editor's media manager does): OTIO's own
    ``otiotool --relink-by-name`` finds every clip, clip names being file stems."""
    from previzkit.edit.media_refs import url_to_path

    flat = tmp_path / "media ü"
    flat.mkdir()
    for p in (moved / "project" / "takes").rglob("*.mp4"):
        if not p.name.endswith("_plate.mp4"):
            shutil.copy(p, flat / p.name)
    out = tmp_path / "relinked.otio"
    proc = subprocess.run(
        ["otiotool", "-i", str(moved / "cut.otio"), "--relink-by-name", str(flat), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    clips = list(otio.adapters.read_from_file(str(out)).find_clips())
    assert clips
    for clip in clips:
        found = url_to_path(clip.media_reference.target_url)
        assert found is not None and found.parent == flat and found.is_file(), clip.name

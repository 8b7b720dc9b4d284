"""Media URLs of a cut: decoded everywhere, relative to a written .otio, resolved on load,
relinked by name and by timecode, bundled into an .otioz (the edit tests' project)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from previzkit.core.errors import ExportError, MissingFileError
from previzkit.edit.media_refs import (
    absolutize,
    path_to_url,
    relative_url,
    relativize,
    url_to_path,
)

otio = pytest.importorskip("opentimelineio")


def test_urls_decode_spaces_accents_and_percent_signs(tmp_path):
    odd = tmp_path / "quick démo" / "a b%20c#1.mp4"
    odd.parent.mkdir()
    odd.write_bytes(b"x")
    url = path_to_url(odd)
    assert " " not in url and "é" not in url and url.startswith("file:///")
    assert url_to_path(url) == odd
    assert url_to_path(str(odd)) == odd  # a plain path that exists is taken as written
    assert url_to_path("file://localhost" + url[7:]) == odd
    rel = relative_url(odd, tmp_path)
    assert rel == "quick%20d%C3%A9mo/a%20b%2520c%231.mp4"
    assert url_to_path(rel, tmp_path) == odd
    assert url_to_path("https://example.com/a.mp4") is None
    assert url_to_path("") is None
    assert relative_url("/a/b/c/d.mp4", "/x/y/z") is None  # too far up: stays absolute
    assert relative_url("/a/b/d.mp4", "/a/b/c/e") == "../../d.mp4"


def _timeline(urls):
    tl = otio.schema.Timeline("t")
    track = otio.schema.Track("V1")
    tl.tracks.append(track)
    for i, url in enumerate(urls):
        rng = otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, 24), otio.opentime.RationalTime(24, 24)
        )
        track.append(
            otio.schema.Clip(
                f"c{i}", otio.schema.ExternalReference(target_url=url), source_range=rng
            )
        )
    return tl


def test_relativize_then_absolutize_round_trips(tmp_path):
    media = tmp_path / "proj ét" / "takes" / "1_1-A_T001.mp4"
    far = Path("/opt/far away/x.mp4")
    tl = _timeline([path_to_url(media), path_to_url(far), "https://h/a.mp4"])
    rel = relativize(tl, tmp_path)
    urls = [c.media_reference.target_url for c in rel.find_clips()]
    assert urls == ["proj%20%C3%A9t/takes/1_1-A_T001.mp4", path_to_url(far), "https://h/a.mp4"]
    assert tl.find_clips()[0].media_reference.target_url == path_to_url(media)  # a copy
    assert absolutize(rel, tmp_path) == 1
    assert [c.media_reference.target_url for c in rel.find_clips()] == [
        path_to_url(media),
        path_to_url(far),
        "https://h/a.mp4",
    ]


@pytest.fixture(scope="module")
def cut_here(take_project, sample_script, tmp_path_factory):
    """The edit project's cut written as cut.otio beside a copy of the project folder
    whose name holds a space and an accent."""
    from previzkit.edit.assemble import assemble
    from previzkit.edit.exporters import export

    root = tmp_path_factory.mktemp("cuts") / "day one é"
    shutil.copytree(take_project, root / "project")
    result = assemble(root / "project", sample_script)
    return export(result.timeline, root / "cut.otio")


def _urls(path):
    tl = otio.adapters.read_from_file(str(path))
    return [r.target_url for c in tl.find_clips() for r in c.media_references().values()]


def test_cut_holds_media_relative_and_unique(cut_here):
    from previzkit.edit.timeline import cut_events, load_cut

    urls = _urls(cut_here)
    assert urls and all(u.startswith("project/takes/") for u in urls), urls[:3]
    events = [e for e in cut_events(load_cut(cut_here)) if e.slate is None]
    assert all(Path(e.media).is_file() for e in events)
    assert all("day one é" in e.media for e in events)
    names = {Path(e.media).name for e in events}
    folders = {Path(e.media).parent for e in events}
    assert len(names) == len(folders)  # one basename per take's file


def test_moved_folder_still_resolves_and_render_refuses_missing_media(cut_here, tmp_path):
    from previzkit.edit.render import RenderOptions, render_cut
    from previzkit.edit.timeline import cut_events, load_cut

    moved = tmp_path / "elsewhere ü" / "day"
    shutil.copytree(cut_here.parent, moved)
    events = [e for e in cut_events(load_cut(moved / "cut.otio")) if e.slate is None]
    assert all(Path(e.media).is_file() and str(moved) in e.media for e in events)
    # the cut alone, without its project: refused up front, clip and relink named
    alone = tmp_path / "alone" / "cut.otio"
    alone.parent.mkdir()
    shutil.copy(cut_here, alone)
    out = tmp_path / "o.mp4"
    with pytest.raises(MissingFileError, match=r"clip '1_1-.*clip media .* cut relink"):
        render_cut(alone, out, RenderOptions(64, 36))
    assert not out.exists()


def test_relink_by_name(cut_here, tmp_path):
    from previzkit.edit.relink import relink, relink_cut
    from previzkit.edit.timeline import cut_events, load_cut

    alone = tmp_path / "cut.otio"
    shutil.copy(cut_here, alone)
    path, report = relink_cut(alone, [cut_here.parent / "project"])
    assert path == alone and report.clips and not report.missing
    assert {c.how for c in report.clips} == {"name"}
    assert all(Path(e.media).is_file() for e in cut_events(load_cut(alone)) if e.slate is None)

    # nothing left to find: the report says so, the cut keeps its URLs
    shutil.rmtree(tmp_path / "nothing", ignore_errors=True)
    (tmp_path / "nothing").mkdir()
    tl = load_cut(cut_here)
    clip = tl.video_tracks()[0].find_clips()[0]
    clip.media_reference.target_url = path_to_url(tmp_path / "gone" / "x_y_T001.mp4")
    report = relink(tl, [tmp_path / "nothing"])
    assert [c.clip for c in report.missing] == [clip.name]
    assert clip.media_reference.target_url.endswith("/gone/x_y_T001.mp4")
    with pytest.raises(MissingFileError, match="no such folder"):
        relink(tl, [tmp_path / "nope"])


def test_relink_cli_reports_and_fails_on_missing(cut_here, tmp_path):
    alone = tmp_path / "cut.otio"
    shutil.copy(cut_here, alone)
    empty = tmp_path / "empty"
    empty.mkdir()
    env_cmd = [sys.executable, "-m", "previzkit", "cut", "relink", str(alone)]
    proc = subprocess.run([*env_cmd, "--search", str(empty)], capture_output=True, text=True)
    assert proc.returncode == 1 and "relinked 0, still missing" in proc.stdout, proc.stderr
    out = tmp_path / "fixed.otio"
    proc = subprocess.run(
        [*env_cmd, "--search", str(cut_here.parent), "-o", str(out)],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0 and ", still missing 0:" in proc.stdout, proc.stderr
    assert out.is_file()


def test_bundle_writes_an_otioz_otiotool_reads(cut_here, tmp_path):
    from previzkit.edit.bundle import bundle_cut

    out = bundle_cut(cut_here, tmp_path / "cut.otioz")
    with zipfile.ZipFile(out) as z:
        names = set(z.namelist())
    media = {n for n in names if n.startswith("media/")}
    assert "content.otio" in names and media
    proc = subprocess.run(
        ["otiotool", "-i", str(out), "--list-media"], capture_output=True, text=True, check=True
    )
    listed = {ln.split("MEDIA:")[1].strip() for ln in proc.stdout.splitlines() if "MEDIA:" in ln}
    assert listed == media, proc.stdout
    unpacked = tmp_path / "unpacked"
    unpacked.mkdir()
    tl = otio.adapters.read_from_file(str(out), extract_to_directory=str(unpacked))
    assert all((unpacked / url_to_path(u, unpacked)).is_file() for u in _urls_of(tl))
    # a clip whose media is gone is refused with its name
    gone = otio.adapters.read_from_file(str(cut_here))
    gone.video_tracks()[0].find_clips()[0].media_reference.target_url = "file:///no/x.mp4"
    with pytest.raises(MissingFileError, match="cut relink"):
        bundle_cut(gone, tmp_path / "b.otioz")
    with pytest.raises(ExportError, match=r"\.otioz"):
        bundle_cut(cut_here, tmp_path / "b.zip")


def _urls_of(tl):
    return [r.target_url for c in tl.find_clips() for r in c.media_references().values()]


def _tiny_take_video(path: Path, start_tc: str, reel: str) -> Path:
    import numpy as np

    from previzkit.media.video import VideoWriter

    with VideoWriter(path, 64, 36, 24, timecode=start_tc, reel=reel) as w:
        for _ in range(3):
            w.write(np.zeros((36, 64, 3), np.uint8))
    return path


def test_relink_by_timecode_tells_reels_apart(tmp_path):
    from previzkit.edit.relink import relink

    pytest.importorskip("av")
    found = tmp_path / "found"
    found.mkdir()
    _tiny_take_video(found / "a.mp4", "10:00:00:00", "1_1-A_T001")
    _tiny_take_video(found / "b.mp4", "10:00:00:00", "2_2-A_T001")  # same timecode
    _tiny_take_video(found / "c.mp4", "11:00:00:00", "2_2-A_T002")
    tl = _timeline([path_to_url(tmp_path / "gone" / f"{i}.mp4") for i in range(3)])
    clips = tl.find_clips()
    for clip, (scene, shot, take, start) in zip(
        clips, [("1", "1-A", 1, 10), ("2", "2-A", 1, 10), ("9", "9-A", 1, 11)], strict=True
    ):
        clip.metadata["previzkit"] = {"scene": scene, "shot": shot, "take": take}
        clip.media_reference.available_range = otio.opentime.TimeRange(
            otio.opentime.RationalTime(start * 3600 * 24, 24), otio.opentime.RationalTime(3, 24)
        )
    report = relink(tl, [found])
    assert [(c.how, Path(c.new).name if c.new else None) for c in report.clips] == [
        ("timecode", "a.mp4"),
        ("timecode", "b.mp4"),
        ("missing", None),  # 11:00:00:00 is another take's reel
    ]
    # without the take's reel, two files fit: ambiguous, left alone
    clips[0].metadata["previzkit"] = {}
    clips[0].media_reference.target_url = path_to_url(tmp_path / "gone" / "0.mp4")
    assert relink(tl, [found]).clips[0].how == "ambiguous"


def test_relink_older_takes_all_named_video_mp4(tmp_path):
    """Takes recorded before media were named after their take all hold video.mp4: the
    file whose folders match the old path's wins, then the start timecode decides."""
    from previzkit.edit.relink import relink

    pytest.importorskip("av")
    found = tmp_path / "found"
    for folder, start in (("1/1-A/001", "10:00:00:00"), ("1/1-A/002", "10:01:00:00")):
        (found / "takes" / folder).mkdir(parents=True)
        _tiny_take_video(found / "takes" / folder / "video.mp4", start, "")
    loose = found / "loose" / "x"
    loose.mkdir(parents=True)
    _tiny_take_video(loose / "video.mp4", "10:02:00:00", "")
    old = [tmp_path / "gone" / "takes" / f / "video.mp4" for f in ("1/1-A/001", "1/1-A/002")]
    old.append(tmp_path / "gone" / "y" / "video.mp4")  # no folder in common: timecode
    tl = _timeline([path_to_url(p) for p in old])
    for clip, minute in zip(tl.find_clips(), (0, 1, 2), strict=True):
        clip.media_reference.available_range = otio.opentime.TimeRange(
            otio.opentime.RationalTime((600 + minute) * 60 * 24, 24),
            otio.opentime.RationalTime(3, 24),
        )
    report = relink(tl, [found])
    assert [(c.how, c.new) for c in report.clips] == [
        ("name", str(found / "takes/1/1-A/001/video.mp4")),
        ("name", str(found / "takes/1/1-A/002/video.mp4")),
        ("name", str(loose / "video.mp4")),
    ]

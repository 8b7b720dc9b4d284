"""Relink a cut's missing media: by file name, else by start timecode and reel.

Take media carry unique names (``1_1-B_T001.mp4``, :func:`previzkit.takes.store.media_name`)
and their take's start timecode and reel in the file, so a clip whose file moved is
found again under the folders searched:

1. by name: a file with the basename of the clip's media (one, or the one nearest the
   old path when several share it: most trailing folders in common, then the start
   timecode; still several: ambiguous);
2. by timecode: a media file of the same kind (picture or sound-only) whose embedded
   start timecode is the clip's ``available_range`` start (the take's first frame) and
   whose reel, when both have one, is the clip's reel; several candidates left are
   ambiguous and the clip stays missing.

Clips whose media exists are left alone; every clip gets a :class:`ClipRelink` saying
what happened. :func:`relink` changes the timeline in place (pure apart from reading
the folders and the files' timecode); :func:`relink_cut` reads a cut file, relinks it
and writes it back atomically (temporary file, rename).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from previzkit.core.errors import InputError, MissingFileError, PrevizError
from previzkit.edit.media_refs import path_to_url, references, url_to_path
from previzkit.model import timecode as tc
from previzkit.model.take import Take

SOUND_SUFFIXES = frozenset({".wav", ".aif", ".aiff", ".bwf", ".m4a", ".mp3", ".flac"})
PICTURE_SUFFIXES = frozenset({".mp4", ".mov", ".m4v", ".mxf", ".mkv", ".avi"})
MEDIA_SUFFIXES = SOUND_SUFFIXES | PICTURE_SUFFIXES


@dataclass(frozen=True)
class ClipRelink:
    """What relinking did to one clip's media: ``how`` is ``present`` (its file exists),
    ``name`` or ``timecode`` (relinked to ``new``), ``ambiguous`` (several files fit)
    or ``missing`` (nothing found)."""

    clip: str
    track: str
    old: str
    new: str | None
    how: str


@dataclass
class RelinkReport:
    """Per clip reference, in track order."""

    clips: list[ClipRelink] = field(default_factory=list)

    @property
    def relinked(self) -> list[ClipRelink]:
        return [c for c in self.clips if c.how in ("name", "timecode")]

    @property
    def missing(self) -> list[ClipRelink]:
        return [c for c in self.clips if c.how in ("missing", "ambiguous")]


@dataclass(frozen=True)
class FileStamp:
    """A media file's embedded start timecode (``HH:MM:SS:FF``) and reel, when any."""

    timecode: str | None
    reel: str | None


def read_stamp(path: Path) -> FileStamp:
    """The start timecode and reel name a media file carries
    (:func:`previzkit.media.video.read_timecode` / ``read_reel``); None where it has
    none or cannot be read (a sound file, a broken file)."""
    if path.suffix.lower() not in PICTURE_SUFFIXES:
        return FileStamp(None, None)
    from previzkit.media.video import read_reel, read_timecode

    try:
        return FileStamp(read_timecode(path), read_reel(path))
    except PrevizError:
        return FileStamp(None, None)


def media_files(search: Iterable[str | Path]) -> list[Path]:
    """Media files (by suffix) under the folders ``search``, hidden folders skipped,
    sorted; a missing folder raises :class:`MissingFileError` naming it."""
    found: list[Path] = []
    for folder in map(Path, search):
        if not folder.is_dir():
            raise MissingFileError(f"relink --search {folder}: no such folder")
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(
                Path(root) / f
                for f in files
                if Path(f).suffix.lower() in MEDIA_SUFFIXES and not f.startswith(".")
            )
    return sorted(found)


def _common_tail(a: Path, b: Path) -> int:
    n = 0
    for x, y in zip(reversed(a.parent.parts), reversed(b.parent.parts), strict=False):
        if x != y:
            break
        n += 1
    return n


def _clip_reels(clip: Any) -> set[str]:
    """The reel names a clip is known by: its take's (:attr:`Take.reel`, what the take
    files carry) and the editorial ones (the full reel, the EDL's)."""
    pk, cmx = clip.metadata.get("previzkit") or {}, clip.metadata.get("cmx_3600") or {}
    reels = {str(r) for r in (pk.get("reel_full"), pk.get("reel"), cmx.get("reel")) if r}
    with contextlib.suppress(PrevizError, TypeError, ValueError, KeyError):
        reels.add(Take(str(pk["scene"]), str(pk["shot"]), int(pk["take"])).reel)
    return reels


def _start_frame(ref: Any) -> tuple[int, float] | None:
    rng = getattr(ref, "available_range", None)
    if rng is None:
        return None
    t = rng.start_time
    return round(t.value), float(t.rate)


class _Finder:
    """Looks files up by basename and, lazily, by start timecode."""

    def __init__(self, files: Sequence[Path], stamp: Callable[[Path], FileStamp]) -> None:
        self.files = list(files)
        self.by_name: dict[str, list[Path]] = {}
        for f in self.files:
            self.by_name.setdefault(f.name, []).append(f)
        self._stamp = stamp
        self._stamps: dict[Path, FileStamp] = {}

    def stamp(self, path: Path) -> FileStamp:
        if path not in self._stamps:
            self._stamps[path] = self._stamp(path)
        return self._stamps[path]

    def by_timecode(
        self,
        start: int,
        rate: float,
        reels: set[str],
        sound: bool,
        among: Sequence[Path] | None = None,
    ) -> list[Path]:
        """Files (of ``among``, default all) starting at frame ``start`` at ``rate``
        whose reel, when they carry one, is one of ``reels``."""
        out = []
        for f in self.files if among is None else among:
            if not sound and f.suffix.lower() in SOUND_SUFFIXES:
                continue  # a sound clip may sit on a picture file, not the other way round
            s = self.stamp(f)
            if s.timecode is None:
                continue
            try:
                if tc.timecode_to_frames(s.timecode, rate) != start:
                    continue
            except (InputError, ValueError):
                continue
            if reels and s.reel is not None and s.reel not in reels:
                continue
            out.append(f)
        return out


def relink(
    timeline: Any,
    search: Iterable[str | Path],
    by_timecode: bool = True,
    stamp: Callable[[Path], FileStamp] = read_stamp,
) -> RelinkReport:
    """Point every clip of ``timeline`` whose media file is missing at the file found
    under ``search`` (see module doc); changes ``timeline`` in place. ``stamp`` reads a
    file's timecode and reel (:func:`read_stamp`)."""
    finder = _Finder(media_files(search), stamp)
    report = RelinkReport()
    done: dict[Path, tuple[Path | None, str]] = {}  # old path -> (new, how): one answer each
    for clip, ref in references(timeline):
        track = clip.parent().name if clip.parent() is not None else ""
        old = url_to_path(ref.target_url or "")
        if old is None:
            continue
        if old.is_file():
            report.clips.append(ClipRelink(clip.name, track, str(old), None, "present"))
            continue
        if old not in done:
            done[old] = _find(finder, clip, ref, old, by_timecode)
        new, how = done[old]
        if new is not None:
            ref.target_url = path_to_url(new)
        report.clips.append(ClipRelink(clip.name, track, str(old), str(new) if new else None, how))
    return report


def _find(
    finder: _Finder, clip: Any, ref: Any, old: Path, by_timecode: bool
) -> tuple[Path | None, str]:
    start = _start_frame(ref)
    reels, sound = _clip_reels(clip), old.suffix.lower() in SOUND_SUFFIXES
    named = finder.by_name.get(old.name, [])
    if named:
        tail = max(_common_tail(old, p) for p in named)
        best = [p for p in named if _common_tail(old, p) == tail]
        if len(best) > 1 and start is not None:  # e.g. video.mp4 of older takes
            best = [p for p in best if p in finder.by_timecode(*start, reels, sound, best)]
        if len(best) == 1:
            return best[0].resolve(), "name"
        return None, "ambiguous"
    if not by_timecode or start is None:
        return None, "missing"
    hits = finder.by_timecode(*start, reels, sound)
    if len(hits) == 1:
        return hits[0].resolve(), "timecode"
    return None, "ambiguous" if hits else "missing"


def relink_cut(
    cut: str | Path,
    search: Iterable[str | Path],
    output: str | Path | None = None,
    by_timecode: bool = True,
) -> tuple[Path, RelinkReport]:
    """Read ``cut``, relink its missing media under ``search`` and write it to
    ``output`` (default: over ``cut``) through a temporary file renamed into place;
    returns the path written and the report."""
    from previzkit.edit.timeline import load_cut

    src = Path(cut)
    timeline = load_cut(src)
    report = relink(timeline, search, by_timecode)
    return write_cut(timeline, output or src), report


def write_cut(timeline: Any, path: str | Path) -> Path:
    """Export ``timeline`` to ``path`` (format by suffix) atomically: into a temporary
    file of the same folder and suffix, then renamed over ``path``."""
    from previzkit.edit.exporters import export

    out = Path(path)
    tmp = out.with_name(f".{out.stem}.{os.getpid()}.tmp{out.suffix}")
    try:
        export(timeline, tmp)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out

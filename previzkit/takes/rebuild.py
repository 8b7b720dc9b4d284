"""Rebuild a project's catalogue from its take folders (``previzkit takes rebuild``).

Every ``takes/<scene>/<shot>/<NNN>`` folder becomes one row:

- a row the old catalogue still reads is kept as it was (rating, circle, notes);
- else scene, shot, take, rate and start timecode come from the take's journal
  header, the duration from its frame ticks, the files from what the folder holds;
  a journal without its end record makes the take ``recording``, and
  :func:`~previzkit.takes.recovery.recover` then finishes it (``recovered`` or
  ``failed``) as after a crash;
- a folder without a readable journal is named by its folder names (the inverse of
  :func:`~previzkit.model.take.name_part`) and catalogued ``recovered`` with a note.

The new catalogue is written beside the project, then put in place; the old one
(``takes.sqlite`` and its ``-wal`` / ``-shm``) is kept as
``takes.sqlite.before-rebuild-<UTC time>``. Run it while nothing records into the
project.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from previzkit.core.errors import PrevizError, TakeStoreError
from previzkit.model.joint_track import JOINTS_FILE
from previzkit.model.take import Take
from previzkit.takes.journal import Journal, read_journal
from previzkit.takes.recovery import CAMERA_FILE, JOURNAL, POSE_FILE, recover
from previzkit.takes.store import (
    CATALOGUE,
    LEGACY_MEDIA,
    MEDIA_KINDS,
    TakeStore,
    media_name,
)

_ESCAPED = re.compile(r"(?:\+[0-9A-F]{2})+")


@dataclass
class Rebuilt:
    """What :func:`rebuild` did: ``kept`` (rows taken from the old catalogue),
    ``restored`` (rows made from folders), ``recovered`` (of those, takes finished by
    recovery), ``skipped`` (folders left out, one line each), ``old`` (where the old
    catalogue was moved; None when there was none)."""

    kept: list[Take] = field(default_factory=list)
    restored: list[Take] = field(default_factory=list)
    recovered: list[Take] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    old: Path | None = None


def rebuild(root: str | Path) -> Rebuilt:
    """Write ``root``'s catalogue anew from its take folders (see module doc)."""
    root = Path(root)
    if not (root / "takes").is_dir():
        raise TakeStoreError(f"take store {root}: no takes/ folder to rebuild a catalogue from")
    out = Rebuilt()
    old = _old_rows(root, out)
    rows: dict[tuple[str, str, int], Take] = {}
    for folder in sorted((root / "takes").glob("*/*/*")):
        if not (folder.is_dir() and folder.name.isdigit()):
            continue
        take = _from_folder(root, folder, old, out)
        if take is None:
            continue
        key = (take.scene, take.shot, take.take)
        if key in rows:
            out.skipped.append(f"{folder}: take {take.label} already came from another folder")
            continue
        rows[key] = take
    for key, take in old.items():  # rows whose folder is gone are kept too
        if key not in rows:
            rows[key] = take
            out.kept.append(take)
    work = root / ".takes-rebuild"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    try:
        with TakeStore(work) as fresh:
            fresh.restore(list(rows.values()))
        out.old = _move_aside(root)
        os.replace(work / CATALOGUE, root / CATALOGUE)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    with TakeStore(root, create=False) as store:
        out.recovered = recover(store)
    return out


def _old_rows(root: Path, out: Rebuilt) -> dict[tuple[str, str, int], Take]:
    """The rows the old catalogue still reads (none when it cannot be opened)."""
    if not (root / CATALOGUE).exists():
        return {}
    try:
        with TakeStore(root, readonly=True) as store:
            takes = store.list()
            out.skipped.extend(f"old catalogue: {w}" for w in store.warnings)
    except TakeStoreError as exc:
        out.skipped.append(f"old catalogue not read: {exc}")
        return {}
    return {(t.scene, t.shot, t.take): t for t in takes}


def _from_folder(
    root: Path, folder: Path, old: dict[tuple[str, str, int], Take], out: Rebuilt
) -> Take | None:
    journal: Journal | None = None
    try:
        journal = read_journal(folder / JOURNAL)
        meta = journal.meta
        scene, shot, number = str(meta["scene"]), str(meta["shot"]), int(meta["take"])
    except (PrevizError, KeyError, TypeError, ValueError):
        journal = None
        scene, shot = (_unname(p) for p in folder.parts[-3:-1])
        number = int(folder.name)
        meta = {}
    previous = old.get((scene, shot, number))
    if previous is not None:
        out.kept.append(previous)
        return previous
    try:
        take = Take(
            scene,
            shot,
            number,
            str(meta.get("start_tc") or "00:00:00:00"),
            str(meta.get("rate") or "24"),
            0,
            status="recovered",
            recorded_at=str(meta.get("created") or ""),
        )
    except PrevizError as exc:
        out.skipped.append(f"{folder}: not a take ({exc})")
        return None
    if journal is None:
        take.notes = f"rebuilt from {folder.relative_to(root)} without a readable journal"
    elif not journal.ended:
        take.status = "recording"  # recover() finishes it after the catalogue is in place
    else:
        take.status = "ok"
        take.duration_frames = len(journal.ticks())
    take.notes = "\n".join(filter(None, [take.notes, "catalogue row rebuilt from the folder"]))
    take.files = _files(folder, take)
    take.recorded_at = take.recorded_at or _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
    out.restored.append(take)
    return take


def _files(folder: Path, take: Take) -> dict[str, str]:
    """Kind -> file name of the take's files present in ``folder``."""
    files = {
        kind: name
        for kind, name in (("pose", POSE_FILE), ("camera", CAMERA_FILE), ("joints", JOINTS_FILE))
        if (folder / name).is_file()
    }
    for kind in MEDIA_KINDS:
        for name in (media_name(take, kind), LEGACY_MEDIA[kind]):
            if (folder / name).is_file():
                files[kind] = name
                break
    return files


def _unname(part: str) -> str:
    """The scene or shot a folder name stands for (``2+20B`` -> ``2 B``)."""
    return _ESCAPED.sub(
        lambda m: bytes.fromhex(m.group().replace("+", "")).decode("utf-8", "replace"), part
    )


def _move_aside(root: Path) -> Path | None:
    """Move the old catalogue and its WAL files aside; the new name of the catalogue."""
    stamp = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    moved = None
    for suffix in ("", "-wal", "-shm"):
        path = root / f"{CATALOGUE}{suffix}"
        if path.exists():
            dst = root / f"{CATALOGUE}.before-rebuild-{stamp}{suffix}"
            os.replace(path, dst)
            moved = moved or dst
    return moved

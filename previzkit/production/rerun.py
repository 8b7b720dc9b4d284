"""Running ``previzkit previz`` / ``demo`` again into a folder that holds a run.

A folder whose ``project/`` holds a take store is refused unless the run says what to
do with it:

- ``--resume`` finishes that run: takes already recorded whole (status ``ok``, the
  planned start timecode and length) are kept; every other planned take is recorded.
  A take that was cut short (``recovered`` after a crash, ``failed``) stays in the
  store, as every recorded take does, and its shot is recorded again under the next
  free take number. The steps after recording (cut, exports, previz.mp4, storyboard)
  run again. A store holding takes this plan does not have (other options, another
  script) is refused: that run is not this one.
- ``--force`` replaces that run: the files a run writes (:data:`OUTPUTS`, ``cut.*``)
  are moved aside into ``.previz-replaced-<UTC time>/`` in the folder first, and that
  folder is deleted only when the new run has finished; after a failure the old run
  is still there (with the new run's partial files in its place). Other files in the
  folder are left alone.
"""

from __future__ import annotations

import datetime as _dt
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from previzkit.core.errors import InputError

# what a previz run writes into its folder (besides cut.<format> exports)
OUTPUTS = (
    "project",
    "work",
    "shots.yaml",
    "cast.yaml",
    "previz.mp4",
    "index.html",
    "thumbs",
    "snapshots",
)
BACKUP_PREFIX = ".previz-replaced-"


def holds_run(out: str | Path) -> bool:
    """Whether ``out`` holds a previz run (a take store in ``project/``)."""
    return (Path(out) / "project" / "takes.sqlite").exists()


def check_rerun(out: str | Path, *, force: bool, resume: bool, what: str = "previz") -> None:
    """Refuse a run into ``out`` when it holds a run and neither ``force`` nor
    ``resume`` says what to do with it (and when both are given)."""
    if force and resume:
        raise InputError(f"{what} output {out}: give --force or --resume, not both")
    if holds_run(out) and not (force or resume):
        raise InputError(
            f"{what} output {out}: already holds a take store (project/); give an empty "
            "folder with -o, --resume to finish that run, or --force to replace it"
        )


def run_files(out: str | Path) -> list[Path]:
    """The files and folders of a previz run in ``out`` (:data:`OUTPUTS`, ``cut.*``,
    temporary files a killed run left)."""
    folder = Path(out)
    if not folder.is_dir():
        return []
    found = [folder / n for n in OUTPUTS if (folder / n).exists()]
    found += sorted(p for p in folder.glob("cut.*") if p.is_file())
    found += sorted(folder.glob(".*.partial.*"))
    return found


def set_aside(out: str | Path, now: _dt.datetime | None = None) -> Path | None:
    """Move the run in ``out`` into ``out/.previz-replaced-<UTC time>/`` (renames on
    the same file system: nothing is copied or lost); returns that folder, None when
    there was nothing to move."""
    files = run_files(out)
    if not files:
        return None
    stamp = (now or _dt.datetime.now(_dt.UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    backup = Path(out) / f"{BACKUP_PREFIX}{stamp}"
    backup.mkdir()
    for p in files:
        p.replace(backup / p.name)
    return backup


def discard_replaced(out: str | Path) -> list[Path]:
    """Delete every ``.previz-replaced-*`` folder in ``out`` (after a run that finished);
    returns them."""
    gone = sorted(Path(out).glob(f"{BACKUP_PREFIX}*"))
    for p in gone:
        shutil.rmtree(p)
    return gone


@dataclass(frozen=True)
class Recorded:
    """A take already in the store: scene, shot, take number, start timecode, frames
    and status."""

    scene: str
    shot: str
    take: int
    start_tc: str
    frames: int
    status: str


@dataclass(frozen=True)
class Planned:
    """A take the plan records: scene, shot, take number, start timecode, frames."""

    scene: str
    shot: str
    take: int
    start_tc: str
    frames: int


def takes_to_record(
    planned: Sequence[Planned], recorded: Iterable[Recorded], where: str = "project"
) -> list[tuple[int, int]]:
    """Which planned takes a resumed run records, as (index into ``planned``, take
    number): those not recorded whole (status ``ok``, same start timecode and length),
    under their planned number when the store has none by it, else the next free one.
    Raises :class:`InputError` when ``recorded`` holds a take the plan does not have."""
    by_key = {(p.scene, p.shot, p.start_tc): p for p in planned}
    done = set()
    used: dict[tuple[str, str], set[int]] = {}
    for r in recorded:
        used.setdefault((r.scene, r.shot), set()).add(r.take)
        p = by_key.get((r.scene, r.shot, r.start_tc))
        if p is None:
            raise InputError(
                f"{where}: take {r.scene}/{r.shot}/{r.take} at {r.start_tc} is not one this "
                "run plans (recorded with other options or another script); use --force to "
                "replace that run"
            )
        if r.status == "ok" and r.frames == p.frames:
            done.add((p.scene, p.shot, p.start_tc))
    out = []
    for i, p in enumerate(planned):
        if (p.scene, p.shot, p.start_tc) in done:
            continue
        taken = used.setdefault((p.scene, p.shot), set())
        number = p.take if p.take not in taken else max(taken) + 1
        taken.add(number)
        out.append((i, number))
    return out

"""The take store: a project folder with a SQLite catalogue and files per take.

Layout::

    <project>/takes.sqlite            catalogue (WAL journal, one transaction per change)
    <project>/takes/<scene>/<shot>/<take>/   the take's files (pose.*, 1_1-B_T001.mp4, ...)

File paths in the catalogue are relative to the take's folder, so a project folder
can be moved or copied whole. Media files are named after their take
(:func:`media_name`: ``1_1-B_T001.mp4``, ``1_1-B_T001_plate.mp4``, ``1_1-B_T001.wav``),
so every media file of a project has its own basename (relinking by name, OTIO's
otioz bundles); takes recorded before that hold ``video.mp4`` / ``plate.mp4`` /
``audio.wav``, which :meth:`TakeStore.file` still finds.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from previzkit.core.errors import InputError, MissingFileError, TakeStoreError
from previzkit.model.take import FILE_KINDS, Take, media_stem

CATALOGUE = "takes.sqlite"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS takes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scene TEXT NOT NULL,
    shot TEXT NOT NULL,
    take INTEGER NOT NULL,
    start_tc TEXT NOT NULL,
    rate TEXT NOT NULL,
    duration_frames INTEGER NOT NULL,
    files TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    rating INTEGER NOT NULL DEFAULT 0,
    circled INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'ok',
    recorded_at TEXT NOT NULL,
    UNIQUE (scene, shot, take)
);
CREATE INDEX IF NOT EXISTS takes_by_shot ON takes (scene, shot);
"""
_COLUMNS = (
    "id, scene, shot, take, start_tc, rate, duration_frames, files, notes, rating, "
    "circled, status, recorded_at"
)
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _safe(part: str) -> str:
    return _SAFE.sub("_", part).strip("._") or "_"


MEDIA_KINDS = ("video", "plate", "audio")
LEGACY_MEDIA = {"video": "video.mp4", "plate": "plate.mp4", "audio": "audio.wav"}
_MEDIA_SUFFIX = {"video": ".mp4", "plate": ".mp4", "audio": ".wav"}


def media_name(take: Take, kind: str, suffix: str | None = None) -> str:
    """The file name of a take's ``video``, ``plate`` or ``audio`` media with ``suffix``
    (default ``.mp4`` / ``.mp4`` / ``.wav``): ``1_1-B_T001.mp4``,
    ``1_1-B_T001_plate.mp4``, ``1_1-B_T001.wav`` (audio in another container:
    ``1_1-B_T001_audio.m4a``)."""
    if kind not in MEDIA_KINDS:
        raise InputError(f"media kind {kind!r}: not one of {MEDIA_KINDS}")
    ext = suffix if suffix is not None else _MEDIA_SUFFIX[kind]
    tag = "_plate" if kind == "plate" else ""
    if kind == "audio" and ext.lower() != ".wav":
        tag = "_audio"
    return f"{media_stem(take.scene, take.shot, take.take)}{tag}{ext}"


BUSY_TIMEOUT_S = 10.0  # how long a call waits for another process's lock on the catalogue


def _use_wal(db: sqlite3.Connection) -> None:
    """Switch the catalogue to WAL. SQLite answers "database is locked" at once, without
    its busy wait, while another process holds a lock on a catalogue still in rollback
    mode (two recorders opening a new project together), so wait here as a busy
    handler would, up to :data:`BUSY_TIMEOUT_S`."""
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while True:
        try:
            db.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


class TakeStore:
    """The catalogue and files of one project folder (see module doc).

    ``TakeStore(path, create=True)`` makes the folder and catalogue if missing; with
    ``create=False`` a folder without a catalogue raises :class:`TakeStoreError`.
    """

    def __init__(self, root: str | Path, create: bool = True) -> None:
        self.root = Path(root)
        db = self.root / CATALOGUE
        if not db.exists() and not create:
            raise TakeStoreError(
                f"take store {self.root}: no {CATALOGUE} (not a previzkit project folder)"
            )
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(db, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            _use_wal(self._db)
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            with self._tx() as cur:
                for stmt in filter(str.strip, _SCHEMA.split(";")):
                    cur.execute(stmt)
                cur.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema', ?)",
                    (str(SCHEMA_VERSION),),
                )
            version = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise TakeStoreError(f"take store {db}: unusable catalogue ({exc})") from exc
        if int(version[0]) > SCHEMA_VERSION:
            raise TakeStoreError(
                f"take store {db}: schema {version[0]} is newer than this previzkit "
                f"({SCHEMA_VERSION}); upgrade previzkit"
            )

    # -- plumbing -------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        cur = self._db.cursor()
        cur.execute("BEGIN IMMEDIATE")
        try:
            yield cur
        except BaseException:
            cur.execute("ROLLBACK")
            raise
        else:
            cur.execute("COMMIT")

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> TakeStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @staticmethod
    def _row(row: tuple) -> Take:
        (id_, scene, shot, take, start_tc, rate, dur, files, notes, rating, circ, status, at) = row
        return Take(
            scene,
            shot,
            take,
            start_tc,
            rate,
            dur,
            json.loads(files),
            notes,
            rating,
            bool(circ),
            status,
            at,
            id_,
        )

    # -- paths ----------------------------------------------------------------------

    def take_dir(self, take: Take) -> Path:
        """``<project>/takes/<scene>/<shot>/<take:03d>``."""
        return self.root / "takes" / _safe(take.scene) / _safe(take.shot) / f"{take.take:03d}"

    def file(self, take: Take, kind: str) -> Path | None:
        """Absolute path of one of the take's files, or None when it has none.

        Every reader of take files goes through here. When the catalogued media file
        is gone but the take's folder holds it under the other naming scheme (the
        take's :func:`media_name`, or the older ``video.mp4`` / ``plate.mp4`` /
        ``audio.wav``), that one is returned."""
        if kind not in FILE_KINDS:
            raise InputError(f"file kind {kind!r}: not one of {FILE_KINDS}")
        rel = take.files.get(kind)
        if rel is None:
            return None
        folder = self.take_dir(take)
        path = folder / rel
        if kind in MEDIA_KINDS and not path.is_file():
            for name in (media_name(take, kind), LEGACY_MEDIA[kind]):
                if (folder / name).is_file():
                    return folder / name
        return path

    # -- catalogue --------------------------------------------------------------------

    def next_take_number(self, scene: str, shot: str) -> int:
        """1 + the highest take number of ``scene``/``shot``."""
        row = self._db.execute(
            "SELECT MAX(take) FROM takes WHERE scene=? AND shot=?", (scene, shot)
        ).fetchone()
        return int(row[0] or 0) + 1

    def add(
        self, take: Take, files: dict[str, str | Path] | None = None, move: bool = False
    ) -> Take:
        """Catalogue ``take`` and copy (or move) ``files`` (kind -> path) into its folder.

        Files already named in ``take.files`` must exist in the take's folder. Raises
        :class:`TakeStoreError` when scene/shot/take is already catalogued.
        """
        folder = self.take_dir(take)
        folder.mkdir(parents=True, exist_ok=True)
        stored = dict(take.files)
        for kind, src in (files or {}).items():
            if kind not in FILE_KINDS:
                raise InputError(f"take {take.label}: file kind {kind!r} not in {FILE_KINDS}")
            src_path = Path(src)
            if not src_path.is_file():
                raise MissingFileError(f"take {take.label}: {kind} file {src_path} does not exist")
            suffix = "".join(src_path.suffixes)
            name = media_name(take, kind, suffix) if kind in MEDIA_KINDS else f"{kind}{suffix}"
            dst = folder / name
            if src_path.resolve() != dst.resolve():
                (shutil.move if move else shutil.copy2)(src_path, dst)
            stored[kind] = name
        for kind, rel in stored.items():
            if not (folder / rel).is_file():
                raise MissingFileError(f"take {take.label}: {kind} file {folder / rel} missing")
        take.files = stored
        take.recorded_at = take.recorded_at or _dt.datetime.now(_dt.UTC).isoformat(
            timespec="seconds"
        )
        try:
            with self._tx() as cur:
                cur.execute(
                    f"INSERT INTO takes ({_COLUMNS}) VALUES (NULL,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        take.scene,
                        take.shot,
                        take.take,
                        take.start_tc,
                        take.rate,
                        take.duration_frames,
                        json.dumps(stored, sort_keys=True),
                        take.notes,
                        take.rating,
                        int(take.circled),
                        take.status,
                        take.recorded_at,
                    ),
                )
                take.id = cur.lastrowid
        except sqlite3.IntegrityError as exc:
            raise TakeStoreError(f"take {take.label}: already in {self.root / CATALOGUE}") from exc
        return take

    def list(
        self, scene: str | None = None, shot: str | None = None, circled: bool | None = None
    ) -> list[Take]:
        """Takes, filtered, in scene / shot / take order (natural: 2 before 10)."""
        sql = f"SELECT {_COLUMNS} FROM takes WHERE 1=1"
        args: list[object] = []
        if scene is not None:
            sql += " AND scene=?"
            args.append(str(scene))
        if shot is not None:
            sql += " AND shot=?"
            args.append(str(shot))
        if circled is not None:
            sql += " AND circled=?"
            args.append(int(circled))
        takes = [self._row(r) for r in self._db.execute(sql, args)]
        return sorted(takes, key=lambda t: (_natural(t.scene), _natural(t.shot), t.take))

    def get(self, scene: str, shot: str, take: int) -> Take:
        """One take; :class:`TakeStoreError` naming it when absent."""
        row = self._db.execute(
            f"SELECT {_COLUMNS} FROM takes WHERE scene=? AND shot=? AND take=?",
            (str(scene), str(shot), int(take)),
        ).fetchone()
        if row is None:
            raise TakeStoreError(f"take {scene}/{shot}/{take}: not in {self.root / CATALOGUE}")
        return self._row(row)

    def _update(self, take: Take, column: str, value: object) -> Take:
        with self._tx() as cur:
            cur.execute(
                f"UPDATE takes SET {column}=? WHERE scene=? AND shot=? AND take=?",
                (value, take.scene, take.shot, take.take),
            )
            if cur.rowcount != 1:
                raise TakeStoreError(f"take {take.label}: not in {self.root / CATALOGUE}")
        return self.get(take.scene, take.shot, take.take)

    def rate(self, scene: str, shot: str, take: int, rating: int) -> Take:
        """Set a take's rating (0-5)."""
        if int(rating) != rating or not 0 <= rating <= 5:
            raise InputError(f"rating {rating!r}: must be a whole number 0-5")
        return self._update(self.get(scene, shot, take), "rating", int(rating))

    def circle(self, scene: str, shot: str, take: int, circled: bool = True) -> Take:
        """Circle (or uncircle) a take: the director's pick for its shot."""
        return self._update(self.get(scene, shot, take), "circled", int(bool(circled)))

    def note(self, scene: str, shot: str, take: int, text: str, append: bool = True) -> Take:
        """Add a line to (or replace) a take's notes."""
        t = self.get(scene, shot, take)
        notes = f"{t.notes}\n{text}".strip() if append else text
        return self._update(t, "notes", notes)

    def set_status(self, scene: str, shot: str, take: int, status: str) -> Take:
        """Mark a take ``ok``, ``recovered``, ``recording`` or ``failed``."""
        t = self.get(scene, shot, take)
        Take(t.scene, t.shot, t.take, status=status)  # validates the status
        return self._update(t, "status", status)

    def finish(
        self, take: Take, duration_frames: int, files: dict[str, str], status: str, notes: str
    ) -> Take:
        """Write a recorded take's duration, files (kind -> name in its folder), status
        and notes in one transaction (the recorder's stop and crash recovery)."""
        with self._tx() as cur:
            cur.execute(
                "UPDATE takes SET duration_frames=?, files=?, status=?, notes=? "
                "WHERE scene=? AND shot=? AND take=?",
                (
                    duration_frames,
                    json.dumps(files, sort_keys=True),
                    status,
                    notes,
                    take.scene,
                    take.shot,
                    take.take,
                ),
            )
            if cur.rowcount != 1:
                raise TakeStoreError(f"take {take.label}: not in {self.root}")
        return self.get(take.scene, take.shot, take.take)

    def export(self, path: str | Path, scene: str | None = None) -> Path:
        """Write the catalogue (filtered by ``scene``) as JSON or CSV by suffix."""
        out = Path(path)
        takes = self.list(scene=scene)
        rows = []
        for t in takes:
            d = t.to_dict()
            d["end_tc"] = t.end_tc
            d["files"] = {k: str(self.take_dir(t) / v) for k, v in t.files.items()}
            rows.append(d)
        out.parent.mkdir(parents=True, exist_ok=True)
        if out.suffix.lower() == ".json":
            out.write_text(json.dumps(rows, indent=2), encoding="utf-8")
        elif out.suffix.lower() == ".csv":
            import csv

            fields = list(rows[0]) if rows else ["scene", "shot", "take"]
            with out.open("w", newline="", encoding="utf-8") as fh:
                w = csv.DictWriter(fh, fieldnames=fields)
                w.writeheader()
                for r in rows:
                    r["files"] = json.dumps(r["files"])
                    w.writerow(r)
        else:
            raise InputError(f"{out}: export suffix {out.suffix!r}; use .json or .csv")
        return out


def _natural(text: str) -> list[object]:
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]

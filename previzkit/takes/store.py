"""The take store: a project folder with a SQLite catalogue and files per take.

Layout::

    <project>/takes.sqlite            catalogue (WAL journal, one transaction per change)
    <project>/takes/<scene>/<shot>/<take>/   the take's files (pose.*, 1_1-B_T001.mp4, ...)

Scene and shot become folder names one-to-one (:func:`~previzkit.model.take.name_part`:
every character but A-Z a-z 0-9 ``-`` as ``+XX`` per UTF-8 byte, so "2 B" -> ``2+20B``
and "2_B" -> ``2+5FB``); a take recorded before that, under the older lossy name
(``2_B`` for both), is still found there when its own folder does not exist.

The catalogue can be opened read-only (``TakeStore(path, readonly=True)``: SQLite
``mode=ro``, or ``immutable=1`` where the folder cannot be written); it is never
created beside an existing ``takes/`` tree (``previzkit takes rebuild`` makes it from
the take folders, :mod:`previzkit.takes.rebuild`). A catalogue row that cannot be read
is left out of :meth:`TakeStore.list` with a warning in :attr:`TakeStore.warnings`.

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
import logging
import re
import shutil
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from previzkit.core.errors import InputError, MissingFileError, PrevizError, TakeStoreError
from previzkit.model.take import FILE_KINDS, Take, media_stem, name_part

log = logging.getLogger(__name__)

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
_LEGACY_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _legacy_part(part: str) -> str:
    """The lossy folder name of takes recorded before :func:`name_part` ("2 B" and
    "2_B" both ``2_B``): only looked up, never written."""
    return _LEGACY_UNSAFE.sub("_", part).strip("._") or "_"


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

    def __init__(self, root: str | Path, create: bool = True, readonly: bool = False) -> None:
        self.root = Path(root)
        self.readonly = readonly
        self.warnings: list[str] = []  # catalogue rows left out of list(), one line each
        db = self.root / CATALOGUE
        if not db.exists() and (readonly or not create):
            raise TakeStoreError(
                f"take store {self.root}: no {CATALOGUE} (not a previzkit project folder)"
                + (
                    f"; rebuild it with: previzkit takes rebuild -p {self.root}"
                    if self._has_takes()
                    else ""
                )
            )
        if not db.exists() and self._has_takes():
            raise self._no_catalogue(db, "missing")
        try:
            if readonly:
                self._db = _open_readonly(db)
            else:
                self.root.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(db, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            tables = {r[0] for r in self._db.execute("SELECT name FROM sqlite_master")}
            if "takes" not in tables and (readonly or self._has_takes()):
                self._db.close()
                raise self._no_catalogue(db, "empty (no takes table)")
            if not readonly:
                self._create_schema()
            version = self._db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise TakeStoreError(
                f"take store {db}: unusable catalogue ({exc}); rebuild it from the take "
                f"folders with: previzkit takes rebuild -p {self.root}"
            ) from exc
        if version is None or not str(version[0]).isdigit():
            raise TakeStoreError(f"take store {db}: no schema version in its meta table")
        if int(version[0]) > SCHEMA_VERSION:
            raise TakeStoreError(
                f"take store {db}: schema {version[0]} is newer than this previzkit "
                f"({SCHEMA_VERSION}); upgrade previzkit"
            )

    def _create_schema(self) -> None:
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

    def _has_takes(self) -> bool:
        """True when ``takes/`` holds a take folder (``<scene>/<shot>/<NNN>``)."""
        return any(p.is_dir() for p in (self.root / "takes").glob("*/*/*"))

    def _no_catalogue(self, db: Path, what: str) -> TakeStoreError:
        return TakeStoreError(
            f"take store {db}: catalogue {what} but {self.root / 'takes'} holds take "
            f"folders; not creating a new one over them. Rebuild it from the take folders "
            f"with: previzkit takes rebuild -p {self.root}"
        )

    # -- plumbing -------------------------------------------------------------------

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        if self.readonly:
            raise TakeStoreError(f"take store {self.root}: opened read-only, cannot change it")
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
        """The Take of one catalogue row; :class:`TakeStoreError` naming the row when a
        value is missing, of the wrong type or not JSON."""
        (id_, scene, shot, take, start_tc, rate, dur, files, notes, rating, circ, status, at) = row
        try:
            if not isinstance(files, str):
                raise TypeError(f"files is {type(files).__name__}, not JSON text")
            names = json.loads(files)
            if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
                raise TypeError("files is not a kind -> file name object")
            for name, value, kind in (
                ("scene", scene, str),
                ("shot", shot, str),
                ("take", take, int),
                ("start_tc", start_tc, str),
                ("rate", rate, str),
                ("duration_frames", dur, int),
                ("notes", notes, str),
                ("rating", rating, int),
                ("circled", circ, int),
                ("status", status, str),
                ("recorded_at", at, str),
            ):
                if not isinstance(value, kind):
                    raise TypeError(f"{name} is {value!r}, not {kind.__name__}")
            return Take(
                scene,
                shot,
                take,
                start_tc,
                rate,
                dur,
                names,
                notes,
                rating,
                bool(circ),
                status,
                at,
                id_,
            )
        except (TypeError, ValueError, PrevizError) as exc:
            raise TakeStoreError(f"catalogue row id {id_} ({scene}/{shot}/{take}): {exc}") from None

    # -- paths ----------------------------------------------------------------------

    def take_dir(self, take: Take) -> Path:
        """``<project>/takes/<scene>/<shot>/<take:03d>``, scene and shot as
        :func:`~previzkit.model.take.name_part` (see module doc); the older lossy
        folder when only that one exists."""
        folder = self.folder_of(take.scene, take.shot, take.take)
        if not folder.exists():
            old = self._legacy_dir(take.scene, take.shot, take.take)
            if old.is_dir():
                return old
        return folder

    def folder_of(self, scene: str, shot: str, take: int) -> Path:
        """The folder a new take ``scene``/``shot``/``take`` is recorded into."""
        return self.root / "takes" / name_part(scene) / name_part(shot) / f"{take:03d}"

    def _legacy_dir(self, scene: str, shot: str, take: int) -> Path:
        return self.root / "takes" / _legacy_part(scene) / _legacy_part(shot) / f"{take:03d}"

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
        """1 + the highest take number of ``scene``/``shot``, moved past numbers whose
        folder already exists (a take the catalogue lost is never written over)."""
        row = self._db.execute(
            "SELECT MAX(take) FROM takes WHERE scene=? AND shot=?", (scene, shot)
        ).fetchone()
        number = int(row[0] or 0) + 1
        while (
            self.folder_of(scene, shot, number).exists()
            or self._legacy_dir(scene, shot, number).exists()
        ):
            number += 1
        return number

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
                _insert(cur, take)
        except sqlite3.IntegrityError as exc:
            raise TakeStoreError(f"take {take.label}: already in {self.root / CATALOGUE}") from exc
        return take

    def restore(self, takes: list[Take]) -> None:
        """Catalogue ``takes`` as they are, in one transaction, without looking at their
        folders (:mod:`previzkit.takes.rebuild` writing a new catalogue)."""
        with self._tx() as cur:
            for take in takes:
                _insert(cur, take)

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
        takes = []
        for r in self._db.execute(sql, args):
            try:
                takes.append(self._row(r))
            except TakeStoreError as exc:
                self._warn(f"{exc}; left out")
        return sorted(takes, key=lambda t: (_natural(t.scene), _natural(t.shot), t.take))

    def _warn(self, line: str) -> None:
        log.warning("take store %s: %s", self.root, line)
        self.warnings.append(line)

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


def _insert(cur: sqlite3.Cursor, take: Take) -> None:
    cur.execute(
        f"INSERT INTO takes ({_COLUMNS}) VALUES (NULL,?,?,?,?,?,?,?,?,?,?,?,?)",
        (
            take.scene,
            take.shot,
            take.take,
            take.start_tc,
            take.rate,
            take.duration_frames,
            json.dumps(take.files, sort_keys=True),
            take.notes,
            take.rating,
            int(take.circled),
            take.status,
            take.recorded_at,
        ),
    )
    take.id = cur.lastrowid


def _open_readonly(db: Path) -> sqlite3.Connection:
    """A read-only connection: ``mode=ro`` (sees a live recorder's WAL), else, where
    SQLite cannot make its ``-shm`` file (a read-only folder), ``immutable=1``."""
    uri = db.resolve().as_uri()
    conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_S)
    try:
        conn.execute("SELECT name FROM sqlite_master").fetchall()
    except sqlite3.OperationalError:
        conn.close()
        return sqlite3.connect(f"{uri}?immutable=1", uri=True)
    return conn

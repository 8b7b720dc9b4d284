"""Two recorders opening a new project together: the second waits for the first's lock
instead of failing ("database is locked", which SQLite returns at once, without its busy
wait, when switching a catalogue still in rollback mode to WAL)."""

from __future__ import annotations

import sqlite3
import threading

from previzkit.takes.store import CATALOGUE, TakeStore


def test_a_store_opens_while_another_process_holds_the_new_catalogue(tmp_path):
    other = sqlite3.connect(tmp_path / CATALOGUE, isolation_level=None, check_same_thread=False)
    other.execute("CREATE TABLE IF NOT EXISTS scratch (a)")
    other.execute("BEGIN IMMEDIATE")  # rollback mode, write lock held
    other.execute("INSERT INTO scratch VALUES (1)")
    release = threading.Timer(0.3, lambda: other.execute("COMMIT"))
    release.start()
    try:
        with TakeStore(tmp_path) as store:
            assert store.list() == []
        check = sqlite3.connect(tmp_path / CATALOGUE)
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        check.close()
    finally:
        release.join()
        other.close()

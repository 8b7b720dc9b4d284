"""The take store: SQLite catalogue (WAL) + files per take, and its bad inputs."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest

from previzkit.core.errors import InputError, MissingFileError, TakeStoreError, TimecodeError
from previzkit.model.take import Take
from previzkit.takes.store import CATALOGUE, TakeStore


@pytest.fixture
def store(tmp_path):
    with TakeStore(tmp_path / "proj") as s:
        yield s


def _file(tmp_path, name, data=b"x"):
    p = tmp_path / name
    p.write_bytes(data)
    return p


def test_add_copies_files_into_the_take_folder(store, tmp_path):
    video = _file(tmp_path, "cam.mp4", b"video")
    take = store.add(Take("1", "1-A", 1, "10:00:00:00", "24", 48), {"video": video})
    assert take.id is not None
    folder = store.take_dir(take)
    assert folder == store.root / "takes" / "1" / "1-A" / "001"
    assert (folder / "1_1-A_T001.mp4").read_bytes() == b"video"  # named after the take
    assert video.exists()  # copied, not moved
    assert store.file(take, "video") == folder / "1_1-A_T001.mp4"
    assert store.file(take, "audio") is None


def test_media_names_are_unique_sortable_and_old_names_still_found(store, tmp_path):
    from previzkit.model.take import media_stem
    from previzkit.takes.store import media_name

    take = Take("12A", "12A-B", 7)
    assert media_name(take, "video") == "12A_12A-B_T007.mp4"
    assert media_name(take, "plate") == "12A_12A-B_T007_plate.mp4"
    assert media_name(take, "audio") == "12A_12A-B_T007.wav"
    assert media_name(take, "audio", ".m4a") == "12A_12A-B_T007_audio.m4a"
    # one-to-one: the separator never comes out of a part, odd characters are escaped
    assert media_stem("1_2", "A", 1) != media_stem("1", "2_A", 1)
    assert media_stem("1 A", "x", 1) == "1+20A_x_T001"
    assert media_stem("é", "x", 1) == "+C3+A9_x_T001"
    stems = [media_stem(sc, sh, t) for sc in ("1", "2", "10") for sh in ("A", "B") for t in (2, 10)]
    assert len(set(stems)) == len(stems)
    assert sorted(stems, key=lambda s: s.split("_")[2]) == sorted(stems, key=lambda s: int(s[-3:]))
    # a take recorded before media were named after their take: video.mp4
    old = store.add(Take("3", "3-A", 1, "10:00:00:00", "24", 48))
    folder = store.take_dir(old)
    (folder / "video.mp4").write_bytes(b"v")
    old.files["video"] = "video.mp4"
    assert store.file(old, "video") == folder / "video.mp4"
    old.files["video"] = "3_3-A_T001.mp4"  # catalogued under the new name, file kept old
    assert store.file(old, "video") == folder / "video.mp4"


def test_catalogue_is_wal_and_persists(tmp_path):
    root = tmp_path / "p"
    with TakeStore(root) as s:
        s.add(Take("2", "2-B", 1, "01:00:00;00", "29.97", 90, notes="first"))
        s.add(Take("2", "2-B", 2, "01:00:10;00", "29.97", 30))
        s.add(Take("10", "10-A", 1))
        s.add(Take("2", "2-A", 1))
    db = sqlite3.connect(root / CATALOGUE)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db.close()
    with TakeStore(root, create=False) as s:
        labels = [t.label for t in s.list()]
        assert labels == ["2/2-A/1", "2/2-B/1", "2/2-B/2", "10/10-A/1"]  # natural order
        t = s.get("2", "2-B", 1)
        assert (t.notes, t.rate, t.duration_frames, t.end_tc) == (
            "first",
            "29.97",
            90,
            "01:00:03;00",
        )
        assert s.next_take_number("2", "2-B") == 3
        assert [t.take for t in s.list(scene="2", shot="2-B")] == [1, 2]


def test_rate_circle_note_status(store):
    store.add(Take("1", "1-A", 1))
    assert store.rate("1", "1-A", 1, 4).rating == 4
    assert store.circle("1", "1-A", 1).circled is True
    assert [t.take for t in store.list(circled=True)] == [1]
    store.note("1", "1-A", 1, "good energy")
    assert store.note("1", "1-A", 1, "focus soft").notes == "good energy\nfocus soft"
    assert store.set_status("1", "1-A", 1, "recovered").status == "recovered"
    assert store.circle("1", "1-A", 1, False).circled is False


def test_export_json_and_csv(store, tmp_path):
    store.add(Take("1", "1-A", 1, "10:00:00:00", "25", 50, rating=3))
    rows = json.loads(store.export(tmp_path / "t.json").read_text())
    assert rows[0]["end_tc"] == "10:00:02:00" and rows[0]["rating"] == 3
    with (store.export(tmp_path / "t.csv")).open() as fh:
        assert next(csv.DictReader(fh))["shot"] == "1-A"
    with pytest.raises(InputError, match=r"use \.json or \.csv"):
        store.export(tmp_path / "t.xls")


def test_transaction_rolls_back_a_duplicate(store):
    store.add(Take("1", "1-A", 1))
    with pytest.raises(TakeStoreError, match="1/1-A/1: already in"):
        store.add(Take("1", "1-A", 1))
    assert len(store.list()) == 1


def test_bad_inputs_name_what_is_wrong(store, tmp_path):
    with pytest.raises(TakeStoreError, match="not in"):
        store.get("9", "9-Z", 1)
    with pytest.raises(TakeStoreError, match="not in"):
        store.rate("9", "9-Z", 1, 3)
    store.add(Take("1", "1-A", 1))
    with pytest.raises(InputError, match="rating 7"):
        store.rate("1", "1-A", 1, 7)
    with pytest.raises(MissingFileError, match=r"video file .*nope\.mp4 does not exist"):
        store.add(Take("1", "1-A", 2), {"video": tmp_path / "nope.mp4"})
    with pytest.raises(InputError, match="file kind 'script'"):
        store.add(Take("1", "1-A", 3), {"script": _file(tmp_path, "s.txt")})
    with pytest.raises(InputError, match="status 'lost'"):
        store.set_status("1", "1-A", 1, "lost")


def test_not_a_project(tmp_path):
    with pytest.raises(TakeStoreError, match=r"no takes\.sqlite"):
        TakeStore(tmp_path, create=False)
    (tmp_path / CATALOGUE).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(TakeStoreError, match="unusable catalogue"):
        TakeStore(tmp_path)


@pytest.mark.parametrize(
    "kwargs,match",
    [
        ({"take": 0}, "take number 0"),
        ({"scene": " "}, "must be set"),
        ({"rating": 6}, "rating 6"),
        ({"start_tc": "00:00:00:30", "rate": "30"}, "frames field 30"),
        ({"rate": "12"}, "unsupported"),
        ({"files": {"mocap": "x"}}, "file kinds"),
        ({"duration_frames": -1}, "duration_frames -1"),
    ],
)
def test_take_validation(kwargs, match):
    args = {"scene": "1", "shot": "1-A", "take": 1} | kwargs
    with pytest.raises((InputError, TimecodeError), match=match):
        Take(**args)

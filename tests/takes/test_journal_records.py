"""The take journal: length-prefixed CRC'd records, torn tails detected and cut,
flushed (fsync) by its own thread within the flush interval."""

from __future__ import annotations

import struct
import time

import pytest

from previzkit.core.errors import InputError, JournalError, MissingFileError, RecordingError
from previzkit.model.camera_track import CameraSample
from previzkit.takes.journal import (
    KIND_CAMERA,
    KIND_FRAME,
    KIND_MARK,
    JournalWriter,
    decode_tick,
    encode_camera,
    encode_mark,
    encode_record,
    encode_tick,
    read_journal,
    truncate_torn_tail,
)


def _write(path, n=10):
    w = JournalWriter(path, {"scene": "1", "rate": "24"}, flush_interval=0.5)
    for i in range(n):
        w.append(KIND_FRAME, encode_tick(i, i / 24))
    w.close()
    return w


def test_records_read_back_in_order(tmp_path):
    path = tmp_path / "j.pzj"
    w = JournalWriter(path, {"scene": "1"}, flush_interval=0.5)
    cam = CameraSample(3, 0.125, (1.0, 2.0, 3.0), (0.0, 0.0, 0.0, 1.0), 35.0, 24.89, 18.66, 2.0)
    w.append(KIND_CAMERA, encode_camera(cam))
    w.append(KIND_MARK, encode_mark({"event": "action"}))
    w.append(KIND_FRAME, encode_tick(3, 0.125))
    w.close()
    assert w.records_written == 3
    j = read_journal(path)
    assert j.meta == {"scene": "1"}
    assert [k for k, _ in j.records] == [KIND_CAMERA, KIND_MARK, KIND_FRAME]
    assert j.cameras() == [cam]
    assert j.marks() == [{"event": "action"}]
    assert j.ticks() == [(3, 0.125)]
    assert not j.truncated and not j.ended


def test_a_torn_tail_is_detected_and_cut(tmp_path):
    path = tmp_path / "j.pzj"
    _write(path, 10)
    whole = path.read_bytes()
    rec = encode_record(KIND_FRAME, encode_tick(10, 1.0))
    for cut in (1, 5, len(rec) - 1):  # a write cut anywhere inside the record
        path.write_bytes(whole + rec[:cut])
        j = read_journal(path)
        assert j.truncated and len(j.records) == 10 and j.valid_bytes == len(whole)
    kept = truncate_torn_tail(path)
    assert len(kept.records) == 10 and path.read_bytes() == whole


def test_a_corrupt_record_ends_the_journal_there(tmp_path):
    path = tmp_path / "j.pzj"
    _write(path, 10)
    data = bytearray(path.read_bytes())
    rec_size = len(encode_record(KIND_FRAME, encode_tick(0, 0.0)))
    data[len(data) - 3 * rec_size + 12] ^= 0xFF  # a flipped payload byte in record 8
    path.write_bytes(bytes(data))
    j = read_journal(path)
    assert j.truncated and len(j.records) == 7
    assert [decode_tick(p)[0] for p in j.of_kind(KIND_FRAME)] == list(range(7))


def test_the_flusher_thread_makes_records_durable_without_being_asked(tmp_path):
    path = tmp_path / "j.pzj"
    seen = []
    w = JournalWriter(path, {}, flush_interval=0.2, on_flush=seen.append)
    w.append(KIND_FRAME, encode_tick(0, 0.0))
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.05)
    assert seen == [1]
    assert len(read_journal(path).records) == 1  # on disk while the writer is open
    w.close()


def test_bad_journals_and_arguments_are_named(tmp_path):
    with pytest.raises(MissingFileError, match=r"nope\.pzj"):
        read_journal(tmp_path / "nope.pzj")
    bad = tmp_path / "bad.pzj"
    bad.write_bytes(b"not a journal at all")
    with pytest.raises(JournalError, match=r"bad\.pzj.*not a previzkit take journal"):
        read_journal(bad)
    newer = tmp_path / "newer.pzj"
    _write(newer, 1)
    data = bytearray(newer.read_bytes())
    data[8:10] = struct.pack("<H", 9)
    newer.write_bytes(bytes(data))
    with pytest.raises(JournalError, match="version 9"):
        read_journal(newer)
    short = tmp_path / "short.pzj"
    short.write_bytes(newer.read_bytes()[:14])
    with pytest.raises(JournalError):
        read_journal(short)
    with pytest.raises(InputError, match="flush_interval 2"):
        JournalWriter(tmp_path / "x.pzj", {}, flush_interval=2)
    with pytest.raises(RecordingError, match=r"exists|cannot create"):
        JournalWriter(newer, {})  # never overwrites a journal
    w = JournalWriter(tmp_path / "y.pzj", {})
    w.close()
    with pytest.raises(RecordingError, match="closed"):
        w.append(KIND_FRAME, encode_tick(0, 0.0))


def _journal_bytes(tmp_path, n=12):
    path = tmp_path / "base.pzj"
    w = JournalWriter(path, {"scene": "1"}, flush_interval=0.5)
    for i in range(n):
        w.append(KIND_FRAME, encode_tick(i, i / 24))
        w.append(KIND_MARK, encode_mark({"i": i, "pad": "x" * (i % 5)}))
    w.close()
    return path.read_bytes(), read_journal(path).records


def test_any_cut_or_flipped_byte_leaves_an_intact_prefix(tmp_path):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    data, records = _journal_bytes(tmp_path)
    head = len(data) - sum(9 + len(p) for _, p in records)

    @settings(
        max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(cut=st.integers(0, len(data)), flip=st.integers(0, len(data) - 1), bit=st.integers(0, 7))
    def check(cut, flip, bit):
        for variant in (
            data[:cut],
            data[:flip] + bytes([data[flip] ^ (1 << bit)]) + data[flip + 1 :],
        ):
            p = tmp_path / "v.pzj"
            p.write_bytes(variant)
            try:
                j = read_journal(p)
            except JournalError:
                assert len(variant) < head or variant[:head] != data[:head]  # the header
                continue
            assert j.records == records[: len(j.records)]  # never a damaged record
            if variant == data:
                assert not j.truncated and j.records == records

    check()

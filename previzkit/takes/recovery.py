"""Crash recovery: finish takes whose recording process died.

A recording take is catalogued with status ``recording`` and its recorder holds an
exclusive ``flock`` on ``<take>/recording.lock``; the kernel drops that lock when the
process dies, however it dies (SIGKILL, power cut of the process, OOM). At the next
start :func:`recover` finds every ``recording`` take whose lock it can take, and
:func:`finalize` replays its journal:

- a torn journal tail (a cut write) is cut; every record up to the last flush is kept;
- ``pose.pzt`` (:mod:`previzkit.model.pose_track`), ``camera.npz``
  (:mod:`previzkit.model.camera_track`) and ``joints.npz``
  (:mod:`previzkit.model.joint_track`) are rebuilt from it;
- the video and plate MP4s are cut after their last complete fragment;
- the audio WAV gets its RIFF sizes repaired (media named after the take,
  :func:`~previzkit.takes.store.media_name`, or ``video.mp4`` / ``plate.mp4`` /
  ``audio.wav`` in takes recorded before);
- the catalogue row gets the duration, the files, status ``recovered`` and a note.

The recorder's clean :meth:`~previzkit.takes.recorder.Recorder.stop` runs the same
:func:`finalize`, so a recovered take and a clean one have the same files.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from previzkit.core.errors import JournalError, PrevizError
from previzkit.model.camera_track import CameraTrack, write_camera_track
from previzkit.model.frame_joints import FrameJoints
from previzkit.model.joint_track import JOINTS_FILE, JointTrack, write_joint_track
from previzkit.model.take import Take
from previzkit.takes.journal import (
    KIND_CAMERA,
    KIND_POSE,
    read_journal,
    truncate_torn_tail,
)
from previzkit.takes.store import LEGACY_MEDIA, MEDIA_KINDS, TakeStore, media_name

log = logging.getLogger(__name__)

JOURNAL, LOCK = "journal.pzj", "recording.lock"
MEDIA = LEGACY_MEDIA  # the names before media were named after their take
POSE_FILE, CAMERA_FILE = "pose.pzt", "camera.npz"


@dataclass
class Replay:
    """What a journal replay produced: ``frames`` (frame ticks), ``pose_frames``,
    ``camera_samples``, ``joint_frames`` (frames with the characters' joints), ``files``
    (kind -> name in the take's folder),
    ``media_frames`` (kind -> decodable frames or audio sample frames),
    ``journal_truncated`` (a torn tail was cut), ``ended`` (stopped cleanly)."""

    frames: int = 0
    pose_frames: int = 0
    camera_samples: int = 0
    joint_frames: int = 0
    files: dict[str, str] = field(default_factory=dict)
    media_frames: dict[str, int] = field(default_factory=dict)
    journal_truncated: bool = False
    ended: bool = False
    notes: list[str] = field(default_factory=list)


def replay(folder: str | Path, take: Take | None = None) -> Replay:
    """Rebuild a take's files in ``folder`` from its journal and media (idempotent).

    Media files are looked for under ``take``'s names (else the journal's scene, shot
    and take), then under the older fixed names."""
    from previzkit.media.audio import repair_wav
    from previzkit.media.video import count_frames, trim_fragmented_mp4
    from previzkit.model.pose_track import PoseFrame, TrackWriter, decode_frame

    folder = Path(folder)
    journal_path = folder / JOURNAL
    out = Replay()
    journal = None
    if journal_path.exists():
        try:
            journal = read_journal(journal_path)
        except JournalError as exc:
            out.notes.append(f"journal unreadable ({exc})")
        else:
            out.journal_truncated = journal.truncated
            if journal.truncated:
                truncate_torn_tail(journal_path)
    else:
        out.notes.append("no journal (the process died before writing one)")
    if journal is not None:
        ticks = journal.ticks()
        out.frames = len(ticks)
        out.ended = journal.ended
        meta = journal.meta
        done = {i for i, _ in ticks}  # a frame's tick is its last record: frames after
        poses = [f for f in map(decode_frame, journal.of_kind(KIND_POSE)) if f.index in done]
        if poses:
            tmp = folder / (POSE_FILE + ".tmp")
            with TrackWriter(
                tmp,
                width=int(meta.get("width") or 0),
                height=int(meta.get("height") or 0),
                fps=float(_fps(meta.get("rate", "24"))),
                meta={"source": "take journal", "start_tc": meta.get("start_tc", "")},
            ) as w:
                for f in poses:
                    w.write(PoseFrame(f.index, f.time, f.people))
            _replace(tmp, folder / POSE_FILE)
            out.files["pose"] = POSE_FILE
            out.pose_frames = len(poses)
        if any(True for _ in journal.of_kind(KIND_CAMERA)):
            tmp = folder / "camera.tmp.npz"
            cams = CameraTrack.from_samples(
                (c for c in journal.cameras() if c.index in done),
                {k: meta.get(k) for k in ("rate", "start_tc", "scene", "shot", "take")},
            )
            write_camera_track(cams, tmp)
            out.camera_samples = len(cams)
            _replace(tmp, folder / CAMERA_FILE)
            out.files["camera"] = CAMERA_FILE
        track = joint_track_from_records(ticks, journal.joints(), meta)
        if track is not None:
            tmp = folder / (JOINTS_FILE + ".tmp.npz")
            write_joint_track(track, tmp)
            _replace(tmp, folder / JOINTS_FILE)
            out.files["joints"] = JOINTS_FILE
            out.joint_frames = int(np.isfinite(track.world).any(axis=(1, 2, 3)).sum())
    for kind in MEDIA_KINDS:
        path = _media_file(folder, kind, take, journal.meta if journal is not None else {})
        if path is None:
            continue
        name = path.name
        try:
            if kind == "audio":
                out.media_frames[kind] = repair_wav(path)
            else:
                cut = trim_fragmented_mp4(path)
                if cut:
                    out.notes.append(f"{name}: a torn last fragment ({cut} bytes) was cut")
                out.media_frames[kind] = count_frames(path)
        except PrevizError as exc:
            out.notes.append(f"{name}: not playable ({exc}); kept as {name}.broken")
            _replace(path, folder / f"{name}.broken")
            continue
        if out.media_frames[kind] == 0 and kind != "audio":
            out.notes.append(f"{name}: no complete fragment was written")
            _replace(path, folder / f"{name}.broken")
            continue
        out.files[kind] = name
    return out


def joint_track_from_records(
    ticks: list[tuple[int, float]],
    records: list[tuple[int, FrameJoints]],
    meta: dict[str, Any] | None = None,
) -> JointTrack | None:
    """The take's joint track from its frame ticks (index, time s) and joints records
    (index, joints): one row per tick, characters and joints in order of first
    appearance, NaN where a frame has no record or a record lacks a character. None
    when there are no records for ticked frames."""
    rows = {i: n for n, (i, _) in enumerate(ticks)}
    records = [(i, j) for i, j in records if i in rows]
    if not records:
        return None
    chars: dict[str, int] = {}
    names: dict[str, int] = {}
    for _, fj in records:
        for c in fj.characters:
            chars.setdefault(c, len(chars))
        for n in fj.joints:
            names.setdefault(n, len(names))
    world = np.full((len(ticks), len(chars), len(names), 3), np.nan, np.float32)
    for i, fj in records:
        ci = [chars[c] for c in fj.characters]
        ji = [names[n] for n in fj.joints]
        world[rows[i]][np.ix_(ci, ji)] = fj.world
    keys = ("rate", "start_tc", "scene", "shot", "take")
    return JointTrack(
        list(chars),
        list(names),
        world,
        np.array([i for i, _ in ticks], np.int64),
        np.array([t for _, t in ticks], np.float64),
        {k: (meta or {}).get(k) for k in keys},
    )


def finalize(store: TakeStore, take: Take, status: str = "recovered", note: str = "") -> Take:
    """Replay ``take``'s folder and update its catalogue row (duration, files, status,
    note). Used by the recorder's clean stop (``ok``) and by :func:`recover`."""
    from previzkit.takes.take_audio import add_take_audio

    folder = store.take_dir(take)
    r = replay(folder, take)
    r.notes.extend(add_take_audio(folder, r.files))  # sound in every take video
    notes = [note] if note else []
    if status != "ok":
        notes.append(
            f"{status}: {r.frames} frames from the journal"
            + (", torn tail cut" if r.journal_truncated else "")
            + "".join(f", {k} {n}" for k, n in sorted(r.media_frames.items()))
        )
        notes.extend(r.notes)
    elif r.notes:
        notes.extend(r.notes)
    if status != "ok" and r.frames == 0 and not r.files:
        status = "failed"
    return store.finish(
        take, r.frames, r.files, status, "\n".join(filter(None, [take.notes, *notes])).strip()
    )


def is_alive(folder: str | Path) -> bool:
    """True while a recorder holds the take's ``recording.lock``."""
    path = Path(folder) / LOCK
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def recover(store: TakeStore) -> list[Take]:
    """Finish every take left ``recording`` by a dead process; returns them (``recovered``,
    or ``failed`` when nothing was recorded or the take cannot be finished, with a note
    saying why). Takes still being recorded are left alone."""
    done = []
    for take in store.list():
        if take.status != "recording":
            continue
        folder = store.take_dir(take)
        # hold the take's lock while recovering it, and read its status again under the
        # lock: its recorder may have finished it since store.list() (another process)
        try:
            fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError:
            continue  # no folder to lock (or no permission): nothing this process can do
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # alive: being recorded (or recovered by another process)
            take = store.get(take.scene, take.shot, take.take)
            if take.status != "recording":
                continue
            log.warning("take %s: its recorder died; recovering from %s", take.label, folder)
            done.append(_finalize_or_fail(store, take))
        finally:
            os.close(fd)
    return done


def _finalize_or_fail(store: TakeStore, take: Take) -> Take:
    """:func:`finalize` one dead take; when that fails, whatever the cause (a journal
    record that passes its CRC but does not decode, an unreadable file), mark it
    ``failed`` with a note naming the error and leave its folder as it is, so the
    other takes and later recordings carry on."""
    try:
        return finalize(store, take, "recovered", "recovered after the recorder died")
    except Exception as exc:  # one take's damage must not stop the rest
        why = f"{type(exc).__name__}: {exc}"
        log.warning("take %s: cannot be recovered (%s); marked failed", take.label, why)
        note = (
            f"failed: recovery after the recorder died could not finish it ({why}); "
            f"its folder {store.take_dir(take)} is kept as it was"
        )
        return store.finish(take, 0, {}, "failed", f"{take.notes}\n{note}".strip())


def _media_file(folder: Path, kind: str, take: Take | None, meta: dict[str, Any]) -> Path | None:
    """The take's ``kind`` media file in ``folder`` (its take-named file, else the old
    fixed name), None when there is none."""
    names = []
    if take is None and {"scene", "shot", "take"} <= set(meta):
        with contextlib.suppress(PrevizError, TypeError, ValueError):
            take = Take(str(meta["scene"]), str(meta["shot"]), int(meta["take"]))
    if take is not None:
        names.append(media_name(take, kind))
    names.append(MEDIA[kind])
    return next((folder / n for n in names if (folder / n).exists()), None)


def _fps(rate: str) -> float:
    from previzkit.model.timecode import rate as _rate

    return float(_rate(rate).fps)


def _replace(src: Path, dst: Path) -> None:
    os.replace(src, dst)
    fd = os.open(dst.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

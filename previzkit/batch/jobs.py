"""Per-take batch jobs: each reads one take's files and writes one output into the
take's folder, atomically (a temporary file renamed into place) and with a done
record ``batch/<job>.json``, so a job that already ran is skipped and a killed one
leaves nothing half-written.

- ``capture``: MediaPipe pose on the take's camera plate (else its video) ->
  ``capture.pzt`` (:func:`previzkit.capture.pipeline.capture`);
- ``render``: the take's recorded poses and camera track through a set ->
  ``render.mp4`` (characters retargeted per frame, the recorded lens per frame);
- ``analyse``: the editor's measurements (trims, tracking, timing) ->
  ``analysis.json``, read by ``previzkit batch assemble``.

Every function here runs in a Dask worker process: arguments are plain paths and
dicts, and imports happen inside.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

JOBS = ("capture", "render", "analyse")
OUTPUTS = {"capture": "capture.pzt", "render": "render.mp4", "analyse": "analysis.json"}


@dataclass
class TaskResult:
    """One take's outcome: ``status`` ok | skipped | failed, ``message`` (the error on
    failure), ``output`` (path relative to the take folder), ``seconds``, ``worker``
    (host:pid that ran it), ``details`` (job-specific counts)."""

    label: str
    job: str
    status: str
    message: str = ""
    output: str = ""
    seconds: float = 0.0
    worker: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def done_record(folder: Path, job: str) -> Path:
    return folder / "batch" / f"{job}.json"


def is_done(folder: Path, job: str) -> bool:
    """True when ``job`` finished for the take in ``folder`` (its record and output)."""
    rec = done_record(folder, job)
    if not rec.is_file():
        return False
    try:
        data = json.loads(rec.read_text())
    except (OSError, ValueError):
        return False
    return data.get("status") == "ok" and (folder / OUTPUTS[job]).is_file()


def _worker() -> str:
    import socket

    return f"{socket.gethostname()}:{os.getpid()}"


def run_take_job(
    job: str, project: str, scene: str, shot: str, take: int, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run ``job`` on one take of the take store at ``project``; never raises for a
    bad take: the failure comes back in the result (as a dict, for any transport)."""
    from previzkit.takes.store import TakeStore

    label = f"{scene}/{shot}/{take}"
    t0 = time.perf_counter()
    opts = dict(options or {})
    try:
        if job not in JOBS:
            raise ValueError(f"unknown batch job {job!r} (jobs: {', '.join(JOBS)})")
        with TakeStore(project, create=False) as store:
            t = store.get(scene, shot, int(take))
            folder = store.take_dir(t)
            if is_done(folder, job) and not opts.get("force"):
                return TaskResult(
                    label, job, "skipped", "already done", OUTPUTS[job], worker=_worker()
                ).to_dict()
            out = folder / OUTPUTS[job]
            for stale in folder.glob(f".{out.stem}.*.tmp{out.suffix}"):
                stale.unlink(missing_ok=True)  # left by an attempt whose worker was killed
            details = _JOBS[job](store, t, folder, opts)
        (folder / "batch").mkdir(exist_ok=True)
        res = TaskResult(
            label, job, "ok", "", OUTPUTS[job], time.perf_counter() - t0, _worker(), details
        )
        _atomic_write(done_record(folder, job), json.dumps(res.to_dict(), indent=1))
        return res.to_dict()
    except Exception as exc:  # a failure is this take's, reported, not raised
        return TaskResult(
            label,
            job,
            "failed",
            f"{type(exc).__name__}: {exc}",
            "",
            time.perf_counter() - t0,
            _worker(),
        ).to_dict()


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def _tmp(path: Path) -> Path:
    return path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")


def _capture(store: Any, take: Any, folder: Path, opts: dict[str, Any]) -> dict[str, Any]:
    from previzkit.capture.pipeline import CaptureOptions, capture
    from previzkit.core.errors import MissingFileError

    src = store.file(take, "plate") or store.file(take, "video")
    if src is None or not src.is_file():
        raise MissingFileError(f"take {take.label}: has no plate or video to capture from")
    out = folder / OUTPUTS["capture"]
    tmp = _tmp(out)
    kw = {k: opts[k] for k in ("model", "max_people") if k in opts}
    try:
        track = capture(src, CaptureOptions(**kw), track_path=tmp, keep=True)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    people = sum(len(f.people) for f in track.frames)
    return {"frames": len(track.frames), "poses": people, "source": src.name}


def _render(store: Any, take: Any, folder: Path, opts: dict[str, Any]) -> dict[str, Any]:
    from previzkit.capture.retarget import retarget
    from previzkit.core.errors import MissingFileError
    from previzkit.core.resources import asset_path
    from previzkit.media.video import VideoWriter
    from previzkit.model import timecode as tc
    from previzkit.model.camera_track import read_camera_track
    from previzkit.model.pose_track import read_track
    from previzkit.model.setfile import load_set
    from previzkit.render.headless import create_context
    from previzkit.render.renderer import Renderer

    pose_path, cam_path = store.file(take, "pose"), store.file(take, "camera")
    if pose_path is None or not pose_path.is_file():
        raise MissingFileError(f"take {take.label}: no pose track to render")
    if cam_path is None or not cam_path.is_file():
        raise MissingFileError(f"take {take.label}: no camera track to render")
    width, height = opts.get("size", (640, 360))
    set_def = load_set(opts.get("set") or asset_path("sets", "sample.yaml"))
    track = read_track(pose_path)
    cams = read_camera_track(cam_path)
    by_index = {f.index: f for f in track.frames}
    out = folder / OUTPUTS["render"]
    tmp = _tmp(out)
    ctx = create_context()
    renderer = Renderer(ctx, set_def)
    names = list(renderer.drawables.characters)
    fps = tc.rate(take.rate).fps
    try:
        with VideoWriter(tmp, width, height, fps, crf=23, preset="veryfast") as writer:
            n = len(cams)
            for cam in cams:
                frame = by_index.get(cam.index)
                for p in frame.people if frame is not None else []:
                    if 0 <= p.actor_id < len(names):
                        ch = renderer.drawables.characters[names[p.actor_id]]
                        ch.set_pose(retarget(p, ch.skeleton))
                img = renderer.render_image((cam.camera_to_world, cam.lens), width, height)
                writer.write(img)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
        renderer.release()
        ctx.release()
    return {"frames": n, "size": [width, height]}


def _analyse(store: Any, take: Any, folder: Path, opts: dict[str, Any]) -> dict[str, Any]:
    from previzkit.edit.analysis import analyse_take

    a = analyse_take(store, take, opts.get("estimates", {}).get(take.shot))
    data = {
        "frames": a.frames,
        "action": list(a.action) if a.action else None,
        "confidence": a.confidence,
        "dropouts": a.dropouts,
        "has_video": a.has_video,
    }
    _atomic_write(folder / OUTPUTS["analyse"], json.dumps(data, indent=1, default=float))
    return data


_JOBS = {"capture": _capture, "render": _render, "analyse": _analyse}

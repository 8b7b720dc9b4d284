"""``run_stage``: everything ``previzkit stage`` sets up around a :class:`StageLoop`
(context, pose source, plate, take sink, shared set state, outputs) and tears down."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from previzkit.core.errors import InputError
from previzkit.stage.latency import LatencyStats

log = logging.getLogger(__name__)


@dataclass
class StageRun:
    """What ``previzkit stage`` was asked to do (see ``previzkit stage --help``)."""

    set_path: Path
    poses: Path | None = None
    subscribe: list[str] = field(default_factory=list)
    curve_secret: Path | None = None  # this subscriber's .key_secret (CurveZMQ)
    curve_server: Path | None = None  # the publisher's public .key
    capture: str | None = None
    plate: Path | None = None
    output: Path | None = None
    frames: int | None = None
    size: tuple[int, int] = (1280, 720)
    camera: str | None = None
    fps: float | None = None
    realtime: bool = False
    actors: dict[int, str] = field(default_factory=dict)
    start_tc: str | None = None
    share: str | None = None
    peers: list[str] = field(default_factory=list)  # ADDRESS, or ADDRESS=PEER.key
    share_secret: Path | None = None  # this view's .key_secret: CurveZMQ on the set state
    share_clients: Path | None = None  # the public keys of the views it accepts
    writer: str | None = None
    save_set: bool = False
    headset: bool = False
    window: bool = False
    samples: int = 0
    project: Path | None = None
    scene: str = "1"
    shot: str = "1-A"


@dataclass
class StageResult:
    stats: LatencyStats
    frames: int
    takes: list[dict[str, Any]]
    saved: Path | None = None


def run_stage(run: StageRun, progress: Any = None) -> StageResult:
    """Run the loop as ``run`` says; returns its latency stats and the takes written."""
    from previzkit.core.atomic import replacing
    from previzkit.model.setfile import load_set
    from previzkit.render.headless import create_context, keep_current_context
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.plate import PlateReader
    from previzkit.stage.set_save import save_set_state
    from previzkit.stage.set_saver import SetSaver
    from previzkit.stage.sink import ThreadedSink, VideoSink, rate_for_fps
    from previzkit.stage.sources import open_pose_source
    from previzkit.stage.state import SetState

    set_def = load_set(run.set_path)
    w, h = run.size
    if (run.output is not None or run.project is not None) and (w % 2 or h % 2):
        raise InputError(f"--size {w}x{h}: a video output needs an even width and height")
    live = bool(run.subscribe) or run.capture is not None
    writer = run.writer or f"{socket.gethostname()}-{os.getpid()}"
    with contextlib.ExitStack() as stack:
        # the context made here is released at the end: put the caller's back then
        stack.enter_context(keep_current_context())
        source = open_pose_source(
            run.poses,
            run.subscribe or None,
            run.capture,
            realtime=run.realtime or live,
            curve_secret=run.curve_secret,
            curve_server=run.curve_server,
        )
        stack.callback(source.close)
        fps = float(run.fps or getattr(source, "fps", 30.0) or 30.0)
        ctx = create_context()
        stack.callback(ctx.release)
        plate = None
        if run.plate is not None:
            plate = PlateReader(run.plate, (w, h), realtime=run.realtime or live)
            stack.callback(plate.close)
        sinks = []
        if run.output is not None:
            # written under a temporary name, renamed over -o when the run ends well:
            # a killed stage leaves its frames in .NAME.partial.*, never a half -o
            video = stack.enter_context(replacing(run.output))
            sinks.append(ThreadedSink(VideoSink(video, w, h, rate_for_fps(fps), run.start_tc)))
        if run.project is not None:
            from previzkit.stage.sink import RecorderSink
            from previzkit.takes.recorder import Recorder
            from previzkit.takes.store import TakeStore

            store = stack.enter_context(TakeStore(run.project))
            rec = Recorder(
                store,
                run.scene,
                run.shot,
                rate=rate_for_fps(fps),
                start_tc=run.start_tc,
                size=(w, h),
                plate_size=(w, h) if run.plate is not None else None,
                meta={"set": str(run.set_path)},
            )
            sinks.append(ThreadedSink(RecorderSink(rec)))
        state = SetState.from_set(set_def, writer)
        sync = None
        holder: dict[str, Any] = {}

        def save() -> None:
            holder["saved"] = save_set_state(state, run.set_path)
            log.info("set state saved to %s", holder["saved"])

        saver = SetSaver(state, run.set_path)  # saves the views ask for, in the background
        if run.share is not None or run.peers:
            from previzkit.stage.sync import StateSync, share_address

            sync = StateSync(
                state,
                set_def.name,
                share_address(run.share, authenticated=run.share_secret is not None),
                run.peers,
                on_save=saver if run.save_set else None,
                curve_secret=run.share_secret,
                curve_clients=run.share_clients,
            )
            stack.callback(sync.close)
            stack.callback(saver.close)
            log.info("set state shared on %s as %r", sync.endpoint, writer)
        opts = StageOptions(
            width=w,
            height=h,
            camera=run.camera,
            samples=run.samples,
            fps=fps,
            realtime=run.realtime or live,
            writer=writer,
        )
        loop = StageLoop(
            ctx,
            set_def,
            source,
            opts,
            actors=run.actors,
            plate=plate,
            sinks=sinks,
            state=state,
            sync=sync,
            set_path=run.set_path,
        )
        stack.callback(loop.close)
        if run.headset:
            from previzkit.stage.outputs import HeadsetOutput

            hs = HeadsetOutput(loop)
            stack.callback(hs.close)
            loop.headset = hs
        if run.window:
            from previzkit.stage.outputs import window_output

            win = window_output(ctx, (w, h))
            stack.callback(win.close)
            loop.window = win
        stats = loop.run(run.frames, progress=progress)
        takes = loop.close()
        saver.close()
        if saver.saved is not None:
            holder["saved"] = saver.saved
        if run.save_set and state.edited():
            save()
        return StageResult(stats, loop.index, takes, holder.get("saved"))

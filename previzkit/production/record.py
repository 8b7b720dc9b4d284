"""Recording the planned shots offscreen: each take is the stage loop
(:class:`previzkit.stage.loop.StageLoop`) playing the actors' pose clips, retimed per
take, through the shot's camera into the take recorder
(:class:`previzkit.takes.recorder.Recorder`) and so into the take store.

Timing per take (:func:`take_specs`): take 1 plays the clips at their captured speed,
later takes faster or slower and from another point of the performance, as a
director asking for "again, a little slower" would get. Times are seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from previzkit.core.errors import InputError

# (speed, start offset s) per take number, cycling
TAKE_TIMING = ((1.0, 0.0), (0.8, 1.5), (1.25, 0.5), (0.9, 3.0), (1.1, 0.8))
HANDLE_S = 1.0  # pre-roll and post-roll around the shot's script time


@dataclass(frozen=True)
class TakeSpec:
    """One take to record: scene, shot id, take number, frames at ``rate``, and the
    timing of the performance (``speed`` x, from ``start_s`` of each clip; the second
    actor ``stagger_s`` later)."""

    scene: str
    shot: str
    take: int
    frames: int
    rate: str
    speed: float
    start_s: float
    stagger_s: float = 1.5

    @property
    def label(self) -> str:
        return f"{self.scene}/{self.shot}/{self.take}"


def shot_estimates(script: Any, plan: Any) -> dict[str, float]:
    """Script time (s) of each planned shot: the beats it covers, as the editor counts."""
    from previzkit.edit.assemble import scene_beats
    from previzkit.script.breakdown import TimingModel

    timing = TimingModel()
    scenes = {sc.number: sc for sc in script.scenes}
    out = {}
    for sp in plan.scenes:
        if sp.number not in scenes:
            raise InputError(f"shot plan scene {sp.number!r}: not in the script")
        beats = scene_beats(scenes[sp.number], timing)
        for sh in sp.shots:
            cov = set(sh.covers)
            out[sh.id] = sum(b.estimate_s for b in beats if cov & set(b.lines)) or 2.0
    return out


def take_specs(
    script: Any,
    plan: Any,
    takes_per_shot: int,
    rate: str = "24",
    clip_s: float = 15.0,
    max_s: float | None = None,
    scale: float = 1.0,
    handle_s: float = HANDLE_S,
) -> list[TakeSpec]:
    """Every take to record, in plan order (scene, shot, take): the shot's script time
    x ``scale`` (+/- 12 % between takes) plus ``handle_s`` before and after. ``clip_s``
    is the pose clips' length; ``max_s`` caps a take's length."""
    from previzkit.model import timecode as tc

    if takes_per_shot < 1:
        raise InputError(f"takes per shot must be >= 1, got {takes_per_shot}")
    fps = float(tc.rate(rate).fps)
    est = shot_estimates(script, plan)
    out = []
    for sp in plan.scenes:
        for sh in sp.shots:
            for k in range(takes_per_shot):
                speed, shift = TAKE_TIMING[k % len(TAKE_TIMING)]
                length = est[sh.id] * scale * (1.0 + 0.12 * ((k % 3) - 1)) + 2 * handle_s
                if max_s is not None:
                    length = min(length, max_s)
                # from the top of the performance (+ this take's shift): the actors
                # stand, kneel and stand up again within the longer takes
                start = float(np.clip(shift, 0.0, max(0.0, clip_s - 1.0)))
                out.append(
                    TakeSpec(
                        sp.number, sh.id, k + 1, max(2, round(length * fps)), rate, speed, start
                    )
                )
    return out


def load_clips(paths: Sequence[str | Path]) -> list[tuple[float, np.ndarray]]:
    """(fps, (F, 33, 3) landmarks) of each shipped pose clip."""
    from previzkit.production.motion import clip_landmarks

    return [clip_landmarks(p) for p in paths]


def write_take_poses(
    spec: TakeSpec, clips: Sequence[tuple[float, np.ndarray]], out: str | Path
) -> Path:
    """The take's performance as a ``.pzt`` (actor i plays clip i, retimed)."""
    from previzkit.model import timecode as tc
    from previzkit.production.motion import retime, to_poses, write_clip

    fps = float(tc.rate(spec.rate).fps)
    duration = spec.frames / fps
    actors = {}
    for i, (clip_fps, lm) in enumerate(clips):
        start = spec.start_s + i * spec.stagger_s
        start = min(start, max(0.0, (len(lm) - 1) / clip_fps - 0.5))
        moved = retime(lm, clip_fps, fps, spec.speed, start, duration, nearest=True)
        actors[i] = to_poses(moved, fps, i)
    return write_clip(out, actors, fps, meta={"take": spec.label, "speed": spec.speed})


def record_take(
    ctx: Any,
    set_def: Any,
    store: Any,
    spec: TakeSpec,
    poses: str | Path,
    cast: Sequence[str],
    size: tuple[int, int],
    start_tc: str | None = None,
    retarget_cache: dict[Any, Any] | None = None,
) -> Any:
    """Record one take through the stage loop (offline: one pose frame per loop frame)
    into ``store``; returns the catalogued :class:`~previzkit.model.take.Take`."""
    from previzkit.stage.loop import StageLoop, StageOptions
    from previzkit.stage.sink import RecorderSink
    from previzkit.stage.sources import TrackSource
    from previzkit.takes.recorder import Recorder

    rec = Recorder(
        store,
        spec.scene,
        spec.shot,
        rate=spec.rate,
        size=size,
        take=spec.take,
        start_tc=start_tc,
        flush_interval=1.0,
        notes=f"speed {spec.speed:g}x from {spec.start_s:.1f} s",
    )
    opts = StageOptions(width=size[0], height=size[1], camera=spec.shot, realtime=False)
    source = TrackSource(poses)
    sink = RecorderSink(rec)
    loop = StageLoop(
        ctx,
        set_def,
        source,
        opts,
        actors=dict(enumerate(cast)),
        sinks=[sink],
        retarget_cache=retarget_cache,
    )
    try:
        loop.run(frames=spec.frames)
    finally:
        loop.close()
    return store.get(spec.scene, spec.shot, spec.take)

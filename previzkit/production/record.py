"""Recording the planned shots offscreen: each take is the stage loop
(:class:`previzkit.stage.loop.StageLoop`) playing the actors' pose clips, retimed per
take, through the shot's camera into the take recorder
(:class:`previzkit.takes.recorder.Recorder`) and so into the take store.

Performance per take (:func:`take_specs` with ``perform=True``, the default): each
scene's blocking (:mod:`previzkit.production.performance`) is played once into every
character's poses and placements; a take of a shot plays that performance over the
shot's part of the scene (its covered beats, the script's time x ``scale``, stretched to
the take's length, +/- 12 % between takes, and started a tenth of a second apart), so
every shot of a scene sees the same blocking. The take's ``.pzt`` carries the
placements per frame in its meta (``placements``: name -> [[x, z, yaw_deg], ...]),
which :func:`record_take` hands to the stage loop and the camera operator.

Without a performance (``perform=False``), take 1 plays the clips at their captured
speed, later takes faster or slower and from another point of the clip, each actor
on its mark. Times are seconds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from previzkit.core.errors import InputError
from previzkit.model.joint_track import JointTrack

# (speed, start offset s) per take number, cycling
TAKE_TIMING = ((1.0, 0.0), (0.8, 1.5), (1.25, 0.5), (0.9, 3.0), (1.1, 0.8))
TAKE_OFFSET_S = (0.0, 0.1, -0.1, 0.15, -0.05)  # performance takes: a slightly early/late start
HANDLE_S = 1.0  # pre-roll and post-roll around the shot's script time


@dataclass(frozen=True)
class TakeSpec:
    """One take to record: scene, shot id, take number, frames at ``rate``, and the
    timing of the performance (``speed`` x, from ``start_s`` of each clip; the second
    actor ``stagger_s`` later). ``plan_shot``: the planned
    :class:`~previzkit.script.shots.Shot` (type, subjects, lens, side) the camera
    operator frames; None: the shot's set camera stands still. ``performance``: the
    scene's played blocking (name -> :class:`~previzkit.production.performance.Performance`,
    set order) and ``timeline`` the knots (take s, performance s) mapping take time to
    it; None: the legacy clip timing above."""

    scene: str
    shot: str
    take: int
    frames: int
    rate: str
    speed: float
    start_s: float
    stagger_s: float = 1.5
    plan_shot: Any = field(default=None, compare=False)  # the planned Shot it covers
    performance: Any = field(default=None, compare=False, repr=False)
    timeline: tuple[tuple[float, float], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.scene}/{self.shot}/{self.take}"


def shot_estimates(script: Any, plan: Any, timing: Any = None) -> dict[str, float]:
    """Script time (s) of each planned shot: the beats it covers, as the editor counts
    (``timing``: a :class:`~previzkit.script.breakdown.TimingModel`, default estimate)."""
    from previzkit.edit.assemble import scene_beats
    from previzkit.script.breakdown import TimingModel

    timing = timing or TimingModel()
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
    *,
    perform: bool = True,
    assets: str | Path | None = None,
    sets: Mapping[str, Any] | None = None,
    timing: Any = None,
) -> list[TakeSpec]:
    """Every take to record, in plan order (scene, shot, take): the shot's script time
    x ``scale`` (+/- 12 % between takes) plus ``handle_s`` before and after. ``clip_s``
    is the pose clips' length; ``max_s`` caps a take's length. ``perform``: play each
    scene's blocking for the takes, on ``sets[scene]`` (a SetDef with the cast placed,
    as the recording uses) or else the plan's set file under ``assets`` (default the
    shipped ones) through :func:`~previzkit.production.coverage.scene_set`; a scene
    with neither keeps the legacy clip timing. ``timing``: how long beats last (a
    :class:`~previzkit.script.breakdown.TimingModel`; scratch dialogue's
    :class:`~previzkit.script.voices.DialogueTiming`), default the estimate."""
    from previzkit.model import timecode as tc

    if takes_per_shot < 1:
        raise InputError(f"takes per shot must be >= 1, got {takes_per_shot}")
    fps = float(tc.rate(rate).fps)
    est = shot_estimates(script, plan, timing)
    scenes = {sc.number: sc for sc in script.scenes}
    out = []
    for sp in plan.scenes:
        played = None
        if perform:
            set_def = (sets or {}).get(sp.number)
            played = scene_performance(scenes[sp.number], sp, scale, assets, set_def, timing)
        for sh in sp.shots:
            for k in range(takes_per_shot):
                speed, shift = TAKE_TIMING[k % len(TAKE_TIMING)]
                length = est[sh.id] * scale * (1.0 + 0.12 * ((k % 3) - 1)) + 2 * handle_s
                if max_s is not None:
                    length = min(length, max_s)
                # from the top of the performance (+ this take's shift): the actors
                # stand, kneel and stand up again within the longer takes
                start = float(np.clip(shift, 0.0, max(0.0, clip_s - 1.0)))
                frames = max(2, round(length * fps))
                knots: tuple[tuple[float, float], ...] = ()
                if played is not None:
                    offset = TAKE_OFFSET_S[k % len(TAKE_OFFSET_S)]
                    knots = take_timeline(
                        scenes[sp.number], sh, frames / fps, handle_s, scale, offset, timing
                    )
                    start = knots[0][1]
                    speed = _rate(knots)
                out.append(
                    TakeSpec(
                        sp.number,
                        sh.id,
                        k + 1,
                        frames,
                        rate,
                        speed,
                        start,
                        plan_shot=sh,
                        performance=played,
                        timeline=knots,
                    )
                )
    return out


def _rate(knots: Sequence[tuple[float, float]]) -> float:
    """Performance seconds per take second over the knots' whole span."""
    span = knots[-1][0] - knots[0][0]
    return round((knots[-1][1] - knots[0][1]) / span, 3) if span > 0 else 1.0


def take_timeline(
    scene: Any,
    shot: Any,
    length_s: float,
    handle_s: float,
    scale: float,
    offset_s: float = 0.0,
    timing: Any = None,
) -> tuple[tuple[float, float], ...]:
    """Knots (take s, performance s) of a take of ``shot`` lasting ``length_s``: the
    handles play at speed 1 around the covered beats, which fill the rest of the take
    back to back (the editor's reading, :func:`previzkit.edit.assemble.source_span`),
    each at its place in the scene's time (script s x ``scale``) + ``offset_s``."""
    from previzkit.edit.assemble import scene_beats

    covers = set(shot.covers)
    spans, t = [], 0.0
    for beat in scene_beats(scene, timing):
        d = beat.estimate_s * scale
        if covers & set(beat.lines):
            spans.append((t, t + d))
        t += d
    if not spans:
        spans = [(0.0, t or 2.0 * scale)]
    whole = sum(b - a for a, b in spans)
    k = max(length_s - 2 * handle_s, 1e-3) / whole
    knots = [(0.0, spans[0][0] - handle_s)]
    u = handle_s
    for a, b in spans:
        if len(knots) == 1 or abs(knots[-1][1] - a) > 1e-9:  # a jump over beats not covered
            knots.append((u + 1e-6 * (len(knots) > 1), a))
        u += (b - a) * k
        knots.append((u, b))
    knots.append((length_s, spans[-1][1] + handle_s))
    return tuple((float(x), float(y + offset_s)) for x, y in knots)


def scene_performance(
    scene: Any,
    scene_plan: Any,
    scale: float = 1.0,
    assets: str | Path | None = None,
    set_def: Any = None,
    timing: Any = None,
) -> dict[str, Any] | None:
    """The played blocking of one scene (name -> Performance, in the scene set's
    character order): its cast where ``set_def`` has them, else placed as
    :func:`previzkit.production.coverage.scene_set` places them on the plan's set file
    (None when that file is missing), performing
    :func:`~previzkit.production.performance.block_scene`."""
    from previzkit.core.resources import assets_dir
    from previzkit.model.setfile import load_set
    from previzkit.production import performance as pf
    from previzkit.production.coverage import scene_set

    root = Path(assets) if assets is not None else assets_dir()
    if set_def is not None:
        base = full = set_def
    else:
        path = root / (scene_plan.set_file or "sets/sample.yaml")
        if not path.is_file():
            return None
        base = load_set(path)
        full = scene_set(base, scene_plan, root)
    home = {c.name: (c.position[0], c.position[2], c.yaw_deg) for c in full.characters}
    marks = {k: (float(m.position[0]), float(m.position[1])) for k, m in base.marks.items()}
    props = {p.name: (float(p.position[0]), float(p.position[2])) for p in base.props}
    blocking = pf.block_scene(scene, home, scale=scale, marks=marks, props=props, timing=timing)
    motions = _motions()
    actor_leg = pf.leg_length(motions[pf.IDLE_CLIP].local)
    strides = {
        n: pf.leg_length(r.skeleton.rest_landmarks()) / actor_leg for n, r in set_rigs(full).items()
    }
    return pf.perform(blocking, motions, stride_scale=strides)


_MOTIONS: dict[str, Any] = {}


def _motions() -> dict[str, Any]:
    """The shipped library's clips prepared for performance (read once per process)."""
    if not _MOTIONS:
        from previzkit.production.performance import load_motions

        _MOTIONS.update(load_motions())
    return _MOTIONS


def load_clips(paths: Sequence[str | Path]) -> list[tuple[float, np.ndarray]]:
    """(fps, (F, 33, 3) landmarks) of each shipped pose clip."""
    from previzkit.production.motion import clip_landmarks

    return [clip_landmarks(p) for p in paths]


def write_take_poses(
    spec: TakeSpec, clips: Sequence[tuple[float, np.ndarray]], out: str | Path
) -> Path:
    """The take's performance as a ``.pzt``: with ``spec.performance``, actor i plays
    the scene's i-th character over the take's ``timeline`` (placements in the meta);
    else actor i plays clip i, retimed."""
    from previzkit.model import timecode as tc
    from previzkit.production.motion import retime, to_poses, write_clip

    fps = float(tc.rate(spec.rate).fps)
    duration = spec.frames / fps
    if spec.performance is not None:
        return _write_performance(spec, fps, out)
    actors = {}
    for i, (clip_fps, lm) in enumerate(clips):
        start = spec.start_s + i * spec.stagger_s
        start = min(start, max(0.0, (len(lm) - 1) / clip_fps - 0.5))
        moved = retime(lm, clip_fps, fps, spec.speed, start, duration, nearest=True)
        actors[i] = to_poses(moved, fps, i)
    return write_clip(out, actors, fps, meta={"take": spec.label, "speed": spec.speed})


def _write_performance(spec: TakeSpec, fps: float, out: str | Path) -> Path:
    from previzkit.production.motion import to_poses, write_clip

    xs, ys = zip(*spec.timeline, strict=True) if spec.timeline else ((0.0, 1.0), (0.0, 1.0))
    times = np.interp(np.arange(spec.frames) / fps, xs, ys)
    actors, placements = {}, {}
    for i, (name, perf) in enumerate(spec.performance.items()):
        idx = [perf.frame_at(t) for t in times]
        actors[i] = to_poses(perf.landmarks[idx], fps, i)
        place = np.c_[perf.position[idx][:, [0, 2]], perf.yaw_deg[idx]]
        placements[name] = np.round(place, 5).tolist()
    meta = {
        "take": spec.label,
        "speed": spec.speed,
        "timeline": [list(k) for k in spec.timeline],
        "placements": placements,
    }
    return write_clip(out, actors, fps, meta=meta)


def track_placements(track: Any) -> Any:
    """Frame index -> {name: ((x, 0, z), yaw_deg)} from a take ``.pzt``'s meta
    ``placements`` (the last frame held after the end); None when it has none."""
    raw = (getattr(track, "meta", None) or {}).get("placements")
    if not raw:
        return None
    table = {str(n): np.asarray(v, dtype=np.float64).reshape(-1, 3) for n, v in raw.items()}

    def at(index: int) -> dict[str, tuple[tuple[float, float, float], float]]:
        out = {}
        for n, v in table.items():
            x, z, yaw = v[min(max(index, 0), len(v) - 1)]
            out[n] = ((float(x), 0.0, float(z)), float(yaw))
        return out

    return at


def performance_joints(
    characters: Mapping[str, Any],
    track: Any,
    actors: Mapping[int, str],
    frames: int,
    retarget_cache: dict[Any, Any] | None = None,
    min_visibility: float = 0.5,
    placements: Any = None,
) -> JointTrack:
    """Every character's world joints (set frame, metres) over a take's first ``frames``
    loop frames, posed as the offline stage loop poses them: track frame *i* at loop
    frame *i*, each pose retargeted onto its character (``actors``: actor id ->
    name), a character keeping its last pose (its rest pose before the first). Retarget
    and forward kinematics only, no GL; ``retarget_cache`` is the loop's
    (:class:`~previzkit.stage.actors.Actors`), so the take retargets each frame once.

    ``characters``: name -> anything with ``skeleton`` and ``placement`` (4x4 mark to
    set), e.g. the :class:`~previzkit.render.character.Character` drawables;
    ``track``: a :class:`~previzkit.model.pose_track.PoseTrack`; ``placements(i)``:
    frame *i*'s {name: (floor position, yaw deg)} in place of the fixed placements
    (default: the track's own, :func:`track_placements`)
    (:meth:`previzkit.stage.loop.StageLoop` moves the characters the same way).
    """
    import math

    from previzkit.capture.retarget import retarget
    from previzkit.core.geometry import translation
    from previzkit.model.kinematics import forward_kinematics_arrays, pose_arrays
    from previzkit.stage.actors import ActorMap

    names = list(characters)
    if not names:
        raise InputError("performance joints: the set has no characters")
    if placements is None:  # a performance take carries its placements
        placements = track_placements(track)
    joints = list(characters[names[0]].skeleton.names)
    for n in names[1:]:
        if list(characters[n].skeleton.names) != joints:
            raise InputError(f"performance joints: character {n!r} has another skeleton's joints")
    amap = ActorMap(names, dict(actors))
    count = min(int(frames), len(track.frames))
    pose_now = {n: characters[n].skeleton.rest_pose() for n in names}
    per_frame: dict[str, list[Any]] = {n: [] for n in names}
    for i in range(count):
        for pose in track.frames[i].people:
            name = amap.character_for(int(pose.actor_id))
            if name is None:
                continue
            key = (
                name,
                np.asarray(pose.world, np.float32).tobytes(),
                np.asarray(pose.image[:, 2], np.float32).tobytes(),
            )
            sk = retarget_cache.get(key) if retarget_cache is not None else None
            if sk is None:
                sk = retarget(pose, characters[name].skeleton, min_visibility=min_visibility)
                if retarget_cache is not None:
                    retarget_cache[key] = sk
            pose_now[name] = sk
        for n in names:
            per_frame[n].append(pose_now[n])
    world = np.zeros((count, len(names), len(joints), 3), np.float32)
    for c, n in enumerate(names):
        ch = characters[n]
        if not count:
            continue
        arrays = [pose_arrays(ch.skeleton, p) for p in per_frame[n]]
        root = np.stack([a[0] for a in arrays])
        quats = np.stack([a[1] for a in arrays])
        fk = forward_kinematics_arrays(ch.skeleton, root, quats)
        place = np.repeat(np.asarray(ch.placement, np.float64)[None], count, axis=0)
        if placements is not None:
            for i in range(count):
                got = placements(i).get(n)
                if got is not None:
                    place[i] = translation(got[0], math.radians(float(got[1])))
        world[:, c] = (place[:, None] @ fk)[..., :3, 3]
    fps = float(getattr(track, "fps", 0.0) or 24.0)
    return JointTrack.from_frames(names, joints, list(world), fps)


@dataclass(frozen=True)
class Rig:
    """A character's skeleton and placement (4x4, its mark to the set frame), as the
    renderer's :class:`~previzkit.render.character.Character` has them, without GL."""

    skeleton: Any
    placement: Any


def set_rigs(set_def: Any) -> dict[str, Rig]:
    """The rig of every character of ``set_def`` (a SetDef), in set order: the mannequin
    at its ``height_m``, a glTF character's own skeleton, placed on its mark."""
    import math

    from previzkit.core.geometry import translation
    from previzkit.model.skeleton import default_skeleton

    out = {}
    for c in set_def.characters:
        if c.model == "mannequin":
            skeleton = default_skeleton(c.height_m)
        else:
            from previzkit.render.character_gltf import skeleton_from_gltf

            skeleton = skeleton_from_gltf(Path(c.model), height_m=c.height_m)
        out[c.name] = Rig(skeleton, translation(c.position, math.radians(c.yaw_deg)))
    return out


def prop_centre(set_def: Any, name: str) -> np.ndarray | None:
    """The centre (set frame, m) of the prop an insert names (``"FILM CAN"`` is the
    set's ``film_can``): its mesh's box centre through the prop's placement; None when
    the set has no such prop."""
    from previzkit.render.props import prop_parts

    key = str(name).lower().replace(" ", "_")
    for p in set_def.props:
        if p.name.lower() == key:
            pts = np.concatenate([part.positions for part in prop_parts(p)])
            centre = (pts.min(axis=0) + pts.max(axis=0)) / 2
            return (p.model_matrix() @ np.r_[centre, 1.0])[:3]
    return None


def camera_path(
    spec: TakeSpec,
    set_def: Any,
    track: Any,
    cast: Sequence[str],
    aspect: float,
    retarget_cache: dict[Any, Any] | None = None,
    rigs: Mapping[str, Any] | None = None,
    placements: Any = None,
) -> tuple[JointTrack, list[Any]]:
    """The take's world joints and the operated camera per frame ((camera-to-world,
    Lens), :func:`previzkit.production.operator.operate`) for ``spec.plan_shot``,
    from its set camera (``set_def.camera(spec.shot)``), the poses in ``track`` (a
    PoseTrack; actor *i* plays ``cast[i]``) and the image ``aspect`` (w/h)."""
    from previzkit.production.operator import operate

    shot = spec.plan_shot
    if shot is None:
        raise InputError(f"take {spec.label}: no planned shot to operate the camera for")
    rigs = dict(rigs) if rigs is not None else set_rigs(set_def)
    joints = performance_joints(
        rigs, track, dict(enumerate(cast)), spec.frames, retarget_cache, placements=placements
    )
    prop = None
    if shot.type == "insert":
        for subject in shot.subjects:
            prop = prop_centre(set_def, subject)
            if prop is not None:
                break
    axis = [c.name for c in set_def.characters][:2]
    path = operate(shot, joints, set_def.camera(spec.shot), aspect, axis=axis, prop=prop)
    return joints, path


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
    sound: np.ndarray | None = None,
    sample_rate: int = 48000,
) -> Any:
    """Record one take through the stage loop (offline: one pose frame per loop frame)
    into ``store``; returns the catalogued :class:`~previzkit.model.take.Take`. With a
    ``spec.plan_shot`` the camera is operated (:func:`camera_path`), else the shot's
    set camera stands still. ``sound`` (mono float32 at ``sample_rate`` Hz, from the
    take's first frame): recorded as the take's audio (its WAV master, muxed into the
    take's MP4 when it stops), frame by frame with the picture."""
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
        meta={"timeline": [list(k) for k in spec.timeline]} if spec.timeline else None,
        audio=(int(sample_rate), 1) if sound is not None else None,
    )
    opts = StageOptions(width=size[0], height=size[1], camera=spec.shot, realtime=False)
    source = TrackSource(poses)
    placements = track_placements(source.track)  # the characters walk their blocking
    camera_track = None
    if spec.plan_shot is not None:  # the operator frames the actors' heads through the take
        _, path = camera_path(
            spec,
            set_def,
            source.track,
            cast,
            size[0] / size[1],
            retarget_cache,
            placements=placements,
        )
        if path:
            camera_track = _path_lookup(path)
    sink = RecorderSink(rec)
    sinks: list[Any] = [sink]
    if sound is not None:
        from previzkit.model import timecode as tc

        sinks.append(SoundFeed(sink, sound, sample_rate, float(tc.rate(spec.rate).fps)))
    loop = StageLoop(
        ctx,
        set_def,
        source,
        opts,
        actors=dict(enumerate(cast)),
        sinks=sinks,
        retarget_cache=retarget_cache,
        camera_track=camera_track,
        placements=placements,
    )
    try:
        loop.run(frames=spec.frames)
    finally:
        loop.close()
    return store.get(spec.scene, spec.shot, spec.take)


class SoundFeed:
    """A sink after a :class:`~previzkit.stage.sink.RecorderSink`: with each frame it
    writes that frame's share of ``sound`` (mono, ``sample_rate`` Hz, silence past its
    end) to the open take's audio, so the WAV is as long as the picture and as safe."""

    def __init__(self, sink: Any, sound: np.ndarray, sample_rate: int, fps: float) -> None:
        self.sink, self.sound = sink, np.asarray(sound, np.float32).reshape(-1)
        self.sample_rate, self.fps = int(sample_rate), float(fps)
        self.frames = 0

    def write_frame(
        self, poses: Any, camera: Any, image: Any, plate: Any = None, joints: Any = None
    ) -> None:
        rec = self.sink.recorder
        i, self.frames = self.frames, self.frames + 1
        if rec is None:
            return
        a = round(i * self.sample_rate / self.fps)
        b = round((i + 1) * self.sample_rate / self.fps)
        chunk = np.zeros(b - a, np.float32)
        part = self.sound[a:b]
        chunk[: len(part)] = part
        rec.audio(chunk)

    def close(self) -> dict[str, Any]:
        return {"frames": self.frames}


def _path_lookup(path: Sequence[Any]) -> Any:
    """Frame index -> (camera-to-world, Lens) of ``path`` (the last held after its end)."""

    def at(index: int) -> Any:
        return path[min(max(index, 0), len(path) - 1)]

    return at

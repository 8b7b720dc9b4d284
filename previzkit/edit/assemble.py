"""Assembly: the day's takes + the script's shot plan -> a previz cut (OTIO timeline).

Scene after scene in script order, the scene is split into *beats*
(:mod:`~previzkit.edit.beats`: its action paragraphs and dialogue blocks). Each beat
gets a shot from the plan among those that cover its lines and have a usable take
(:mod:`~previzkit.edit.selection`): the script's rules first
(:mod:`~previzkit.edit.coverage`: O.S. and V.O. lines off the speaker's shot, POV lines
on the POV, inserts where the action names their prop, dual dialogue on the two-shot),
then the editing styles' preferences (:mod:`~previzkit.edit.styles`, ``rules.styles``).
Consecutive beats on the same shot become one segment (no jump cut); a segment shorter
than ``min_shot_s`` goes to a neighbour's shot (else the master) that the script
allows. Each clip's ``metadata["previzkit"]["why"]`` starts with the rules that chose
its shot.

Each shot uses its best take (:mod:`scoring`). A take whose pose file carries a scene
clock (meta ``timeline``, :class:`~previzkit.edit.trim.TakeClock`: a take of the scene's
performance) places each beat where the take plays its scene time (script time x the
take's scale), so every shot of a scene cuts at the same moment of the blocking; the
scene's first and last beat keep ``handles_s`` of handle. Any other take spreads its
detected action (:mod:`trim`) over the beats it covers in proportion to their script
estimate, so a segment shows the part of the take where its lines are spoken; the first
and last segment of such a take keep ``handles_s`` of handle. Slate cards (gaps with
slate metadata) separate scenes.

Matching action (:mod:`continuity`): where both takes of a cut inside a scene have a
joint track (``joints.npz``), the cut's out and in frames move, within
``ContinuityRules.slack_s`` of the script's edit point (and of its record time), to where
the characters' poses match; when no character can be kept under ``max_jump_m`` there,
another take of the incoming shot within ``take_margin`` points of the best is tried,
else the jump is kept and reported (``Assembly.jumps``, the clip's
``metadata["previzkit"]["continuity"]``). A time jump or transition in the script
between the two shots motivates any jump; cuts between scenes are not matched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from previzkit.core.errors import InputError, JournalError, PrevizError, TakeStoreError
from previzkit.core.optional import require
from previzkit.core.progress import ProgressFn
from previzkit.edit.beats import Beat, Segment, scene_beats
from previzkit.edit.beats import covers as _covers
from previzkit.edit.continuity import (
    ContinuityRules,
    CutPoint,
    best_cut,
    character_jumps,
    motivated,
)
from previzkit.edit.coverage import scene_cues
from previzkit.edit.jl import Span, audio_spans, describe, jl_offsets
from previzkit.edit.markers import clip_markers, to_otio
from previzkit.edit.scoring import ScoringRules, TakeAnalysis, TakeScore, rank_takes
from previzkit.edit.selection import choose_shot as choose_shot  # re-exported
from previzkit.edit.selection import segments_for_scene
from previzkit.edit.styles import parse_styles
from previzkit.edit.timeline import DEFAULT_RECORD_START, clip_name, reel_name, reel_table
from previzkit.edit.trim import TakeClock, TrimRules, script_times
from previzkit.model import timecode as tc
from previzkit.model.binary_header import read_header
from previzkit.model.joint_track import JointTrack, read_joint_track
from previzkit.model.pose_track import MAGIC, VERSION, TrackError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AssemblyRules:
    """``min_shot_s``: shortest segment kept on its own; ``slate_s``: slate card length
    between scenes (0: none); ``record_start``: record timecode of the first frame;
    ``continuity``: how cuts match action where takes have joint tracks (None: cut at
    the script's edit points); ``styles``: editing styles by name
    (:mod:`~previzkit.edit.styles`, e.g. ``"start-wide,intensify"``; None: the default)."""

    min_shot_s: float = 1.0
    slate_s: float = 2.0
    record_start: str = DEFAULT_RECORD_START
    establishing_beats: int = 1
    trim: TrimRules = field(default_factory=TrimRules)
    scoring: ScoringRules = field(default_factory=ScoringRules)
    continuity: ContinuityRules | None = field(default_factory=ContinuityRules)
    timing: Any = None  # how long beats last (script.breakdown.TimingModel; None: default)
    styles: str | tuple[str, ...] | None = None  # editing styles (None: DEFAULT_STYLES)
    jl_s: float = 0.5  # longest J/L offset (s) where the jl-cuts style is on


@dataclass
class Assembly:
    """The result: the OTIO timeline plus the per-take scores behind it."""

    timeline: Any
    scores: dict[str, list[TakeScore]]  # shot id -> its takes, best first
    missing: list[str]  # beats/shots no take covers, takes left out and why: readable lines
    jumps: list[dict[str, Any]] = field(default_factory=list)  # cuts over max_jump_m


def _shot_estimates(beats: list[Beat], shot: Any) -> list[tuple[Beat, float, float]]:
    """(beat, t0, t1) script-time span of each beat the shot covers."""
    out, t = [], 0.0
    for b in beats:
        if _covers(shot, b):
            out.append((b, t, t + b.estimate_s))
            t += b.estimate_s
    return out


def assemble(
    project: str | Path,
    script: str | Path | Any,
    plan: str | Path | Any | None = None,
    rules: AssemblyRules = AssemblyRules(),
    progress: ProgressFn | None = None,
) -> Assembly:
    """Build the cut from the take store at ``project`` and ``script`` (a Fountain
    path or a parsed Script); ``plan`` is a shot plan YAML or ShotPlan (default: the
    plan :func:`previzkit.script.plan_shots` makes from the script)."""
    from previzkit.script import load_shot_plan, plan_shots, read_script
    from previzkit.takes.store import TakeStore

    parsed = read_script(script) if isinstance(script, str | Path) else script
    if plan is None:
        from previzkit.script.locations import assets_exists

        shot_plan = plan_shots(parsed, exists=assets_exists())
    elif isinstance(plan, str | Path):
        shot_plan = load_shot_plan(plan)
    else:
        shot_plan = plan
    with TakeStore(project, create=False, readonly=True) as store:
        return _build(store, parsed, shot_plan, project, rules, progress)


def _usable(store: Any, project: str | Path) -> tuple[list[Any], list[str]]:
    """The takes the cut may use, and one line per take (or unreadable catalogue row)
    it leaves out, saying why."""
    takes: list[Any] = []
    skipped: list[str] = []
    for t in store.list():
        if t.status == "recording":
            skipped.append(
                f"take {t.label} skipped: still 'recording' (being recorded, or its "
                f"recorder died: previzkit takes recover -p {project})"
            )
        elif t.status == "failed":
            why = t.notes.splitlines()[-1] if t.notes else "no note"
            skipped.append(f"take {t.label} skipped: 'failed' ({why})")
        else:
            takes.append(t)
    skipped[:0] = [f"catalogue row skipped: {w}" for w in store.warnings]
    return takes, skipped


def _build(
    store: Any,
    parsed: Any,
    shot_plan: Any,
    project: str | Path,
    rules: AssemblyRules,
    progress: ProgressFn | None,
) -> Assembly:
    otio = require("opentimelineio", "edit", "assembling the cut")

    from previzkit.core.resources import assets_dir
    from previzkit.edit.analysis import analyse_take
    from previzkit.script.breakdown import TimingModel

    takes, skipped = _usable(store, project)
    for line in skipped:
        log.warning("%s", line)
    if not takes:
        raise TakeStoreError(
            f"take store {project}: has no takes to assemble"
            + "".join(f"; {line}" for line in skipped)
        )
    rates = {t.rate for t in takes}
    if len(rates) > 1:
        raise InputError(
            f"take store {project}: takes at several rates {sorted(rates)}; "
            "conform them to one project rate first"
        )
    rate = tc.rate(rates.pop())
    fps = float(rate.fps)
    timing = rules.timing or TimingModel()
    styles = parse_styles(rules.styles)
    jl_cuts = any(st.name == "jl-cuts" for st in styles)
    scenes = {sc.number: sc for sc in parsed.scenes}
    by_shot: dict[str, list[Any]] = {}
    for t in takes:
        by_shot.setdefault(t.shot, []).append(t)

    total = sum(len(by_shot.get(sh.id, [])) for sp in shot_plan.scenes for sh in sp.shots)
    done = 0
    scores: dict[str, list[TakeScore]] = {}
    best: dict[str, TakeAnalysis] = {}
    ranked_analyses: dict[str, list[TakeAnalysis]] = {}  # shot id -> its takes, best first
    scene_beat_lists: dict[str, list[Beat]] = {}
    for sp in shot_plan.scenes:
        if sp.number not in scenes:
            raise InputError(f"shot plan scene {sp.number!r}: not in the script {parsed.source}")
        beats = scene_beats(scenes[sp.number], timing)
        scene_beat_lists[sp.number] = beats
        marks = _marks(assets_dir() / sp.set_file) if sp.set_file else []
        for sh in sp.shots:
            shot_takes = by_shot.get(sh.id, [])
            if not shot_takes:
                continue
            estimate = sum(b.estimate_s for b in beats if _covers(sh, b)) or None
            analyses = []
            for t in shot_takes:
                try:
                    analyses.append(analyse_take(store, t, estimate, marks, rules.trim))
                except PrevizError as exc:  # a corrupt take: carry on with the next one
                    log.warning("take %s: skipped, its media cannot be read: %s", t.label, exc)
                    analyses.append(
                        TakeAnalysis(
                            t, fps, t.duration_frames, has_video=False, estimate_s=estimate
                        )
                    )
                done += 1
                if progress is not None:
                    progress(done, total)
            ranked = rank_takes(analyses, rules.scoring)
            scores[sh.id] = ranked
            by_label = {a.take.label: a for a in analyses}
            ranked_analyses[sh.id] = [by_label[r.label] for r in ranked]
            if ranked[0].total > float("-inf"):
                best[sh.id] = next(a for a in analyses if a.take.label == ranked[0].label)

    clocks = _ClockCache(store)

    def limits(a: TakeAnalysis) -> tuple[int, int]:
        """The take frames [cut_in, cut_out) a cut may use."""
        if clocks(a.take) is not None:
            return 0, a.frames
        _, _, cut_in, cut_out = a.action or (0, a.frames, 0, a.frames)
        return cut_in, cut_out

    def source_span(
        shot: Any, seg_beats: list[Beat], beats: list[Beat], a: TakeAnalysis | None = None
    ) -> tuple[int, int]:
        a = a or best[shot.id]
        clock = clocks(a.take)
        if clock is not None:
            return _clock_span(clock, shot, seg_beats, beats, a, rules.trim.handles_s)
        act_in, act_out, cut_in, cut_out = a.action or (0, a.frames, 0, a.frames)
        spans = _shot_estimates(beats, shot)
        whole = spans[-1][2] if spans else 1.0
        t0 = next(s for b, s, _ in spans if b is seg_beats[0])
        t1 = next(e for b, _, e in spans if b is seg_beats[-1])
        f0 = act_in + round((act_out - act_in) * t0 / whole)
        f1 = act_in + round((act_out - act_in) * t1 / whole)
        if t0 <= 0:
            f0 = cut_in
        if t1 >= whole - 1e-9:
            f1 = cut_out
        return f0, max(f1, f0 + 1)

    timeline = otio.schema.Timeline(name=shot_plan.title or parsed.source or "previz")
    timeline.global_start_time = otio.opentime.RationalTime(
        tc.timecode_to_frames(rules.record_start, rate), fps
    )
    video = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    audio = otio.schema.Track(name="A1", kind=otio.schema.TrackKind.Audio)
    timeline.tracks.append(video)
    timeline.tracks.append(audio)
    missing: list[str] = list(skipped)
    jumps: list[dict[str, Any]] = []
    cameras: dict[str, dict[str, Any] | None] = {}  # take label -> camera_summary
    joints = _JointCache(store)
    max_jump = rules.continuity.max_jump_m if rules.continuity else float("inf")
    drift = 0  # record frames the cut runs late (+) or early (-) of the script's timing
    record = 0  # record frames from the record start
    for sp in shot_plan.scenes:
        beats = scene_beat_lists[sp.number]
        usable = [sh for sh in sp.shots if sh.id in best]

        def seconds(shot: Any, seg_beats: list[Beat], beats: list[Beat] = beats) -> float:
            f0, f1 = source_span(shot, seg_beats, beats)
            return (f1 - f0) / fps

        cues = scene_cues(scenes[sp.number], beats, sp.shots)
        segs, uncovered = segments_for_scene(beats, usable, seconds, rules, cues, styles)
        missing += [f"scene {sp.number} line {b.lines[0]}: no take covers it" for b in uncovered]
        if not segs:
            missing.append(f"scene {sp.number}: no usable takes")
            continue
        if rules.slate_s > 0:
            slate = {"scene": sp.number, "heading": sp.heading, "title": timeline.name}
            for track in (video, audio):
                gap = otio.schema.Gap(
                    source_range=otio.opentime.TimeRange(
                        duration=otio.opentime.RationalTime(round(rules.slate_s * fps), fps)
                    )
                )
                gap.metadata["previzkit"] = {"slate": slate}
                track.append(gap)
            record += round(rules.slate_s * fps)
        picks = [_Pick(best[seg.shot.id], *source_span(seg.shot, seg.beats, beats)) for seg in segs]
        notes: list[dict[str, Any] | None] = [None] * len(segs)
        if rules.continuity is not None:

            def span(a: TakeAnalysis, seg: Segment, beats: list[Beat] = beats) -> tuple[int, int]:
                return source_span(seg.shot, seg.beats, beats, a)

            def others(seg: Segment) -> list[TakeAnalysis]:
                cr = rules.continuity
                assert cr is not None
                return _close_takes(scores[seg.shot.id], ranked_analyses[seg.shot.id], cr)

            drift = _match_cuts(
                scenes[sp.number],
                segs,
                picks,
                notes,
                joints,
                span,
                others,
                drift,
                fps,
                rules,
                limits,
            )
        spans = [Span(p.f0, p.f1, p.analysis.frames) for p in picks]
        offsets = jl_offsets(segs, spans, fps, rules.jl_s) if jl_cuts else [0] * (len(segs) - 1)
        sound = audio_spans(spans, offsets)
        for k, (seg, pick, note) in enumerate(zip(segs, picks, notes, strict=True)):
            a = pick.analysis
            t = a.take
            f0, f1 = pick.f0, pick.f1
            src = otio.opentime.TimeRange(
                otio.opentime.RationalTime(t.start_frame + f0, fps),
                otio.opentime.RationalTime(f1 - f0, fps),
            )
            a0, a1 = sound[k]
            src_audio = otio.opentime.TimeRange(
                otio.opentime.RationalTime(t.start_frame + a0, fps),
                otio.opentime.RationalTime(a1 - a0, fps),
            )
            jl_why = describe(offsets[k - 1], fps) if k > 0 else None
            avail = otio.opentime.TimeRange(
                otio.opentime.RationalTime(t.start_frame, fps),
                otio.opentime.RationalTime(a.frames, fps),
            )
            video_path = store.file(t, "video")
            if video_path is None:  # analysed takes have video: a store changed under us
                raise TakeStoreError(f"take {t.label}: its video file is gone")
            # the MP4 when it carries the take's sound (one file per take, as a camera
            # delivers it; the WAV master stays in the take folder), else the WAV (a
            # project recorded before take MP4s had sound)
            audio_path = video_path if a.has_audio else (store.file(t, "audio") or video_path)
            why = next(s for s in scores[seg.shot.id] if s.label == t.label)
            meta = {
                "scene": t.scene,
                "shot": seg.shot.id,
                "shot_type": seg.shot.type,
                "take": t.take,
                "take_id": t.id,
                "heading": sp.heading,
                "lines": [ln for b in seg.beats for ln in b.lines],
                "text": [x for b in seg.beats for x in ([b.speaker] if b.speaker else []) + b.text],
                "estimate_s": round(sum(b.estimate_s for b in seg.beats), 3),
                "score": why.total,
                "why": seg.why + ([jl_why] if jl_why else []) + why.why,
                "styles": [st.name for st in styles],
                "source_tc": t.start_tc,
                "rate": t.rate,
            }
            if t.label not in cameras:
                cameras[t.label] = camera_summary(store, t)
            if cameras[t.label] is not None:
                meta["camera"] = cameras[t.label]
            name = clip_name(t.scene, seg.shot.id, t.take)
            if note is not None:
                meta["continuity"] = note
                if note["jump_m"] > max_jump:
                    jumps.append({"clip": name, "scene": sp.number, "record_frame": record} | note)
            reel = reel_name(t.scene, seg.shot.id.split("-")[-1], t.take)
            markers = clip_markers(
                t.start_frame + f0,
                t.scene,
                t.circled,
                t.notes,
                meta["lines"],
                meta["text"],
                seg.why + why.why + _continuity_why(note),
                why.total,
                len(scores[seg.shot.id]),
            )
            for track, path in ((video, video_path), (audio, audio_path)):
                ref = otio.schema.ExternalReference(
                    target_url=Path(path).resolve().as_uri(), available_range=avail
                )
                clip = otio.schema.Clip(
                    name=name,
                    media_reference=ref,
                    source_range=src if track is video else src_audio,
                )
                clip.metadata["previzkit"] = dict(meta)
                clip.metadata["cmx_3600"] = {"reel": reel}
                if track is video:  # the editor's notes, once per shot (picture)
                    clip.markers.extend(to_otio(m, fps) for m in markers)
                track.append(clip)
            record += f1 - f0
    for j in jumps:
        log.warning(
            "%s at %s: %s jumps %.2f m at the cut%s",
            j["clip"],
            tc.frames_to_timecode(j["record_frame"], rate),
            j["character"],
            j["jump_m"],
            " (the script moves on)" if j["motivated"] else "",
        )
    reel_table(timeline)  # one CMX reel per file: shortened where a name does not fit
    timeline.metadata["previzkit"] = {
        "rate": rate.name,
        "drop_frame": rate.drop_frame,
        "record_start": rules.record_start,
        "project": str(Path(project).resolve()),
        "script": str(parsed.source or ""),
        "missing": missing,
        "jumps": jumps,
        "scores": {
            shot: [{"take": s.label, "score": s.total, "why": s.why} for s in ranked]
            for shot, ranked in scores.items()
        },
    }
    return Assembly(timeline, scores, missing, jumps)


@dataclass
class _Pick:
    """The take a segment plays and its source frames [f0, f1) (take frames)."""

    analysis: TakeAnalysis
    f0: int
    f1: int


def _clock_span(
    clock: TakeClock,
    shot: Any,
    seg_beats: list[Beat],
    beats: list[Beat],
    a: TakeAnalysis,
    handles_s: float,
) -> tuple[int, int]:
    """Take frames [f0, f1) where ``clock``'s take plays ``seg_beats`` of the scene
    ``beats`` (``handles_s`` before the scene's first beat and after its last)."""
    starts_ends = script_times([b.estimate_s for b in beats])
    times = dict(zip((b.index for b in beats), starts_ends, strict=True))
    covered = [times[b.index] for b in beats if _covers(shot, b)]
    scale = clock.scale(covered[0][0], covered[-1][1])
    s0 = times[seg_beats[0].index][0] * scale - (handles_s if seg_beats[0] is beats[0] else 0.0)
    s1 = times[seg_beats[-1].index][1] * scale + (handles_s if seg_beats[-1] is beats[-1] else 0.0)
    f0 = clock.frame(s0, a.fps, a.frames)
    return f0, max(clock.frame(s1, a.fps, a.frames), f0 + 1)


class _ClockCache:
    """Takes' scene clocks, read once each from the ``timeline`` meta of the take's pose
    file, else of its recording journal (None: neither has one, or it is broken, logged)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.clocks: dict[str, TakeClock | None] = {}

    def __call__(self, take: Any) -> TakeClock | None:
        if take.label not in self.clocks:
            self.clocks[take.label] = None
            try:
                raw = self._timeline(take)
                if raw:
                    self.clocks[take.label] = TakeClock.from_meta(raw)
            except (PrevizError, OSError) as exc:
                log.warning("take %s: its scene timing not used for the cut: %s", take.label, exc)
        return self.clocks[take.label]

    def _timeline(self, take: Any) -> Any:
        from previzkit.takes import journal
        from previzkit.takes.recorder import JOURNAL

        pose = self.store.file(take, "pose")
        heads: list[tuple[Path, bytes, int, str, type[PrevizError]]] = []
        if pose is not None and Path(pose).suffix == ".pzt":
            heads.append((Path(pose), MAGIC, VERSION, "pose track", TrackError))
        jpath = self.store.take_dir(take) / JOURNAL
        if jpath.is_file():
            heads.append((jpath, journal.MAGIC, journal.VERSION, "take journal", JournalError))
        for path, magic, version, kind, error in heads:
            with path.open("rb") as f:
                meta = read_header(f, str(path), magic, version, (kind, kind), error)
            if meta.get("timeline"):
                return meta["timeline"]
        return None


class _JointCache:
    """Takes' joint tracks, read once each (None: the take has none or it is broken)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.tracks: dict[str, JointTrack | None] = {}

    def __call__(self, take: Any) -> JointTrack | None:
        if take.label not in self.tracks:
            self.tracks[take.label] = None
            path = self.store.file(take, "joints")
            if path is not None:
                try:
                    self.tracks[take.label] = read_joint_track(path)
                except PrevizError as exc:
                    log.warning("take %s: joints not used for the cut: %s", take.label, exc)
        return self.tracks[take.label]


def _close_takes(
    ranked: list[TakeScore], analyses: list[TakeAnalysis], rules: ContinuityRules
) -> list[TakeAnalysis]:
    """A shot's takes after the best whose score is within ``rules.take_margin`` of it."""
    top = ranked[0].total
    return [
        a
        for s, a in zip(ranked[1:], analyses[1:], strict=True)
        if s.total > float("-inf") and s.total >= top - rules.take_margin
    ]


def _match_cuts(
    scene: Any,
    segs: list[Segment],
    picks: list[_Pick],
    notes: list[dict[str, Any] | None],
    joints: Callable[[Any], JointTrack | None],
    span: Callable[[TakeAnalysis, Segment], tuple[int, int]],
    others: Callable[[Segment], list[TakeAnalysis]],
    drift: int,
    fps: float,
    rules: AssemblyRules,
    limits: Callable[[TakeAnalysis], tuple[int, int]] | None = None,
) -> int:
    """Move the cuts of one scene to where poses match (``picks``, in place) and note
    each cut's jump for its incoming segment (``notes``).

    ``drift``: record frames the scene starts late (+) or early (-) of the script's
    timing; returns the same at its end. Each cut's out and in frames stay within the
    slack of the script's (and inside the takes' handles), and so do its record time and
    the record time of the incoming clip's end, so the next cut can always stay put.
    ``limits``: a take's usable frames [cut_in, cut_out) (default: its detected action
    with handles).
    """
    cr = rules.continuity
    assert cr is not None

    def usable(a: TakeAnalysis) -> tuple[int, int]:
        if limits is not None:
            return limits(a)
        return (a.action or (0, a.frames, 0, a.frames))[2:]

    slack = round(cr.slack_s * fps)
    min_len = max(1, round(rules.min_shot_s * fps))
    script_len = [p.f1 - p.f0 for p in picks]  # the best takes at the script's points
    for k in range(len(segs) - 1):
        out, inc = picks[k], picks[k + 1]
        naive_out = out.f1 - 1  # out.f0 may have moved at the cut before, out.f1 not
        at_script = drift + (out.f1 - out.f0) - script_len[k]  # record drift, cut put
        last_line = segs[k].beats[-1].lines[-1]
        first_line = segs[k + 1].beats[0].lines[0]
        between = [el for el in scene.elements if last_line < el.line <= first_line]
        track_a = joints(out.analysis.take)
        track_b = joints(inc.analysis.take)
        moves_on = motivated(between)
        if track_a is not None and track_b is not None and moves_on:
            moved = character_jumps(track_a, naive_out, track_b, inc.f0)
            who = max(moved, key=moved.__getitem__) if moved else None
            notes[k + 1] = _note(moved[who] if who else 0.0, True, None, who)
        if track_a is None or moves_on:
            drift = at_script
            continue
        cut_out_a = usable(out.analysis)[1]
        keep_a = min(min_len, naive_out + 1 - out.f0)
        outs = np.arange(
            max(naive_out - slack, out.f0 + keep_a - 1), min(naive_out + slack, cut_out_a - 1) + 1
        )
        rec = at_script + (outs - naive_out)  # record drift at the cut per out frame
        choices: list[tuple[_Pick, CutPoint, int]] = []
        for cand in [inc.analysis, *others(segs[k + 1])]:
            track_c = joints(cand.take)
            if track_c is None:
                continue
            f0b, f1b = (inc.f0, inc.f1) if cand is inc.analysis else span(cand, segs[k + 1])
            cut_in_b = usable(cand)[0]
            keep_b = min(min_len, f1b - f0b)
            ins = np.arange(max(f0b - slack, cut_in_b, 0), min(f0b + slack, f1b - keep_b) + 1)
            end = rec[:, None] - (ins[None] - f0b) + (f1b - f0b) - script_len[k + 1]
            allowed = (np.abs(rec)[:, None] <= slack) & (np.abs(end) <= slack)
            cp = best_cut(track_a, outs, track_c, ins, (naive_out, f0b), fps, cr, allowed)
            if cp is not None:
                choices.append((_Pick(cand, f0b, f1b), cp, cand.take.take))
                if cp.jump_m <= cr.max_jump_m:
                    break
        if not choices:
            drift = at_script
            continue
        script = character_jumps(track_a, naive_out, track_b, inc.f0) if track_b else {}
        pick, cp, _ = next((c for c in choices if c[1].jump_m <= cr.max_jump_m), choices[0])
        replaced = inc.analysis.take.take if pick.analysis is not inc.analysis else None
        drift = at_script + (cp.out_frame - naive_out)
        out.f1 = cp.out_frame + 1
        picks[k + 1] = _Pick(pick.analysis, cp.in_frame, pick.f1)
        notes[k + 1] = _note(
            cp.jump_m, False, max(script.values(), default=0.0), cp.character, replaced
        )
    last = picks[-1]
    return drift + (last.f1 - last.f0) - script_len[-1]


def _continuity_why(note: dict[str, Any] | None) -> list[str]:
    """The cut's continuity as lines of a clip's "why" marker."""
    if not note:
        return []
    out = []
    if note.get("instead_of_take") is not None:
        out.append(f"take {note['instead_of_take']} passed over to match the action")
    who = note.get("character") or "no one"
    out.append(
        f"cut in: {who} jumps {note['jump_m']:.2f} m"
        + (" (motivated)" if note.get("motivated") else "")
    )
    return out


def _note(
    jump: float,
    motive: bool,
    script_jump: float | None,
    who: str | None,
    instead: int | None = None,
) -> dict[str, Any]:
    """A clip's ``continuity`` metadata: ``jump_m`` at the cut into it (the character
    who jumps most, metres), ``motivated`` (the script moves on there),
    ``script_jump_m`` the jump at the script's edit point, ``instead_of_take`` the best
    take this one replaced to match the action."""
    note: dict[str, Any] = {"jump_m": round(float(jump), 4), "motivated": motive, "character": who}
    if script_jump is not None:
        note["script_jump_m"] = round(float(script_jump), 4)
    if instead is not None:
        note["instead_of_take"] = instead
    return note


def camera_summary(store: Any, take: Any) -> dict[str, Any] | None:
    """A clip's note of its take's camera track (not the per-frame data): ``track`` the
    take's ``camera.npz`` relative to the project folder, ``frames`` its samples and
    ``focal_mm`` its first and last focal length (mm). None when the take has no
    camera track or it cannot be read (logged)."""
    from previzkit.model.camera_track import read_camera_track

    path = store.file(take, "camera")
    if path is None:
        return None
    try:
        track = read_camera_track(path)
    except PrevizError as exc:
        log.warning("take %s: camera track left out of the cut: %s", take.label, exc)
        return None
    try:
        rel = path.resolve().relative_to(Path(store.root).resolve()).as_posix()
    except ValueError:  # a take folder outside the project: keep where it is
        rel = str(path)
    focal = [float(track.focal_mm[0]), float(track.focal_mm[-1])] if len(track) else []
    return {"track": rel, "frames": len(track), "focal_mm": focal}


def _marks(set_path: Path) -> list[tuple[float, float]]:
    if not set_path.is_file():
        return []
    from previzkit.model.setfile import load_set

    try:
        return [
            (float(m.position[0]), float(m.position[1])) for m in load_set(set_path).marks.values()
        ]
    except PrevizError as exc:  # a broken set file must not stop the edit
        log.warning("marks from %s not used: %s", set_path, exc)
        return []

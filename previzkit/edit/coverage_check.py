"""Check a cut against the script's coverage rules (pure): what tests and docs measure.

:func:`check_coverage` reads the picture clips' metadata (``shot``, ``shot_type``,
``lines``: :func:`clip_infos` takes them from an OTIO timeline) against the parsed
script and its shot plan and counts, per rule, the script lines it concerns and those
the cut breaks:

- ``off_screen``: an O.S./O.C. line played on the speaker's single or OTS;
- ``voice_over``: a V.O. line played on the speaker's single or OTS (a sync shot);
- ``pov``: a POV action line (covered by a planned ``pov`` shot) not on a POV shot;
- ``insert``: an action line naming a planned insert's prop (its text, or a word of
  it in the line's notes; POV lines excepted) not on an insert of one of those props;
- ``dual``: a line of dual dialogue not on a two-shot.

Only lines whose required shot has takes (``shot_ids``, default all planned) count.
``types_planned``: distinct shot types in the plan's scenes that are in the cut;
``types_used``: distinct types the cut shows; ``type_ratio`` the share used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from previzkit.edit.beats import scene_beats
from previzkit.edit.coverage import scene_cues

RULES = ("off_screen", "voice_over", "pov", "insert", "dual")


@dataclass
class RuleCheck:
    """One rule: ``lines`` (beats' first lines) it applies to, ``broken`` those the cut
    plays against it, with a readable note each."""

    name: str
    lines: list[int] = field(default_factory=list)
    broken: list[str] = field(default_factory=list)


@dataclass
class CoverageReport:
    """Per-rule checks and the shot types planned and used (see the module doc)."""

    rules: dict[str, RuleCheck]
    types_planned: list[str]
    types_used: list[str]
    shots_planned: int
    shots_used: int

    @property
    def type_ratio(self) -> float:
        planned = set(self.types_planned)
        return len(planned & set(self.types_used)) / len(planned) if planned else 1.0

    @property
    def ok(self) -> bool:
        return not any(r.broken for r in self.rules.values())

    def summary(self) -> str:
        """One line per rule and the shot types, for logs and docs."""
        out = [
            f"{r.name}: {len(r.lines) - len(r.broken)}/{len(r.lines)} lines kept"
            for r in self.rules.values()
        ]
        out.append(
            f"shot types: {len(set(self.types_used) & set(self.types_planned))}"
            f"/{len(self.types_planned)} ({self.type_ratio:.0%}); shots "
            f"{self.shots_used}/{self.shots_planned}"
        )
        return "\n".join(out)


def clip_infos(timeline: Any) -> list[dict[str, Any]]:
    """The ``metadata["previzkit"]`` of each clip on the first video track."""
    import opentimelineio as otio

    track = timeline.video_tracks()[0]
    return [dict(c.metadata.get("previzkit", {})) for c in track if isinstance(c, otio.schema.Clip)]


def check_coverage(
    infos: list[dict[str, Any]],
    script: Any,
    plan: Any,
    shot_ids: set[str] | None = None,
    timing: Any = None,
) -> CoverageReport:
    """Check the clips ``infos`` (:func:`clip_infos`) against ``script`` (parsed) and
    ``plan`` (its ShotPlan); ``shot_ids``: shots with takes (default: all planned)."""
    shots = {sh.id: sh for sp in plan.scenes for sh in sp.shots}
    shot_ids = set(shots) if shot_ids is None else set(shot_ids)
    on_line: dict[int, dict[str, Any]] = {}
    for info in infos:
        for ln in info.get("lines") or []:
            on_line[int(ln)] = info
    rules = {n: RuleCheck(n) for n in RULES}
    scenes = {sc.number: sc for sc in script.scenes}
    cut_scenes = {str(i.get("scene")) for i in infos}

    def note(rule: str, ln: int, info: dict[str, Any] | None, what: str) -> None:
        shot = info.get("shot") if info else None
        rules[rule].broken.append(f"line {ln}: {what} (on {shot or 'no clip'})")

    for sp in plan.scenes:
        if sp.number not in scenes or sp.number not in cut_scenes:
            continue
        beats = scene_beats(scenes[sp.number], timing)
        shot_here = [sh for sh in sp.shots if sh.id in shot_ids]
        for b, c in zip(beats, scene_cues(scenes[sp.number], beats, sp.shots), strict=True):
            ln = b.lines[0]
            clip = on_line.get(ln)
            got = shots.get(clip.get("shot", "")) if clip else None
            on_speaker = (
                got is not None
                and got.type in ("single", "ots")
                and bool(got.subjects)
                and got.subjects[0] == b.speaker
            )
            if c.off_screen:
                rules["off_screen"].lines.append(ln)
                if on_speaker:
                    note("off_screen", ln, clip, f"{b.speaker} (O.S.) on their own shot")
            if c.voice_over:
                rules["voice_over"].lines.append(ln)
                if on_speaker:
                    note("voice_over", ln, clip, f"{b.speaker} (V.O.) on a sync shot")
            if c.dual_with and any(
                s.type == "two-shot" and {b.speaker, c.dual_with} <= set(s.subjects)
                for s in shot_here
            ):
                rules["dual"].lines.append(ln)
                if got is None or got.type != "two-shot":
                    note("dual", ln, clip, "dual dialogue off the two-shot")
            if c.pov and any(s.type == "pov" and ln in s.covers for s in shot_here):
                rules["pov"].lines.append(ln)
                if got is None or got.type != "pov":
                    note("pov", ln, clip, "POV line off the POV shot")
            elif c.props and any(
                s.type == "insert" and s.subjects[:1] and s.subjects[0] in c.props
                for s in shot_here
            ):
                rules["insert"].lines.append(ln)
                if got is None or got.type != "insert" or got.subjects[0] not in c.props:
                    note("insert", ln, clip, f"names {', '.join(c.props)}, not on its insert")
    planned = sorted({sh.type for sp in plan.scenes if sp.number in cut_scenes for sh in sp.shots})
    used = sorted({str(i.get("shot_type")) for i in infos if i.get("shot_type")})
    n_planned = sum(len(sp.shots) for sp in plan.scenes if sp.number in cut_scenes)
    n_used = len({i.get("shot") for i in infos if i.get("shot")})
    return CoverageReport(rules, planned, used, n_planned, n_used)

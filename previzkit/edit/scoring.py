"""Take scoring: which take of a shot goes in the cut, and why.

Order of the rules (each worth more than everything after it can add):

1. circled takes first (+1000), then the rating (+100 per star);
2. tracking quality: mean pose confidence x (1 - dropout fraction), up to +30;
3. marks: full +20 within ``mark_tolerance_m`` of the actor's mark, falling to 0 at
   4 x the tolerance;
4. timing: the action's length against the script's estimate, +10 when equal, 0 at
   half or double;
5. a recovered take (its recording was cut short by a crash) loses 5.

Takes with no video cannot be used (score -inf). Every part is explained in
``TakeScore.why``; ties go to the later take (the last take is usually the keeper).
Pure: the numbers come in a :class:`TakeAnalysis`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from previzkit.model.take import Take


@dataclass
class TakeAnalysis:
    """What the editor measured on one take (all optional but ``take``).

    ``action``: (action_in, action_out, cut_in, cut_out) frames from :mod:`trim`;
    ``confidence``: mean pose confidence; ``dropouts``: fraction of landmark samples
    held over dropouts; ``mark_error_m``: the actor's distance from the mark at the
    action's end (metres); ``estimate_s``: the script's estimate for the shot;
    ``has_audio``: its video file carries a sound stream.
    """

    take: Take
    fps: float
    frames: int
    action: tuple[int, int, int, int] | None = None
    confidence: float | None = None
    dropouts: float | None = None
    mark_error_m: float | None = None
    estimate_s: float | None = None
    has_video: bool = True
    has_audio: bool = False


@dataclass(frozen=True)
class ScoringRules:
    circled: float = 1000.0
    per_star: float = 100.0
    tracking: float = 30.0
    marks: float = 20.0
    timing: float = 10.0
    recovered: float = -5.0
    mark_tolerance_m: float = 0.3


@dataclass
class TakeScore:
    """A take's total score and one line per rule explaining it."""

    label: str
    total: float
    parts: dict[str, float] = field(default_factory=dict)
    why: list[str] = field(default_factory=list)


def score_take(a: TakeAnalysis, rules: ScoringRules = ScoringRules()) -> TakeScore:
    """Score one take (see module doc)."""
    t = a.take
    s = TakeScore(t.label, 0.0)

    def add(name: str, value: float, text: str) -> None:
        s.parts[name] = value
        s.total += value
        s.why.append(f"{text} ({value:+.1f})")

    if not a.has_video:
        s.total = -math.inf
        s.why.append("no video file: cannot be cut in")
        return s
    add("circled", rules.circled if t.circled else 0.0, "circled" if t.circled else "not circled")
    add("rating", rules.per_star * t.rating, f"rated {t.rating}/5" if t.rating else "unrated")
    if a.confidence is not None:
        drop = a.dropouts or 0.0
        q = max(0.0, min(1.0, a.confidence)) * (1.0 - max(0.0, min(1.0, drop)))
        add(
            "tracking",
            rules.tracking * q,
            f"tracking: confidence {a.confidence:.2f}, {drop:.0%} dropouts",
        )
    else:
        s.why.append("tracking: no pose track")
    if a.mark_error_m is not None:
        tol = rules.mark_tolerance_m
        k = 1.0 if a.mark_error_m <= tol else max(0.0, 1 - (a.mark_error_m - tol) / (3 * tol))
        hit = "hit the mark" if a.mark_error_m <= tol else "missed the mark"
        add("marks", rules.marks * k, f"marks: {hit} by {a.mark_error_m:.2f} m")
    if a.estimate_s and a.action is not None and a.fps > 0:
        length = (a.action[1] - a.action[0]) / a.fps
        ratio = length / a.estimate_s
        k = max(0.0, 1.0 - abs(math.log2(ratio))) if ratio > 0 else 0.0
        add(
            "timing",
            rules.timing * k,
            f"timing: action {length:.1f} s vs script {a.estimate_s:.1f} s",
        )
    if t.status == "recovered":
        add("recovered", rules.recovered, "recovered after a crash")
    return s


def rank_takes(
    analyses: list[TakeAnalysis], rules: ScoringRules = ScoringRules()
) -> list[TakeScore]:
    """Scores of a shot's takes, best first (ties: the later take first)."""
    scored = [(score_take(a, rules), a.take.take) for a in analyses]
    scored.sort(key=lambda st: (-st[0].total, -st[1]))
    return [s for s, _ in scored]


def tracking_stats(confidence: np.ndarray, held: np.ndarray) -> tuple[float, float]:
    """(mean confidence, fraction of landmark samples held over dropouts)."""
    conf = float(np.mean(confidence)) if len(confidence) else 0.0
    drop = float(np.mean(held)) if np.size(held) else 0.0
    return conf, drop

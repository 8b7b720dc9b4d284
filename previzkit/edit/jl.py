"""J and L cuts: the sound edit (A1) moved off the picture edit (V1) at a cut (pure).

At a cut inside a scene, from segment ``k`` to ``k + 1``:

- J cut (dialogue leads the picture): the incoming segment opens on a line and its shot
  also covers the outgoing segment's last beat: its sound starts ``d`` frames before
  its picture (A1 edit earlier: offset ``-d``);
- L cut (dialogue trails the picture): else, the outgoing segment ends on a line and its
  shot also covers the incoming segment's first beat: its sound runs ``d`` frames past
  the picture cut (A1 edit later: offset ``+d``).

The take whose sound is stretched over the cut covers the beat it stretches into, so it
plays the same moment of the scene (takes share the scene's clock). ``d`` is at most
``max_s`` seconds and a third of either clip, and stays inside the takes' frames.
"""

from __future__ import annotations

from dataclasses import dataclass

from previzkit.edit.beats import Segment, covers


@dataclass(frozen=True)
class Span:
    """A segment's source frames [f0, f1) in its take of ``frames`` frames."""

    f0: int
    f1: int
    frames: int


def jl_offsets(segs: list[Segment], spans: list[Span], fps: float, max_s: float = 0.5) -> list[int]:
    """Per cut between ``segs[k]`` and ``segs[k + 1]``: the A1 edit's offset from the V1
    edit in frames (+: L cut, -: J cut, 0: a straight cut)."""
    out: list[int] = []
    cap = round(max_s * fps)
    for k in range(len(segs) - 1):
        a, b = segs[k], segs[k + 1]
        sa, sb = spans[k], spans[k + 1]
        d = min(cap, (sa.f1 - sa.f0) // 3, (sb.f1 - sb.f0) // 3)
        if out and out[-1] > 0:  # clip k's sound already starts late: keep a third of it
            d = min(d, (sa.f1 - sa.f0 - out[-1]) // 3)
        off = 0
        if b.beats[0].kind == "dialogue" and covers(b.shot, a.beats[-1]):
            off = -min(d, sb.f0)  # incoming sound from earlier in its take
        elif a.beats[-1].kind == "dialogue" and covers(a.shot, b.beats[0]):
            off = min(d, sa.frames - sa.f1)  # outgoing sound on past its picture
        out.append(off if abs(off) >= 1 else 0)
    return out


def audio_spans(spans: list[Span], offsets: list[int]) -> list[tuple[int, int]]:
    """Source frames [f0, f1) of each segment's sound given the cuts' ``offsets``."""
    out = []
    for k, s in enumerate(spans):
        before = offsets[k - 1] if k > 0 else 0
        after = offsets[k] if k < len(offsets) else 0
        out.append((s.f0 + before, s.f1 + after))
    return out


def describe(offset: int, fps: float) -> str | None:
    """A clip's note for the cut into it (None: straight)."""
    if offset == 0:
        return None
    kind = "L cut: the line before trails" if offset > 0 else "J cut: its line leads"
    return f"style jl-cuts: {kind} the picture by {abs(offset) / fps:.2f} s"


__all__ = ["Span", "audio_spans", "describe", "jl_offsets"]

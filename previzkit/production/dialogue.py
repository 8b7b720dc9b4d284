"""Scratch dialogue for the previz: every line spoken by espeak-ng, laid out where the
blocking plays it, and mixed into each take's sound.

:func:`prepare_dialogue` synthesizes each dialogue line of the script in its
character's voice (:mod:`previzkit.script.voices`, cached in a folder by content hash:
:func:`previzkit.media.speech.cached_synthesize`) and returns a :class:`Scratch` whose
``timing`` (a :class:`~previzkit.script.voices.DialogueTiming`) makes each dialogue
element last its spoken length, so shots, blocking and cut follow the speech. Without
espeak-ng it logs one warning and returns None (the words-per-minute estimate stays).

Pure parts: :func:`line_times` (where each line is spoken in script time, s) and
:func:`take_dialogue` (a take's sound: each line's samples warped onto the take's
timeline, the knots (take s, performance s) the performance is played through).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.script.voices import DialogueLine, DialogueTiming, Voice

log = logging.getLogger(__name__)

SAMPLE_RATE = 48000  # Hz, the take audio's rate (previzkit.media.mux.AUDIO_RATE)
SPEECH_DIR = "speech"  # cache folder name in a previz output folder


@dataclass
class Scratch:
    """The script's spoken dialogue: ``voices`` per character, ``lines`` in script
    order, ``samples`` (source line -> mono float32 at ``sample_rate`` Hz, spoken at
    the voice's rate: its length is the line's script time) and ``take_samples`` (the
    same spoken 1 / ``scale`` as fast for takes played ``scale`` x the script's time),
    and the ``timing`` these lengths give."""

    voices: dict[str, Voice]
    lines: list[DialogueLine]
    samples: dict[int, npt.NDArray[np.float32]]
    timing: DialogueTiming
    sample_rate: int = SAMPLE_RATE
    scale: float = 1.0
    take_samples: dict[int, npt.NDArray[np.float32]] = field(default_factory=dict)

    def spoken_s(self, line: int) -> float:
        """Spoken length (s) of the dialogue line at source ``line``."""
        return len(self.samples[line]) / self.sample_rate


def prepare_dialogue(
    script: Any,
    cache: str | Path | None,
    scale: float = 1.0,
    sample_rate: int = SAMPLE_RATE,
    scenes: Sequence[str] | None = None,
) -> Scratch | None:
    """Synthesize every dialogue line of ``script`` (scenes ``scenes``, None: all) into
    ``cache`` (a folder, None: no cache); None with one warning when espeak-ng is not
    installed. For takes played at ``scale`` x the script's time the lines are spoken
    faster too (espeak-ng's rate, up to 4x), so little pitch is lost fitting them."""
    from previzkit.media.speech import cached_synthesize, espeak_available
    from previzkit.script.voices import cast_voices, dialogue_lines

    if not espeak_available():
        log.warning(
            "scratch dialogue: espeak-ng not found (Debian package espeak-ng); takes stay "
            "silent and dialogue is timed at the words-per-minute estimate"
        )
        return None
    voices = cast_voices(script.characters)
    lines = [ln for ln in dialogue_lines(script, voices) if scenes is None or ln.scene in scenes]
    source = getattr(script, "source", None) or "script"
    samples, take_samples = {}, {}
    speed = float(np.clip(1.0 / scale, 0.25, 4.0)) if scale > 0 else 1.0
    for ln in lines:
        what = f"{Path(str(source)).name} line {ln.line} ({ln.speaker}: {ln.text[:40]!r})"
        samples[ln.line] = cached_synthesize(cache, ln.text, ln.params, sample_rate, what=what)
        if abs(speed - 1.0) > 0.05:
            from dataclasses import replace

            fast = replace(ln.params, rate_wpm=round(ln.params.rate_wpm * speed))
            take_samples[ln.line] = cached_synthesize(cache, ln.text, fast, sample_rate, what=what)
    spoken = {n: len(s) / sample_rate for n, s in samples.items()}
    timing = DialogueTiming(spoken=spoken)
    return Scratch(voices, lines, samples, timing, sample_rate, scale, take_samples)


def line_times(scene: Any, timing: Any, lines: Sequence[int]) -> dict[int, tuple[float, float]]:
    """Script time (s from the scene's first beat, at scale 1) where each dialogue
    element at a source line in ``lines`` is spoken: (start, end), laid out as
    :func:`previzkit.edit.assemble.scene_beats` times the beats (each element
    ``timing.dialogue_s`` long from where the previous one ends; the end leaves out
    :class:`~previzkit.script.voices.DialogueTiming`'s pause)."""
    from previzkit.edit.assemble import scene_beats

    wanted = set(lines)
    text = {el.line: el.plain for el in scene.elements}
    pause = float(getattr(timing, "pause_s", 0.0))
    out: dict[int, tuple[float, float]] = {}
    t = 0.0
    for beat in scene_beats(scene, timing):
        u = t
        if beat.kind == "dialogue":
            for n in beat.lines:
                if n not in wanted:
                    continue
                d = timing.dialogue_s(n, text.get(n, ""))
                out[n] = (u, u + max(d - pause, 0.0))
                u += d
        t += beat.estimate_s
    return out


def take_dialogue(
    times: Mapping[int, tuple[float, float]],
    samples: Mapping[int, npt.NDArray[np.float32]],
    timeline: Sequence[tuple[float, float]],
    length_s: float,
    scale: float = 1.0,
    sample_rate: int = SAMPLE_RATE,
) -> npt.NDArray[np.float32]:
    """A take's sound (mono float32, ``length_s`` long at ``sample_rate`` Hz): each
    line's ``samples`` stretched over where the take plays it. ``times``: script time
    (s) of each line (:func:`line_times`); ``timeline``: the take's knots (take s,
    performance s), the performance being script time x ``scale``."""
    n_out = max(0, round(length_s * sample_rate))
    out = np.zeros(n_out, np.float32)
    if not timeline or n_out == 0:
        return out
    xs, ys = (np.asarray(v, np.float64) for v in zip(*timeline, strict=True))
    y = np.interp(np.arange(n_out) / sample_rate, xs, ys)
    for line, (a, b) in times.items():
        src = samples.get(line)
        if src is None or src.size == 0 or b <= a:
            continue
        p0, p1 = a * scale, b * scale
        mask = (y >= p0) & (y < p1)
        if not mask.any():
            continue
        pos = (y[mask] - p0) / (p1 - p0) * (src.size - 1)
        out[mask] += np.interp(pos, np.arange(src.size), src).astype(np.float32)
    np.clip(out, -1.0, 1.0, out=out)
    return out


def spec_dialogue(spec: Any, scene: Any, scratch: Scratch) -> npt.NDArray[np.float32] | None:
    """The sound of the take ``spec`` (a :class:`~previzkit.production.record.TakeSpec`
    with a performance ``timeline``) of ``scene``; None when the take has no timeline
    or the scene no dialogue."""
    from previzkit.model import timecode as tc

    mine = [ln.line for ln in scratch.lines if ln.scene == scene.number]
    if not spec.timeline or not mine:
        return None
    times = line_times(scene, scratch.timing, mine)
    samples = scratch.take_samples or scratch.samples
    fps = float(tc.rate(spec.rate).fps)
    return take_dialogue(
        times, samples, spec.timeline, spec.frames / fps, scratch.scale, scratch.sample_rate
    )

"""Scratch dialogue, the pure part: a voice per character, parentheticals as delivery,
the script's dialogue lines, and a timing model fed by spoken durations.

- :func:`cast_voices`: each speaking character gets an espeak-ng voice (variant, pitch,
  rate) from a hash of the name, so it is the same on every run. Sexes alternate in
  order of first cue (the first from the name's hash), and no two characters share a
  variant while there are variants left, so voices differ audibly.
- :func:`delivery`: a parenthetical (``(whispering)``, ``(shouting)``, ``(quietly)``,
  ``(fast)``, ``(slowly)``, ...) as rate / pitch / volume changes; one it does not
  know changes nothing.
- :func:`dialogue_lines`: every dialogue element with its speaker, the parenthetical
  before it in the block, and the speech parameters it is spoken with.
- :class:`DialogueTiming`: a :class:`~previzkit.script.breakdown.TimingModel` whose
  dialogue elements last their spoken duration (seconds) plus a pause; lines it has
  no duration for keep the words-per-minute estimate.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from previzkit.media.speech import SpeechParams
from previzkit.script.breakdown import TimingModel
from previzkit.script.model import ElementType, Scene, Script

LANGUAGE = "en-us"
MALE_VARIANTS = ("m3", "m1", "m2", "m4", "m7", "m5", "m6", "m8")
FEMALE_VARIANTS = ("f1", "f2", "f3", "f4", "f5")
PAUSE_S = 0.3  # silence after each spoken line (s)


@dataclass(frozen=True)
class Voice:
    """A character's voice: espeak-ng ``variant`` (``"m3"``, ``"f2"``), ``sex``
    (``"m"``/``"f"``), ``pitch`` 0..99, ``rate_wpm`` words per minute."""

    variant: str
    sex: str
    pitch: int
    rate_wpm: int
    language: str = LANGUAGE

    def params(self, how: Delivery | None = None) -> SpeechParams:
        """espeak-ng parameters of this voice, shaped by a parenthetical's delivery."""
        how = how or Delivery()
        variant = how.variant or self.variant
        return SpeechParams(
            voice=f"{self.language}+{variant}",
            pitch=int(min(99, max(0, self.pitch + how.pitch_add))),
            rate_wpm=int(min(900, max(80, round(self.rate_wpm * how.rate_x)))),
            amplitude=int(min(200, max(0, round(100 * how.volume_x)))),
            word_gap=how.word_gap,
        )


@dataclass(frozen=True)
class Delivery:
    """How a parenthetical shapes a line: speed x ``rate_x``, pitch + ``pitch_add``
    (espeak-ng 0..99 scale), volume x ``volume_x``, another ``variant`` (whisper),
    ``word_gap`` (10 ms units between words)."""

    rate_x: float = 1.0
    pitch_add: int = 0
    volume_x: float = 1.0
    variant: str | None = None
    word_gap: int = 0

    def then(self, other: Delivery) -> Delivery:
        """Both deliveries at once."""
        return Delivery(
            self.rate_x * other.rate_x,
            self.pitch_add + other.pitch_add,
            self.volume_x * other.volume_x,
            other.variant or self.variant,
            self.word_gap + other.word_gap,
        )


# parenthetical words -> delivery; every matching rule applies
DELIVERIES: tuple[tuple[str, Delivery], ...] = (
    (r"whisper", Delivery(rate_x=0.9, volume_x=0.7, variant="whisper")),
    (r"shout|yell|scream|bellow|angr|furious", Delivery(1.1, 12, 1.8)),
    (r"quiet|soft|murmur|mutter|under (?:his|her|their) breath", Delivery(0.95, -6, 0.5)),
    (r"\bfast\b|quick|rapid|hurr|rush|blurt", Delivery(rate_x=1.35)),
    (r"\bslow|hesita|drawl|careful", Delivery(rate_x=0.7, word_gap=4)),
    (r"sad|tearful|sigh|tired|weary", Delivery(0.9, -8, 0.85)),
    (r"excit|happy|cheer|delight|laugh", Delivery(1.1, 10, 1.1)),
    (r"nervous|scared|afraid|frighten", Delivery(1.15, 6, 0.9)),
)


def delivery(parenthetical: str | None) -> Delivery:
    """The delivery a parenthetical asks for (``"(whispering)"`` -> quieter, whisper
    variant); none or an unknown one: unchanged."""
    text = (parenthetical or "").lower()
    out = Delivery()
    for pattern, how in DELIVERIES:
        if re.search(pattern, text):
            out = out.then(how)
    return out


def _hash(name: str) -> int:
    return int.from_bytes(hashlib.sha256(name.strip().upper().encode("utf-8")).digest()[:8])


def cast_voices(names: Iterable[str]) -> dict[str, Voice]:
    """A voice per character, ``names`` in order of first cue: variant, pitch and rate
    from a hash of the name; sexes alternate (the first from its hash); a variant is
    used once while the sex has unused ones."""
    out: dict[str, Voice] = {}
    used: set[str] = set()
    sex = ""
    for name in names:
        if name in out:
            continue
        h = _hash(name)
        sex = ("f" if h & 1 else "m") if not sex else ("m" if sex == "f" else "f")
        pool = FEMALE_VARIANTS if sex == "f" else MALE_VARIANTS
        start = (h >> 1) % len(pool)
        order = pool[start:] + pool[:start]
        variant = next((v for v in order if v not in used), order[0])
        used.add(variant)
        pitch = 40 + (h >> 8) % 21  # 40..60
        rate = 160 + (h >> 16) % 31  # 160..190 wpm
        out[name] = Voice(variant, sex, int(pitch), int(rate))
    return out


@dataclass(frozen=True)
class DialogueLine:
    """One dialogue element: ``scene`` number, source ``line``, ``speaker``, ``text``
    as spoken, the block's ``parenthetical`` before it (or None) and the espeak-ng
    ``params`` it is spoken with."""

    scene: str
    line: int
    speaker: str
    text: str
    parenthetical: str | None
    params: SpeechParams


def scene_lines(scene: Scene, voices: Mapping[str, Voice]) -> list[DialogueLine]:
    """The dialogue lines of one scene, in order (a character without a voice in
    ``voices`` gets one from :func:`cast_voices`)."""
    out: list[DialogueLine] = []
    speaker: str | None = None
    paren: str | None = None
    for el in scene.elements:
        if el.type is ElementType.CHARACTER and el.character:
            speaker, paren = el.character, None
        elif speaker is None or el.character != speaker:
            if el.type is not ElementType.NOTE:
                speaker, paren = None, None
        elif el.type is ElementType.PARENTHETICAL:
            paren = el.plain
        elif el.type in (ElementType.DIALOGUE, ElementType.LYRICS) and el.plain.strip():
            voice = voices.get(speaker) or cast_voices([speaker])[speaker]
            params = voice.params(delivery(paren))
            out.append(DialogueLine(scene.number, el.line, speaker, el.plain, paren, params))
    return out


def dialogue_lines(script: Script, voices: Mapping[str, Voice] | None = None) -> list[DialogueLine]:
    """Every dialogue line of ``script`` (voices: :func:`cast_voices` of its speaking
    characters unless given)."""
    voices = voices if voices is not None else cast_voices(script.characters)
    return [ln for sc in script.scenes for ln in scene_lines(sc, voices)]


@dataclass(frozen=True)
class DialogueTiming(TimingModel):
    """A timing model whose dialogue element at source line *n* lasts ``spoken[n]``
    seconds + ``pause_s``; other lines keep the words-per-minute estimate."""

    spoken: Mapping[int, float] = field(default_factory=dict, hash=False)
    pause_s: float = PAUSE_S

    def dialogue_s(self, line: int, text: str) -> float:
        got = self.spoken.get(line)
        if got is None:
            return super().dialogue_s(line, text)
        return float(got) + self.pause_s

    def with_spoken(self, spoken: Mapping[int, float]) -> DialogueTiming:
        """This timing with other spoken durations."""
        return replace(self, spoken=dict(spoken))

"""Scratch dialogue without the stage: voices per character, parentheticals as delivery,
spoken durations timing the beats, espeak-ng's speech measured with numpy (pitch by
autocorrelation, length, level), the cache, and what happens without espeak-ng."""

from __future__ import annotations

import itertools
import logging
from pathlib import Path

import numpy as np
import pytest

from previzkit.edit.assemble import scene_beats
from previzkit.media.speech import SpeechError, SpeechParams, cached_synthesize, synthesize
from previzkit.production.dialogue import line_times, prepare_dialogue, take_dialogue
from previzkit.script import parse
from previzkit.script.voices import (
    DialogueTiming,
    cast_voices,
    delivery,
    dialogue_lines,
)
from tests.helpers.speech import median_pitch, needs_espeak, speech_segments

SR = 16000
TEXT = "I have been waiting here for a long time."
SCRIPT = """\
INT. KITCHEN - DAY #1#

Mara waits.

MARA
Sit down.

JONAS
(whispering)
No.
(louder)
I would rather stand.
"""


def test_voices_are_stable_distinct_and_alternate_sexes() -> None:
    cast = ["MARA", "JONAS", "ODA", "PETER", "WREN"]
    voices = cast_voices(cast)
    assert voices == cast_voices(cast)  # the same every run
    assert len({v.variant for v in voices.values()}) == len(cast)
    sexes = [voices[n].sex for n in cast]
    assert all(a != b for a, b in itertools.pairwise(sexes))
    assert all(40 <= v.pitch <= 60 and 160 <= v.rate_wpm <= 190 for v in voices.values())


def test_parentheticals_shape_rate_pitch_volume() -> None:
    assert delivery(None) == delivery("(to Jonas)") == delivery("")
    assert delivery("(whispering)").variant == "whisper"
    assert delivery("(whispering)").volume_x < 1
    loud = delivery("(shouting)")
    assert loud.volume_x > 1 and loud.pitch_add > 0
    assert delivery("(quietly)").volume_x < 1
    assert delivery("(fast)").rate_x > 1 > delivery("(slowly)").rate_x
    both = delivery("(slowly, quietly)")
    assert both.rate_x < 1 and both.volume_x < 1


def test_lines_carry_speaker_parenthetical_and_params() -> None:
    script = parse(SCRIPT)
    lines = dialogue_lines(script)
    assert [(ln.speaker, ln.text, ln.parenthetical) for ln in lines] == [
        ("MARA", "Sit down.", None),
        ("JONAS", "No.", "(whispering)"),
        ("JONAS", "I would rather stand.", "(louder)"),
    ]
    assert lines[1].params.voice.endswith("+whisper")
    assert lines[0].params.voice != lines[2].params.voice


def test_spoken_durations_time_the_dialogue_beats() -> None:
    scene = parse(SCRIPT).scenes[0]
    lines = dialogue_lines(parse(SCRIPT))
    spoken = {ln.line: 1.0 + i for i, ln in enumerate(lines)}
    timing = DialogueTiming(spoken=spoken, pause_s=0.25)
    beats = scene_beats(scene, timing)
    assert [b.kind for b in beats] == ["action", "dialogue", "dialogue"]
    assert beats[1].estimate_s == pytest.approx(1.25)
    assert beats[2].estimate_s == pytest.approx(2.25 + 3.25)
    times = line_times(scene, timing, list(spoken))
    start = beats[0].estimate_s
    assert times[lines[0].line] == pytest.approx((start, start + 1.0))
    assert times[lines[1].line] == pytest.approx((start + 1.25, start + 3.25))
    assert times[lines[2].line] == pytest.approx((start + 3.5, start + 6.5))
    # lines without a spoken length keep the words-per-minute estimate
    assert scene_beats(scene, DialogueTiming())[1].estimate_s == pytest.approx(
        scene_beats(scene)[1].estimate_s
    )


def test_take_dialogue_follows_the_take_timeline() -> None:
    tone = np.sin(np.arange(SR) * 2 * np.pi * 200 / SR).astype(np.float32) * 0.5
    times = {5: (1.0, 2.0)}  # script s
    # take: 0.5 s pre-roll from scene 0.5, then played 2x slower (scene 1..3 over take 1..5)
    knots = ((0.0, 0.5), (0.5, 1.0), (4.5, 3.0), (5.0, 3.5))
    out = take_dialogue(times, {5: tone}, knots, 5.0, scale=1.0, sample_rate=SR)
    (seg,) = speech_segments(out, SR)
    assert seg == pytest.approx((0.5, 2.5), abs=0.02)


@needs_espeak
def test_two_characters_sound_different() -> None:
    voices = cast_voices(["MARA", "JONAS"])
    mara = synthesize(TEXT, voices["MARA"].params(), SR)
    jonas = synthesize(TEXT, voices["JONAS"].params(), SR)
    f_mara, f_jonas = median_pitch(mara, SR), median_pitch(jonas, SR)
    assert f_mara > 0 and f_jonas > 0
    assert max(f_mara, f_jonas) / min(f_mara, f_jonas) > 1.5, (f_mara, f_jonas)


@needs_espeak
def test_parenthetical_changes_rate_pitch_and_level() -> None:
    voice = cast_voices(["MARA"])["MARA"]
    plain = synthesize(TEXT, voice.params(), SR)
    slow = synthesize(TEXT, voice.params(delivery("(slowly)")), SR)
    fast = synthesize(TEXT, voice.params(delivery("(fast)")), SR)
    shout = synthesize(TEXT, voice.params(delivery("(shouting)")), SR)
    quiet = synthesize(TEXT, voice.params(delivery("(quietly)")), SR)
    assert len(slow) > 1.3 * len(plain) > 1.3 * 1.2 * len(fast)
    assert median_pitch(shout, SR) > 1.05 * median_pitch(plain, SR)

    def rms(x: np.ndarray) -> float:
        return float(np.sqrt(np.mean(x**2)))

    assert rms(shout) > 1.5 * rms(plain) > 1.5 * 1.5 * rms(quiet)


@needs_espeak
def test_cache_keeps_each_line(tmp_path: Path) -> None:
    params = SpeechParams("en-us+m3", 50, 175)
    first = cached_synthesize(tmp_path, "Sit down.", params, SR)
    (entry,) = tmp_path.glob("*.npy")
    stamp = entry.stat().st_mtime_ns
    again = cached_synthesize(tmp_path, "Sit down.", params, SR)
    assert np.array_equal(first, again) and entry.stat().st_mtime_ns == stamp
    cached_synthesize(tmp_path, "Sit down.", SpeechParams("en-us+m3", 50, 200), SR)
    assert len(list(tmp_path.glob("*.npy"))) == 2


@needs_espeak
def test_bad_voice_names_the_line() -> None:
    with pytest.raises(SpeechError, match=r"tiny.fountain line 7.*nonexistent"):
        synthesize("Hello.", SpeechParams("nonexistent"), SR, what="tiny.fountain line 7")


def test_without_espeak_one_warning_and_the_estimate(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng on this PATH
    with caplog.at_level(logging.WARNING):
        assert prepare_dialogue(parse(SCRIPT), tmp_path / "speech") is None
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "espeak-ng" in warnings[0].getMessage()
    with pytest.raises(SpeechError, match=r"line 9.*apt-get install espeak-ng"):
        synthesize("No.", SpeechParams(), SR, what="tiny.fountain line 9")

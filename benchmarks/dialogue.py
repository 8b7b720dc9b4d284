"""Scratch dialogue, measured: a previz of a tiny screenplay (two takes a shot at the
script's speed) and where its speech is heard in previz.mp4 against where the cut plays
each line; the voices' median pitch and what parentheticals do to a line.

Run: ``PYTHONPATH=. python3 benchmarks/dialogue.py [-o DIR]`` (needs espeak-ng, EGL).
Speech is found with numpy alone (tests/helpers/speech.py), not previzkit's code.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from previzkit.media.audio import read_audio
from previzkit.media.speech import synthesize
from previzkit.production.previz import run_previz
from previzkit.script.voices import cast_voices, delivery
from tests.demo.test_previz_dialogue import OPTS, SCRIPT, SR, expected_lines
from tests.helpers.speech import median_pitch, speech_segments

TEXT = "I have been waiting here for a long time."


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("-o", "--out", type=Path, default=None)
    args = ap.parse_args()
    folder = args.out or Path(tempfile.mkdtemp(prefix="dialogue-"))
    folder.mkdir(parents=True, exist_ok=True)
    script = folder / "talk.fountain"
    script.write_text(SCRIPT, encoding="utf-8")
    t = time.perf_counter()
    result = run_previz(script, folder / "out", OPTS, force=True)
    wall = time.perf_counter() - t
    steps = ", ".join(f"{k} {v:.2f} s" for k, v in result.seconds.items())
    print(f"previz: {result.takes} takes, cut {result.cut_seconds:.2f} s, {wall:.1f} s ({steps})")
    lines = expected_lines(script, folder / "out")
    audio = read_audio(folder / "out" / "previz.mp4", SR, from_zero=True)
    assert audio is not None
    heard = speech_segments(audio, SR)
    print(f"heard: {[(round(a, 2), round(b, 2)) for a, b in heard]}")
    for a, b, n in lines:
        ds = min(abs(s - a) for s, _ in heard)
        de = min(abs(e - b) for _, e in heard)
        print(
            f"line {n}: cut {a:.3f}-{b:.3f} s, start off {ds * 1000:.0f} ms, end {de * 1000:.0f} ms"
        )
    voices = cast_voices(["MARA", "JONAS"])
    for name, v in voices.items():
        x = synthesize(TEXT, v.params(), SR)
        print(
            f"{name} ({v.variant}, p{v.pitch}, {v.rate_wpm} wpm): {len(x) / SR:.2f} s, "
            f"median pitch {median_pitch(x, SR):.0f} Hz"
        )
    for paren in (None, "(slowly)", "(fast)", "(shouting)", "(quietly)", "(whispering)"):
        x = synthesize(TEXT, voices["MARA"].params(delivery(paren)), SR)
        rms = 20 * np.log10(np.sqrt(np.mean(x**2)))
        print(
            f"MARA {paren or '(none)'}: {len(x) / SR:.2f} s, pitch {median_pitch(x, SR):.0f} Hz, "
            f"{rms:.1f} dBFS"
        )


if __name__ == "__main__":
    main()

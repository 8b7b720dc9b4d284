"""Scratch dialogue through a whole previz run: a tiny screenplay recorded for real (two
takes a shot, played at the script's speed), its lines spoken by espeak-ng. The speech
heard in previz.mp4 (energy above the noise floor, measured with numpy on the decoded
audio) starts and ends where the cut plays each dialogue line (the clip's lines, its
take's timeline and the spoken layout) within 0.2 s; every take of a scene with
dialogue has sound, a scene without any stays silent; a re-cut reads the cache."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from previzkit.core.errors import JournalError
from previzkit.media.audio import read_audio
from previzkit.model.binary_header import read_header
from previzkit.production.dialogue import SPEECH_DIR, line_times, prepare_dialogue
from previzkit.production.previz import PrevizOptions, run_previz
from previzkit.script import read_script
from previzkit.takes import journal
from previzkit.takes.recorder import JOURNAL
from previzkit.takes.store import TakeStore
from tests.helpers.speech import needs_espeak, speech_segments

pytestmark = [pytest.mark.gl, pytest.mark.media, needs_espeak]

SCRIPT = """\
Title: TALK

INT. KITCHEN - DAY #1#

Mara waits at the table.

MARA
Sit down, please.

JONAS
(slowly)
No. I would rather stand.

MARA
(shouting)
Then stand!

EXT. GARDEN - NIGHT #2#

Jonas walks away.
"""
OPTS = PrevizOptions(
    takes=2,
    size=(64, 36),
    cut_size=(64, 36),
    time_scale=1.0,
    handle_s=0.25,
    min_shot_s=0.25,
    sky_size=(64, 32),
)
SR = 16000
TOLERANCE_S = 0.2


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("talk")
    script = folder / "talk.fountain"
    script.write_text(SCRIPT, encoding="utf-8")
    run_previz(script, folder / "out", OPTS)
    return script, folder / "out"


def _timeline(store: TakeStore, take: object) -> np.ndarray:
    """The take's knots (take s, performance s) from its journal header."""
    path = store.take_dir(take) / JOURNAL  # type: ignore[arg-type]
    with path.open("rb") as f:
        meta = read_header(f, str(path), journal.MAGIC, journal.VERSION, ("j", "j"), JournalError)
    return np.asarray(meta["timeline"], np.float64)


def expected_lines(script_path: Path, out: Path) -> list[tuple[float, float, int]]:
    """(start, end, source line) in record time (s) of each dialogue line the cut plays:
    per V1 clip, the lines its metadata lists, placed through its take's timeline."""
    import opentimelineio as otio

    script = read_script(script_path)
    scratch = prepare_dialogue(script, out / SPEECH_DIR)
    assert scratch is not None
    scenes = {s.number: s for s in script.scenes}
    timeline = otio.adapters.read_from_file(str(out / "cut.otio"))
    v1 = timeline.video_tracks()[0]
    found = []
    with TakeStore(out / "project", create=False) as store:
        takes = {t.id: t for t in store.list()}
        for i, item in enumerate(v1):
            if item.schema_name() != "Clip":
                continue
            rec = v1.range_of_child_at_index(i)
            r0, r1 = rec.start_time.to_seconds(), rec.end_time_exclusive().to_seconds()
            meta = item.metadata["previzkit"]
            xs, ys = _timeline(store, takes[meta["take_id"]]).T
            avail = item.media_reference.available_range.start_time
            s0 = (item.source_range.start_time - avail).to_seconds()
            scene = scenes[meta["scene"]]
            mine = [ln.line for ln in scratch.lines if ln.line in meta["lines"]]
            for n, (a, b) in line_times(scene, scratch.timing, mine).items():
                ta = np.interp(a * OPTS.time_scale, ys, xs)
                tb = np.interp(b * OPTS.time_scale, ys, xs)
                ra, rb = max(r0, r0 + ta - s0), min(r1, r0 + tb - s0)
                if rb > ra + 0.05:
                    found.append((float(ra), float(rb), n))
    return sorted(found)


def test_speech_in_previz_lines_up_with_the_script(run: tuple[Path, Path]) -> None:
    script, out = run
    lines = expected_lines(script, out)
    spoken = {n for _, _, n in lines}
    assert spoken == {8, 12, 16}, lines  # every dialogue line is in the cut
    audio = read_audio(out / "previz.mp4", SR, from_zero=True)
    assert audio is not None
    heard = speech_segments(audio, SR)
    assert heard, "previz.mp4 is silent"
    for a, b, n in lines:
        starts = [abs(s - a) for s, _ in heard]
        ends = [abs(e - b) for _, e in heard]
        assert min(starts) <= TOLERANCE_S, (n, a, heard)
        assert min(ends) <= TOLERANCE_S, (n, b, heard)
    for s, e in heard:  # nothing spoken outside the lines
        assert any(a - TOLERANCE_S <= s and e <= b + TOLERANCE_S for a, b, _ in lines), (
            (s, e),
            lines,
        )


def test_takes_carry_their_scene_dialogue(run: tuple[Path, Path]) -> None:
    _, out = run
    with TakeStore(out / "project", create=False) as store:
        takes = store.list()
        assert {t.scene for t in takes} == {"1", "2"}
        for t in takes:
            # the speech's WAV master beside the take (muxed into its MP4)
            assert bool(t.files.get("audio")) == (t.scene == "1"), t.label
            sound = read_audio(store.file(t, "video"), SR)
            assert sound is not None, f"{t.label}: no audio stream"
            peak = float(np.abs(sound).max())
            if t.scene == "1":
                assert peak > 0.1 and speech_segments(sound, SR), t.label
            else:
                assert peak < 1e-3, t.label


def test_recut_reads_the_cache(run: tuple[Path, Path]) -> None:
    script, out = run
    cache = out / SPEECH_DIR
    before = {p.name: p.stat().st_mtime_ns for p in cache.glob("*.npy")}
    assert len(before) == 3
    scratch = prepare_dialogue(read_script(script), cache)
    assert scratch is not None and len(scratch.lines) == 3
    assert {p.name: p.stat().st_mtime_ns for p in cache.glob("*.npy")} == before

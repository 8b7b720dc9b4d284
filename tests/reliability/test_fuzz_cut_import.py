"""Fuzz the cut import paths (EDL and OTIO JSON through OpenTimelineIO): a mutated cut
loads as a Timeline whose events are read, or raises an InputError naming the file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given

from previzkit.core.errors import InputError
from tests.helpers.fuzzkit import fuzz_settings, mutated_text

otio = pytest.importorskip("opentimelineio")


def _timeline():
    tl = otio.schema.Timeline("fuzz cut")
    track = otio.schema.Track("V1")
    tl.tracks.append(track)
    rate = 24
    for i, name in enumerate(["1-A_take1", "1-B_take2", "2-A_take1"]):
        clip = otio.schema.Clip(
            name,
            media_reference=otio.schema.ExternalReference(f"/takes/{name}.mp4"),
            source_range=otio.opentime.TimeRange(
                otio.opentime.RationalTime(86400 + 10 * i, rate),
                otio.opentime.RationalTime(48 + i, rate),
            ),
            metadata={"previzkit": {"scene": str(i + 1)}},
        )
        track.append(clip)
        if i == 0:
            track.append(otio.schema.Gap(duration=otio.opentime.RationalTime(12, rate)))
    return tl


SEEDS = {
    "edl": otio.adapters.write_to_string(_timeline(), "cmx_3600"),
    "otio": otio.adapters.write_to_string(_timeline(), "otio_json"),
}


def _check(folder: Path, suffix: str, text: str) -> None:
    from previzkit.edit.timeline import cut_events, load_cut

    p = folder / f"fuzz.{suffix}"
    p.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        tl = load_cut(p)
    except InputError as exc:
        assert str(p) in str(exc)
        return
    cut_events(tl)


@fuzz_settings()
@given(text=mutated_text(SEEDS["edl"], max_ops=6))
def test_fuzz_edl_import(tmp_path_factory, text):
    _check(tmp_path_factory.mktemp("edl"), "edl", text)


@fuzz_settings()
@given(text=mutated_text(SEEDS["otio"], max_ops=6))
def test_fuzz_otio_import(tmp_path_factory, text):
    _check(tmp_path_factory.mktemp("otio"), "otio", text)


# regressions found by the fuzzer
EDL_DUPLICATE_EVENT = (
    "TITLE: fuzz cut\n\n"
    "001  1Atake1m V     C        01:00:00:00 01:00:02:00 00:00:00:00 00:00:02:00\n"
    "001  1Atake1m V     C        01:00:00:00 01:00:02:00 00:00:00:00 00:00:02:00\n"
    "* FROM CLIP NAME:  1-A_take1\n"
    "002  1Btake2m V     C        01:00:00:10 01:00:02:11 00:00:02:12 00:00:04:13\n"
)


def test_regression_edl_adapter_attribute_error_is_an_input_error(tmp_path):
    """The CMX adapter raised AttributeError (its own typo) on a repeated event line."""
    from previzkit.edit.timeline import load_cut

    p = tmp_path / "dup.edl"
    p.write_text(EDL_DUPLICATE_EVENT)
    with pytest.raises(InputError, match=r"dup\.edl"):
        load_cut(p)


# opentimelineio 0.18's C++ JSON reader dies with SIGSEGV on this (found by the fuzzer,
# minimised): a RationalTime missing its closing brace. Run in a child process so a
# regression fails this test instead of killing the test run.
OTIO_SEGFAULT = '{\n                            "OTIO_SCHEMA": "TimeRange.1",\n                            "duration": {\n                                "OTIO_SCHEMA": "RationalTime.1",\n                                "rate": 24.0,\n                                "value": 48.0\n                            },\n                            "start_time": {\n                                "OTIO_SCHEMA": "RationalTime.1",\n                                "rate": 24.0,\n                                "value": 86400.0\n                        },\n                            "DEFAULT_MEDIA": {\n                                "OTIO_SCHEMA": "ExternalReference.1",\n                                "target_url": "/takes/1-A_take1.mp4"\n                        },\n                        "active_media_reference_key": "DEFAULT_MEDIA"\n                    },\n'


def test_regression_broken_otio_json_is_an_input_error_not_a_crash(tmp_path):
    import subprocess

    p = tmp_path / "crash.otio"
    p.write_text(OTIO_SEGFAULT)
    code = (
        "import sys\n"
        "from previzkit.edit.timeline import load_cut\n"
        "from previzkit.core.errors import InputError\n"
        "try:\n"
        "    load_cut(sys.argv[1])\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code, str(p)], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, f"load_cut crashed (rc {r.returncode}): {r.stderr[-500:]}"
    assert str(p) in r.stdout and "not valid OTIO JSON" in r.stdout

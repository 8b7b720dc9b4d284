"""Coverage-guided fuzzing with atheris (libFuzzer for Python), on demand.

    python3 -m tests.helpers.atheris_fuzz TARGET [libFuzzer flags]
    python3 -m tests.helpers.atheris_fuzz pose -atheris_runs=200000 -max_len=2048
    python3 -m tests.helpers.atheris_fuzz fountain corpus_dir/   # keeps a corpus

TARGET is one of: fountain, setfile, pose, freed, cube, edl, otio. Each feeds the raw
bytes to the same entry point the hypothesis tests use and treats anything but the
documented PrevizError subclass as a crash (libFuzzer writes ``crash-<sha1>`` in the
working directory: add it as a regression test). Run it from the repository root (or
with the root on ``PYTHONPATH``). atheris is optional
(``pip install 'previzkit[fuzz]'``; wheels for CPython 3.11 on Linux x86-64).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path


def _text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def target(name: str):
    """The one-input function for ``name`` (imports instrumented by atheris)."""
    import atheris

    with atheris.instrument_imports():
        import previzkit.capture.schema as schema
        import previzkit.composite.lut as lut
        import previzkit.model.setfile as setfile
        import previzkit.overlay.tracking.freed as freed
        import previzkit.script.parser as parser
        from previzkit.core import errors
    tmp = Path(tempfile.mkdtemp(prefix="previzkit-atheris-"))

    def fountain(data: bytes) -> None:
        parser.parse(_text(data))

    def setfile_(data: bytes) -> None:
        p = tmp / "set.yaml"
        p.write_bytes(data)
        with contextlib.suppress(errors.SetFileError):
            setfile.load_set(p)

    def pose(data: bytes) -> None:
        # first byte: odd -> topic pose/3 and the rest is the payload; even -> the next
        # (byte / 2) % 16 bytes are the topic
        if not data or data[0] & 1:
            topic, payload = b"pose/3", data[1:]
        else:
            cut = (data[0] // 2) % 16
            topic, payload = data[1 : 1 + cut], data[1 + cut :]
        with contextlib.suppress(errors.PoseMessageError):
            schema.decode(topic, payload)

    def freed_(data: bytes) -> None:
        try:
            p = freed.decode(data)
        except errors.TrackingError:
            return
        assert freed.encode(p) == data

    def cube(data: bytes) -> None:
        with contextlib.suppress(errors.LutError):
            lut.parse_cube(_text(data), "fuzz.cube")

    def cut(suffix: str):
        from previzkit.edit.timeline import cut_events, load_cut

        def run(data: bytes) -> None:
            p = tmp / f"cut.{suffix}"
            p.write_bytes(data)
            with contextlib.suppress(errors.InputError):
                cut_events(load_cut(p))

        return run

    table = {
        "fountain": fountain,
        "setfile": setfile_,
        "pose": pose,
        "freed": freed_,
        "cube": cube,
        "edl": cut("edl"),
        "otio": cut("otio"),
    }
    if name not in table:
        raise SystemExit(f"unknown target {name!r}: one of {', '.join(table)}")
    return table[name]


def seeds(name: str) -> list[bytes]:
    """Valid inputs to start from (the seeds of the hypothesis tests in tests/reliability)."""
    from tests.helpers import ASSETS

    if name == "fountain":
        return [(ASSETS / "scripts" / "sample.fountain").read_bytes()]
    if name == "setfile":
        return [(ASSETS / "sets" / "sample.yaml").read_bytes()]
    if name == "pose":
        from tests.reliability.test_fuzz_pose_message import PAYLOAD

        return [b"\x01" + PAYLOAD]
    if name == "freed":
        from tests.reliability.test_fuzz_freed import SEED

        return [SEED]
    if name == "cube":
        from tests.reliability.test_fuzz_cube import SEEDS

        return [s.encode() for s in SEEDS]
    from tests.reliability.test_fuzz_cut_import import SEEDS

    return [SEEDS[name].encode()]


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        raise SystemExit(__doc__)
    import atheris

    name, flags = sys.argv[1], sys.argv[2:]
    one = target(name)
    if not any(not f.startswith("-") for f in flags):  # no corpus folder: start from seeds
        corpus = Path(tempfile.mkdtemp(prefix=f"previzkit-{name}-corpus-"))
        for i, data in enumerate(seeds(name)):
            (corpus / f"seed{i}").write_bytes(data)
        flags.append(str(corpus))
    atheris.Setup([sys.argv[0], *flags], one)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

"""Editing styles, measured: the quick demo's project re-cut with three style sets from
its take store (no re-recording), seconds per re-cut, and the script's coverage rules
checked on each cut (:func:`previzkit.edit.coverage_check.check_coverage`).

Run: ``PYTHONPATH=. python3 benchmarks/styles.py [--demo DIR] [--script FOUNTAIN]``;
without ``--demo`` it first runs ``previzkit demo --quick`` into a temporary folder
(a minute or two, EGL). ``--script`` with ``--demo DIR`` re-cuts a ``previzkit
previz`` run of that screenplay instead.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

STYLE_SETS = (
    "default",
    "default,intensify",
    "intensify,speaker-visible,avoid-jump-cuts,variety",
)


def main() -> None:
    from previzkit.core.resources import asset_path
    from previzkit.edit.coverage_check import check_coverage, clip_infos
    from previzkit.production.recut import recut
    from previzkit.script import load_shot_plan, read_script

    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--demo", type=Path, default=None, help="a demo/previz output folder")
    ap.add_argument("--script", type=Path, default=None, help="its screenplay")
    ap.add_argument("--repeat", type=int, default=3, help="re-cuts per style set")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR)
    out = args.demo
    if out is None:
        from previzkit.production.demo import DemoOptions, run_demo

        out = Path(tempfile.mkdtemp(prefix="styles-")) / "demo"
        t = time.perf_counter()
        run_demo(out, DemoOptions.quick())
        print(f"demo --quick: {time.perf_counter() - t:.1f} s (recording, once)")
    script = read_script(args.script or asset_path("scripts", "sample.fountain"))
    plan = load_shot_plan(out / "shots.yaml")
    for styles in STYLE_SETS:
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            result = recut(out, script, styles)
            times.append(time.perf_counter() - t)
        report = check_coverage(clip_infos(result.timeline), script, plan)
        kept = ", ".join(
            f"{k} {len(r.lines) - len(r.broken)}/{len(r.lines)}" for k, r in report.rules.items()
        )
        print(
            f"{styles:<52} re-cut {min(times):.2f} s (median {sorted(times)[len(times) // 2]:.2f} s)"
            f" | types {len(set(report.types_used) & set(report.types_planned))}"
            f"/{len(report.types_planned)}, shots {report.shots_used}/{report.shots_planned}"
            f" | {kept}"
        )


if __name__ == "__main__":
    main()

"""Measure a demo output's performance: foot skating in the takes (joints.npz) and the
largest mean-joint-position jump at cuts inside scenes (cut.otio + joints.npz).

    python scripts/measure_performance.py OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main(out: str) -> None:
    from previzkit.production.performance_check import cut_jumps, take_foot_skate
    from previzkit.takes.store import TakeStore

    root = Path(out)
    with TakeStore(root / "project", create=False) as store:
        skate = take_foot_skate(store)
    jumps = cut_jumps(root / "cut.otio", root / "project")
    print(
        json.dumps(
            {
                "foot_skate_median_cm_s": round(skate, 2),
                "cuts_inside_scenes": len(jumps),
                "largest_jump_m": round(max((j for _, j in jumps), default=0.0), 3),
                "jumps_m": [[n, round(j, 3)] for n, j in jumps],
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1])

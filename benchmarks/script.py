"""Benchmark: parse a generated 120-page screenplay (goal < 100 ms).

Run: ``python3 benchmarks/script.py``. Prints the best of N runs of previzkit's
parser, the breakdown and the shot plan, per page, and ratios against screenplain's
Fountain parser (``pip install screenplain``) run in the same process on the same text.
"""

from __future__ import annotations

import argparse
import platform
import random
import time

from previzkit.script import breakdown, parse, plan_shots, write

NAMES = ["MARA", "JONAS", "DR. OKAFOR", "LENA", "THE GUARD"]
PLACES = ["WAREHOUSE", "ROOFTOP", "PROJECTION BOOTH", "STUDIO LOT", "MARA'S APARTMENT", "CAR"]
TIMES = ["DAY", "NIGHT", "CONTINUOUS", "LATER", "DAWN"]
WORDS = [
    "the",
    "a",
    "light",
    "door",
    "reel",
    "camera",
    "she",
    "he",
    "walks",
    "turns",
    "looks",
    "away",
    "toward",
    "through",
    "slowly",
    "quiet",
    "night",
    "city",
    "crew",
    "stage",
    "film",
    "take",
    "again",
    "never",
    "always",
    "wind",
    "gravel",
    "floor",
    "table",
]


def sentence(rng: random.Random, n: int) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    if rng.random() < 0.3:
        words[rng.randrange(n)] = rng.choice(
            ["*softly*", "**now**", "_the_", "BRIEFCASE", "FLASHLIGHT"]
        )
    return " ".join(words).capitalize() + "."


def generate(pages: int, seed: int = 0) -> str:
    """A Fountain screenplay of about ``pages`` standard pages using every element."""
    rng = random.Random(seed)
    out = [
        "Title: BENCHMARK\nAuthor: previzkit\nDraft date: 2026\n\n# ACT ONE\n\n= synopsis line\n"
    ]
    lines = 0
    scene = 0
    while lines < pages * 55:
        scene += 1
        ie = rng.choice(["INT.", "EXT.", "INT./EXT."])
        out.append(f"{ie} {rng.choice(PLACES)} - {rng.choice(TIMES)} #{scene}#\n")
        lines += 2
        for _ in range(rng.randint(4, 12)):
            r = rng.random()
            if r < 0.35:
                para = " ".join(sentence(rng, rng.randint(5, 14)) for _ in range(rng.randint(1, 4)))
                out.append(para + ("" if rng.random() > 0.1 else " [[note to self]]") + "\n")
                lines += 1 + len(para) // 60 + 1
            else:
                who = rng.choice(NAMES)
                ext = rng.choice(["", "", "", " (V.O.)", " (O.S.)", " (CONT'D)"])
                dual = " ^" if rng.random() < 0.03 else ""
                block = [who + ext + dual]
                if rng.random() < 0.3:
                    block.append("(" + " ".join(rng.choice(WORDS) for _ in range(3)) + ")")
                speech = " ".join(
                    sentence(rng, rng.randint(4, 12)) for _ in range(rng.randint(1, 3))
                )
                block.append(speech)
                out.append("\n".join(block) + "\n")
                lines += 1 + len(block) + len(speech) // 35
        if rng.random() < 0.2:
            out.append("/* cut:\nAn old beat.\n*/\n")
        if rng.random() < 0.4:
            out.append(rng.choice(["CUT TO:", "DISSOLVE TO:", "> SMASH CUT"]) + "\n")
            lines += 2
    out.append("> THE END <\n")
    return "\n".join(out)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=120)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument(
        "--boneyards", action="store_true", help="Time a 2 MB screenplay full of boneyards."
    )
    args = ap.parse_args()
    if args.boneyards:
        from tests.helpers.boneyards import boneyard_script

        text = boneyard_script(2_000_000)
        t = best(lambda: parse(text), 3)
        n = len(parse(text).boneyard)
        print(f"boneyards: {len(text) / 1e6:.1f} MB, {n} boneyards, parse {t * 1e3:.0f} ms")
        return

    text = generate(args.pages)
    script = parse(text)
    bd = breakdown(script)
    n_lines = text.count("\n") + 1
    print(
        f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}"
    )
    print(
        f"screenplay: {bd.pages:.1f} printed pages, {n_lines} source lines, "
        f"{len(script.elements)} elements, {len(script.scenes)} scenes, {len(text) / 1024:.0f} KiB"
    )
    t_parse = best(lambda: parse(text), args.repeat)
    t_bd = best(lambda: breakdown(script), args.repeat)
    t_shots = best(lambda: plan_shots(script, bd=bd), args.repeat)
    t_write = best(lambda: write(script), args.repeat)
    per_page = t_parse / bd.pages * 1e3
    goal = "meets" if t_parse < 0.1 else "MISSES"
    print(
        f"previzkit parse      {t_parse * 1e3:8.1f} ms  ({per_page:.3f} ms/page; {goal} the < 100 ms goal)"
    )
    print(f"previzkit breakdown  {t_bd * 1e3:8.1f} ms")
    print(f"previzkit shot plan  {t_shots * 1e3:8.1f} ms")
    print(f"previzkit write      {t_write * 1e3:8.1f} ms")
    try:
        from screenplain.parsers import fountain as sp_fountain
    except ImportError:
        print("baseline: screenplain not installed (pip install screenplain); absolute times only")
        return
    import io

    def sp() -> None:
        sp_fountain.parse(io.StringIO(text))

    t_sp = best(sp, args.repeat)
    print(f"screenplain parse    {t_sp * 1e3:8.1f} ms  (baseline, no line numbers)")
    print(f"ratio screenplain / previzkit parse: {t_sp / t_parse:.2f}x")


if __name__ == "__main__":
    main()

"""Re-cut a previz run with other editing styles, from its take store (no re-recording).

``recut(out, script, styles)`` assembles the takes of a ``previzkit previz``/``demo``
output folder again: its shot plan (``shots.yaml``), its project and the scratch
dialogue's spoken lengths from the speech cache (so beats are timed as recorded).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from previzkit.core.errors import MissingFileError


def recut(
    out: str | Path,
    script: str | Path | Any,
    styles: str | None = None,
    min_shot_s: float = 0.25,
    progress: Any = None,
) -> Any:
    """The :class:`~previzkit.edit.assemble.Assembly` of the run in ``out`` cut with
    ``styles`` (None: the default); ``script``: the run's Fountain path or parsed Script."""
    from previzkit.edit.assemble import AssemblyRules, assemble
    from previzkit.production.dialogue import SPEECH_DIR, prepare_dialogue
    from previzkit.script import load_shot_plan, read_script

    out = Path(out)
    for need in ("shots.yaml", "project"):
        if not (out / need).exists():
            raise MissingFileError(f"{out}: no {need}; give the output folder of a previz run")
    parsed = read_script(script) if isinstance(script, str | Path) else script
    plan = load_shot_plan(out / "shots.yaml")
    timing = None
    if (out / SPEECH_DIR).is_dir():
        scratch = prepare_dialogue(parsed, out / SPEECH_DIR, scenes=[s.number for s in plan.scenes])
        timing = scratch.timing if scratch is not None else None
    rules = AssemblyRules(min_shot_s=min_shot_s, timing=timing, styles=styles)
    return assemble(out / "project", parsed, plan, rules, progress)

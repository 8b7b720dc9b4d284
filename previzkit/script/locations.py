"""Scene heading -> set file and background choice.

A location maps to ``<sets_dir>/<slug>.yaml`` (``"MARA'S WAREHOUSE - LOFT"`` tries
``maras_warehouse_loft.yaml``, then ``maras_warehouse.yaml``), falling back to
``sample.yaml``. Time of day picks the GAN sky: night, dusk and dawn times use the
conditional environment model ``models/genai/environment.pt`` (the scene heading then
picks its condition, :func:`previzkit.model.conditions.condition_for_heading`); day
scenes keep the set file's own background; exteriors get the ground model. Paths are relative
to the assets folder (:func:`previzkit.core.resources.assets_dir`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

FALLBACK_SET = "sets/sample.yaml"
ENVIRONMENT = "models/genai/environment.pt"
GROUND = "models/genai/ground_gravel.pt"
NIGHT_TIMES = frozenset({"NIGHT", "EVENING", "DUSK", "MIDNIGHT", "TWILIGHT"})
DAY_TIMES = frozenset({"DAY", "MORNING", "AFTERNOON", "NOON", "DAWN", "SUNRISE", "SUNSET", "MAGIC"})
# Times whose light a set's day background does not show: the environment model draws them.
LOW_SUN_TIMES = frozenset({"DAWN", "SUNRISE", "SUNSET", "MAGIC"})
# Times that carry over the previous scene's time of day.
CARRY_TIMES = frozenset({"CONTINUOUS", "LATER", "MOMENTS", "SAME", ""})


@dataclass(frozen=True)
class Background:
    """Background for a scene: ``sky_model`` (GAN checkpoint for an equirect sky, asset
    relative) or ``None`` for the set file's own background; ``ground_model`` for
    exteriors; ``time`` is the resolved time of day (``"NIGHT"``)."""

    time: str
    sky_model: str | None
    ground_model: str | None


def location_slug(location: str) -> str:
    """``"MARA'S WAREHOUSE - LOFT"`` -> ``"maras_warehouse_loft"``."""
    s = location.lower().replace("'", "").replace("’", "")
    return re.sub(r"[^a-z0-9]+", "_", s).strip("_")


def set_candidates(location: str) -> list[str]:
    """Set file names to try, most specific first, ending with the fallback."""
    parts = [p for p in re.split(r"\s+[-–—/]+\s+", location) if p.strip()]
    out: list[str] = []
    for k in range(len(parts), 0, -1):
        slug = location_slug(" ".join(parts[:k]))
        if slug and f"sets/{slug}.yaml" not in out:
            out.append(f"sets/{slug}.yaml")
    out.append(FALLBACK_SET)
    return out


def set_file_for(location: str, exists: Callable[[str], bool]) -> str:
    """The first of :func:`set_candidates` for which ``exists(relative_path)`` holds."""
    for cand in set_candidates(location):
        if exists(cand):
            return cand
    return FALLBACK_SET


def time_key(time: str) -> str:
    """First word of a time of day: ``"LATER THAT NIGHT"`` -> ``"LATER"``."""
    words = re.split(r"[\s(]+", time.upper().strip())
    return words[0] if words and words[0] else ""


def background_for(time: str, int_ext: str, previous_time: str = "DAY") -> Background:
    """Background for a scene's time of day; CONTINUOUS/LATER/SAME reuse ``previous_time``
    (and so does a phrase ending in a known time: ``"LATER THAT NIGHT"`` -> NIGHT)."""
    words = re.findall(r"[A-Z]+", time.upper())
    resolved = next((w for w in reversed(words) if w in NIGHT_TIMES | DAY_TIMES), None)
    if resolved is None:
        resolved = previous_time if time_key(time) in CARRY_TIMES else "DAY"
    sky = ENVIRONMENT if resolved in NIGHT_TIMES | LOW_SUN_TIMES else None
    ground = GROUND if int_ext in ("EXT", "INT/EXT", "EST") else None
    return Background(resolved, sky, ground)


def assets_exists(root: Path | None = None) -> Callable[[str], bool]:
    """An ``exists`` callable for :func:`set_file_for` looking under the assets folder."""
    if root is None:
        from previzkit.core.resources import assets_dir

        root = assets_dir()
    return lambda rel: (root / rel).is_file()


def find_set(
    location: str,
    named: Mapping[str, Path],
    folders: Sequence[Path] = (),
) -> Path | None:
    """The user's set file for ``location``, or None: a ``named`` entry whose key is the
    location or its leading part (``"WAREHOUSE"`` for ``"WAREHOUSE - BOOTH"``), compared
    by :func:`location_slug`; else the first of :func:`set_candidates` (by file name,
    no fallback) found in one of ``folders``."""
    by_slug = {location_slug(k): Path(v) for k, v in named.items()}
    names = [Path(c).name for c in set_candidates(location) if c != FALLBACK_SET]
    for name in names:
        if name.removesuffix(".yaml") in by_slug:
            return by_slug[name.removesuffix(".yaml")]
    for folder in folders:
        for name in names:
            if (Path(folder) / name).is_file():
                return Path(folder) / name
    return None


def location_matches(key: str, location: str) -> bool:
    """Whether a ``--set`` key names ``location`` or one of its leading parts."""
    slugs = {Path(c).name.removesuffix(".yaml") for c in set_candidates(location)}
    return location_slug(key) in slugs - {Path(FALLBACK_SET).stem}

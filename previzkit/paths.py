"""Where shipped assets (sample set, models, sample script) are found."""

from __future__ import annotations

import os
from pathlib import Path

from previzkit.errors import MissingFileError

REPO_ROOT = Path(__file__).resolve().parents[1]


def assets_dir() -> Path:
    """The assets folder: ``$PREVIZKIT_ASSETS`` if set, else ``assets/`` of the checkout."""
    env = os.environ.get("PREVIZKIT_ASSETS")
    return Path(env) if env else REPO_ROOT / "assets"


def asset_path(*parts: str, must_exist: bool = True) -> Path:
    """Path of a shipped asset; raises :class:`MissingFileError` naming where it looked."""
    path = assets_dir().joinpath(*parts)
    if must_exist and not path.exists():
        raise MissingFileError(
            f"asset {'/'.join(parts)!r} not found at {path} "
            "(set PREVIZKIT_ASSETS to the folder holding previzkit's assets/)"
        )
    return path


def cache_dir() -> Path:
    """Per-user cache for derived data (generated panoramas, built models)."""
    base = os.environ.get("PREVIZKIT_CACHE") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    path = root / "previzkit" if not os.environ.get("PREVIZKIT_CACHE") else root
    path.mkdir(parents=True, exist_ok=True)
    return path

"""Where shipped assets (sample sets, models, the sample script) and the user cache are.

Assets are package data (``previzkit/assets``), found through :mod:`importlib.resources`,
so an installed wheel finds them as a checkout does. ``$PREVIZKIT_ASSETS`` points at
another folder laid out the same way.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

from previzkit.core.errors import MissingFileError


def assets_dir() -> Path:
    """The assets folder: ``$PREVIZKIT_ASSETS`` if set, else the package's ``assets/``."""
    env = os.environ.get("PREVIZKIT_ASSETS")
    if env:
        return Path(env)
    # previzkit is a regular package on disk (no zip import), so this is a real folder.
    return Path(str(resources.files("previzkit") / "assets"))


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
    """Per-user cache for derived data (generated panoramas, built models).

    ``$PREVIZKIT_CACHE`` if set, else ``$XDG_CACHE_HOME/previzkit`` or
    ``~/.cache/previzkit``; created on first use.
    """
    env = os.environ.get("PREVIZKIT_CACHE")
    if env:
        path = Path(env)
    else:
        base = os.environ.get("XDG_CACHE_HOME")
        path = (Path(base) if base else Path.home() / ".cache") / "previzkit"
    path.mkdir(parents=True, exist_ok=True)
    return path

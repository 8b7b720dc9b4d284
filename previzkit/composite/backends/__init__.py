"""Kernel backends, registered only if they import (PySceneDetect's habit).

``numpy`` (the reference) is always present; ``numba`` when numba imports; ``cupy``
when cupy imports and ``cupy.cuda.is_available()``. ``get_backend("auto")`` picks the
fastest present; asking for an absent one raises :class:`BackendUnavailable` saying why.
The environment variable ``PREVIZKIT_COMPOSITE_BACKEND`` overrides ``"auto"``.
"""

from __future__ import annotations

import os

from previzkit.composite.backends.base import Backend
from previzkit.core.errors import BackendUnavailable, InputError
from previzkit.core.registry import Registry

# Probed lazily, so importing previzkit.composite imports no numba/cupy. Other packages
# add backends through the "previzkit.composite_backends" entry-point group.
BACKENDS: Registry[Backend] = Registry(
    "composite backend",
    "BACKEND",
    {
        "cupy": "previzkit.composite.backends.cupy_backend",
        "numba": "previzkit.composite.backends.numba_backend",
        "numpy": "previzkit.composite.backends.numpy_backend",
    },
    group="previzkit.composite_backends",
)
_EXTRA = {"cupy": "gpu", "numba": "composite"}


def available_backends() -> dict[str, Backend]:
    """The backends present on this machine, fastest first."""
    found = BACKENDS.available().values()
    return {b.name: b for b in sorted(found, key=lambda b: -b.priority)}


def unavailable_backends() -> dict[str, str]:
    """Why each absent backend is absent: name -> reason (with the extra to install)."""
    return {
        name: f"{why}; pip install 'previzkit[{_EXTRA.get(name, 'composite')}]'"
        if "pip install" not in why
        else why
        for name, why in BACKENDS.unavailable().items()
    }


def get_backend(name: str | Backend = "auto") -> Backend:
    """A backend by name (``"numpy"``, ``"numba"``, ``"cupy"``) or the fastest present
    for ``"auto"``; a :class:`Backend` instance is returned as is."""
    if isinstance(name, Backend):
        return name
    if name == "auto":
        name = os.environ.get("PREVIZKIT_COMPOSITE_BACKEND", "auto") or "auto"
        if name == "auto":
            return next(iter(available_backends().values()))
    # built-in names first: listing plugins reads every installed package's entry
    # points (tens of ms), too slow for a call per frame
    if name not in BACKENDS.builtins and name not in BACKENDS.names():
        raise InputError(
            f"backend: unknown {name!r}; expected auto or one of {sorted(BACKENDS.names())}"
        )
    backend = BACKENDS.load(name)
    if backend is None:
        raise BackendUnavailable(
            f"backend {name!r} is not available: {unavailable_backends()[name]}"
        )
    return backend


__all__ = ["BACKENDS", "Backend", "available_backends", "get_backend", "unavailable_backends"]

"""Kernel backends, registered only if they import (PySceneDetect's habit).

``numpy`` (the reference) is always present; ``numba`` when numba imports; ``cupy``
when cupy imports and ``cupy.cuda.is_available()``. ``get_backend("auto")`` picks the
fastest present; asking for an absent one raises :class:`BackendUnavailable` saying why.
The environment variable ``PREVIZKIT_COMPOSITE_BACKEND`` overrides ``"auto"``.
"""

from __future__ import annotations

import importlib
import os

from previzkit.composite.backends.base import Backend
from previzkit.core.errors import BackendUnavailable, InputError

# name -> module; probed lazily, so importing previzkit.composite imports no numba/cupy.
CANDIDATES: dict[str, str] = {
    "cupy": "previzkit.composite.backends.cupy_backend",
    "numba": "previzkit.composite.backends.numba_backend",
    "numpy": "previzkit.composite.backends.numpy_backend",
}

_loaded: dict[str, Backend] = {}
_why_not: dict[str, str] = {}


def _probe(name: str) -> Backend | None:
    if name in _loaded:
        return _loaded[name]
    if name in _why_not:
        return None
    try:
        module = importlib.import_module(CANDIDATES[name])
        backend = module.BACKEND
    except BackendUnavailable as exc:
        _why_not[name] = str(exc)
        return None
    except ImportError as exc:
        _why_not[name] = f"{name} does not import ({exc}); pip install 'previzkit[{_extra(name)}]'"
        return None
    _loaded[name] = backend
    return backend


def _extra(name: str) -> str:
    return {"cupy": "gpu", "numba": "composite"}.get(name, "composite")


def available_backends() -> dict[str, Backend]:
    """The backends present on this machine, fastest first."""
    found = [b for b in (_probe(n) for n in CANDIDATES) if b is not None]
    return {b.name: b for b in sorted(found, key=lambda b: -b.priority)}


def unavailable_backends() -> dict[str, str]:
    """Why each absent backend is absent: name -> reason."""
    available_backends()
    return dict(_why_not)


def get_backend(name: str | Backend = "auto") -> Backend:
    """A backend by name (``"numpy"``, ``"numba"``, ``"cupy"``) or the fastest present
    for ``"auto"``; a :class:`Backend` instance is returned as is."""
    if isinstance(name, Backend):
        return name
    if name == "auto":
        name = os.environ.get("PREVIZKIT_COMPOSITE_BACKEND", "auto") or "auto"
        if name == "auto":
            return next(iter(available_backends().values()))
    if name not in CANDIDATES:
        raise InputError(f"backend: unknown {name!r}; expected auto or one of {sorted(CANDIDATES)}")
    backend = _probe(name)
    if backend is None:
        raise BackendUnavailable(f"backend {name!r} is not available: {_why_not[name]}")
    return backend


__all__ = ["CANDIDATES", "Backend", "available_backends", "get_backend", "unavailable_backends"]

"""Optional dependencies, imported where a feature needs them.

Every lazy import of a package that an extra brings goes through :func:`require`, so a
missing one ends in one line naming the feature and the extra to install::

    av = require("av", "takes", "video encoding")

:data:`EXTRAS` says which import names each extra brings; the CLI and ``previzkit
doctor`` use it to mark commands whose extra is missing.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from previzkit.core.errors import DependencyMissing

# extra -> the import names it brings (the pip name where it differs is in DISTRIBUTIONS)
EXTRAS: dict[str, tuple[str, ...]] = {
    "render": ("moderngl", "trimesh", "scipy", "PIL", "av", "OpenEXR"),
    "capture": ("mediapipe", "av", "zmq", "msgpack", "PIL", "scipy"),
    "composite": ("numba", "PIL"),
    "gpu": ("cupy",),
    "genai": ("torch", "PIL", "skimage"),
    "xr": ("xr", "moderngl", "glfw"),
    "script": (),
    "takes": ("av", "msgpack", "timecode", "pygltflib"),
    "edit": ("opentimelineio", "scipy", "av", "PIL", "timecode", "msgpack"),
    "stage": ("moderngl", "mediapipe", "zmq", "cv2", "av", "numba"),
    "batch": ("dask", "distributed"),
}

# import name -> distribution name, where they differ (for messages)
DISTRIBUTIONS: dict[str, str] = {
    "PIL": "pillow",
    "OpenEXR": "openexr",
    "zmq": "pyzmq",
    "cv2": "opencv-contrib-python",
    "xr": "pyopenxr",
    "skimage": "scikit-image",
    "cupy": "cupy-cuda12x",
    "distributed": "dask[distributed]",
}

# command -> (extra, the import names without which the command cannot run at all). --help
# marks a command whose needs are missing, `previzkit doctor` lists them; both only look
# for the modules (find_spec), never import them. Subcommands check what they need when
# they start (core.optional.require/ensure), naming their feature.
COMMANDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "doctor": ("", ()),
    "render": ("render", ("moderngl", "trimesh", "PIL")),
    "capture": ("capture", ("mediapipe",)),
    "composite": ("composite", ("PIL",)),
    "genai": ("genai", ("torch",)),
    "xr": ("xr", ("moderngl", "xr")),
    "script": ("script", ()),
    "takes": ("takes", ("timecode",)),
    "stage": ("stage", ("moderngl", "trimesh", "timecode")),
    "overlay": ("stage", ("moderngl", "trimesh", "cv2")),
    "cut": ("edit", ("opentimelineio", "timecode", "av")),
    "previz": ("render,edit", ("moderngl", "trimesh", "opentimelineio", "timecode", "av")),
    "demo": ("render,edit", ("moderngl", "trimesh", "opentimelineio", "timecode", "av")),
    "batch": ("batch", ("dask", "distributed")),
    "keys": ("capture", ("zmq",)),
}


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module`` (a dotted name), or raise :class:`DependencyMissing`.

    ``extra`` is the previzkit extra that brings it, ``feature`` what the user asked
    for ("video encoding"). An import that fails for another reason than the module
    being absent (a broken install) raises as it is, so its cause stays visible.
    """
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        # absent: the module asked for or one of its parents; anything else that is not
        # found (a module it imports, a broken wheel's own submodule) raises as it is
        if exc.name is not None and not f"{module}.".startswith(f"{exc.name}."):
            raise
        raise DependencyMissing(distribution(module), extra, feature) from None


def ensure(extra: str, feature: str, *modules: str) -> None:
    """Raise :class:`DependencyMissing` for the first of ``modules`` that is not installed.

    For a check at command start: it finds modules without importing them, so a command
    that needs a missing package ends in one line before it does any work.
    """
    for module in modules:
        if not available(module):
            raise DependencyMissing(distribution(module), extra, feature)


def distribution(module: str) -> str:
    """The pip name of import name ``module`` ("PIL" -> "pillow")."""
    top = module.split(".")[0]
    return DISTRIBUTIONS.get(top, top)


def available(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def missing_for_command(name: str) -> list[str]:
    """The distributions command ``name`` needs and this machine lacks (nothing imported)."""
    return [distribution(m) for m in COMMANDS.get(name, ("", ()))[1] if not available(m)]


def missing_for(extra: str) -> list[str]:
    """The distributions of ``extra`` that are not installed (empty when all are)."""
    return [distribution(m) for m in EXTRAS[extra] if not available(m)]


def optional_module(name: str | None) -> str | None:
    """``name`` (from a ModuleNotFoundError) when it is a package an extra brings, else None."""
    if not name or "." in name:  # an absent package is reported by its top-level name
        return None
    return name if any(name in names for names in EXTRAS.values()) else None

"""Which OpenXR runtime the loader will use, and making an installed one active.

On Linux the OpenXR loader takes ``XR_RUNTIME_JSON`` when it is set; otherwise the
first ``openxr/1/active_runtime.<arch>.json`` or ``openxr/1/active_runtime.json`` in
``$XDG_CONFIG_HOME`` (default ``~/.config``), each entry of ``$XDG_CONFIG_DIRS``
(default ``/etc/xdg``), then ``/etc``. Where none is set up, :func:`find_runtime` looks
for an installed runtime manifest (the Monado that ``scripts/setup.d/30-monado.sh``
builds, Debian's ``/usr/share/openxr/1``, ...) and :func:`activate_runtime` points the
loader at it for this process. Neither ever overrides a variable the user set.

The loader bundled in pyopenxr prints its own error lines on stderr; previzkit reports
a missing runtime itself, so :func:`quiet_loader` sets ``XR_LOADER_DEBUG=none`` (the
loader's switch for its stderr logger) unless the user set it or debug logging is on.
"""

from __future__ import annotations

import json
import logging
import os
import platform
import re
from collections.abc import Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

OPENXR_MAJOR = 1
CACHE_ROOT = Path("/var/cache/previzkit")
SETUP_SCRIPT = "scripts/setup.d/30-monado.sh"

# platform.machine() -> the loader's XR_ARCH_ABI (src/common/platform_utils.hpp)
_ARCH_ABI = {
    "x86_64": "x86_64",
    "amd64": "x86_64",
    "i386": "i686",
    "i686": "i686",
    "aarch64": "aarch64",
    "arm64": "aarch64",
    "armv7l": "armv7a-vfp",
    "ppc64le": "ppc64el",
    "riscv64": "riscv64",
}


@dataclass(frozen=True)
class RuntimeChoice:
    """The runtime manifest the loader will use and how it was chosen.

    ``source`` is ``"XR_RUNTIME_JSON"``, ``"active_runtime.json at PATH"``,
    ``"found at PATH"`` or ``"none"``; ``env`` holds the variables
    :func:`activate_runtime` sets for it (never one the user set); ``searched`` the
    folders looked in when nothing was found.
    """

    manifest: Path | None
    source: str
    env: dict[str, str] = field(default_factory=dict)
    name: str = ""
    searched: tuple[Path, ...] = ()

    @property
    def found(self) -> bool:
        return self.manifest is not None

    def describe(self) -> str:
        """One line: name, manifest, where it came from, what is set for it."""
        if self.manifest is None:
            return "no OpenXR runtime found"
        name = self.name or "runtime"
        if self.source == "XR_RUNTIME_JSON":
            what = f"{name} ({self.manifest}) from XR_RUNTIME_JSON"
        elif self.source.startswith("active_runtime"):
            what = f"{name} ({self.manifest.resolve()}) from {self.source}"
        else:
            what = f"{name} {self.source}"
        sets = ", ".join(
            f"{k}={v}" for k, v in self.env.items() if k != "XR_RUNTIME_JSON" or what == name
        )
        return what + (f"; sets {sets}" if sets else "")


# --- pure: where to look, what to set ----------------------------------------------


def arch_abi(machine: str | None = None) -> str:
    """The architecture word in ``active_runtime.<arch>.json`` for ``machine``."""
    machine = platform.machine() if machine is None else machine
    return _ARCH_ABI.get(machine.lower(), machine.lower())


def _dirs(value: str | None, fallback: str) -> list[Path]:
    """Absolute entries of a colon-separated XDG list, or the fallback's."""
    entries = [p for p in (value or "").split(":") if p.startswith("/")]
    return [Path(p) for p in (entries or fallback.split(":"))]


def config_dirs(environ: Mapping[str, str]) -> list[Path]:
    """The loader's configuration folders in its order of preference."""
    out: list[Path] = []
    home = environ.get("XDG_CONFIG_HOME") or (
        f"{environ['HOME']}/.config" if environ.get("HOME") else ""
    )
    if home:
        out.append(Path(home))
    out += _dirs(environ.get("XDG_CONFIG_DIRS"), "/etc/xdg")
    out.append(Path("/etc"))
    return out


def active_runtime_paths(environ: Mapping[str, str], machine: str | None = None) -> list[Path]:
    """Every path the loader tries for the active runtime, in order.

    >>> [str(p) for p in active_runtime_paths({"HOME": "/h"}, "x86_64")][:2]
    ['/h/.config/openxr/1/active_runtime.x86_64.json', '/h/.config/openxr/1/active_runtime.json']
    """
    abi = arch_abi(machine)
    out: list[Path] = []
    for d in config_dirs(environ):
        base = d / "openxr" / str(OPENXR_MAJOR)
        out += [base / f"active_runtime.{abi}.json", base / "active_runtime.json"]
    return out


def manifest_dirs(environ: Mapping[str, str], cached_prefixes: Sequence[Path] = ()) -> list[Path]:
    """Folders that hold installed runtime manifests, most wanted first.

    previzkit's own Monado (``$PREVIZKIT_MONADO_PREFIX``, then ``cached_prefixes``: the
    in-process build of ``30-monado.sh``) before ``$XDG_DATA_DIRS`` (default
    ``/usr/local/share:/usr/share``) and the configuration folders.
    """
    rel = Path("openxr") / str(OPENXR_MAJOR)
    prefixes = list(cached_prefixes)
    if environ.get("PREVIZKIT_MONADO_PREFIX"):
        prefixes.insert(0, Path(environ["PREVIZKIT_MONADO_PREFIX"]))
    out = [p / "share" / rel for p in prefixes]
    out += [d / rel for d in _dirs(environ.get("XDG_DATA_DIRS"), "/usr/local/share:/usr/share")]
    out += [d / rel for d in config_dirs(environ)]
    return list(dict.fromkeys(out))


def is_monado(manifest: Path, data: Mapping[str, object] | None = None) -> bool:
    """Whether ``manifest`` (and its parsed JSON ``data``) describes Monado."""
    runtime = data.get("runtime") if data else None
    words = [manifest.name]
    if isinstance(runtime, Mapping):
        words += [str(runtime.get("name", "")), str(runtime.get("library_path", ""))]
    return any("monado" in w.lower() for w in words)


def runtime_env(
    manifest: Path | None, source: str, monado: bool, environ: Mapping[str, str]
) -> dict[str, str]:
    """Variables to set so the loader and runtime start: ``XR_RUNTIME_JSON`` for a
    manifest found outside the loader's search, ``XRT_COMPOSITOR_NULL=1`` for Monado
    with no display (its compositor would need X and crash at xrBeginSession). Keys
    the user set are left out.

    >>> runtime_env(Path("/m/openxr_monado.json"), "found at /m/openxr_monado.json", True, {})
    {'XR_RUNTIME_JSON': '/m/openxr_monado.json', 'XRT_COMPOSITOR_NULL': '1'}
    """
    out: dict[str, str] = {}
    if manifest is not None and source.startswith("found at"):
        out["XR_RUNTIME_JSON"] = str(manifest)
    headless = not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))
    if manifest is not None and monado and headless:
        out["XRT_COMPOSITOR_NULL"] = "1"
    return {k: v for k, v in out.items() if not environ.get(k)}  # "" counts as unset


def install_hint(os_release: Mapping[str, str], script: Path | None = None) -> str:
    """The command that installs and activates a runtime on this system.

    >>> install_hint({"ID": "debian", "VERSION_ID": "13"}).split(";")[0]
    "run 'apt-get install monado-service libopenxr1-monado' (then start monado-service)"
    """
    export = "or export XR_RUNTIME_JSON=/path/to/the/runtime's manifest (SteamVR, Meta, Monado)"
    apt = "'apt-get install monado-service libopenxr1-monado' (then start monado-service)"
    setup = f"'sudo {script or SETUP_SCRIPT}'"
    ids = {os_release.get("ID", "")} | set(os_release.get("ID_LIKE", "").split())
    major = re.match(r"\d+", os_release.get("VERSION_ID", ""))
    version = int(major.group()) if major else 0
    if "debian" in ids and os_release.get("ID") == "debian":
        if version >= 13:
            return f"run {apt}; {export}"
        if version == 12:
            return f"run {setup} (builds Monado, Debian 12 has no package); {export}"
    return f"install an OpenXR runtime: on Debian 13 {apt}, on Debian 12 run {setup}; {export}"


# --- I/O: look at this machine -----------------------------------------------------


def _read_manifest(path: Path) -> dict[str, object] | None:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _usable(path: Path, data: Mapping[str, object] | None) -> bool:
    """A runtime manifest whose library (given as a path) exists."""
    runtime = data.get("runtime") if data else None
    if not isinstance(runtime, Mapping) or not runtime.get("library_path"):
        return False
    lib = str(runtime["library_path"])
    if "/" not in lib:
        return True  # a bare name: the dynamic linker's search path
    return (path.resolve().parent / lib).exists()


def _cached_prefixes(root: Path = CACHE_ROOT) -> list[Path]:
    """previzkit's Monado builds under ``root``, newest version first."""
    try:
        found = [p for p in root.glob("monado-[0-9]*") if p.is_dir()]
    except OSError:
        return []

    def version(p: Path) -> tuple[int, ...]:
        return tuple(int(n) for n in re.findall(r"\d+", p.name))

    return sorted(found, key=version, reverse=True)


def _os_release() -> dict[str, str]:
    try:
        text = Path("/etc/os-release").read_text()
    except OSError:
        return {}
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {k.strip(): v.strip().strip('"') for k, v in pairs}


def setup_script() -> Path | None:
    """``scripts/setup.d/30-monado.sh`` of this checkout, when previzkit runs from one."""
    path = Path(__file__).resolve().parents[2] / SETUP_SCRIPT
    return path if path.is_file() else None


def runtime_install_hint() -> str:
    """:func:`install_hint` for this machine."""
    return install_hint(_os_release(), setup_script())


def _name(manifest: Path, data: Mapping[str, object] | None) -> str:
    runtime = data.get("runtime") if data else None
    name = runtime.get("name") if isinstance(runtime, Mapping) else None
    return str(name) if name else manifest.stem


def _choice(manifest: Path, source: str, environ: Mapping[str, str]) -> RuntimeChoice:
    data = _read_manifest(manifest)
    env = runtime_env(manifest, source, is_monado(manifest.resolve(), data), environ)
    return RuntimeChoice(manifest, source, env, _name(manifest, data))


def find_runtime(
    environ: Mapping[str, str] | None = None, cache_root: Path = CACHE_ROOT
) -> RuntimeChoice:
    """The runtime the loader would use with ``environ`` (default: this process's),
    or an installed one it would not find by itself (previzkit's Monado builds are
    looked for under ``cache_root``); changes nothing."""
    environ = os.environ if environ is None else environ
    if environ.get("XR_RUNTIME_JSON"):
        return _choice(Path(environ["XR_RUNTIME_JSON"]), "XR_RUNTIME_JSON", environ)
    for path in active_runtime_paths(environ):
        if os.path.lexists(path):  # the loader only checks that the path exists
            return _choice(path, f"active_runtime.json at {path}", environ)
    dirs = manifest_dirs(environ, _cached_prefixes(cache_root))
    for d in dirs:
        try:
            candidates = sorted(d.glob("*.json"), key=lambda p: (not is_monado(p), p.name))
        except OSError:
            continue
        for path in candidates:
            if path.name.startswith("active_runtime"):
                continue
            if _usable(path, _read_manifest(path)):
                return _choice(path, f"found at {path}", environ)
    searched = tuple(p.parent for p in active_runtime_paths(environ)[::2]) + tuple(dirs)
    return RuntimeChoice(None, "none", searched=tuple(dict.fromkeys(searched)))


def quiet_loader(environ: MutableMapping[str, str] | None = None) -> bool:
    """Turn off the OpenXR loader's stderr logger (``XR_LOADER_DEBUG=none``) unless
    the user set ``XR_LOADER_DEBUG`` or previzkit logs at debug level. Takes effect
    only before the loader's first call in this process. Returns whether it set it."""
    environ = os.environ if environ is None else environ
    if environ.get("XR_LOADER_DEBUG") or logging.getLogger("previzkit").isEnabledFor(logging.DEBUG):
        return False
    environ["XR_LOADER_DEBUG"] = "none"
    return True


_activated: tuple[RuntimeChoice, str | None] | None = None


def _apply(choice: RuntimeChoice) -> None:
    for key, value in choice.env.items():
        if not os.environ.get(key):
            os.environ[key] = value
    quiet_loader()
    log.debug("OpenXR runtime: %s", choice.describe())


def activate_runtime() -> RuntimeChoice:
    """Find the runtime and set what it needs in ``os.environ`` for this process,
    before the loader runs; quiet the loader's stderr. Calling again returns the same
    choice unless ``XR_RUNTIME_JSON`` changed since."""
    global _activated
    if _activated is not None and _activated[1] == os.environ.get("XR_RUNTIME_JSON"):
        return _activated[0]
    choice = find_runtime()
    _apply(choice)
    _activated = (choice, os.environ.get("XR_RUNTIME_JSON"))
    return choice


@contextmanager
def runtime_active() -> Iterator[RuntimeChoice]:
    """:func:`activate_runtime` for one block (a probe such as ``previzkit doctor``):
    the variables it set are removed again after the block."""
    choice = find_runtime()
    before = {k: os.environ.get(k) for k in ("XR_LOADER_DEBUG", *choice.env)}
    _apply(choice)
    try:
        yield choice
    finally:
        for key, value in before.items():
            if value is None:
                os.environ.pop(key, None)

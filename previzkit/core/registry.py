"""Plugins found by name: built-in modules, and third-party ones through entry points.

A :class:`Registry` holds one kind of plugin (editorial exporters, composite kernel
backends, shot detectors). Each plugin is a module attribute; a module is imported only
when the registry is first asked, and a plugin whose module does not import is left
out with the reason kept, so a missing optional dependency never breaks the others::

    EXPORTERS = Registry("exporter", "EXPORTER", {"edl": "previzkit.edit.exporters.edl"},
                         group="previzkit.exporters")

A third-party package adds one with an entry point in its ``pyproject.toml``::

    [project.entry-points."previzkit.exporters"]
    mxf_list = "my_package.mxf_list:EXPORTER"
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from importlib import metadata
from typing import Generic, TypeVar

from previzkit.core.errors import BackendUnavailable, DependencyMissing, InputError

T = TypeVar("T")


class Registry(Generic[T]):
    """Plugins of one ``kind``: name -> the ``attribute`` of a module.

    ``builtins`` maps names to module paths; ``group`` is the entry-point group read for
    third-party plugins (``module:attribute`` values). ``accept`` may turn a loaded
    plugin away with a reason (e.g. an adapter that is not installed).
    """

    def __init__(
        self,
        kind: str,
        attribute: str,
        builtins: dict[str, str],
        group: str | None = None,
        accept: Callable[[T], str | None] | None = None,
    ) -> None:
        self.kind = kind
        self.attribute = attribute
        self.builtins = dict(builtins)
        self.group = group
        self.accept = accept
        self._loaded: dict[str, T] = {}
        self._why_not: dict[str, str] = {}

    def names(self) -> list[str]:
        """Every known name, built-in first, whether or not it loads."""
        return [*self.builtins, *(n for n in self._entry_points() if n not in self.builtins)]

    def _entry_points(self) -> dict[str, str]:
        if self.group is None:
            return {}
        return {ep.name: ep.value for ep in metadata.entry_points(group=self.group)}

    def _target(self, name: str) -> tuple[str, str]:
        if name in self.builtins:
            return self.builtins[name], self.attribute
        module, _, attribute = self._entry_points()[name].partition(":")
        return module, attribute or self.attribute

    def load(self, name: str) -> T | None:
        """The plugin ``name``, or None when it is absent (:meth:`why_not` says why)."""
        if name in self._loaded:
            return self._loaded[name]
        if name in self._why_not:
            return None
        if name not in self.names():
            raise InputError(f"{self.kind} {name!r}: unknown; known: {', '.join(self.names())}")
        module_name, attribute = self._target(name)
        try:
            plugin: T = getattr(importlib.import_module(module_name), attribute)
        except (BackendUnavailable, DependencyMissing) as exc:
            self._why_not[name] = str(exc)
            return None
        except ImportError as exc:
            self._why_not[name] = f"{module_name} does not import ({exc})"
            return None
        except AttributeError:
            self._why_not[name] = f"{module_name} has no {attribute}"
            return None
        reason = self.accept(plugin) if self.accept is not None else None
        if reason is not None:
            self._why_not[name] = reason
            return None
        self._loaded[name] = plugin
        return plugin

    def available(self) -> dict[str, T]:
        """The plugins that load on this machine, by name, in :meth:`names` order."""
        found = {n: self.load(n) for n in self.names()}
        return {n: p for n, p in found.items() if p is not None}

    def unavailable(self) -> dict[str, str]:
        """Why each absent plugin is absent: name -> reason."""
        self.available()
        return dict(self._why_not)

    def why_not(self, name: str) -> str:
        """Why ``name`` did not load ('' when it did or was not tried)."""
        return self._why_not.get(name, "")

    def forget(self) -> None:
        """Drop what was loaded and the reasons, so the next call probes again."""
        self._loaded.clear()
        self._why_not.clear()

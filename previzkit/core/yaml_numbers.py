"""YAML 1.2 numbers for PyYAML loaders: ``1e2`` and ``1.5e3`` read as floats.

PyYAML follows YAML 1.1, where a float needs a dot and a signed exponent, so
``focal_mm: 1e2`` would be the string ``"1e2"`` and refused by the schema.
"""

from __future__ import annotations

import re
from typing import Any

#: An exponent float YAML 1.1 misses (YAML 1.2's core schema reads it as a float).
_EXP_FLOAT = re.compile(r"^[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+$")


def with_yaml12_floats(loader: type[Any]) -> type[Any]:
    """A subclass of the PyYAML ``loader`` class that also resolves YAML 1.2 exponent
    floats (``1e2``, ``-2.5E-3``) to floats; ``loader`` itself is unchanged."""

    class Loader(loader):  # type: ignore[misc]  # PyYAML is untyped
        pass

    Loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXP_FLOAT, list("-+0123456789."))
    return Loader

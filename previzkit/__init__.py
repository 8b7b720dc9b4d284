"""previzkit: virtual production and previsualization toolkit.

Importing the package is cheap: no torch, mediapipe, cupy, pyopenxr or moderngl is
imported until the feature that needs it is used.
"""

from previzkit.core.errors import PrevizError

# The one place the version is written: pyproject.toml reads it ([tool.setuptools.dynamic]),
# `previzkit --version` reports the installed distribution's (the same string).
__version__ = "0.1.0"
__all__ = ["PrevizError", "__version__"]

"""previzkit: virtual production and previsualization toolkit.

Importing the package is cheap: no torch, mediapipe, cupy, pyopenxr or moderngl is
imported until the feature that needs it is used.
"""

from previzkit.core.errors import PrevizError

__version__ = "0.1.0"
__all__ = ["PrevizError", "__version__"]

"""What the renderer asks of anything it draws.

The renderer owns the frame: it binds the target framebuffer, sets viewport and
depth test, fills :class:`FrameUniforms` and calls ``draw`` on each drawable. A
drawable owns its GL objects (programs, buffers, vertex arrays) and releases them in
``release``. Matrices are float64 numpy arrays with column vectors (p' = M @ p);
upload them to GL as ``m.T.astype('f4').tobytes()`` (GL is column-major).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    import moderngl


@dataclass
class FrameUniforms:
    """Per-view values every drawable needs. World frame: right-handed, y up, metres."""

    view: np.ndarray  # (4, 4) world -> camera
    proj: np.ndarray  # (4, 4) camera -> clip (OpenGL, z in [-1, 1])
    camera_position: np.ndarray  # (3,) world, metres
    light_direction: np.ndarray = field(
        default_factory=lambda: np.array([-0.4, -1.0, -0.3]) / np.linalg.norm([-0.4, -1.0, -0.3])
    )  # (3,) unit vector, the direction the light travels
    light_color: np.ndarray = field(default_factory=lambda: np.array([0.85, 0.85, 0.8]))
    ambient: np.ndarray = field(default_factory=lambda: np.array([0.3, 0.3, 0.33]))
    time: float = 0.0  # seconds since the renderer started


@runtime_checkable
class Drawable(Protocol):
    """An object the renderer can draw into the currently bound framebuffer."""

    def draw(self, ctx: moderngl.Context, frame: FrameUniforms) -> None: ...

    def release(self) -> None: ...


def gl_mat4(m: np.ndarray) -> bytes:
    """Bytes of a 4x4 matrix for a GLSL ``mat4`` uniform (column-major float32)."""
    return np.ascontiguousarray(np.asarray(m, dtype=np.float32).T).tobytes()

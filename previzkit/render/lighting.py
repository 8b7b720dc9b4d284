"""Per-frame light values handed to drawables, and their upload to a program."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from previzkit.render.drawable import FrameUniforms
from previzkit.render.gl import set_uniform, uniform
from previzkit.render.shaders import MAX_LIGHTS

if TYPE_CHECKING:
    import moderngl


@dataclass
class SceneFrame(FrameUniforms):
    """FrameUniforms plus every directional light of the set (a drawable that only
    knows FrameUniforms uses the first one, ``light_direction`` / ``light_color``)."""

    lights: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (dir, radiance)


def write_frame(prog: moderngl.Program, frame: FrameUniforms) -> None:
    """Upload view, projection, camera position and lights to ``prog``."""
    set_uniform(prog, "u_view", frame.view)
    set_uniform(prog, "u_proj", frame.proj)
    set_uniform(prog, "u_camera_pos", np.asarray(frame.camera_position, dtype=np.float64))
    lights = getattr(frame, "lights", None)
    if lights is None:
        lights = [(frame.light_direction, frame.light_color)]
    lights = lights[:MAX_LIGHTS]
    dirs = np.zeros((MAX_LIGHTS + 1, 3), np.float32)
    rads = np.zeros((MAX_LIGHTS + 1, 3), np.float32)
    for i, (d, r) in enumerate(lights):
        dirs[i], rads[i] = d, r
    if "u_light_dir" in prog:  # drivers may shrink the arrays to the part a shader uses
        uniform(prog, "u_light_dir").write(
            dirs[: uniform(prog, "u_light_dir").array_length].tobytes()
        )
    if "u_light_rad" in prog:
        uniform(prog, "u_light_rad").write(
            rads[: uniform(prog, "u_light_rad").array_length].tobytes()
        )
    set_uniform(prog, "u_ambient", np.asarray(frame.ambient, dtype=np.float64))

"""Per-frame light values handed to drawables, and their upload to a program."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from previzkit.render.drawable import FrameUniforms
from previzkit.render.gl import set_uniform, uniform
from previzkit.render.shaders import MAX_LIGHTS

if TYPE_CHECKING:
    import moderngl


@dataclass
class SceneFrame(FrameUniforms):
    """FrameUniforms plus every directional and spot light of the set (a drawable that
    only knows FrameUniforms uses the first one, ``light_direction`` / ``light_color``).

    ``spots[i]`` is light i's (x, y, z, 1) position (m) and (cos outer, cos inner)
    half angles when it is a spot light, else zeros. ``look`` holds the look's
    uniforms (shadow maps, IBL, tone map; see :mod:`previzkit.render.look`), by
    GLSL name: scalars, tuples or float32 arrays for arrays of vec3 / mat4."""

    lights: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (dir, radiance)
    spots: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    look: dict[str, Any] = field(default_factory=dict)


# the plain look, for frames without one
PLAIN_LOOK: dict[str, Any] = {
    "u_shadows": False,
    "u_ibl": False,
    "u_linear": False,
    "u_tonemap": False,
    "u_hdr": False,
    "u_exposure": 1.0,
    "u_shadow0": 5,  # texture units of the look (drawables use 0): never two sampler
    "u_shadow1": 6,  # types on one unit, even where unused
    "u_spec": 7,
}
SHADOW_UNITS = (5, 6)
SPEC_UNIT = 7


_FLAGS = (
    ("u_shadows", "SHADOWS"),
    ("u_ibl", "IBL"),
    ("u_linear", "LINEAR"),
    ("u_tonemap", "TONEMAP"),
)


def look_defines(frame: FrameUniforms) -> dict[str, int]:
    """The shader variant a frame needs: ``#define``s of the look's switches
    (SHADOWS, IBL, LINEAR, TONEMAP) and SPOTS when some light is a spot."""
    look = getattr(frame, "look", None) or {}
    out = {define: 1 for key, define in _FLAGS if look.get(key)}
    if any(float(p[3]) > 0.5 for p, _ in getattr(frame, "spots", [])):
        out["SPOTS"] = 1
    return out


def write_array(prog: moderngl.Program, name: str, values: np.ndarray) -> None:
    """Write a float32 array uniform, cut to the length the driver kept."""
    if name in prog:
        u = uniform(prog, name)
        n = max(u.array_length, 1)
        u.write(np.ascontiguousarray(values, np.float32)[:n].tobytes())


def write_frame(prog: moderngl.Program, frame: FrameUniforms) -> None:
    """Upload view, projection, camera position, lights and the look to ``prog``."""
    set_uniform(prog, "u_view", frame.view)
    set_uniform(prog, "u_proj", frame.proj)
    set_uniform(prog, "u_camera_pos", np.asarray(frame.camera_position, dtype=np.float64))
    lights = getattr(frame, "lights", None)
    if lights is None:
        lights = [(frame.light_direction, frame.light_color)]
    lights = lights[:MAX_LIGHTS]
    dirs = np.zeros((MAX_LIGHTS + 1, 3), np.float32)
    rads = np.zeros((MAX_LIGHTS + 1, 3), np.float32)
    pos = np.zeros((MAX_LIGHTS + 1, 4), np.float32)
    cone = np.zeros((MAX_LIGHTS + 1, 2), np.float32)
    for i, (d, r) in enumerate(lights):
        dirs[i], rads[i] = d, r
    for i, (p, c) in enumerate(getattr(frame, "spots", [])[:MAX_LIGHTS]):
        pos[i], cone[i] = p, c
    write_array(prog, "u_light_dir", dirs)  # drivers may shrink arrays to the part used
    write_array(prog, "u_light_rad", rads)
    write_array(prog, "u_light_pos", pos)
    write_array(prog, "u_light_cone", cone)
    set_uniform(prog, "u_ambient", np.asarray(frame.ambient, dtype=np.float64))
    look = getattr(frame, "look", None) or PLAIN_LOOK
    for name, value in look.items():
        if isinstance(value, np.ndarray) and value.dtype == np.float32:
            write_array(prog, name, value)
        elif name in prog:
            set_uniform(prog, name, value)

"""Virtual cameras drawn as wireframe frustums: the image rectangle at the focus
distance (clamped for display), the rays from the centre of projection to its
corners, and an 'up' triangle on the top edge, like a DCC's camera gizmo."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from previzkit.core.optional import require
from previzkit.model.setfile import CameraDef
from previzkit.render.drawable import FrameUniforms
from previzkit.render.gl import program
from previzkit.render.lighting import write_frame

if TYPE_CHECKING:
    import moderngl

FRUSTUM_COLOR = (0.35, 0.85, 1.0)
DISPLAY_DEPTH_RANGE_M = (0.4, 2.0)  # the drawn rectangle's distance: focus, clamped to this


def frustum_lines(camera: CameraDef, aspect: float = 16 / 9) -> np.ndarray:
    """(N, 3) world points, pairs forming line segments, of ``camera``'s frustum gizmo.

    The rectangle is the image of ``aspect`` (w/h) cut across the sensor width, at
    the lens's focus distance clamped to DISPLAY_DEPTH_RANGE_M.
    """
    lens = camera.lens
    depth = float(np.clip(lens.focus_m, *DISPLAY_DEPTH_RANGE_M))
    hw = depth * lens.sensor_width_mm / (2 * lens.focal_mm)
    hh = hw / aspect
    c = [(-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh)]
    corners = [np.array([x, y, -depth]) for x, y in c]
    origin = np.zeros(3)
    seg = []
    for i in range(4):
        seg += [origin, corners[i], corners[i], corners[(i + 1) % 4]]
    tip = np.array([0.0, hh * 1.5, -depth])
    seg += [corners[3] * [0.5, 1, 1], tip, tip, corners[2] * [0.5, 1, 1]]
    local = np.asarray(seg)
    m = camera.camera_to_world()
    return local @ m[:3, :3].T + m[:3, 3]


class Frustums:
    """The frustums of a set's cameras in one buffer, drawn per camera so the one
    being looked through can be left out."""

    def __init__(
        self, ctx: moderngl.Context, cameras: list[CameraDef], aspect: float = 16 / 9
    ) -> None:
        self.visible = True
        self._prog = program(ctx, "lines")
        self.names: list[str] = []
        self.positions: list[np.ndarray] = []
        self._ranges: list[tuple[int, int]] = []
        rows: list[np.ndarray] = []
        for cam in cameras:
            pts = frustum_lines(cam, aspect)
            self._ranges.append((sum(len(r) for r in rows), len(pts)))
            rows.append(np.c_[pts, np.tile(FRUSTUM_COLOR, (len(pts), 1))])
            self.names.append(cam.name)
            self.positions.append(np.asarray(cam.position, dtype=np.float64))
        self._vbo = self._vao = None
        if rows:
            data = np.concatenate(rows).astype(np.float32)
            self._vbo = ctx.buffer(data.tobytes())
            self._vao = ctx.vertex_array(
                self._prog, [(self._vbo, "3f 3f", "in_position", "in_color")]
            )

    def draw(
        self, ctx: moderngl.Context, frame: FrameUniforms, exclude: tuple[str, ...] = ()
    ) -> None:
        if not self.visible or self._vao is None:
            return
        moderngl = require("moderngl", "render", "rendering")

        write_frame(self._prog, frame)
        eye = np.asarray(frame.camera_position, dtype=np.float64)
        for name, pos, (first, count) in zip(self.names, self.positions, self._ranges, strict=True):
            if name in exclude or np.linalg.norm(pos - eye) < 1e-3:
                continue  # never draw the gizmo of the camera we look through
            self._vao.render(moderngl.LINES, vertices=count, first=first)

    def release(self) -> None:
        if self._vao is not None:
            assert self._vbo is not None  # made together with the vao
            self._vao.release()
            self._vbo.release()

"""Render characters alone (no set) to an image: previews, thumbnails, tests.

The set renderer (:mod:`.renderer`) draws characters among props; this draws only the
given drawables into an offscreen framebuffer with a depth buffer, through a camera
with a real lens. ``flat=True`` lights with ambient 1 and no directional light, so
each solid shows its exact colour (silhouette and coverage checks).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from previzkit.core.geometry import view_matrix
from previzkit.core.optional import require
from previzkit.model.camera import Lens, perspective_from_lens
from previzkit.render.drawable import Drawable, FrameUniforms

if TYPE_CHECKING:
    import moderngl


def render_drawables(
    ctx: moderngl.Context,
    drawables: Sequence[Drawable],
    camera_to_world: npt.ArrayLike,
    lens: Lens,
    width: int,
    height: int,
    *,
    background: tuple[float, float, float] = (0.0, 0.0, 0.0),
    flat: bool = False,
    samples: int = 0,
) -> npt.NDArray[np.uint8]:
    """(H, W, 3) uint8 image, row 0 at the top, of ``drawables`` seen from the camera.

    The image spans the lens's sensor width (see :func:`perspective_from_lens`).
    """
    moderngl = require("moderngl", "render", "rendering")

    c2w = np.asarray(camera_to_world, dtype=np.float64)
    view = view_matrix(c2w)
    proj = perspective_from_lens(lens, width / height)
    frame = FrameUniforms(view=view, proj=proj, camera_position=c2w[:3, 3])
    if flat:
        frame.ambient = np.ones(3)
        frame.light_color = np.zeros(3)
    color = ctx.renderbuffer((width, height), 4, samples=samples)
    depth = ctx.depth_renderbuffer((width, height), samples=samples)
    # rebind what was bound before releasing ours: moderngl rebinds its last bound
    # framebuffer when it creates objects later, a deleted one raises GL_INVALID_OPERATION
    previous = ctx.fbo or ctx.detect_framebuffer(0)
    fbo = ctx.framebuffer([color], depth)
    resolved = resolved_rb = None
    try:
        fbo.use()
        fbo.viewport = (0, 0, width, height)
        fbo.clear(*background, 1.0, depth=1.0)
        ctx.enable(moderngl.DEPTH_TEST)
        ctx.disable(moderngl.CULL_FACE)
        for d in drawables:
            d.draw(ctx, frame)
        src = fbo
        if samples:
            resolved_rb = ctx.renderbuffer((width, height), 4)
            resolved = ctx.framebuffer([resolved_rb])
            ctx.copy_framebuffer(resolved, fbo)
            src = resolved
        data = src.read(components=3, alignment=1)
    finally:
        previous.use()
        for obj in (fbo, color, depth, resolved, resolved_rb):
            if obj is not None:
                obj.release()
    return np.frombuffer(data, np.uint8).reshape(height, width, 3)[::-1].copy()

"""Open a set in the headset (or offscreen): context, renderer, source, loop, teardown."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from previzkit.xr.events import Event, InteractionMapper
from previzkit.xr.loop import FrameLoop, LoopStats, OffscreenSource

VALIDATION_LAYER = "XR_APILAYER_LUNARG_core_validation"


def open_renderer(ctx: Any, set_path: str | Path | None) -> Any:
    """The render core's Renderer for ``set_path``; the bare TestPattern when None."""
    if set_path is None:
        from previzkit.xr.pattern import TestPattern

        return TestPattern(ctx)
    from previzkit.render.gl import software_rasterizer
    from previzkit.render.look import Look
    from previzkit.render.renderer import Renderer

    return Renderer(ctx, Path(set_path), look=Look.realtime(software_rasterizer(ctx)))


def mapper_for(renderer: Any) -> InteractionMapper:
    """An InteractionMapper seeded with the set's marks, props and cameras, and the lens
    of its default camera (else its first)."""
    drawables = getattr(renderer, "drawables", None)
    set_def = getattr(drawables, "set", None)
    if set_def is None:
        return InteractionMapper()
    mapper = InteractionMapper(marks={n: tuple(m.position) for n, m in set_def.marks.items()})
    refresh_mapper(mapper, drawables)
    name = set_def.default_camera or next(iter(set_def.cameras), None)
    if name is not None:
        mapper.lens = set_def.cameras[name].lens
    mapper.characters = [c.name for c in set_def.characters]
    return mapper


def refresh_mapper(mapper: InteractionMapper, drawables: Any) -> None:
    """What the controllers can grab, from the set as drawn now (``drawables.set``):
    marks, props with their reach (the mesh's box in the prop's frame, and its scaled
    bounding radius), cameras."""
    import numpy as np

    s = drawables.set
    mapper.marks = {n: tuple(m.position) for n, m in s.marks.items()}
    mapper.props = {p.name: p.model_matrix() for p in s.props}
    radius = {}
    boxes = {}
    for p in s.props:
        bounds = getattr(drawables.props.get(p.name), "bounds", None)
        if bounds is None:
            radius[p.name] = 0.5
            continue
        lo, hi = bounds
        radius[p.name] = float(np.linalg.norm((hi - lo) / 2 * np.asarray(p.scale)))
        boxes[p.name] = (np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64))
    mapper.prop_radius = radius
    mapper.prop_bounds = boxes
    mapper.cameras = {n: c.camera_to_world() for n, c in s.cameras.items()}


@contextlib.contextmanager
def xr_loop(
    set_path: str | Path | None = None,
    *,
    offscreen: bool = False,
    mirror: bool = False,
    reference: str = "stage",
    depth: bool = True,
    validate: bool = False,
    on_event: Callable[[Event], None] | None = None,
    on_eye: Callable[[int, Any], None] | None = None,
    ctx: Any = None,
    instance: Any = None,
    offscreen_size: tuple[int, int] = (1024, 1024),
    offscreen_rate_hz: float | None = 90.0,
    gpu_sync: bool = False,
) -> Iterator[FrameLoop]:
    """A ready FrameLoop over the set: the headset (OpenXR) or, with ``offscreen``, no headset.

    Everything it opened (context if it made one, session, swapchains, window) is
    closed on exit. ``instance`` shares an existing XRInstance (one per process).
    """
    from previzkit.render.headless import create_context

    own_ctx = ctx is None
    ctx = ctx or create_context()
    stack = contextlib.ExitStack()
    try:
        renderer = open_renderer(ctx, set_path)
        stack.callback(renderer.release)
        if offscreen:
            source: Any = OffscreenSource(ctx, offscreen_size, rate_hz=offscreen_rate_hz)
        else:
            from previzkit.xr.headset import HeadsetSource

            source = HeadsetSource(
                ctx,
                instance=instance,
                reference=reference,
                depth=depth,
                api_layers=[VALIDATION_LAYER] if validate else None,
            )
        stack.callback(source.close)
        window = None
        if mirror:
            from previzkit.xr.mirror import MirrorWindow

            window = MirrorWindow(ctx)
            stack.callback(window.close)
        yield FrameLoop(
            source,
            renderer,
            mapper_for(renderer),
            on_event=on_event,
            on_eye=on_eye,
            mirror=window,
            gpu_sync=gpu_sync,
        )
    finally:
        stack.close()
        if own_ctx:
            ctx.release()


def run(
    set_path: str | Path | None, frames: int | None = None, progress: Any = None, **kwargs: Any
) -> LoopStats:
    """Run the loop until ``frames`` frames, the session ends, or Ctrl-C; return its stats."""
    with xr_loop(set_path, **kwargs) as loop:
        return loop.run(frames=frames, progress=progress)

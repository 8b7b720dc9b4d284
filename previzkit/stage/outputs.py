"""Outputs besides the offscreen frames: the headset (OpenXR through
:mod:`previzkit.xr`) and a desktop window. Both draw the stage loop's renderer, so the
characters posed by the loop appear in them; the headset's controller events become
shared set-state edits (:meth:`StageLoop.on_xr_event`)."""

from __future__ import annotations

from typing import Any


class HeadsetOutput:
    """The OpenXR frame loop (:class:`previzkit.xr.loop.FrameLoop`) over the stage's
    renderer; one :meth:`step` per stage frame renders both eyes and submits them
    (xrWaitFrame paces the loop to the headset). ``on_eye(eye, source)`` as in
    :class:`~previzkit.xr.loop.FrameLoop` (e.g. ``source.read_eye(eye)``)."""

    def __init__(
        self,
        loop: Any,
        *,
        reference: str = "stage",
        depth: bool = True,
        on_eye: Any = None,
    ) -> None:
        from previzkit.xr.app import mapper_for
        from previzkit.xr.headset import HeadsetSource
        from previzkit.xr.loop import FrameLoop

        self.source = HeadsetSource(loop.ctx, reference=reference, depth=depth)
        try:
            self.frame_loop = FrameLoop(
                self.source,
                loop.renderer,
                mapper_for(loop.renderer),
                on_event=loop.on_xr_event,
                on_eye=on_eye,
            )
        except BaseException:
            self.source.close()
            raise

    def step(self) -> bool:
        return self.frame_loop.step()

    def close(self) -> None:
        try:
            self.frame_loop.stats.states = self.source.stop()
        finally:
            self.source.close()


def window_output(ctx: Any, size: tuple[int, int], title: str = "previzkit stage") -> Any:
    """A desktop window showing the output framebuffer each frame (needs DISPLAY or
    WAYLAND_DISPLAY); call it with the framebuffer, ``close()`` it at the end."""
    from previzkit.xr.mirror import MirrorWindow

    return MirrorWindow(ctx, size=size, title=title)

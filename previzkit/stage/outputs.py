"""Outputs besides the offscreen frames: the headset (OpenXR through
:mod:`previzkit.xr`) and a desktop window. Both draw the stage loop's renderer, so the
characters posed by the loop appear in them; the headset's controller events become
shared set-state edits (:meth:`StageLoop.on_xr_event`)."""

from __future__ import annotations

from typing import Any

import numpy as np


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


class _ImageFramebuffer:
    """An (H, W, 3) image seen as the framebuffer the mirror window reads."""

    def __init__(self, image: np.ndarray) -> None:
        self.image = image
        self.size = (image.shape[1], image.shape[0])

    def read(self, components: int = 3, alignment: int = 1) -> bytes:
        return np.ascontiguousarray(self.image[::-1, :, :components]).tobytes()


class WindowOutput:
    """A desktop window (glfw; needs DISPLAY or WAYLAND_DISPLAY) showing each output
    image as presented, plate composite included. Call it with the (H, W, 3) uint8
    image; :attr:`closed` turns True when the user closes it; :meth:`read` returns
    what it shows."""

    def __init__(self, ctx: Any, size: tuple[int, int], title: str = "previzkit stage") -> None:
        from previzkit.xr.mirror import MirrorWindow

        self.mirror = MirrorWindow(ctx, size=size, title=title, option="--window")

    @property
    def closed(self) -> bool:
        return bool(self.mirror.closed)

    def __call__(self, image: np.ndarray) -> None:
        self.mirror(_ImageFramebuffer(image))

    def read(self) -> np.ndarray:
        return self.mirror.read()

    def close(self) -> None:
        self.mirror.close()


def window_output(
    ctx: Any, image_size: tuple[int, int], title: str = "previzkit stage"
) -> WindowOutput:
    """A :class:`WindowOutput` for images of ``image_size`` (width, height) pixels: the
    window has their aspect ratio, at most 1280x720 (larger images are shown scaled)."""
    w, h = image_size
    scale = min(1.0, 1280 / w, 720 / h)
    return WindowOutput(ctx, (max(1, round(w * scale)), max(1, round(h * scale))), title)

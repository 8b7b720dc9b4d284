"""The frame loop: one loop, three outputs (headset, headset + desktop mirror, offscreen).

A :class:`FrameSource` supplies frame pacing, eye views, render targets and controller
input; :class:`FrameLoop` runs wait -> begin -> input/events -> render each eye ->
mirror -> end for any source. :class:`HeadsetSource` is OpenXR (pyopenxr);
:class:`OffscreenSource` runs the same loop with no headset: a fixed head pose,
symmetric eye FOVs and moderngl textures as swapchains.

Timing per frame (seconds): ``wait`` is time blocked in xrWaitFrame (the runtime's
pacing), ``app`` is previzkit's own work (input, events, render, release), ``submit``
is xrBeginFrame + xrEndFrame.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.geometry import quat_from_matrix, view_matrix
from previzkit.model.camera import perspective_from_lens
from previzkit.xr.events import (
    ControllerInput,
    Event,
    InteractionMapper,
    Move,
    Teleport,
)
from previzkit.xr.views import EyeView, Fov, eye_view

if TYPE_CHECKING:
    import moderngl

log = logging.getLogger(__name__)

DEFAULT_FOV = Fov(-0.785, 0.698, 0.733, -0.785)  # a typical headset's left eye, radians


class ViewRenderer(Protocol):
    """What the loop draws with: the render core's Renderer has this method."""

    def render_view(
        self, fbo: moderngl.Framebuffer, view: np.ndarray, proj: np.ndarray
    ) -> None: ...


@dataclass
class FrameTiming:
    wait: float
    app: float
    submit: float
    total: float
    rendered: bool


@dataclass
class LoopStats:
    """Per-frame timings and what the session went through."""

    timings: list[FrameTiming] = field(default_factory=list)
    states: list[str] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    @property
    def frames(self) -> int:
        return sum(1 for t in self.timings if t.rendered)

    def summary(self) -> dict[str, float]:
        """Mean/p95 of each part in milliseconds over rendered frames, and fps."""
        rows = [t for t in self.timings if t.rendered]
        if not rows:
            return {"frames": 0}
        out: dict[str, float] = {"frames": len(rows)}
        for part in ("wait", "app", "submit", "total"):
            v = np.array([getattr(t, part) for t in rows]) * 1000.0
            out[f"{part}_ms"] = float(v.mean())
            out[f"{part}_p95_ms"] = float(np.percentile(v, 95))
        out["fps"] = 1000.0 / out["total_ms"] if out["total_ms"] > 0 else 0.0
        return out


@dataclass
class FrameInfo:
    should_render: bool
    display_time: Any  # XrTime (int ns) or seconds offscreen
    seconds: float


class FrameSource(Protocol):
    eye_count: int
    ctx: moderngl.Context

    def poll(self) -> bool: ...  # False when the loop should stop
    def running(self) -> bool: ...
    def wait_frame(self) -> FrameInfo: ...
    def begin_frame(self) -> None: ...
    def head(self, info: FrameInfo, world_from_space: np.ndarray) -> np.ndarray | None: ...
    def views(self, info: FrameInfo, world_from_space: np.ndarray) -> list[EyeView]: ...
    def read_input(
        self, info: FrameInfo, world_from_space: np.ndarray, head: np.ndarray | None
    ) -> ControllerInput: ...
    def acquire(self, eye: int) -> moderngl.Framebuffer: ...
    def read_eye(self, eye: int) -> np.ndarray: ...
    def release(self, eye: int) -> None: ...
    def end_frame(self, info: FrameInfo, views: list[EyeView]) -> None: ...
    def stop(self) -> list[str]: ...
    def close(self) -> None: ...


class FrameLoop:
    """Runs frames from a source through a renderer; applies locomotion and camera events.

    ``on_event`` receives every event (the stage consumes them); ``on_eye(eye, source)``
    is called after each eye is rendered, before its image is released (pixel checks,
    capture). ``mirror`` receives the left eye's framebuffer each rendered frame.
    """

    def __init__(
        self,
        source: FrameSource,
        renderer: ViewRenderer,
        mapper: InteractionMapper | None = None,
        on_event: Callable[[Event], None] | None = None,
        on_eye: Callable[[int, FrameSource], None] | None = None,
        mirror: Callable[[moderngl.Framebuffer], None] | None = None,
        gpu_sync: bool = False,
    ) -> None:
        self.source = source
        self.renderer = renderer
        self.mapper = mapper or InteractionMapper()
        self.on_event = on_event
        self.on_eye = on_eye
        self.mirror = mirror
        self.gpu_sync = gpu_sync
        self.world_from_space = np.eye(4)
        self.stats = LoopStats()
        self.last_views: list[EyeView] = []
        self._head: np.ndarray | None = None

    def apply(self, event: Event) -> None:
        """Locomotion moves the reference space in the set; everything else is passed on."""
        if isinstance(event, Teleport) and self._head is not None:
            head_floor = np.array([self._head[0, 3], 0.0, self._head[2, 3]])
            self.world_from_space[:3, 3] += np.asarray(event.target) - head_floor
        elif isinstance(event, Move):
            self.world_from_space[:3, 3] += np.asarray(event.delta)

    def _eye_views(self, info: FrameInfo) -> list[EyeView]:
        views = self.source.views(info, self.world_from_space)
        m = self.mapper
        if m.looking_through and m.camera is not None:
            # Both eyes see the virtual camera's picture: its pose and its lens.
            out = []
            for v in views:
                f = v.fov
                aspect = (np.tan(f.angle_right) - np.tan(f.angle_left)) / (
                    np.tan(f.angle_up) - np.tan(f.angle_down)
                )
                proj = perspective_from_lens(m.lens, float(aspect))
                out.append(EyeView(m.camera, view_matrix(m.camera), proj, f))
            return out
        return views

    def step(self) -> bool:
        """One frame. Returns False when the session has ended."""
        src = self.source
        if getattr(self.mirror, "closed", False):
            return False  # the user closed the mirror window: end the session
        if not src.poll():
            return False
        if not src.running():
            time.sleep(0.002)
            return True
        t0 = time.perf_counter()
        info = src.wait_frame()
        t1 = time.perf_counter()
        src.begin_frame()
        t2 = time.perf_counter()
        views: list[EyeView] = []
        if info.should_render:
            self._head = src.head(info, self.world_from_space)
            inp = src.read_input(info, self.world_from_space, self._head)
            for event in self.mapper.update(inp):
                self.apply(event)
                self.stats.events.append(event)
                if self.on_event is not None:
                    self.on_event(event)
            views = self._eye_views(info)
            self.last_views = views
            for eye, v in enumerate(views):
                fbo = src.acquire(eye)
                self.renderer.render_view(fbo, v.view, v.proj)
                if eye == 0 and self.mirror is not None:
                    self.mirror(fbo)
                if self.on_eye is not None:
                    self.on_eye(eye, src)
                if self.gpu_sync:
                    # Count the GL work in previzkit's time (else it lands in xrEndFrame).
                    src.ctx.finish()
                src.release(eye)
        t3 = time.perf_counter()
        src.end_frame(info, views)
        t4 = time.perf_counter()
        self.stats.timings.append(
            FrameTiming(
                wait=t1 - t0,
                app=t3 - t2,
                submit=(t2 - t1) + (t4 - t3),
                total=t4 - t0,
                rendered=info.should_render,
            )
        )
        return True

    def run(
        self, frames: int | None = None, timeout_s: float | None = None, progress: Any = None
    ) -> LoopStats:
        """Run until ``frames`` frames are rendered, ``timeout_s`` passes or the session ends.

        The session is then ended cleanly (STOPPING -> IDLE -> EXITING).
        """
        if frames is not None and frames < 0:
            raise InputError(f"frames must be >= 0, got {frames}")
        start = time.perf_counter()
        try:
            while True:
                if frames is not None and self.stats.frames >= frames:
                    break
                if timeout_s is not None and time.perf_counter() - start > timeout_s:
                    break
                if not self.step():
                    break
                if progress is not None:
                    progress(self.stats.frames, frames)
        except KeyboardInterrupt:
            log.info("interrupted: ending the session")
        self.stats.states = self.source.stop()
        return self.stats


class OffscreenSource:
    """No headset: the same loop into moderngl textures at a fixed rate (or unpaced).

    The head stands at ``head`` (4x4 head-to-world) with eyes ``ipd_m`` apart; input
    comes from ``inputs`` (a callable giving ControllerInput per frame), if any.
    """

    eye_count = 2

    def __init__(
        self,
        ctx: moderngl.Context,
        size: tuple[int, int] = (1024, 1024),
        head: np.ndarray | None = None,
        ipd_m: float = 0.063,
        fov: Fov | None = None,
        rate_hz: float | None = None,
        inputs: Callable[[float], ControllerInput] | None = None,
    ) -> None:
        w, h = size
        if w <= 0 or h <= 0:
            raise InputError(f"offscreen eye size must be positive, got {size}")
        self.ctx = ctx
        self.size = (int(w), int(h))
        if head is None:
            head = np.eye(4)
            head[:3, 3] = (0.0, 1.6, 3.0)
        self.head_pose = np.asarray(head, dtype=np.float64)
        self.ipd = ipd_m
        fov = fov or DEFAULT_FOV
        self.fovs = [fov, Fov(-fov.angle_right, -fov.angle_left, fov.angle_up, fov.angle_down)]
        self.period = None if not rate_hz else 1.0 / rate_hz
        self.inputs = inputs
        self.color = [ctx.texture(self.size, 4) for _ in range(2)]
        self.depth = [ctx.depth_texture(self.size) for _ in range(2)]
        self.fbos = [ctx.framebuffer([c], d) for c, d in zip(self.color, self.depth, strict=True)]
        self._t0 = time.perf_counter()
        self._next = self._t0
        self._stopped = False

    def poll(self) -> bool:
        return not self._stopped

    def running(self) -> bool:
        return not self._stopped

    def wait_frame(self) -> FrameInfo:
        if self.period is not None:
            self._next += self.period
            delay = self._next - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            else:
                self._next = time.perf_counter()
        s = time.perf_counter() - self._t0
        return FrameInfo(True, s, s)

    def begin_frame(self) -> None:
        pass

    def head(self, info: FrameInfo, world_from_space: np.ndarray) -> np.ndarray:
        return world_from_space @ self.head_pose

    def views(self, info: FrameInfo, world_from_space: np.ndarray) -> list[EyeView]:
        head = self.head(info, world_from_space)
        out = []
        for sign, fov in zip((-1.0, 1.0), self.fovs, strict=True):
            m = head.copy()
            m[:3, 3] += head[:3, 0] * sign * self.ipd / 2
            out.append(eye_view(m[:3, 3], quat_from_matrix(m), fov))
        return out

    def read_input(
        self, info: FrameInfo, world_from_space: np.ndarray, head: np.ndarray | None
    ) -> ControllerInput:
        if self.inputs is None:
            return ControllerInput(time=info.seconds, head=head)
        return self.inputs(info.seconds)

    def acquire(self, eye: int) -> moderngl.Framebuffer:
        return self.fbos[eye]

    def read_eye(self, eye: int) -> np.ndarray:
        raw = self.fbos[eye].read(components=4, alignment=1)
        w, h = self.size
        return np.frombuffer(raw, np.uint8).reshape(h, w, 4)[::-1].copy()

    def release(self, eye: int) -> None:
        pass

    def end_frame(self, info: FrameInfo, views: list[EyeView]) -> None:
        self.ctx.finish()

    def stop(self) -> list[str]:
        self._stopped = True
        return ["OFFSCREEN"]

    def close(self) -> None:
        unbind(self.ctx, self.fbos)
        objs: tuple[moderngl.Framebuffer | moderngl.Texture, ...] = (
            *self.fbos,
            *self.color,
            *self.depth,
        )
        for obj in objs:
            obj.release()
        self.fbos, self.color, self.depth = [], [], []


def unbind(ctx: moderngl.Context, fbos: list[moderngl.Framebuffer]) -> None:
    """Bind framebuffer 0 if one of ``fbos`` (about to be released) is bound.

    moderngl rebinds its current framebuffer after creating objects; a deleted one
    would leave GL_INVALID_OPERATION behind.
    """
    if any(ctx.fbo is f for f in fbos):
        ctx.detect_framebuffer(0).use()

"""The frame loop: one loop, three outputs (headset, headset + desktop mirror, offscreen).

A :class:`FrameSource` supplies frame pacing, eye views, render targets and controller
input; :class:`FrameLoop` runs wait -> begin -> input/events -> render each eye ->
mirror -> end for any source. :class:`HeadsetSource` is OpenXR (pyopenxr);
:class:`OffscreenSource` runs the same loop with no headset: a fixed head pose,
symmetric eye FOVs and moderngl textures as swapchains.

Timing per frame (seconds): ``wait`` is time blocked in xrWaitFrame (the runtime's
pacing), ``cpu`` is previzkit's own CPU time (input, events, issuing GL commands,
release; ``app`` is its old name), ``gpu`` the GPU time of the frame's GL work from
timer queries read back two frames late (never a stall; NaN where unavailable),
``submit`` is xrBeginFrame + xrEndFrame.
"""

from __future__ import annotations

import logging
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.geometry import quat_from_matrix, translation, view_matrix
from previzkit.core.types import Mat4
from previzkit.xr.events import (
    ControllerInput,
    Event,
    InteractionMapper,
    Move,
    Teleport,
    Turn,
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
    """One frame's time split, seconds (see the module docstring)."""

    wait: float
    cpu: float
    submit: float
    total: float
    rendered: bool
    gpu: float = math.nan  # filled in a frame or two later

    @property
    def app(self) -> float:
        """previzkit's CPU time (the name older code prints)."""
        return self.cpu


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
        """Mean/p95 of each part in milliseconds over rendered frames, and fps.

        Keys: wait, cpu, gpu, submit, total (``_ms`` and ``_p95_ms``), app (= cpu), frames,
        fps. gpu is over the frames whose query came back; NaN when none did.
        """
        rows = [t for t in self.timings if t.rendered]
        if not rows:
            return {"frames": 0}
        out: dict[str, float] = {"frames": len(rows)}
        for part in ("wait", "cpu", "gpu", "submit", "total"):
            v = np.array([getattr(t, part) for t in rows]) * 1000.0
            v = v[np.isfinite(v)]
            out[f"{part}_ms"] = float(v.mean()) if len(v) else math.nan
            out[f"{part}_p95_ms"] = float(np.percentile(v, 95)) if len(v) else math.nan
        out["app_ms"], out["app_p95_ms"] = out["cpu_ms"], out["cpu_p95_ms"]
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
    def resolve(self, eye: int) -> moderngl.Framebuffer: ...  # MSAA resolved, readable
    def read_eye(self, eye: int) -> np.ndarray: ...
    def release(self, eye: int) -> None: ...
    def end_frame(self, info: FrameInfo, views: list[EyeView]) -> None: ...
    def stop(self) -> list[str]: ...
    def close(self) -> None: ...


Overlay = Callable[[int, "moderngl.Framebuffer", EyeView], None]


class GpuTimer:
    """GL timer queries around each frame's GL work, read back ``lag`` frames late.

    A result is only read once ``lag`` newer frames were issued, so reading never
    waits on the GPU in practice. ``None`` from :meth:`begin` when the context has no
    timer queries.
    """

    def __init__(self, ctx: moderngl.Context, lag: int = 2) -> None:
        self.ctx = ctx
        self.lag = lag
        self._free: list[Any] = []
        self._pending: deque[tuple[Any, FrameTiming]] = deque()
        self.available = True

    def begin(self) -> Any:
        if not self.available:
            return None
        try:
            q = self._free.pop() if self._free else self.ctx.query(time=True)
        except Exception:  # no GL_ARB_timer_query
            self.available = False
            return None
        q.__enter__()  # glBeginQuery(GL_TIME_ELAPSED)
        return q

    def end(self, query: Any, timing: FrameTiming) -> None:
        query.__exit__(None, None, None)
        self._pending.append((query, timing))
        while len(self._pending) > self.lag:
            self._collect()

    def _collect(self) -> None:
        q, timing = self._pending.popleft()
        ns = int(q.elapsed)  # moderngl reads a 32-bit result: a wrapped/invalid one is huge
        timing.gpu = ns * 1e-9 if 0 <= ns < 2**31 else math.nan
        self._free.append(q)

    def flush(self) -> None:
        """Read every outstanding query (waits for the GPU: at the end of a run)."""
        while self._pending:
            self._collect()


class FrameLoop:
    """Runs frames from a source through a renderer; applies locomotion and camera events.

    ``on_event`` receives every event (the stage consumes them); ``overlay(eye, fbo,
    view)`` draws over each eye after the scene (HUD, viewfinder, avatars) into the
    framebuffer being rendered (multisampled where the source is); ``on_eye(eye,
    source)`` is called after each eye is finished and resolved, before its image is
    released (pixel checks, capture). ``mirror`` receives the left eye's (resolved)
    framebuffer each rendered frame.

    Looking through the current camera (``mapper.looking_through``) puts each eye at
    the camera's position with the head's own orientation and field of view, then
    darkens what the camera does not see at the delivery aspect (``mapper.aspect``,
    16:9 when absent) and draws the frame line: world-stable, no magnification.

    ``gpu_timing`` measures GL work with timer queries (``FrameTiming.gpu``);
    ``gpu_sync`` waits for each eye's GL work before release instead, so it is booked
    in ``cpu`` rather than in xrEndFrame.
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
        overlay: Overlay | None = None,
        gpu_timing: bool = True,
    ) -> None:
        self.source = source
        self.renderer = renderer
        self.mapper = mapper or InteractionMapper()
        self.on_event = on_event
        self.on_eye = on_eye
        self.mirror = mirror
        self.overlay = overlay
        self.gpu_sync = gpu_sync
        self.world_from_space = np.eye(4)
        self.stats = LoopStats()
        self.last_views: list[EyeView] = []
        self._head: np.ndarray | None = None
        self._timer = GpuTimer(source.ctx) if gpu_timing else None
        self._mask: Any = None  # LookThroughMask, made on first use

    @property
    def head(self) -> np.ndarray | None:
        """This frame's head-to-world (4x4, metres), None before the first frame."""
        return self._head

    def apply(self, event: Event) -> None:
        """Locomotion moves the reference space in the set; everything else is passed on.

        Teleport puts the head's floor point on the target; Move shifts by its delta;
        Turn rotates about the vertical axis through the head (counter-clockwise seen
        from above for a positive yaw).
        """
        if isinstance(event, Teleport) and self._head is not None:
            head_floor = np.array([self._head[0, 3], 0.0, self._head[2, 3]])
            self.world_from_space[:3, 3] += np.asarray(event.target) - head_floor
        elif isinstance(event, Move):
            self.world_from_space[:3, 3] += np.asarray(event.delta)
        elif isinstance(event, Turn):
            pivot = np.zeros(3)
            if self._head is not None:
                pivot = np.array([self._head[0, 3], 0.0, self._head[2, 3]])
            turn = translation(pivot, float(event.yaw)) @ translation(-pivot)
            self.world_from_space = turn @ self.world_from_space

    def _looking_through(self) -> bool:
        m = self.mapper
        return bool(m.looking_through) and m.camera is not None

    def _eye_views(self, info: FrameInfo) -> list[EyeView]:
        views = self.source.views(info, self.world_from_space)
        if not self._looking_through():
            return views
        from previzkit.render.lookthrough import look_through_pose

        cam = np.asarray(self.mapper.camera, dtype=np.float64)
        out = []
        for v in views:
            c2w = look_through_pose(v.camera_to_world, cam)
            out.append(EyeView(c2w, view_matrix(c2w), v.proj, v.fov))
        return out

    def _mask_outside_camera(self, fbo: moderngl.Framebuffer, v: EyeView) -> None:
        from previzkit.render.lookthrough import LookThroughMask

        if self._mask is None:
            self._mask = LookThroughMask(self.source.ctx)
        m = self.mapper
        camera: Mat4 = np.asarray(m.camera, dtype=np.float64)
        aspect = float(getattr(m, "aspect", 16 / 9))
        self._mask.draw(fbo, v.camera_to_world, v.proj, camera, m.lens, aspect)

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
        timing = FrameTiming(0.0, 0.0, 0.0, 0.0, info.should_render)
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
            through = self._looking_through()
            query = self._timer.begin() if self._timer is not None else None
            for eye, v in enumerate(views):
                fbo = src.acquire(eye)
                self.renderer.render_view(fbo, v.view, v.proj)
                if through:
                    self._mask_outside_camera(fbo, v)
                if self.overlay is not None:
                    self.overlay(eye, fbo, v)
                done = src.resolve(eye)
                if eye == 0 and self.mirror is not None:
                    self.mirror(done)
                if self.on_eye is not None:
                    self.on_eye(eye, src)
                if self.gpu_sync:
                    # Count the GL work in previzkit's time (else it lands in xrEndFrame).
                    src.ctx.finish()
                src.release(eye)
            if query is not None:
                assert self._timer is not None
                self._timer.end(query, timing)
        t3 = time.perf_counter()
        src.end_frame(info, views)
        t4 = time.perf_counter()
        timing.wait, timing.cpu = t1 - t0, t3 - t2
        timing.submit, timing.total = (t2 - t1) + (t4 - t3), t4 - t0
        self.stats.timings.append(timing)
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
        if self._timer is not None:
            self._timer.flush()
        self.stats.states = self.source.stop()
        return self.stats


class OffscreenSource:
    """No headset: the same loop into moderngl textures at a fixed rate (or unpaced).

    The head stands at ``head`` (4x4 head-to-reference-space) with eyes ``ipd_m``
    apart, or where ``head_at(t)`` puts it at time ``t`` (seconds since start; None
    keeps ``head``). Input comes from ``inputs(t, world_from_space)``, if given (a
    scripted controller). ``samples`` > 1 renders each eye multisampled and resolves
    it (0/1: off): one colour-only blit per eye (nothing submits the offscreen depth, and
    resolving 4x depth costs as much again on a CPU rasteriser), so after :meth:`resolve`
    ``fbos[eye]``'s depth is not the eye's. ``finish`` waits for the GPU in end_frame (booked as submit, like a
    compositor that waits); without it the GPU work overlaps the next frame.
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
        inputs: Callable[[float, Mat4], ControllerInput] | None = None,
        head_at: Callable[[float], Mat4 | None] | None = None,
        samples: int = 0,
        finish: bool = True,
    ) -> None:
        w, h = size
        if w <= 0 or h <= 0:
            raise InputError(f"offscreen eye size must be positive, got {size}")
        if not isinstance(samples, int) or samples < 0 or samples > ctx.max_samples:
            raise InputError(
                f"offscreen samples must be an integer in [0, {ctx.max_samples}], got {samples!r}"
            )
        self.ctx = ctx
        self.size = (int(w), int(h))
        if head is None:
            head = np.eye(4)
            head[:3, 3] = (0.0, 1.6, 3.0)
        self.head_pose = np.asarray(head, dtype=np.float64)
        self.head_at = head_at
        self.ipd = ipd_m
        fov = fov or DEFAULT_FOV
        self.fovs = [fov, Fov(-fov.angle_right, -fov.angle_left, fov.angle_up, fov.angle_down)]
        self.period = None if not rate_hz else 1.0 / rate_hz
        self.inputs = inputs
        self.finish = finish
        self.samples = samples if samples > 1 else 0
        self.color = [ctx.texture(self.size, 4) for _ in range(2)]
        self.depth = [ctx.depth_texture(self.size) for _ in range(2)]
        self.fbos = [ctx.framebuffer([c], d) for c, d in zip(self.color, self.depth, strict=True)]
        self._msaa: list[tuple[Any, Any, Any]] = []
        # colour-only resolve targets: a blit into a framebuffer without depth moves colour only
        self._resolved = [ctx.framebuffer([c]) for c in self.color] if self.samples else []
        if self.samples:
            for _ in range(2):
                rb = ctx.renderbuffer(self.size, 4, samples=self.samples)
                db = ctx.depth_renderbuffer(self.size, samples=self.samples)
                self._msaa.append((ctx.framebuffer([rb], db), rb, db))
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
        if self.head_at is not None:
            pose = self.head_at(info.seconds)
            if pose is not None:
                self.head_pose = np.asarray(pose, dtype=np.float64)
        return world_from_space @ self.head_pose

    def views(self, info: FrameInfo, world_from_space: np.ndarray) -> list[EyeView]:
        head = world_from_space @ self.head_pose  # head() already ran this frame
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
        return self.inputs(info.seconds, world_from_space)

    def acquire(self, eye: int) -> moderngl.Framebuffer:
        return self._msaa[eye][0] if self._msaa else self.fbos[eye]

    def resolve(self, eye: int) -> moderngl.Framebuffer:
        if self._msaa:
            self.ctx.copy_framebuffer(self._resolved[eye], self._msaa[eye][0])
        return self.fbos[eye]

    def read_eye(self, eye: int) -> np.ndarray:
        raw = self.fbos[eye].read(components=4, alignment=1)
        w, h = self.size
        return np.frombuffer(raw, np.uint8).reshape(h, w, 4)[::-1].copy()

    def release(self, eye: int) -> None:
        pass

    def end_frame(self, info: FrameInfo, views: list[EyeView]) -> None:
        if self.finish:
            self.ctx.finish()

    def stop(self) -> list[str]:
        self._stopped = True
        return ["OFFSCREEN"]

    def close(self) -> None:
        msaa_fbos = [m[0] for m in self._msaa]
        unbind(self.ctx, self.fbos + msaa_fbos + self._resolved)
        objs: tuple[Any, ...] = (
            *self._resolved,
            *self.fbos,
            *self.color,
            *self.depth,
            *(o for m in self._msaa for o in m),
        )
        for obj in objs:
            obj.release()
        self.fbos, self.color, self.depth, self._msaa, self._resolved = [], [], [], [], []


def unbind(ctx: moderngl.Context, fbos: list[moderngl.Framebuffer]) -> None:
    """Bind framebuffer 0 if one of ``fbos`` (about to be released) is bound.

    moderngl rebinds its current framebuffer after creating objects; a deleted one
    would leave GL_INVALID_OPERATION behind.
    """
    if any(ctx.fbo is f for f in fbos):
        ctx.detect_framebuffer(0).use()

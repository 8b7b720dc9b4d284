"""The OpenXR frame source: instance, session, swapchains, actions and layer submission."""

from __future__ import annotations

import contextlib
import ctypes
import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from previzkit.core.geometry import pose_matrix
from previzkit.core.optional import require
from previzkit.xr.actions import XRActions
from previzkit.xr.errors import translated
from previzkit.xr.events import ControllerInput
from previzkit.xr.instance import DEPTH, XRInstance
from previzkit.xr.loop import FrameInfo
from previzkit.xr.session import State, XRSession
from previzkit.xr.swapchain import EyeSwapchain
from previzkit.xr.views import EyeView, from_xr_view

if TYPE_CHECKING:
    import moderngl

log = logging.getLogger(__name__)


class HeadsetSource:
    """Frames from an OpenXR runtime. Owns the session, swapchains and action set.

    ``instance`` may be shared (the loader allows one per process); otherwise one is
    created and closed with this source. ``samples`` anti-aliases the eyes (default 4;
    0/1 off): multisampled swapchains where the runtime offers them (up to its
    max_swapchain_sample_count), else a multisampled framebuffer resolved into each
    swapchain image (see :mod:`previzkit.xr.swapchain`).
    """

    def __init__(
        self,
        ctx: moderngl.Context,
        instance: XRInstance | None = None,
        reference: str = "stage",
        depth: bool = True,
        near: float = 0.05,
        far: float = 500.0,
        api_layers: list[str] | None = None,
        samples: int = 4,
    ) -> None:
        xr = require("xr", "xr", "OpenXR")

        self._xr = xr
        self.ctx = ctx
        self._own_instance = instance is None
        self.instance = instance or XRInstance(api_layers=api_layers)
        self.near, self.far = near, far
        try:
            self.actions = XRActions(self.instance)
            self.session = XRSession(self.instance, ctx, reference)
            self.actions.attach(self.session)
            self.eye_count = len(self.instance.info.view_sizes)
            use_depth = depth and self.instance.has(DEPTH)
            runtime_samples = self._max_sample_counts()
            self.swapchains = [
                EyeSwapchain(self.session, w, h, use_depth, samples, runtime_samples[i])
                for i, (w, h) in enumerate(self.instance.info.view_sizes)
            ]
        except BaseException:
            self.close()
            raise
        self.frame_state: Any = None
        self.xr_views: list[Any] = []

    def _max_sample_counts(self) -> list[int]:
        """Each view's max_swapchain_sample_count (XrViewConfigurationView)."""
        xr, inst = self._xr, self.instance
        views = xr.enumerate_view_configuration_views(inst.handle, inst.system_id, inst.view_config)
        return [max(1, int(v.max_swapchain_sample_count)) for v in views]

    # --- loop protocol ----------------------------------------------------------------

    def poll(self) -> bool:
        self.session.poll()
        return self.session.machine.state not in (State.EXITING, State.LOSS_PENDING)

    def running(self) -> bool:
        return self.session.machine.should_render

    def wait_frame(self) -> FrameInfo:
        xr = self._xr
        with translated("waiting for the next frame"):
            self.frame_state = xr.wait_frame(self.session.handle, xr.FrameWaitInfo())
        t = self.frame_state.predicted_display_time
        return FrameInfo(bool(self.frame_state.should_render), t, t * 1e-9)

    def begin_frame(self) -> None:
        xr = self._xr
        with contextlib.suppress(xr.FrameDiscarded):
            xr.begin_frame(self.session.handle, xr.FrameBeginInfo())

    def head(self, info: FrameInfo, world_from_space: np.ndarray) -> np.ndarray | None:
        xr = self._xr
        loc = xr.locate_space(self.session.view_space, self.session.space, info.display_time)
        if not loc.location_flags & xr.SpaceLocationFlags.POSITION_VALID_BIT:
            return None
        p, q = loc.pose.position, loc.pose.orientation
        return world_from_space @ pose_matrix((p.x, p.y, p.z), (q.x, q.y, q.z, q.w))

    def views(self, info: FrameInfo, world_from_space: np.ndarray) -> list[EyeView]:
        xr = self._xr
        with translated("locating the eye views"):
            state, views = xr.locate_views(
                self.session.handle,
                xr.ViewLocateInfo(
                    view_configuration_type=self.instance.view_config,
                    display_time=info.display_time,
                    space=self.session.space,
                ),
            )
        flags = xr.ViewStateFlags
        valid = flags.ORIENTATION_VALID_BIT | flags.POSITION_VALID_BIT
        if (state.view_state_flags & valid) == valid or not self.xr_views:
            self.xr_views = views
        # else tracking is lost this frame: keep the last good eye poses (no lurch to 0)
        return [from_xr_view(v, world_from_space, self.near, self.far) for v in self.xr_views]

    def read_input(
        self, info: FrameInfo, world_from_space: np.ndarray, head: np.ndarray | None
    ) -> ControllerInput:
        return self.actions.read(info.display_time, info.seconds, world_from_space, head)

    def acquire(self, eye: int) -> moderngl.Framebuffer:
        return self.swapchains[eye].acquire().fbo

    def resolve(self, eye: int) -> moderngl.Framebuffer:
        return self.swapchains[eye].resolve()

    def read_eye(self, eye: int) -> np.ndarray:
        return self.swapchains[eye].read()

    def release(self, eye: int) -> None:
        self.swapchains[eye].release()

    def end_frame(self, info: FrameInfo, views: list[EyeView]) -> None:
        xr = self._xr
        layers = []
        if views and self.xr_views:
            proj_views, self._depth_infos = [], []
            for eye, v in enumerate(self.xr_views):
                sc = self.swapchains[eye]
                pv = xr.CompositionLayerProjectionView(
                    pose=v.pose, fov=v.fov, sub_image=sc.sub_image(sc.color)
                )
                if sc.depth is not None:
                    info_d = xr.CompositionLayerDepthInfoKHR(
                        sub_image=sc.sub_image(sc.depth),
                        min_depth=0.0,
                        max_depth=1.0,
                        near_z=self.near,
                        far_z=self.far,
                    )
                    self._depth_infos.append(info_d)  # keep alive until xrEndFrame
                    pv.next = info_d
                proj_views.append(pv)
            self._layer = xr.CompositionLayerProjection(space=self.session.space, views=proj_views)
            layers.append(ctypes.byref(self._layer))
        with translated("submitting the frame"):
            xr.end_frame(
                self.session.handle,
                xr.FrameEndInfo(
                    display_time=info.display_time,
                    environment_blend_mode=xr.EnvironmentBlendMode.OPAQUE,
                    layers=layers,
                ),
            )

    def stop(self) -> list[str]:
        return [s.name for s in self.session.end()]

    def close(self) -> None:
        for sc in getattr(self, "swapchains", []):
            sc.close()
        self.swapchains = []
        if getattr(self, "actions", None) is not None:
            self.actions.close()
            self.actions = None  # type: ignore[assignment]  # closed: no longer usable
        if getattr(self, "session", None) is not None:
            self.session.close()
            self.session = None  # type: ignore[assignment]  # closed
        if self._own_instance and getattr(self, "instance", None) is not None:
            self.instance.close()
            self.instance = None  # type: ignore[assignment]  # closed

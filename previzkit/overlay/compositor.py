"""The on-set AR overlay: the set and its characters rendered through the tracked camera
and lens, composited over the live plate, the actor matted out so characters pass
behind them.

One frame (:meth:`Overlay.process`) is one frame of the stage loop
(:class:`previzkit.stage.loop.StageLoop`), on the thread that owns the GL context:

1. track: the camera's pose and lens from a :class:`CameraTracker` (a ChArUco board
   seen in the plate, FreeD packets over UDP, both fused, or a fixed set camera),
   through the pose filter at the plate's time
   (:class:`~previzkit.overlay.tracking.filter.FilteredCamera`, the loop's camera
   source): it predicts through short losses and, past its horizon, fades the virtual
   layer out and draws a "TRACKING LOST" badge; the characters take their actors'
   newest poses (a pose file played at the plate's times, or the pose stream),
   retargeted as on the stage;
2. render: set pieces and characters through that camera into an offscreen RGBA +
   depth target (``backdrop``: the set's sky and floor too, for a green-screen stage;
   without it the plate shows wherever nothing virtual is drawn); while the camera and
   props stay put the loop reuses the static set and draws only the characters
   (:mod:`previzkit.render.static_layer`);
3. read back colour (premultiplied: cleared transparent) and the z-buffer (rows
   top-first: the projection is flipped in y, so no copy is needed);
4. matte: the actor pulled from the plate with the composite keyer (``matte="green"``
   or ``"blue"``), by person segmentation (``"segment"``), or no actor layer (``"none"``);
5. composite: :func:`previzkit.composite.depth_composite` of the virtual layer (its
   z-buffer) and the actor layer (a plane facing the camera at the actor's distance,
   mapped to its z-buffer value; with ``actor_body`` their depth per pixel from their
   body, :mod:`previzkit.overlay.actor_depth`) over the plate: a character farther
   than the actor passes behind them.

Without a green screen, ``matte="segment"`` mattes people with MediaPipe's person
segmentation (:mod:`previzkit.overlay.segmentation`); the set's sky and floor are then
not drawn by default (the real set is the plate).
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, ShapeError
from previzkit.stage.camera import CameraSource
from previzkit.stage.camera import FixedCamera as FixedCamera  # where the overlay's callers find it

MATTES = ("green", "blue", "none", "segment")
STAGES = ("track", "retarget", "render", "readback", "matte", "composite")


@dataclass
class OverlayOptions:
    """``width`` x ``height`` of the plate and output; ``matte`` one of :data:`MATTES`;
    ``key`` the keyer's settings, a ``KeyPreset`` or ``KeyParams`` (default: the
    ``matte`` screen's, its colour estimated from the first plate frame);
    ``actor_depth_m`` the actor's distance in front of the camera (metres), or
    ``actor_position`` a set point (metres, y up) where the actor stands (their depth is
    measured from the tracked camera each frame); ``backdrop`` draws the set's sky and
    floor (default: with a green/blue screen); ``backend`` the composite kernels;
    ``actor_body`` places the actor in depth per pixel from their body (MediaPipe pose
    on the plate, body parts as capsules about ``actor_depth_m``/``actor_position``,
    :mod:`previzkit.overlay.actor_depth`) instead of one plane; ``reuse_static`` lets
    the stage loop reuse the static set while the camera, lens and props stay put
    (``StageOptions.reuse_static``); ``warm_up`` runs one blank frame's stages at
    construction (:meth:`Overlay.warm_up`: no first-frame stall)."""

    width: int = 1280
    height: int = 720
    matte: str = "green"
    key: Any = None  # previzkit.composite.key_preset.KeyPreset or KeyParams
    actor_depth_m: float = 3.0
    actor_position: tuple[float, float, float] | None = None
    backdrop: bool | None = None
    backend: str = "auto"
    near: float = 0.05
    far: float = 500.0
    actor_body: bool = False
    reuse_static: bool = True  # camera and props unchanged: blit the static set, draw the rest
    warm_up: bool = True  # one blank frame at construction (no first-frame stall)
    tracking: Any = None  # previzkit.overlay.tracking.filter.FilterParams (default: its own)

    def __post_init__(self) -> None:
        if self.matte not in MATTES:
            raise InputError(f"overlay matte {self.matte!r}: expected one of {MATTES}")
        if self.width <= 0 or self.height <= 0:
            raise InputError(f"overlay size {self.width}x{self.height}: must be positive")
        if not self.actor_depth_m > 0:
            raise InputError(f"overlay actor_depth_m {self.actor_depth_m}: must be > 0 metres")
        if self.backdrop is None:
            self.backdrop = self.matte in ("green", "blue")


CameraTracker = CameraSource  # the stage loop's tracked-camera protocol


class BoardCamera:
    """Tracking from a ChArUco board in the plate (:mod:`previzkit.overlay.tracking.charuco`);
    the lens is the calibration's. When the calibration has lens distortion (or an
    off-centre principal point) the board is tracked on the plate as shot and
    :meth:`plate_for_overlay` remaps the plate to the renderer's pinhole
    (``undistort=False`` keeps it as shot)."""

    def __init__(
        self, board: Any, calibration: Any, focus_m: float = 3.0, undistort: bool = True
    ) -> None:
        from previzkit.overlay.tracking.charuco import BoardTracker, Undistorter

        self.tracker = BoardTracker(board, calibration)
        self.focus_m = focus_m
        self.last_error_px: float | None = None
        self._undistort = undistort and Undistorter.needed(calibration)
        self._undistorter: Any = None

    def plate_for_overlay(self, plate: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
        """The plate as the renderer's pinhole sees it (undistorted when needed)."""
        if not self._undistort:
            return plate
        from previzkit.overlay.tracking.charuco import Undistorter

        cal = self.tracker.calibration
        if self._undistorter is None or self._undistorter.size != (cal.width, cal.height):
            self._undistorter = Undistorter(cal)
        return self._undistorter.apply(plate)

    def update(self, plate: npt.NDArray[np.uint8]) -> tuple[np.ndarray, Any] | None:
        found = self.tracker.track(plate)
        if found is None:
            return None
        self.last_error_px = found.error_px
        return found.camera_to_world, self.tracker.calibration.lens(self.focus_m)

    def close(self) -> None:
        pass


class FreeDCamera:
    """Tracking from FreeD D1 packets (:mod:`previzkit.overlay.tracking.freed`): the newest
    packet of ``camera_id`` (any camera when None), its zoom/focus through ``lens_table``.
    ``origin`` (4x4) places the tracker's frame in the set (default: the same).
    ``delay_s`` uses the packet that arrived that long before each plate frame is
    processed (the plate's extra latency over the tracker's; 0 = the newest);
    ``auto_delay`` measures it from the plate's motion against the packets'
    (:class:`previzkit.overlay.tracking.delay.AutoDelay`, then ``delay_estimate``) and
    applies it; ``stale_s`` ignores packets older than that (the tracker stopped)."""

    def __init__(
        self,
        receiver: Any,
        lens_table: Any = None,
        sensor_mm: tuple[float, float] = (24.89, 18.66),
        camera_id: int | None = None,
        origin: np.ndarray | None = None,
        delay_s: float = 0.0,
        auto_delay: bool = False,
        stale_s: float | None = None,
    ) -> None:
        from previzkit.overlay.tracking.delay import AutoDelay
        from previzkit.overlay.tracking.freed import LensTable

        if delay_s < 0:
            raise InputError(f"FreeD delay {delay_s} s: must be >= 0")
        self.delay_s = float(delay_s)
        self.stale_s = stale_s
        self.auto = AutoDelay() if auto_delay else None  # settings: replace it
        self.delay_estimate: Any = None  # a DelayEstimate once measured
        self._heard = -math.inf
        self.receiver = receiver
        self.lens_table = lens_table or LensTable()
        self.sensor_mm = sensor_mm
        self.camera_id = camera_id
        self.origin = np.eye(4) if origin is None else np.asarray(origin, np.float64)

    def update(self, plate: npt.NDArray[np.uint8]) -> tuple[np.ndarray, Any] | None:
        now = getattr(self.receiver, "clock", time.monotonic)()
        if self.auto is not None and not self.auto.done:
            fresh = self.receiver.history(self.camera_id, since=self._heard)
            if fresh:
                self._heard = fresh[-1][1]
                self.auto.add_packets(fresh)
            if self.auto.add_frame(now, plate) is not None and self.auto.done:
                self.delay_estimate = self.auto.estimate
                self.delay_s = max(0.0, self.auto.estimate.delay_s)
        before = now - self.delay_s if self.delay_s > 0 else None
        got = self.receiver.latest(self.camera_id, before=before)
        if got is None or (self.stale_s is not None and got[1] < now - self.delay_s - self.stale_s):
            return None
        packet = got[0]
        return self.origin @ packet.camera_to_world(), self.lens_table.lens(packet, self.sensor_mm)

    def close(self) -> None:
        self.receiver.close()


@dataclass
class OverlayFrame:
    """One composed frame: ``image`` uint8 (H, W, 3); the camera used (filtered);
    ``tracked`` False when the tracker had no good measurement this frame; ``state``
    ``tracking``, ``predicting`` or ``lost`` (:class:`~previzkit.overlay.tracking.filter.TrackState`)
    and ``visibility`` the virtual layer's fade (1 drawn .. 0 gone);
    ``actor_depth_m`` the actor's plane depth; ``matte`` the actor's matte (uint8
    (H, W)) or None; ``timings`` seconds per stage (see :data:`STAGES`);
    ``actor_depth_map`` the actor's depth per pixel (metres, float32 (H, W)) with
    ``actor_body``, else None; ``timecode`` the frame's SMPTE label when the run keeps a
    clock (LTC or the take's), else None."""

    image: npt.NDArray[np.uint8]
    camera_to_world: np.ndarray
    lens: Any
    tracked: bool
    actor_depth_m: float | None
    matte: npt.NDArray[np.uint8] | None
    timings: dict[str, float] = field(default_factory=dict)
    actor_depth_map: npt.NDArray[np.float32] | None = None
    state: str = "tracking"
    visibility: float = 1.0
    timecode: str | None = None


@overload
def zbuffer_of_depth(depth_m: float, proj: np.ndarray) -> float: ...
@overload
def zbuffer_of_depth(
    depth_m: npt.NDArray[np.float32], proj: np.ndarray
) -> npt.NDArray[np.float32]: ...
def zbuffer_of_depth(depth_m: Any, proj: np.ndarray) -> Any:
    """The OpenGL z-buffer value (0..1) of a point ``depth_m`` metres in front of a
    camera with perspective ``proj`` (the inverse of ``zbuffer_to_depth``); a float, or
    float32 per pixel for a depth map."""
    if np.ndim(depth_m) == 0:
        ndc = (proj[2, 3] - proj[2, 2] * depth_m) / depth_m
        return float(np.clip(ndc * 0.5 + 0.5, 0.0, 1.0))
    d = np.asarray(depth_m, np.float32)
    p23, p22, half = np.float32(proj[2, 3]), np.float32(proj[2, 2]), np.float32(0.5)
    with np.errstate(divide="ignore"):
        z = (p23 / d - p22) * half + half
    return np.clip(z, 0.0, 1.0, out=z)


def compose(
    plate: npt.NDArray[np.uint8],
    virtual_rgba: npt.NDArray[np.uint8],
    virtual_depth: npt.NDArray[np.float32],
    actor_rgba: npt.NDArray[np.uint8] | None,
    actor_depth_m: float | npt.NDArray[np.float32] | None,
    backend: Any = "auto",
) -> npt.NDArray[np.uint8]:
    """The overlay's composite (pure): premultiplied ``virtual_rgba`` at
    ``virtual_depth`` and the premultiplied actor layer at ``actor_depth_m`` (one plane,
    or per pixel: :mod:`previzkit.overlay.actor_depth`) over ``plate``; the nearer
    layer wins per pixel. Depths are metres in front of the camera (inf where empty) or
    any monotonic function of them used for both, such as z-buffer values
    (:func:`zbuffer_of_depth`). ``backend`` a name or a resolved
    :class:`previzkit.composite.backends.Backend` (resolve once for a per-frame loop)."""
    from previzkit.composite import depth_composite, over

    if actor_rgba is None or actor_depth_m is None:
        return over(virtual_rgba, plate, backend=backend)
    actor_d = float(actor_depth_m) if np.ndim(actor_depth_m) == 0 else actor_depth_m
    layers: list[tuple[np.ndarray, np.ndarray | float]] = [
        (virtual_rgba, virtual_depth),
        (actor_rgba, actor_d),
    ]
    return depth_composite(layers, plate, backend=backend)


class Overlay:
    """The overlay over one set (a SetDef or a set file path) on ``ctx``, run through
    the stage loop (:class:`previzkit.stage.loop.StageLoop`): the loop polls the poses,
    tracks the camera from each plate frame (``tracker``, a
    :class:`~previzkit.stage.camera.CameraSource`, through the pose filter at the
    plate's time: :attr:`camera_source`, a
    :class:`~previzkit.overlay.tracking.filter.FilteredCamera` with
    ``options.tracking``), retargets, renders, and hands the render's colour and
    z-buffer to :meth:`compose` (this overlay's matte and depth composite, faded and
    badged by the tracking state). :meth:`process` composes one plate frame;
    :attr:`states` counts the frames per tracking state.

    ``poses`` drives the characters: a pose source
    (:class:`~previzkit.stage.sources.PoseSource`), a ``.pzt`` pose track played at the
    plate's frame times (``pose_loop``: start over at its end, else hold the last
    frame) or a pose stream address (``tcp://host:5555``); None keeps them in their
    rest pose. ``actors`` maps actor ids to character names, as on the stage (unmapped
    ids take free characters in set order). The initial camera (before the first good
    track) is ``initial`` or the set's default camera.

    The composite backend is resolved once here; with ``options.warm_up`` the loop's
    renderer and this compositor are warmed at construction (:meth:`warm_up`).
    """

    def __init__(
        self,
        ctx: Any,
        set_def: Any,
        tracker: CameraSource,
        options: OverlayOptions | None = None,
        initial: tuple[np.ndarray, Any] | None = None,
        *,
        poses: Any = None,
        actors: Mapping[int, str] | None = None,
        pose_loop: bool = True,
    ) -> None:
        from previzkit.composite import get_backend
        from previzkit.stage.loop import StageLoop, StageOptions
        from previzkit.stage.plate import PlateFeed
        from previzkit.stage.sources import NoPoses, plate_pose_source

        self.ctx = ctx
        self.options = o = options or OverlayOptions()
        self._segmenter: Any = None
        self._body: Any = None
        self._feed = PlateFeed()
        self.frames = 0
        self._backend = get_backend(o.backend)  # resolved once, not per call per frame
        self._unmeasured = 0
        from previzkit.overlay.tracking.filter import FilteredCamera, TrackState

        self.states = {s.value: 0 for s in TrackState}  # frames per tracking state
        # the loop's camera source: the tracker through the pose filter, on the plate's clock
        self.camera_source = FilteredCamera(tracker, lambda: self._feed.time, o.tracking)
        self._key = o.key
        self._keyer = None
        if o.matte in ("green", "blue"):  # key controls: previzkit.composite.keyer
            from previzkit.composite.keyer import Keyer, as_preset

            self._keyer = Keyer(as_preset(o.key, o.matte), backend=self._backend)
        if o.matte == "segment":
            from previzkit.composite import KeyParams

            self._key = KeyParams(spill=0.0)  # a given matte; no screen colour to despill
        self._last: tuple[Any, Any, Any] = (None, None, None)
        self._timings: dict[str, float] = {}
        source: Any = None
        try:
            if o.matte == "segment":
                from previzkit.overlay.segmentation import PersonSegmenter

                self._segmenter = PersonSegmenter()
            if o.actor_body and o.matte != "none":
                from previzkit.overlay.actor_depth import BodyDepth

                self._body = BodyDepth()
            if poses is None:
                source = NoPoses()
            elif isinstance(poses, str | Path):
                source = plate_pose_source(poses, lambda: self._feed.time, loop=pose_loop)
            else:
                source = poses
            self.loop = StageLoop(
                ctx,
                set_def,
                source,
                StageOptions(
                    o.width,
                    o.height,
                    backend=o.backend,
                    writer="overlay",
                    near=o.near,
                    far=o.far,
                    backdrop=o.backdrop,
                    reuse_static=o.reuse_static,
                ),
                actors=actors,
                plate=self._feed,
                camera_source=self.camera_source,
                compositor=self,
                initial_camera=initial,
            )
        except BaseException:
            # what was opened here; the caller still owns the tracker and its own source
            opened = source if source is not poses else None
            for part in (self._segmenter, self._body, opened):
                if part is not None:
                    part.close()
            raise
        self.renderer = self.loop.renderer
        self.renderer.show_frustums = False
        self.renderer.show_marks = False
        self.tracker = tracker
        if o.warm_up:
            try:
                self.warm_up()
            except BaseException:  # as above: the caller still owns the tracker and its source
                self.loop.camera_source = None
                if self.loop.source is poses:
                    self.loop.source = NoPoses()
                self.close()
                raise

    def warm_up(self) -> float:
        """Run the loop's render and readback (:meth:`previzkit.stage.loop.StageLoop.warm_up`,
        the static set filled) and this compositor's matte and composite kernels once on
        a blank plate, so the first real frame does not wait for shader builds, the
        composite kernels (numba: loaded from its cache, or compiled) or the segmenter's
        start; nothing is tracked, counted or recorded, and the keyer's screen colour
        still comes from the first real plate. Returns the seconds taken."""
        t0 = time.perf_counter()
        o = self.options
        plate = np.zeros((o.height, o.width, 3), np.uint8)
        proj = self.loop.warm_up()
        rgba, z = self.loop.read_layers()
        actor: np.ndarray | None
        if self._keyer is not None:
            # the keyer's kernels through a twin: its screen colour is estimated on the
            # first real plate, not on this blank one
            from previzkit.composite.keyer import Keyer

            actor = Keyer(self._keyer.preset, backend=self._backend).key(plate)[0]
            self._keyer.garbage_for(o.width, o.height)  # rasterised once per size
        else:
            actor = self._actor_layer(plate)[0]
        actor_z = None if actor is None else zbuffer_of_depth(o.actor_depth_m, proj)
        compose(plate, rgba, z, actor, actor_z, self._backend)
        compose(plate, rgba, z, None, None, self._backend)  # the no-actor path (over)
        return time.perf_counter() - t0

    @property
    def camera(self) -> tuple[np.ndarray, Any]:
        """The camera used for the last frame (camera-to-world 4x4, Lens)."""
        cam = self.loop.tracked_camera
        assert cam is not None  # the loop starts from an initial camera
        return cam

    @property
    def lost(self) -> int:
        """Frames where the tracker could not tell the camera (the pose filter predicted
        it, or showed tracking lost)."""
        return self._unmeasured

    def actor_depth(self, camera_to_world: np.ndarray) -> float:
        """The actor's distance in front of the camera (metres)."""
        o = self.options
        if o.actor_position is None:
            return o.actor_depth_m
        from previzkit.core.geometry import view_matrix

        p = view_matrix(camera_to_world) @ np.array([*o.actor_position, 1.0])
        return float(max(-p[2], o.near))

    def depth_m(self, zbuffer: np.ndarray, proj: np.ndarray) -> np.ndarray:
        """Metres in front of the camera of a z-buffer read back here (inf where empty)."""
        from previzkit.composite import zbuffer_to_depth

        return zbuffer_to_depth(zbuffer, proj)

    def _actor_layer(self, plate: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        o = self.options
        if o.matte == "none":
            return None, None
        from previzkit.composite import key

        if self._keyer is not None:
            return self._keyer.key(plate)
        matte = self._segmenter.matte(plate) if self._segmenter is not None else None
        # premultiplied: alpha = the matte (pulled by the keyer, or the segmenter's)
        layer = key(plate, self._key, matte=matte, backend=self._backend)
        return layer, layer[..., 3]

    def compose(
        self,
        plate: np.ndarray,
        rgba: np.ndarray,
        zbuffer: np.ndarray,
        proj: np.ndarray,
        camera_to_world: np.ndarray,
        poses: Sequence[Any],
    ) -> np.ndarray:
        """The stage loop's composite step (:class:`previzkit.stage.loop.PlateCompositor`):
        key the actor, place them in depth (a plane, or per pixel from their body), and
        depth-composite the render over the plate, the render faded by the tracking's
        visibility and the TRACKING LOST badge drawn while tracking is lost."""
        est = self.camera_source.last  # this frame's: the loop tracked before rendering
        t0 = time.perf_counter()
        actor, matte = self._actor_layer(plate)
        plane = self.actor_depth(camera_to_world) if actor is not None else None
        depth: Any = plane
        if self._body is not None and plane is not None:
            depth = self._body.depth(plate, proj, plane, self._feed.time)
        t1 = time.perf_counter()
        # depth order in z-buffer units: the actor's depth mapped through the projection
        # (monotonic in metres), so the depth buffer needs no per-pixel linearising
        actor_z = None if depth is None else zbuffer_of_depth(depth, proj)
        if est.visibility < 1.0:
            from previzkit.overlay.tracking.badge import fade_layer

            rgba, zbuffer = fade_layer(rgba, zbuffer, est.visibility)
        image = compose(plate, rgba, zbuffer, actor, actor_z, self._backend)
        if est.state == "lost":
            from previzkit.overlay.tracking.badge import draw_lost_badge

            draw_lost_badge(image)
        self._timings = {"matte": t1 - t0, "composite": time.perf_counter() - t1}
        self._last = (matte, plane, None if np.ndim(depth) == 0 else depth)
        return image

    def process(self, plate: npt.NDArray[np.uint8], time_s: float | None = None) -> OverlayFrame:
        """Compose one plate frame (uint8 (height, width, 3) RGB, row 0 at the top) at
        plate time ``time_s`` (s; default frame count / 30 fps; the pose filter's clock):
        one stage-loop frame."""
        o = self.options
        if plate.shape != (o.height, o.width, 3) or plate.dtype != np.uint8:
            raise ShapeError(
                f"overlay plate: {plate.shape} {plate.dtype}, expected ({o.height}, "
                f"{o.width}, 3) uint8 (set --size to the plate's size)"
            )
        t = self.frames / 30.0 if time_s is None else float(time_s)
        self._feed.put(np.ascontiguousarray(plate), t)
        self.loop.step()
        work = self.loop.stats.frames[-1].work
        self.frames += 1
        cam = self.camera_source
        self._unmeasured += not cam.measured
        self.states[cam.state.value] += 1
        pose, lens = self.camera
        matte, plane, depth_map = self._last
        timings = {
            "track": work.get("track", 0.0),
            "retarget": work.get("retarget", 0.0),
            "render": work.get("render", 0.0),
            "readback": work.get("readback", 0.0),
            **self._timings,
        }
        image = self.loop.last_image
        assert image is not None  # the step composed it
        return OverlayFrame(
            image,
            pose,
            lens,
            cam.measured,
            plane,
            matte,
            timings,
            depth_map,
            cam.state.value,
            cam.visibility,
        )

    def joints(self) -> Any:
        """The characters' joint positions now (:meth:`previzkit.stage.loop.StageLoop.joints`)."""
        return self.loop.joints()

    def close(self) -> None:
        try:
            self.loop.close()  # the pose source, the tracker, the GL objects
        finally:
            if self._segmenter is not None:
                self._segmenter.close()
            if self._body is not None:
                self._body.close()

    def __enter__(self) -> Overlay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def camera_sample_args(frame: OverlayFrame) -> tuple[tuple, tuple, Any]:
    """``(position, orientation xyzw, lens)`` of a frame's camera, as the take recorder
    takes it (:meth:`previzkit.takes.recorder.Recorder.frame`)."""
    from previzkit.core.geometry import quat_from_matrix

    m = frame.camera_to_world
    return tuple(float(v) for v in m[:3, 3]), quat_from_matrix(m), frame.lens


@dataclass
class OverlayRun:
    """What ``previzkit overlay`` runs: a set, a plate ``source`` (camera index, video
    file or image folder) and one way of tracking: ``board`` (+ ``calibration``, else the
    set camera's lens), ``freed`` (``udp://HOST:PORT`` + ``lens_table``), or a fixed
    ``set_camera``; ``board`` and ``freed`` together are fused (FreeD carries the camera,
    the board corrects its offset). ``freed_delay_auto`` measures the FreeD delay from
    the plate (``freed_delay_s`` until then). ``output`` an MP4 of the composed frames;
    ``window`` shows them in a desktop window (closing it ends the run); ``project``
    records a take (composite, plate, camera track; the tracking state's changes as
    journal marks ``{"event": "tracking", "state": ...}``) into that take store.
    ``pose`` drives the characters (a ``.pzt`` track played at the plate's times,
    looping when ``pose_loop`` else holding its end, or a pose stream address);
    ``actors`` maps actor ids to characters. ``timecode``: ``"clock"`` (``start_tc`` or
    the system clock) or ``"ltc"`` (read from ``ltc_input``, default the plate's audio):
    stamps the frames, the take and the MP4."""

    set_file: Path
    source: str
    options: OverlayOptions = field(default_factory=OverlayOptions)
    board: Path | None = None
    calibration: Path | None = None
    freed: str | None = None
    freed_camera: int | None = None
    freed_delay_s: float = 0.0
    freed_delay_auto: bool = False
    lens_table: Path | None = None
    set_camera: str | None = None
    frames: int | None = None
    output: Path | None = None
    window: bool = False
    project: Path | None = None
    scene: str = "1"
    shot: str = "1-A"
    rate: str = "24"
    start_tc: str | None = None
    pose: str | None = None
    pose_loop: bool = True
    actors: dict[int, str] = field(default_factory=dict)
    timecode: str = "clock"  # "clock": --start-tc or the system clock; "ltc": see below
    ltc_input: Path | None = None  # LTC audio (a WAV, a recorder's file); None: the plate's


@dataclass
class OverlayResult:
    """``frames`` composed, ``lost`` frames without tracking, ``timings`` p50/p99
    seconds per stage, the ``output`` file and the recorded ``take`` (dicts);
    ``states`` frames per tracking state, ``freed_delay`` the FreeD delay estimate
    (``delay_s``, ``score``) when measured."""

    frames: int
    lost: int
    timings: dict[str, tuple[float, float]]
    output: Path | None = None
    take: dict[str, Any] | None = None
    states: dict[str, int] = field(default_factory=dict)
    freed_delay: Any = None


def make_tracker(run: OverlayRun, set_def: Any, width: int, height: int) -> CameraTracker:
    """The :class:`CameraTracker` a run asks for."""
    cam_name = run.set_camera or set_def.default_camera or next(iter(set_def.cameras), None)
    set_cam = set_def.camera(cam_name) if cam_name else None
    if run.board is not None and run.freed is not None:
        from previzkit.overlay.tracking.fusion import FusedCamera

        board_cam = make_tracker(replace(run, freed=None), set_def, width, height)
        try:
            return FusedCamera(board_cam, make_tracker(replace(run, board=None), set_def, 0, 0))
        except BaseException:
            board_cam.close()
            raise
    if run.board is not None:
        from previzkit.overlay.tracking.charuco import Calibration, load_board, load_calibration

        board = load_board(run.board)
        if run.calibration is not None:
            cal = load_calibration(run.calibration)
        elif set_cam is not None:
            cal = Calibration.from_lens(set_cam.lens, width, height)
        else:
            raise InputError("overlay --board: give --calibration (previzkit overlay calibrate)")
        return BoardCamera(board, cal, set_cam.lens.focus_m if set_cam else 3.0)
    if run.freed is not None:
        from previzkit.overlay.tracking.freed import FreeDReceiver, LensTable, load_lens_table

        table, sensor = (
            load_lens_table(run.lens_table) if run.lens_table else (LensTable(), (24.89, 18.66))
        )
        return FreeDCamera(
            FreeDReceiver(run.freed),
            table,
            sensor,
            run.freed_camera,
            delay_s=run.freed_delay_s,
            auto_delay=run.freed_delay_auto,
            stale_s=0.5,
        )
    if set_cam is None:
        raise InputError(f"overlay: set {set_def.name!r} has no camera; give --board or --freed")
    return FixedCamera(set_cam.camera_to_world(), set_cam.lens)


def run_overlay(ctx: Any, run: OverlayRun, progress: Any = None) -> OverlayResult:
    """Run the overlay over ``run.source`` until it ends or ``run.frames`` frames."""
    from previzkit.capture.sources import open_source
    from previzkit.model.setfile import load_set

    set_def = load_set(set_path(run.set_file))
    source = open_source(run.source)
    writer = recorder = store = window = None
    times: dict[str, list[float]] = {k: [] for k in STAGES}
    n = lost = 0
    take = None
    last_state = ""
    try:
        w, h = source.width or run.options.width, source.height or run.options.height
        opts = run.options
        opts.width, opts.height = int(w), int(h)
        tracker = make_tracker(run, set_def, opts.width, opts.height)
        try:
            overlay = Overlay(
                ctx,
                set_def,
                tracker,
                opts,
                poses=run.pose,
                actors=run.actors,
                pose_loop=run.pose_loop,
            )
        except BaseException:
            tracker.close()
            raise
        try:
            even = (opts.width // 2 * 2, opts.height // 2 * 2)
            if run.window:
                from previzkit.stage.outputs import window_output

                window = window_output(ctx, even, "previzkit overlay")
            clock = run_clock(run)
            fps = float(source.fps or 24.0)
            if run.output is not None and clock is None:
                writer = overlay_writer(run.output, even, fps, None)
            if run.project is not None:
                from previzkit.takes.store import TakeStore

                store = TakeStore(run.project)
                if clock is None:
                    recorder = take_recorder(run, store, even, run.start_tc)
            for frame in source:
                if run.frames is not None and n >= run.frames:
                    break
                out = overlay.process(frame.image, frame.time)
                if clock is not None:
                    out.timecode = clock.timecode_at(frame.time)
                    if store is not None and recorder is None:  # the take starts on LTC
                        recorder = take_recorder(run, store, even, out.timecode)
                    if run.output is not None and writer is None:  # so does the MP4
                        writer = overlay_writer(run.output, even, fps, out.timecode)
                elif recorder is not None:
                    out.timecode = recorder.timecode()
                for k, v in out.timings.items():
                    times[k].append(v)
                crop = out.image[: even[1], : even[0]]
                if window is not None:
                    window(out.image)
                if writer is not None:
                    writer.write(np.ascontiguousarray(crop))
                if recorder is not None:
                    if out.state != last_state:  # the take's journal: state changes
                        recorder.mark(event="tracking", state=out.state)
                        last_state = out.state
                    recorder.frame(
                        np.ascontiguousarray(crop),
                        plate=np.ascontiguousarray(frame.image[: even[1], : even[0]]),
                        camera=camera_sample_args(out),
                        time_s=frame.time,
                        # with live characters: the actors' poses and where the characters are
                        poses=overlay.loop.poses() if run.pose else (),
                        joints=overlay.joints() if run.pose else None,
                    )
                n += 1
                lost += not out.tracked
                if progress is not None:
                    progress(n, run.frames or source.count)
                if window is not None and window.closed:
                    break  # the operator closed the window
        finally:
            states = dict(overlay.states)
            freed_cam = getattr(tracker, "freed", tracker)
            delay = getattr(freed_cam, "delay_estimate", None)
            if window is not None:
                window.close()
            overlay.close()
            if writer is not None:
                writer.close()
            if recorder is not None and recorder.take is not None:
                t = recorder.stop()
                assert store is not None  # the recorder records into it
                take = {**t.to_dict(), "folder": str(store.take_dir(t))}
            if store is not None:
                store.close()
    finally:
        source.close()
    stats = {
        k: (float(np.percentile(v, 50)), float(np.percentile(v, 99))) for k, v in times.items() if v
    }
    return OverlayResult(n, lost, stats, run.output, take, states, delay)


def run_clock(run: OverlayRun) -> Any:
    """The run's LTC clock (:class:`previzkit.takes.ltc_clock.LtcClock`) when
    ``run.timecode == "ltc"``: from ``run.ltc_input``, else the plate's audio; None for
    the system clock / ``--start-tc``."""
    if run.timecode == "clock":
        return None
    if run.timecode != "ltc":
        raise InputError(f"overlay timecode {run.timecode!r}: expected 'clock' or 'ltc'")
    if run.start_tc is not None:
        raise InputError("overlay: --start-tc and --timecode ltc are exclusive")
    from previzkit.takes.ltc_clock import ltc_clock_from_file

    path = run.ltc_input
    if path is None:
        if not Path(run.source).is_file():
            raise InputError(
                f"overlay --timecode ltc: source {run.source!r} is not a plate file; "
                "give --ltc-input AUDIO"
            )
        path = Path(run.source)
    if not Path(path).is_file():
        raise InputError(f"overlay --ltc-input {path}: no such file")
    return ltc_clock_from_file(path, run.rate)


def overlay_writer(path: Path, size: tuple[int, int], fps: float, start_tc: str | None) -> Any:
    """The overlay's fragmented H.264 writer; ``start_tc`` its first frame's timecode
    (a ``tmcd`` track), None for none."""
    from previzkit.media.video import VideoWriter

    return VideoWriter(path, *size, fps, fragmented=True, timecode=start_tc)


def take_recorder(run: OverlayRun, store: Any, size: tuple[int, int], start_tc: str | None) -> Any:
    """A started take recorder (composite, plate, camera track) of ``size`` whose first
    frame is ``start_tc`` (None: the system clock)."""
    from previzkit.takes.recorder import Recorder

    recorder = Recorder(
        store,
        run.scene,
        run.shot,
        rate=run.rate,
        start_tc=start_tc,
        size=size,
        plate_size=size,
        meta={"timecode": run.timecode},  # where the start timecode came from
    )
    recorder.start()
    return recorder


def set_path(value: str | Path) -> Path:
    """A set file path, checked."""
    from previzkit.core.errors import MissingFileError

    p = Path(value)
    if not p.is_file():
        raise MissingFileError(f"set file {p} does not exist")
    return p

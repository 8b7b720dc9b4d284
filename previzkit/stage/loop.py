"""The stage loop: poses in, characters posed, the set rendered through the virtual
camera, composited over the camera plate, presented to every output, recorded.

One frame (:meth:`StageLoop.step`), all on the thread that owns the GL context:

1. poll: new poses from the source (its own thread or process), set-state edits
   from the other views (:mod:`previzkit.stage.sync`), the plate's next frame;
   track: with a :class:`~previzkit.stage.camera.CameraSource` (a ChArUco board in the
   plate, FreeD packets), the camera's pose and lens for that plate frame (a frame
   where tracking is lost keeps the last good pose);
2. retarget: each actor's newest pose onto its character;
3. render: the set through the camera into an offscreen target (with a plate: no
   sky or floor unless ``backdrop``, cleared transparent, so the plate shows where
   nothing virtual is); while the camera and the props stay put the static set is
   reused and only the characters are drawn (``reuse_static``,
   :mod:`previzkit.render.static_layer`);
4. composite: read back; premultiplied over the plate (:func:`previzkit.composite.over`),
   or, with a :class:`PlateCompositor` (the AR overlay's keyed actor in depth), the
   colour and z-buffer (rows top-first, read without copies) handed to it;
5. present: the headset (OpenXR eyes through :class:`previzkit.xr.loop.FrameLoop`),
   the desktop window, frame callbacks;
6. record: every :class:`~previzkit.stage.sink.TakeSink` (poses, camera, image, plate
   and the characters' world joints, :meth:`StageLoop.joints`).

Each frame's latency (pose captured -> received -> rendered -> presented) and the
time of each step go to :class:`~previzkit.stage.latency.LatencyStats`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from previzkit.core.errors import InputError
from previzkit.model.camera_track import CameraSample
from previzkit.model.frame_joints import FrameJoints
from previzkit.model.skeleton import SKELETON
from previzkit.render.look import Look
from previzkit.render.static_layer import StaticLayer
from previzkit.stage.actors import Actors
from previzkit.stage.camera import CameraSource
from previzkit.stage.latency import FrameRecord, LatencyStats
from previzkit.stage.set_save import save_set_state
from previzkit.stage.sink import TakeSink
from previzkit.stage.sources import PoseSample, PoseSource
from previzkit.stage.state import SetState, changes_since

log = logging.getLogger(__name__)

_FLIP_Y = np.diag([1.0, -1.0, 1.0, 1.0])


class PlateCompositor(Protocol):
    """Composes a frame over its plate from the render's layers (the AR overlay's
    actor matte and depth composite). ``plate`` uint8 (H, W, 3); ``rgba`` premultiplied
    uint8 (H, W, 4) and ``zbuffer`` float32 (H, W) in [0, 1] (1 = nothing drawn), both
    row 0 at the top; ``proj`` the camera's OpenGL perspective (4x4, unflipped);
    ``camera_to_world`` 4x4; ``poses`` the actors' newest poses. Returns uint8 (H, W, 3)."""

    def compose(
        self,
        plate: np.ndarray,
        rgba: np.ndarray,
        zbuffer: np.ndarray,
        proj: np.ndarray,
        camera_to_world: np.ndarray,
        poses: Sequence[Any],
    ) -> np.ndarray: ...


@dataclass
class StageOptions:
    """``width`` x ``height`` output pixels; ``camera``: a set camera (default: the
    set's default camera, else its first); ``samples``: MSAA; ``fps``: the loop rate in
    real time (default the pose source's); ``realtime``: pace frames to ``fps``
    (offline, the loop runs as fast as it can, one source frame per loop frame);
    ``backend``: composite kernels ("auto", "numpy", "numba", "cupy");
    ``writer``: this view's id in the shared set state; ``near``/``far`` clip planes
    (m, default the renderer's); ``backdrop``: draw the set's sky and floor (default:
    without a plate); ``reuse_static``: while the camera, lens and props stay put, blit
    the static set rendered once and draw only the characters over it
    (:mod:`previzkit.render.static_layer`; frames equal a full render)."""

    width: int = 1280
    height: int = 720
    camera: str | None = None
    samples: int = 0
    fps: float | None = None
    realtime: bool = False
    backend: str = "auto"
    writer: str = "stage"
    near: float | None = None
    far: float | None = None
    backdrop: bool | None = None
    reuse_static: bool = True


class StageLoop:
    """The loop over one set. ``set_def`` is a SetDef or a set file path; ``source`` a
    :class:`~previzkit.stage.sources.PoseSource`; ``actors`` maps actor ids to character
    names (unmapped ids take free characters in set order).

    ``plate`` is a :class:`~previzkit.stage.plate.PlateReader` (or anything with
    ``next() -> (H, W, 3) uint8 | None``); ``sinks`` receive every presented frame;
    ``on_frame(index, image)`` too. ``sync`` a :class:`~previzkit.stage.sync.StateSync`
    over :attr:`state`; ``headset`` a :class:`~previzkit.stage.outputs.HeadsetOutput`
    (anything with ``step() -> bool``) drawing this loop's renderer; ``window`` a
    callable taking each presented (H, W, 3) image
    (:class:`~previzkit.stage.outputs.WindowOutput`). ``retarget_cache`` (a dict,
    kept by the caller) memoises retargeting across loops that replay the same pose
    frames (see :class:`~previzkit.stage.actors.Actors`). ``camera_track(index)``
    gives frame ``index``'s (camera-to-world 4x4, Lens) in place of the set camera's
    (an operated camera move, :mod:`previzkit.production.operator`).
    ``placements(index)`` gives frame ``index``'s character placements (name -> (floor
    position (x, y, z) m, yaw deg about +y)), applied before the frame is rendered and
    recorded (characters that walk their blocking,
    :mod:`previzkit.production.performance`); names it leaves out stay where they are.

    ``look``: the renderer's :class:`~previzkit.render.look.Look` (default
    ``Look.realtime``: the full look on a GPU, the plain one on a software rasterizer).

    ``camera_source`` a tracked camera (:class:`~previzkit.stage.camera.CameraSource`)
    updated from each plate frame, in place of the set camera (the set then needs no
    camera; ``initial_camera`` (camera-to-world, Lens) is used until the first good
    track, default the set's camera); :attr:`tracked` and :attr:`lost` count it.
    ``compositor`` a :class:`PlateCompositor` composing each frame over the plate.
    """

    def __init__(
        self,
        ctx: Any,
        set_def: Any,
        source: PoseSource,
        options: StageOptions | None = None,
        *,
        actors: Mapping[int, str] | None = None,
        plate: Any = None,
        sinks: Sequence[TakeSink] = (),
        on_frame: Callable[[int, np.ndarray], None] | None = None,
        state: SetState | None = None,
        sync: Any = None,
        headset: Any = None,
        window: Callable[[np.ndarray], None] | None = None,
        set_path: str | Path | None = None,
        retarget_cache: dict[Any, Any] | None = None,
        camera_track: Callable[[int], tuple[Any, Any]] | None = None,
        placements: Callable[[int], Mapping[str, tuple[Any, float]]] | None = None,
        camera_source: CameraSource | None = None,
        compositor: PlateCompositor | None = None,
        initial_camera: tuple[np.ndarray, Any] | None = None,
        look: Look | None = None,
    ) -> None:
        from previzkit.model.setfile import load_set
        from previzkit.render.gl import software_rasterizer
        from previzkit.render.renderer import Renderer

        self.options = opts = options or StageOptions()
        if isinstance(set_def, str | Path):
            set_path = set_path or set_def
            set_def = load_set(set_def)
        self.set_path = None if set_path is None else Path(set_path)
        self.base_set = set_def
        if opts.camera is None:
            opts.camera = set_def.default_camera or next(iter(set_def.cameras), None)
        if opts.camera is None and camera_source is None:
            raise InputError(f"set {set_def.path or set_def.name}: has no camera to render through")
        if opts.camera is not None:
            set_def.camera(opts.camera)  # names the set's cameras when unknown
        if opts.width < 2 or opts.height < 2:
            raise InputError(
                f"stage: output size must be at least 2x2, got {opts.width}x{opts.height}"
            )
        if compositor is not None and (plate is None or opts.samples):
            raise InputError("stage: a plate compositor needs a plate and no MSAA (samples=0)")
        if camera_source is not None and camera_track is not None:
            raise InputError("stage: give a camera_source (tracked) or a camera_track, not both")
        self.ctx = ctx
        if look is None:
            look = Look.realtime(software_rasterizer(ctx))
        self.renderer = Renderer(ctx, set_def, look=look)
        self.drawables = self.renderer.drawables
        self.source = source
        self.actors = Actors(self.drawables.characters, actors, retarget_cache=retarget_cache)
        self.plate = plate
        self.sinks = list(sinks)
        self.on_frame = on_frame
        self.state = state or SetState.from_set(set_def, opts.writer)
        self.sync = sync
        self.headset = headset
        self.window = window
        self.camera_track = camera_track
        self.placements = placements
        self.camera_source = camera_source
        self.compositor = compositor
        if initial_camera is None and camera_source is not None:
            if opts.camera is not None:
                cam = set_def.camera(opts.camera)
                initial_camera = (cam.camera_to_world(), cam.lens)
            else:
                from previzkit.core.geometry import look_at
                from previzkit.model.camera import Lens

                initial_camera = (look_at((0.0, 1.6, 5.0), (0.0, 1.0, 0.0)), Lens())
        self.tracked_camera = initial_camera if camera_source is not None else None
        self.tracked = False  # the camera source found the camera this frame
        self.lost = 0  # frames where the camera source could not tell the camera
        self.blocking: Any = None  # made on the first headset event
        self.stats = LatencyStats()
        self.index = 0
        self.last_image: np.ndarray | None = None
        self.last_camera: CameraSample | None = None
        self._log_index = 0
        self._t0: float | None = None
        self._frame_start = 0.0
        self._latest: dict[int, PoseSample] = {}
        self._ended = False
        self._closed = False
        self.backdrop = opts.backdrop if opts.backdrop is not None else plate is None
        self.static_layer: StaticLayer | None = None  # made on the first frame (reuse_static)
        if not self.backdrop:
            self.drawables.skybox.visible = False
            if getattr(self.drawables, "ground", None) is not None:
                self.drawables.ground.visible = False

    # --- set state -------------------------------------------------------------------

    def edit(self, key: str, **fields: Any) -> None:
        """Move an object here (and in every view when shared)."""
        if self.sync is not None:
            self.sync.edit(key, **fields)
        else:
            self.state.edit(key, **fields)

    def save_set(self, out: str | Path | None = None) -> Path:
        """Write the edited set state back into the set file (or ``out`` beside it)."""
        if self.set_path is None:
            raise InputError("stage: the set did not come from a file; nothing to save to")
        return save_set_state(self.state, self.set_path, out)

    def apply_state(self) -> None:
        """Rebuild what depends on the set state when it changed (a log index, so a
        frame without changes costs one comparison)."""
        if self._log_index == len(self.state.log):
            return
        change, self._log_index = changes_since(self.state, self._log_index)
        if not change.any:
            return
        from previzkit.core.errors import PrevizError
        from previzkit.render.frustums import Frustums
        from previzkit.render.marks import Marks
        from previzkit.render.props import prop_drawable

        new = self.state.apply_to(self.base_set)
        scene = self.drawables
        scene.set = new
        if change.marks:
            scene.marks.release()
            scene.marks = Marks(self.ctx, list(new.marks.values()))
        if change.cameras:
            scene.frustums.release()
            scene.frustums = Frustums(self.ctx, list(new.cameras.values()))
        for name in change.props_removed:
            old = scene.props.pop(name, None)
            if old is not None:
                old.release()
        props = {p.name: p for p in new.props}
        for name in change.props:
            prop = props[name]
            if name in scene.props and name not in change.props_added:
                scene.props[name].model = prop.model_matrix()
                continue
            old = scene.props.pop(name, None)
            if old is not None:
                old.release()
            try:
                scene.props[name] = prop_drawable(self.ctx, prop, scene.num_lights)
            except PrevizError as exc:  # a peer's prop we cannot load: the rest goes on
                log.warning("stage: prop %s not shown: %s", name, exc)
        chars = {c.name: c for c in new.characters}
        for name in change.characters:
            cdef = chars.get(name)
            ch = scene.characters.get(name)
            if ch is not None and cdef is not None:
                ch.set_placement(cdef.position, cdef.yaw_deg)
        frame_loop = getattr(self.headset, "frame_loop", self.headset)
        mapper = getattr(frame_loop, "mapper", None)
        if mapper is not None:  # the headset grabs things where the other views put them
            from previzkit.xr.app import refresh_mapper

            refresh_mapper(mapper, scene)

    def on_xr_event(self, event: Any) -> None:
        """Headset controller events -> shared set-state edits (see
        :class:`~previzkit.stage.blocking.Blocking`: a placed camera is a new camera,
        never the set's own)."""
        if self.blocking is None:
            from previzkit.stage.blocking import Blocking

            lens = self._camera_pose()[1]
            publish = None if self.sync is None else (lambda e: self.sync.send([e]))
            self.blocking = Blocking(
                self.state,
                publish,
                lens=lens,
                characters=[c.name for c in self.base_set.characters],
            )
        if self.blocking.handle(event):
            self.apply_state()

    # --- the frame -------------------------------------------------------------------

    @property
    def _camera_name(self) -> str:
        name = self.options.camera
        assert name is not None  # set in __init__
        return name

    def _camera_pose(self) -> tuple[Any, Any]:
        """(camera-to-world, Lens) at the current frame: the camera track's, the tracked
        camera's (its last good pose), else the set camera's."""
        if self.camera_track is not None:
            return self.camera_track(self.index)
        if self.tracked_camera is not None:
            return self.tracked_camera
        cam = self.drawables.set.camera(self._camera_name)
        return cam.camera_to_world(), cam.lens

    def camera(self) -> CameraSample:
        """The loop's camera at the current frame (its index and time)."""
        matrix, lens = self._camera_pose()
        return CameraSample.from_matrix(self.index, self.index / self.fps, matrix, lens)

    @property
    def fps(self) -> float:
        return float(self.options.fps or getattr(self.source, "fps", 30.0) or 30.0)

    def _render(self, camera_to_world: np.ndarray, lens: Any) -> np.ndarray:
        """Draw the set into the offscreen target; returns the (unflipped) projection.
        With a compositor the projection is flipped in y, so the target holds rows
        top-first (the renderer draws without face culling, so winding is moot)."""
        from previzkit.core.geometry import view_matrix
        from previzkit.model.camera import perspective_from_lens

        o = self.options
        fbo = self.renderer.target(o.width, o.height, o.samples)
        clip = {k: v for k, v in (("near", o.near), ("far", o.far)) if v is not None}
        proj = perspective_from_lens(lens, o.width / o.height, **clip)
        view = view_matrix(camera_to_world)
        drawn = _FLIP_Y @ proj if self.compositor is not None else proj
        clear = self.renderer.clear_color if self.backdrop else (0.0, 0.0, 0.0, 0.0)
        exclude = tuple(n for n in (o.camera,) if n is not None)
        if o.reuse_static and self.static_layer is None:
            self.static_layer = StaticLayer(self.ctx, (o.width, o.height), o.samples)
        static = self.static_layer
        if static is None or not static.reuse(fbo, self.renderer, view, drawn, clear, exclude):
            fbo.use()
            fbo.viewport = (0, 0, o.width, o.height)
            fbo.clear(*clear, depth=1.0)
            self.renderer.render_view(fbo, view, drawn, exclude_cameras=exclude, clear=False)
        self.ctx.finish()
        return proj

    def warm_up(self) -> np.ndarray:
        """Render the current camera's view twice (the second through the static layer
        when reused) and read it back as a frame would, without advancing the loop
        (nothing polled, presented or recorded): shader builds and the first readback
        happen here, not on the first frame. Returns the (unflipped) projection."""
        self.actors.apply(())  # imports the retargeting
        matrix, lens = self._camera_pose()
        for _ in range(2):
            proj = self._render(matrix, lens)
        if self.compositor is not None:
            self.read_layers()
        else:
            self._read(3)
        return proj

    def read_layers(self) -> tuple[np.ndarray, np.ndarray]:
        """Premultiplied RGBA (H, W, 4) uint8 and the z-buffer (H, W) float32 in [0, 1]
        (1 = nothing drawn or the sky) of the last frame rendered for a compositor, row 0
        at the top (read-only views, no copies)."""
        o = self.options
        fbo = self.renderer.target(o.width, o.height, 0)
        rgba = np.frombuffer(fbo.read(components=4, alignment=1), np.uint8)
        z = np.frombuffer(
            fbo.read(components=1, attachment=-1, dtype="f4", alignment=1), np.float32
        )
        return rgba.reshape(o.height, o.width, 4), z.reshape(o.height, o.width)

    def _read(self, components: int) -> np.ndarray:
        o = self.options
        return self.renderer.read_target(o.width, o.height, o.samples, components=components)

    def _place(self) -> None:
        """Move the characters to this frame's placements (when a hook gives them)."""
        if self.placements is None:
            return
        for name, (position, yaw_deg) in self.placements(self.index).items():
            ch = self.drawables.characters.get(name)
            if ch is not None:
                ch.set_placement(position, float(yaw_deg))

    def step(self, output: bool = True) -> bool:
        """One frame; False when the source has ended (or the plate, offline).

        ``output=False``: poll, retarget and step the headset only (a headset frame
        between two output frames: no render through the camera, nothing recorded)."""
        if not output:
            return self._present_only()
        if self._ended:
            return False
        o = self.options
        rec = FrameRecord(self.index)
        w = rec.work
        if self._t0 is None:
            self._t0 = self._frame_start = time.perf_counter()
            self.source.start()
        # 1. poll
        t = time.perf_counter()
        rec.polled = time.time()
        samples = self.source.poll()
        if self.sync is not None:
            self.sync.poll()
        self.apply_state()
        plate = self.plate.next() if self.plate is not None else None
        if not samples and self.source.finished and not o.realtime:
            self._ended = True
            return False
        if self.plate is not None and plate is None:
            self._ended = True
            return False
        fresh: dict[int, PoseSample] = {}
        for s in samples:
            if s.pose.actor_id >= 0:
                fresh[s.pose.actor_id] = s  # the newest per actor
        self._latest.update(fresh)
        if fresh:
            newest = max(fresh.values(), key=lambda s: s.received)
            rec.captured, rec.received = newest.captured, newest.received
        t1 = time.perf_counter()
        w["poll"] = t1 - t
        if self.camera_source is not None and plate is not None:
            plate = self._track(plate)
            t = t1
            t1 = time.perf_counter()
            w["track"] = t1 - t
        # 2. retarget
        self.actors.apply([s.pose for s in fresh.values()])
        self._place()
        t2 = time.perf_counter()
        w["retarget"] = t2 - t1
        # 3. render
        matrix, lens = self._camera_pose()
        proj = self._render(matrix, lens)
        camera = CameraSample.from_matrix(self.index, self.index / self.fps, matrix, lens)
        rec.rendered = time.time()
        t3 = time.perf_counter()
        w["render"] = t3 - t2
        # 4. composite
        if plate is not None and self.compositor is not None:
            rgba, z = self.read_layers()
            t = t3
            t3 = time.perf_counter()
            w["readback"] = t3 - t
            poses = self.poses()
            image = self.compositor.compose(plate, rgba, z, proj, matrix, poses)
        elif plate is not None:
            from previzkit.composite import over

            fg = self._read(4)
            image = over(np.ascontiguousarray(fg), np.ascontiguousarray(plate), backend=o.backend)
        else:
            image = self._read(3)
        t4 = time.perf_counter()
        w["composite"] = t4 - t3
        # 5. present
        if self.window is not None:
            self.window(image)
            if getattr(self.window, "closed", False):
                self._ended = True  # the user closed the window
        if self.headset is not None and not self.headset.step():
            self._ended = True
        if self.on_frame is not None:
            self.on_frame(self.index, image)
        rec.presented = time.time()
        t5 = time.perf_counter()
        w["present"] = t5 - t4
        # 6. record
        if self.sinks:
            poses = self.poses()
            joints = self.joints()
            for sink in self.sinks:
                sink.write_frame(poses, camera, image, plate=plate, joints=joints)
        w["record"] = time.perf_counter() - t5
        self.last_image = image
        self.last_camera = camera
        self.stats.add(rec)
        self.index += 1
        if o.realtime and self.headset is None:
            self._pace()
        return not self._ended

    def _track(self, plate: np.ndarray) -> np.ndarray:
        """Update the tracked camera from ``plate``; returns the plate the render lines
        up with (remapped to the renderer's pinhole when the source does that)."""
        assert self.camera_source is not None  # called only with one
        found = self.camera_source.update(plate)
        self.tracked = found is not None
        if found is not None:
            self.tracked_camera = (np.asarray(found[0], np.float64), found[1])
        else:
            self.lost += 1
        undistort = getattr(self.camera_source, "plate_for_overlay", None)
        if undistort is not None:
            plate = np.ascontiguousarray(undistort(plate))
        return plate

    def _present_only(self) -> bool:
        if self._ended:
            return False
        if self._t0 is None:
            self._t0 = self._frame_start = time.perf_counter()
            self.source.start()
        samples = self.source.poll()
        if self.sync is not None:
            self.sync.poll()
        self.apply_state()
        fresh = {s.pose.actor_id: s for s in samples if s.pose.actor_id >= 0}
        self._latest.update(fresh)
        self.actors.apply([s.pose for s in fresh.values()])
        if self.headset is not None and not self.headset.step():
            self._ended = True
        return not self._ended

    def _pace(self) -> None:
        """Real time without a headset: start the next frame when a pose arrives (no
        earlier than half a frame period after this one started) or when it is due."""
        period = 1.0 / self.fps
        now = time.perf_counter()
        start = self._frame_start
        earliest, due = start + period / 2, start + period
        if now < earliest:
            time.sleep(earliest - now)
        wait = getattr(self.source, "wait", None)
        left = due - time.perf_counter()
        if left > 0:
            if wait is not None:
                wait(left)
            else:
                time.sleep(left)
        self._frame_start = time.perf_counter()

    def poses(self) -> list[Any]:
        """Each actor's newest pose (``previzkit.core.types.Pose``), actors in order of
        first arrival."""
        return [s.pose for s in self._latest.values()]

    def joints(self) -> FrameJoints:
        """Every character's joint positions now (set order; metres, set frame; joints in
        the skeleton's order, ``head`` included); NaN for a character not shown."""
        positions: dict[str, np.ndarray | None] = {}
        for name, ch in self.drawables.characters.items():
            if not getattr(ch, "visible", True):
                positions[name] = None
                continue
            p = np.asarray(ch.joint_positions(), np.float32)
            names = tuple(ch.skeleton.names)
            if names != SKELETON:  # a rig of its own: the joints previzkit's skeleton names
                index = {n: i for i, n in enumerate(names)}
                p = np.array(
                    [p[index[n]] if n in index else (np.nan,) * 3 for n in SKELETON], np.float32
                )
            positions[name] = p
        return FrameJoints.of(positions, SKELETON)

    def run(self, frames: int | None = None, progress: Any = None) -> LatencyStats:
        """Run until ``frames`` frames, the source (or an offline plate) ends, or Ctrl-C."""
        if frames is not None and frames < 0:
            raise InputError(f"--frames must be >= 0, got {frames}")
        try:
            while frames is None or self.index < frames:
                if not self.step():
                    break
                if progress is not None:
                    progress(self.index, frames)
        except KeyboardInterrupt:
            log.info("interrupted after %d frames", self.index)
        return self.stats

    def close(self) -> list[dict[str, Any]]:
        """Close sinks (returns their summaries), the source, the plate and GL objects."""
        if self._closed:
            return []
        self._closed = True
        out = []
        try:
            for sink in self.sinks:
                out.append(sink.close())
        finally:
            self.source.close()
            if self.plate is not None:
                self.plate.close()
            if self.camera_source is not None:
                self.camera_source.close()
            if self.static_layer is not None:
                self.static_layer.release()
            self.renderer.release()
        return out

    def __enter__(self) -> StageLoop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

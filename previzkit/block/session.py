"""The blocking session: a director in the headset (or offscreen) editing a set.

One :class:`BlockSession` holds the stage loop (characters acting a pose track, the
current shot's camera rendered for takes, the shared set state), the OpenXR frame
loop (eyes, controllers, events) and what a director sees besides the set (controllers,
rays, teleport arc, the wrist panel, the viewfinder, other users' avatars). Events
become set-state edits (:class:`previzkit.stage.blocking.Blocking`) drawn the same
frame; the set file and the shot plan are saved atomically on request and on exit,
with an autosave beside the set until a save succeeds. A take records the handheld
camera every frame between the take button's start and stop.

Frames: world = the set's frame (metres, right-handed, y up); ``world_from_space`` is
the headset's reference space in the set (moved by teleport, move and turn).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from previzkit.core.errors import InputError
from previzkit.core.geometry import pose_matrix
from previzkit.model.camera import Lens
from previzkit.xr import events as ev

log = logging.getLogger(__name__)

AUTOSAVE_EVERY_S = 2.0
PRESENCE_EVERY_S = 0.1
VIEWFINDER_SIZE = (640, 400)  # pixels of the handheld monitor's picture


@dataclass
class BlockOptions:
    """What ``previzkit xr SET`` was asked to do (see its --help)."""

    set_path: Path
    plan: Path | None = None  # a shot plan YAML: cameras are made per planned shot
    scene: str | None = None  # the plan's scene to block (default: its first)
    project: Path | None = None  # take store: takes are recorded there
    poses: Path | None = None  # a .pzt pose track the characters act (looped)
    offscreen: bool = False
    eye_size: tuple[int, int] = (1024, 1024)
    rate_hz: float | None = 90.0  # offscreen pacing; None: as fast as it renders
    samples: int = 4
    aspect: str = "16:9"
    take_size: tuple[int, int] = (960, 540)
    take_rate: float = 30.0  # frames per second of takes (a timecode rate)
    replay: Path | None = None
    play: str | None = None  # a take of the project to play back: SCENE/SHOT/TAKE
    record_input: Path | None = None
    remote_port: int | None = None  # Monado remote driver port for --replay in the headset
    share: str | None = None
    peers: list[str] = field(default_factory=list)
    writer: str | None = None
    frames: int | None = None
    reference: str = "stage"
    mirror: bool = False
    save_on_exit: bool = True
    validate: bool = False  # the OpenXR core validation layer


@dataclass
class BlockResult:
    frames: int
    takes: list[dict[str, Any]]
    saved_set: Path | None
    saved_plan: Path | None
    events: int
    timing: dict[str, float]


def delivery_aspect(name: str) -> float:
    """16:9, 1.85, 2.39 (or any W:H / number) as width / height."""
    from previzkit.render.viewfinder import DELIVERY_ASPECTS

    if name in DELIVERY_ASPECTS:
        return float(DELIVERY_ASPECTS[name])
    try:
        if ":" in name:
            w, h = name.split(":")
            value = float(w) / float(h)
        else:
            value = float(name)
    except (ValueError, ZeroDivisionError):
        value = math.nan
    if not (value > 0.5 and value < 4.0):
        raise InputError(
            f"--aspect {name!r}: expected a delivery aspect such as 16:9, 1.85 or 2.39"
        )
    return value


def planned_shots(plan_path: Path, scene: str | None) -> list[Any]:
    """The shots of ``scene`` (default: the plan's first scene) as PlannedShot."""
    from previzkit.script.shots import load_shot_plan
    from previzkit.stage.blocking import PlannedShot

    plan = load_shot_plan(plan_path)
    if not plan.scenes:
        raise InputError(f"--plan {plan_path}: the plan has no scenes")
    if scene is None:
        sc = plan.scenes[0]
    else:
        found = [s for s in plan.scenes if s.number == str(scene)]
        if not found:
            known = ", ".join(s.number for s in plan.scenes)
            raise InputError(f"--scene {scene}: not in {plan_path} (scenes: {known})")
        sc = found[0]
    return [PlannedShot(s.id, list(s.subjects), s.lens_mm, s.camera) for s in sc.shots]


class _Idle:
    """A pose source that never sends and never ends: characters stand on their marks."""

    fps = 30.0
    finished = False

    def start(self) -> None:
        pass

    def poll(self) -> list[Any]:
        return []

    def wait(self, timeout: float) -> bool:
        return False

    def close(self) -> None:
        pass


class BlockSession:
    """A blocking session over ``opts``: use it as a context manager (it opens the set,
    the stage loop, the eyes and what the session records, and closes them); :meth:`step`
    runs one frame, :meth:`run` until the end. ``ctx``: a moderngl context to share;
    ``instance``: an :class:`~previzkit.xr.instance.XRInstance` to share."""

    def __init__(self, opts: BlockOptions, ctx: Any = None, instance: Any = None) -> None:
        self.opts = opts
        self._ctx_given = ctx
        self._instance = instance
        self.stack = contextlib.ExitStack()
        self.messages: list[str] = []  # what the session tells the user at the end
        self.saved_set: Path | None = None
        self.saved_plan: Path | None = None
        self.takes: list[dict[str, Any]] = []
        self.measure: tuple[Any, Any] | None = None
        self.status = ""  # the panel's last line: saved / autosaved / errors
        self._last_input: ev.ControllerInput | None = None
        self._dirty_since: float | None = None
        self._last_autosave = 0.0
        self._last_presence = 0.0
        self._bookmark_index = -1
        self._snapshots = 0
        self._step = 0
        self._t0: float | None = None
        self._last_clock = 0.0
        self.player: Any = None  # the take played back (--play)
        self.script: Any = None  # the replayed input script (--replay)
        self.remote: Any = None  # Monado's remote driver (--replay in the headset)
        self.input_recorder: Any = None  # --record-input, opened at the first frame
        self._record_t0 = 0.0
        self.save_error: str | None = None  # the last save's failure, until one succeeds

    # --- set-up ------------------------------------------------------------------------

    def __enter__(self) -> BlockSession:
        try:
            self._open()
        except BaseException:
            self.stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _open(self) -> None:
        from previzkit.model.setfile import load_set
        from previzkit.render.headless import create_context, keep_current_context
        from previzkit.render.hud import Hud
        from previzkit.render.viewfinder import Viewfinder
        from previzkit.stage.blocking import Blocking
        from previzkit.stage.loop import StageLoop, StageOptions
        from previzkit.stage.set_save import restore_autosave
        from previzkit.stage.state import SetState
        from previzkit.xr.app import mapper_for
        from previzkit.xr.loop import FrameLoop, OffscreenSource

        o = self.opts
        self.aspect = delivery_aspect(o.aspect)
        if o.project is not None and (o.take_size[0] % 2 or o.take_size[1] % 2):
            w, h = o.take_size
            raise InputError(f"--take-size {w}x{h}: a take's video needs an even width and height")
        set_def = load_set(o.set_path)
        if not set_def.marks and o.plan is not None:
            log.info("set %s has no marks yet: drop them with the right grip", o.set_path)
        shots = planned_shots(o.plan, o.scene) if o.plan is not None else []
        if o.play is not None:
            from previzkit.block.player import TakePlayer

            if o.project is None:
                raise InputError(f"--play {o.play}: give the take store too (-p PROJECT)")
            self.player = TakePlayer.open(o.project, o.play)
        if o.replay is not None:
            from previzkit.xr.input_script import read_input_script

            self.script = read_input_script(o.replay)
        writer = o.writer or f"{socket.gethostname()}-{os.getpid()}"
        state = SetState.from_set(set_def, writer)
        restored = restore_autosave(o.set_path)
        if restored:
            n = sum(1 for e in restored if state.merge(e))
            self.messages.append(f"restored {n} unsaved edits from the autosave of {o.set_path}")
        st = self.stack
        st.enter_context(keep_current_context())
        self.ctx = self._ctx_given or create_context()
        if self._ctx_given is None:
            st.callback(self.ctx.release)
        self.sync = None
        if o.share is not None or o.peers:
            from previzkit.stage.sync import StateSync

            self.sync = StateSync(
                state,
                set_def.name,
                o.share or "tcp://*:0",
                o.peers,
                on_save=self._save_requested,  # another view asked every view to save
            )
            st.callback(self.sync.close)
        source: Any = _Idle()
        if o.poses is not None:
            from previzkit.stage.sources import TrackSource

            source = TrackSource(o.poses, realtime=True, loop=True)
        self.sink = None
        sinks = []
        rate = o.take_rate
        if o.project is not None:
            self.sink = self._recorder_sink(o, rate, shots)
            sinks.append(self.sink)
        default_cam = set_def.default_camera or next(iter(set_def.cameras), None)
        tw, th = o.take_size
        self.stage = StageLoop(
            self.ctx,
            set_def,
            source,
            StageOptions(width=tw, height=th, camera=default_cam, fps=rate, writer=writer),
            sinks=sinks,
            state=state,
            sync=self.sync,
            set_path=o.set_path,
        )
        st.callback(self._close_stage)
        self.state = state
        lens = set_def.camera(default_cam).lens if default_cam else Lens()
        self.blocking = Blocking(
            state,
            publish=None if self.sync is None else self._publish,
            shots=shots,
            lens=lens,
            characters=[c.name for c in set_def.characters],
        )
        if shots and shots[0].lens_mm:
            self.blocking.lens = Lens(
                shots[0].lens_mm, lens.sensor_width_mm, lens.sensor_height_mm, lens.focus_m
            )
        self.hud = Hud(self.ctx)
        st.callback(self.hud.release)
        self.viewfinder = Viewfinder(self.ctx, self.stage.renderer, size=VIEWFINDER_SIZE)
        st.callback(self.viewfinder.release)
        if o.offscreen:
            frame_source: Any = OffscreenSource(
                self.ctx,
                o.eye_size,
                rate_hz=o.rate_hz,
                samples=o.samples,
                inputs=self._script_input if self.script is not None else None,
                head_at=self._script_head if self.script is not None else None,
            )
        else:
            frame_source = self._headset(o)
        st.callback(frame_source.close)
        mapper = mapper_for(self.stage.renderer)
        mapper.lens = self.blocking.lens
        mapper.aspect = self.aspect
        mapper.characters = [c.name for c in set_def.characters]
        mapper.playing = self.player is not None
        self.mapper = mapper
        window = None
        if o.mirror:
            from previzkit.xr.mirror import MirrorWindow

            window = MirrorWindow(self.ctx)
            st.callback(window.close)
        self.frame_loop = FrameLoop(
            frame_source,
            self.stage.renderer,
            mapper,
            on_event=self.on_event,
            overlay=self._overlay,
            mirror=window,
        )
        reader = frame_source.read_input

        def read_input(info: Any, world_from_space: Any, head: Any) -> ev.ControllerInput:
            inp = reader(info, world_from_space, head)
            self._last_input = inp
            if o.record_input is not None:
                self._record(inp, world_from_space)
            return inp

        frame_source.read_input = read_input
        self.stage.headset = self.frame_loop
        self._sync_mapper()

    def _record(self, inp: ev.ControllerInput, world_from_space: Any) -> None:
        """Write this frame's input to --record-input: times from the session's first
        frame, at the rate the frames come (the replay's, offscreen's or the headset's),
        so that replaying the file steps through every recorded frame."""
        import dataclasses

        from previzkit.xr.input_script import InputRecorder

        o = self.opts
        assert o.record_input is not None
        if self.input_recorder is None:
            self._record_t0 = inp.time
            self.input_recorder = InputRecorder(o.record_input, self._frame_rate())
            self.stack.callback(self.input_recorder.close)
        self.input_recorder.write(
            dataclasses.replace(inp, time=round(inp.time - self._record_t0, 6)), world_from_space
        )

    def _frame_rate(self) -> float:
        """Frames per second of this session's loop: the replay's rate, offscreen's
        pacing, else the headset's display period (90 Hz when it does not say)."""
        if self.script is not None:
            return float(self.script.rate_hz)
        if self.opts.offscreen:
            return float(self.opts.rate_hz or 90.0)
        state = getattr(self.frame_loop.source, "frame_state", None)
        period = getattr(state, "predicted_display_period", 0) or 0
        return round(1e9 / period, 3) if period > 0 else 90.0

    def _headset(self, o: BlockOptions) -> Any:
        from previzkit.xr.headset import HeadsetSource

        self.remote = None
        if self.script is not None:
            self._use_remote_driver(o.remote_port or 4242)
        from previzkit.xr.app import VALIDATION_LAYER

        source = HeadsetSource(
            self.ctx,
            instance=self._instance,
            reference=o.reference,
            samples=o.samples,
            api_layers=[VALIDATION_LAYER] if o.validate else None,
        )
        if self.script is not None:
            from previzkit.xr.monado_remote import MonadoRemote

            self.remote = MonadoRemote(o.remote_port or 4242)
            self.stack.callback(self.remote.close)
        return source

    def _use_remote_driver(self, port: int) -> None:
        """Make Monado's remote driver this process's headset (scripted head and hands)."""
        import tempfile

        from previzkit.xr.monado_remote import remote_env
        from previzkit.xr.runtime import activate_runtime, is_monado

        choice = activate_runtime()
        if choice.manifest is None or not is_monado(choice.manifest):
            raise InputError(
                f"--replay in the headset drives Monado's remote driver, but the runtime is "
                f"{choice.describe()}: replay with --offscreen, or make Monado active"
            )
        # the remote driver's config lives in its own XDG_CONFIG_HOME: pin the runtime first
        os.environ["XR_RUNTIME_JSON"] = str(choice.manifest)
        config = self.stack.enter_context(tempfile.TemporaryDirectory(prefix="previzkit-remote-"))
        os.environ.update(remote_env(config, port))

    def _recorder_sink(self, o: BlockOptions, rate: float, shots: list[Any]) -> Any:
        from previzkit.stage.sink import RecorderSink, ThreadedSink, rate_for_fps
        from previzkit.takes.recorder import Recorder
        from previzkit.takes.store import TakeStore

        assert o.project is not None
        store = self.stack.enter_context(TakeStore(o.project))
        scene = o.scene or "1"
        shot = shots[0].id if shots else "1-A"
        rec = Recorder(
            store,
            scene,
            shot,
            rate=rate_for_fps(rate),
            size=o.take_size,
            meta={"set": str(o.set_path), "source": "previzkit xr"},
        )
        return ThreadedSink(RecorderSink(rec, armed=False))

    # --- scripted input (offscreen) ----------------------------------------------------

    def _script_time(self, seconds: float) -> float:
        assert self.script is not None
        return self._step / self.script.rate_hz

    def _script_input(self, seconds: float, world_from_space: Any) -> ev.ControllerInput:
        assert self.script is not None
        return self.script.inputs(self._script_time(seconds), world_from_space)

    def _script_head(self, seconds: float) -> Any:
        assert self.script is not None
        return self.script.head_at(self._script_time(seconds))

    # --- events ------------------------------------------------------------------------

    def on_event(self, event: Any) -> None:
        """One controller event: edits, takes, saves, scouting tools."""
        try:
            self._on_event(event)
        except InputError as exc:  # an edit the state refuses: say so, keep going
            self.status = str(exc)
            log.warning("blocking: %s", exc)
            self._sync_mapper()  # the mapper forgets what it did on its own

    def _on_event(self, event: Any) -> None:
        edits = self.blocking.handle(event)
        if isinstance(event, ev.TakeToggled):
            self._take(event.recording)
        elif isinstance(event, ev.Scrub) and self.player is not None:
            from previzkit.block.player import SCRUB_STEP_S

            self.player.scrub(event.step * SCRUB_STEP_S)
        elif isinstance(event, ev.SaveRequested):
            self.save()
        elif isinstance(event, ev.Snapshot):
            self.snapshot()
        elif isinstance(event, ev.Measured):
            self.measure = (event.a, event.b)
            self.status = f"{event.distance:.2f} m, height {event.height:.2f} m"
        elif isinstance(event, ev.BookmarkJump):
            self._jump(event.step)
        elif isinstance(event, ev.ShotStep):
            shot = self.blocking.shot
            self.status = f"shot {shot.id}" if shot is not None else ""
            self.mapper.lens = self.blocking.lens
        if edits:
            if self._dirty_since is None:
                self._dirty_since = time.monotonic()
            self.stage.apply_state()
            self._sync_mapper()

    def _take(self, recording: bool) -> None:
        if self.player is not None:  # playing a take back: the take button pauses
            self.mapper.recording = False
            self.player.toggle()
            return
        if self.sink is None:
            self.status = "no take store: start with -p PROJECT to record takes"
            return
        if recording:
            shot = self.blocking.shot
            self.sink.start(shot=shot.id if shot is not None else None)
        else:
            summary = self.sink.stop()
            if summary:
                self.takes.append(summary)

    def _jump(self, step: int) -> None:
        bookmarks = sorted(k for k in self.state.objects if k.startswith("bookmark/"))
        if not bookmarks or self.frame_loop.head is None:
            return
        self._bookmark_index = (self._bookmark_index + step) % len(bookmarks)
        f = self.state.objects[bookmarks[self._bookmark_index]]
        head = self.frame_loop.head
        # Turn the space so the head faces the bookmark's yaw, then move it there.
        fwd = -np.asarray(head)[:3, 2]
        yaw_now = math.atan2(-fwd[0], -fwd[2])
        self.frame_loop.apply(ev.Turn(math.radians(f["yaw_deg"]) - yaw_now))  # about the head
        delta = np.asarray(f["position"], dtype=np.float64) - np.asarray(head)[:3, 3]
        delta[1] = 0.0  # the director's own eye height stays theirs
        self.frame_loop.world_from_space[:3, 3] += delta

    def _sync_mapper(self) -> None:
        """What the controllers can grab and which camera is in hand: the set as edited."""
        from previzkit.xr.app import refresh_mapper

        refresh_mapper(self.mapper, self.stage.drawables)
        s = self.stage.drawables.set
        name = self.blocking.current_camera()
        if name is not None and name in s.cameras:
            self.mapper.camera = s.cameras[name].camera_to_world()
            self.stage.options.camera = name
        elif self.mapper.camera is not None and self.mapper.held is None:
            # the current camera was undone or deleted: nothing in hand to look through
            self.mapper.camera = None
            self.mapper.looking_through = False
        if self.stage.options.camera not in s.cameras:  # takes render through another one
            default = s.default_camera if s.default_camera in s.cameras else None
            self.stage.options.camera = default or next(iter(s.cameras))

    # --- saving ------------------------------------------------------------------------

    def _publish(self, edit: Any) -> None:
        """Send one of this view's edits to the other views."""
        if self.sync is not None:
            self.sync.send([edit])

    def _save_requested(self) -> None:
        self.save()

    def save(self, quiet: bool = False) -> bool:
        """Save the set file and the shot plan now (atomic); autosave if it fails
        (:attr:`save_error` says where the edits are kept; logged unless ``quiet``)."""
        from previzkit.stage.set_save import save_set_state

        o = self.opts
        try:  # a failed set save has kept the edits in its autosave journal (it says where)
            self.saved_set = save_set_state(self.state, o.set_path)
        except InputError as exc:
            return self._save_failed(str(exc), quiet)
        updates = self.blocking.plan_updates()
        if o.plan is not None and updates:
            from previzkit.script.shots import update_shot_plan

            try:  # the set is saved; its cameras (named by shot id) find the shots again
                self.saved_plan = update_shot_plan(o.plan, updates)
            except InputError as exc:
                return self._save_failed(f"{exc}; the set file was saved", quiet)
        self._dirty_since = None
        self.save_error = None
        self.status = f"saved {time.strftime('%H:%M:%S')}"
        return True

    def _save_failed(self, message: str, quiet: bool) -> bool:
        self.status = "save failed: edits kept"
        self.save_error = message
        if not quiet:
            log.error("%s", message)
        return False

    def _autosave(self) -> None:
        from previzkit.stage.set_save import autosave

        now = time.monotonic()
        if self._dirty_since is not None and now - self._last_autosave > AUTOSAVE_EVERY_S:
            autosave(self.state, self.opts.set_path)
            self._last_autosave = now

    def snapshot(self) -> Path | None:
        """A still of the viewfinder with its camera and lens metadata, in the project."""
        from previzkit.media.image import write_image

        if self.opts.project is None:
            self.status = "no project: start with -p PROJECT to keep snapshots"
            return None
        folder = Path(self.opts.project) / "snapshots"
        folder.mkdir(parents=True, exist_ok=True)
        self._snapshots += 1
        shot = self.blocking.shot
        stem = (
            f"{shot.id if shot else 'free'}_{time.strftime('%Y%m%d-%H%M%S')}_{self._snapshots:03d}"
        )
        cam = self.mapper.camera
        if cam is None:  # no camera placed yet: what the director looks at
            cam = self.frame_loop.head
        lens = self.mapper.lens
        if cam is None:
            self.status = "snapshot: nothing to look through yet"
            return None
        # the picture of this frame's camera (the viewfinder shows the last frame's)
        self.viewfinder.update(cam, lens, self.aspect)
        path = write_image(folder / f"{stem}.jpg", self.viewfinder.image())
        meta = {
            "shot": shot.id if shot else None,
            "camera": self.blocking.current_camera(),
            "camera_to_world": None if cam is None else np.asarray(cam).tolist(),
            "focal_mm": lens.focal_mm,
            "sensor_mm": [lens.sensor_width_mm, lens.sensor_height_mm],
            "focus_m": lens.focus_m,
            "aspect": self.aspect,
            "set": str(self.opts.set_path),
        }
        (folder / f"{stem}.json").write_text(json.dumps(meta, indent=2))
        self.status = f"snapshot {path.name}"
        return path

    # --- drawing -----------------------------------------------------------------------

    def _panel_lines(self) -> list[str]:
        m = self.mapper
        lens = m.lens
        vfov = math.degrees(lens.vfov_for_aspect(self.aspect))
        shot = self.blocking.shot
        take = "idle"
        if self.player is not None:
            p = self.player
            take = f"play {p.name} {p.position_s:.1f}/{p.duration_s:.1f} s{' paused' if p.paused else ''}"
        rec = getattr(getattr(self.sink, "sink", None), "recorder", None)
        if rec is not None and rec.take is not None:
            take = f"REC {rec.shot} take {rec.take.take}  {rec.timecode()}"
        return [
            f"tool  {m.tool}",
            f"lens  {lens.focal_mm:.0f} mm  {vfov:.1f} deg  focus {lens.focus_m:.1f} m",
            f"shot  {shot.id if shot else '-'}  camera {self.blocking.current_camera() or '-'}",
            f"take  {take}",
            self.status,
        ]

    def _hud_state(self) -> Any:
        from previzkit.render.hud import HudState

        inp = self._last_input or ev.ControllerInput()
        avatars = []
        if self.sync is not None:
            for p in self.sync.live_presences(time.time()):
                if p.writer != self.state.writer:
                    avatars.append((p.head, p.left, p.right))
        sel = self.mapper.selected
        return HudState(
            left_aim=inp.left_aim,
            right_aim=inp.right_aim,
            left_grip=inp.left_grip,
            right_grip=inp.right_grip,
            teleport=self.mapper.tool == "teleport",
            selected_box=self._selection_box(sel),
            measure=self.measure,
            avatars=avatars,
            panel_lines=self._panel_lines(),
        )

    def _selection_box(self, key: str | None) -> Any:
        if key is None or key not in self.state.objects:
            return None
        kind, _, name = key.partition("/")
        s = self.stage.drawables.set
        if kind == "mark" and name in s.marks:
            x, z = s.marks[name].position
            r = s.marks[name].radius
            return pose_matrix((x, 0.02, z)) @ np.diag([2 * r, 0.04, 2 * r, 1.0])
        if kind == "prop":
            drawable = self.stage.drawables.props.get(name)
            bounds = getattr(drawable, "bounds", None)
            model = next((p.model_matrix() for p in s.props if p.name == name), None)
            if model is None:
                return None
            if bounds is not None:
                lo, hi = np.asarray(bounds[0]), np.asarray(bounds[1])
                box = pose_matrix((lo + hi) / 2) @ np.diag([*(hi - lo), 1.0])
                return model @ box
            return model
        if kind == "camera" and name in s.cameras:
            return s.cameras[name].camera_to_world() @ np.diag([0.24, 0.2, 0.4, 1.0])
        return None

    def _picture(self) -> int | None:
        """What the camera's picture depends on besides its pose and lens: the set
        state's version while characters stand still; None (re-render) while they act."""
        if self.opts.poses is not None or self.player is not None:
            return None
        return int(self.state.version)

    def _overlay(self, eye: int, fbo: Any, view: Any) -> None:
        if eye == 0:
            self._hud = self._hud_state()
            cam = self.mapper.camera
            if cam is not None:
                self.viewfinder.update(cam, self.mapper.lens, self.aspect, version=self._picture())
        self.hud.draw(fbo, view.view, view.proj, self._hud)
        if self.mapper.camera is not None and self._last_input is not None:
            inp = self._last_input
            hand = inp.left_grip if inp.left_grip is not None else inp.left_aim
            if hand is not None and not self.mapper.looking_through:
                monitor = np.asarray(hand) @ pose_matrix((0.0, 0.12, -0.05))
                self.viewfinder.draw(fbo, view.view, view.proj, monitor)

    # --- the frame ---------------------------------------------------------------------

    def step(self) -> bool:
        """One frame: drive scripted input, the stage loop (which steps the eyes)."""
        if self.script is not None and self.remote is not None:
            from previzkit.xr.monado_remote import drive_remote

            drive_remote(self.remote, self.script.at(self._clock()))
        if self.player is not None:
            self._play()
        ok = self.stage.step(output=self._take_frame_due())
        self._step += 1
        self._autosave()
        inp = self._last_input
        head = None if inp is None else inp.head
        if self.sync is not None and inp is not None and head is not None:
            now = time.time()
            if now - self._last_presence > PRESENCE_EVERY_S:
                self.sync.send_presence(head, inp.left_grip, inp.right_grip)
                self._last_presence = now
        return ok

    def _play(self) -> None:
        """The played take's frame: its characters' poses and its camera in hand."""
        assert self.player is not None
        now = self._clock()
        self.player.advance(now - self._last_clock)
        self._last_clock = now
        self.stage.actors.apply(self.player.people())
        sample = self.player.camera_sample()
        self.mapper.camera = sample.camera_to_world
        self.mapper.lens = sample.lens

    def _clock(self) -> float:
        """Seconds since the session's first frame: the replay's time when replaying."""
        if self.script is not None:
            return self._step / self.script.rate_hz
        if self._t0 is None:
            self._t0 = time.perf_counter()
        return time.perf_counter() - self._t0

    def _take_frame_due(self) -> bool:
        """Whether this headset frame also makes a take frame (the camera's picture,
        recorded while a take runs): at most one per frame, ``take_rate`` per second."""
        return self._clock() * self.opts.take_rate >= self.stage.index

    def frames_to_run(self, frames: int | None = None) -> int | None:
        """``frames``, else --frames, else a replay's length (None: until the end)."""
        frames = frames if frames is not None else self.opts.frames
        if frames is None and self.script is not None:
            frames = math.ceil(self.script.duration * self.script.rate_hz - 1e-6) + 1
        return frames

    def run(self, frames: int | None = None, progress: Any = None) -> BlockResult:
        """Run until ``frames``, the end of a replay, the session's end or Ctrl-C."""
        frames = self.frames_to_run(frames)
        try:
            while frames is None or self._step < frames:
                if not self.step():
                    break
                if progress is not None:
                    progress(self._step, frames)
        except KeyboardInterrupt:
            log.info("interrupted after %d frames: ending the session", self._step)
        return self.finish()

    def finish(self) -> BlockResult:
        """Stop a running take, save (on exit), end the session; the result."""
        if self.sink is not None and self.sink.recording:
            summary = self.sink.stop()
            if summary:
                self.takes.append(summary)
        if self.opts.save_on_exit and self.state.edited():
            self.save(quiet=True)
        elif self.state.edited() and self._dirty_since is not None:
            from previzkit.stage.set_save import autosave

            autosave(self.state, self.opts.set_path)  # --no-save: the edits stay in the journal
        return BlockResult(
            frames=self._step,
            takes=list(self.takes),
            saved_set=self.saved_set,
            saved_plan=self.saved_plan,
            events=len(self.frame_loop.stats.events),
            timing=self.frame_loop.stats.summary(),
        )

    def _close_stage(self) -> None:
        self.stage.headset = None
        self.stage.close()

    def close(self) -> None:
        try:
            self.frame_loop.stats.states = self.frame_loop.source.stop()
        except Exception as exc:  # the session may already be gone
            log.debug("ending the session: %s", exc)
        self.stack.close()

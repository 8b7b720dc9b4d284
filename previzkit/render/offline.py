"""Offline output: a set rendered to a still image or an H.264 clip (PyAV).

Camera moves for clips are pure functions of t in [0, 1]: an ``orbit`` about the
camera's target (or its focus point) around +y, a ``dolly`` along the lens axis, or
``static``. Degrees and metres.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from previzkit.core.atomic import replacing
from previzkit.core.errors import InputError
from previzkit.core.geometry import axis_rotation, look_at
from previzkit.core.progress import ProgressFn
from previzkit.core.types import Mat4
from previzkit.media.image import write_image
from previzkit.media.video import VideoWriter
from previzkit.model.camera import Lens
from previzkit.model.setfile import CameraDef, SetDef, load_set

if TYPE_CHECKING:
    import moderngl

    from previzkit.render.renderer import Renderer

MOVES = ("orbit", "dolly", "static")
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp")


def camera_move(camera: CameraDef, move: str, t: float, amount: float | None = None) -> Mat4:
    """Camera-to-world at ``t`` in [0, 1] of a move starting at ``camera``'s pose.

    ``orbit``: ``amount`` degrees (default 30) about the vertical through the target
    (or the point at the focus distance ahead). ``dolly``: ``amount`` metres (default
    1.5) forward along the lens axis. ``static``: the camera's own pose.
    """
    if move not in MOVES:
        raise InputError(f"unknown camera move {move!r} (moves: {', '.join(MOVES)})")
    start = camera.camera_to_world()
    if move == "static":
        return start
    forward = -start[:3, 2]
    position = start[:3, 3]
    if move == "dolly":
        m = start.copy()
        m[:3, 3] = position + forward * (1.5 if amount is None else amount) * t
        return m
    pivot = (
        np.asarray(camera.target, dtype=np.float64)
        if camera.target is not None
        else position + forward * camera.lens.focus_m
    )
    angle = math.radians(30.0 if amount is None else amount) * t
    rot_y = axis_rotation(1, angle)
    eye = pivot + rot_y @ (position - pivot)
    if np.allclose(eye[[0, 2]], pivot[[0, 2]]):  # straight above the pivot: turn in place
        m = start.copy()
        m[:3, :3] = rot_y @ start[:3, :3]
        return m
    return look_at(eye, pivot)


@contextmanager
def _renderer(set_def: SetDef, ctx: moderngl.Context | None) -> Iterator[Renderer]:
    """A renderer on ``ctx``, or on a temporary EGL context released afterwards (the
    thread's current context is restored)."""
    from previzkit.render.gl import release_programs
    from previzkit.render.headless import create_context, keep_current_context
    from previzkit.render.renderer import Renderer

    if ctx is not None:
        renderer = Renderer(ctx, set_def)
        try:
            yield renderer
        finally:
            renderer.release()
        return
    with keep_current_context():
        own = create_context()
        try:
            renderer = Renderer(own, set_def)
            try:
                yield renderer
            finally:
                renderer.release()
        finally:
            release_programs(own)
            own.release()


def _set(set_or_path: SetDef | str | Path) -> SetDef:
    return set_or_path if isinstance(set_or_path, SetDef) else load_set(set_or_path)


def render_frame(
    renderer: Renderer,
    pose: Mat4,
    lens: Lens,
    width: int,
    height: int,
    samples: int = 0,
    exclude_cameras: tuple[str, ...] = (),
    ipd_m: float | None = None,
) -> np.ndarray:
    """One (H, W, 3) frame through ``lens`` at ``pose``; with ``ipd_m`` a side-by-side
    stereo pair (H, 2W, 3), the eyes ``ipd_m`` apart about ``pose``, parallel axes."""
    if ipd_m is None:
        return renderer.render_image(
            (pose, lens), width, height, samples=samples, exclude_cameras=exclude_cameras
        )
    from previzkit.render.renderer import lens_fov, stereo_eyes

    fov = lens_fov(lens, width / height)
    eyes = stereo_eyes(pose, ipd_m, fov, fov_right=fov)
    return renderer.render_stereo(
        eyes, width, height, samples=samples, exclude_cameras=exclude_cameras
    )


def pick_camera(set_def: SetDef, name: str | None) -> CameraDef:
    """The camera ``name``, else the set's default camera, else its first camera."""
    if name is not None:
        return set_def.camera(name)
    if set_def.default_camera is not None:
        return set_def.cameras[set_def.default_camera]
    if not set_def.cameras:
        raise InputError(
            f"{set_def.path or set_def.name}: set has no cameras; add one under 'cameras'"
        )
    return next(iter(set_def.cameras.values()))


def render_still(
    set_or_path: SetDef | str | Path,
    output: str | Path,
    camera: str | None = None,
    width: int = 1920,
    height: int = 1080,
    samples: int = 4,
    ctx: moderngl.Context | None = None,
    ipd_m: float | None = None,
) -> Path:
    """Render one frame of the set through ``camera`` into an image file; returns its path.

    ``ctx``: a moderngl context to use; by default a temporary EGL context. ``ipd_m``:
    a side-by-side stereo pair (left eye on the left), the image twice as wide."""
    output = Path(output)
    _check_output(output, IMAGE_SUFFIXES, "image")
    set_def = _set(set_or_path)
    cam = pick_camera(set_def, camera)
    check_ipd(ipd_m)
    with _renderer(set_def, ctx) as renderer:
        image = render_frame(
            renderer, cam.camera_to_world(), cam.lens, width, height, samples, (cam.name,), ipd_m
        )
    with replacing(output) as partial:
        write_image(partial, image)
    return output


def render_clip(
    set_or_path: SetDef | str | Path,
    output: str | Path,
    frames: int,
    camera: str | None = None,
    width: int = 1920,
    height: int = 1080,
    fps: float = 24.0,
    move: str = "orbit",
    amount: float | None = None,
    samples: int = 4,
    crf: int = 20,
    progress: ProgressFn | None = None,
    ctx: moderngl.Context | None = None,
    ipd_m: float | None = None,
) -> Path:
    """Render ``frames`` frames of a camera move into an H.264 (yuv420p) video file.

    ``ctx``: a moderngl context to use; by default a temporary EGL context. ``ipd_m``:
    side-by-side stereo frames, twice as wide."""
    output = Path(output)
    check_clip_args(output, frames, width, height, fps, move)
    check_ipd(ipd_m)
    set_def = _set(set_or_path)
    cam = pick_camera(set_def, camera)
    with (
        _renderer(set_def, ctx) as renderer,
        replacing(output) as partial,
        VideoWriter(
            partial,
            width * (2 if ipd_m is not None else 1),
            height,
            fps,
            crf=crf,
            preset="veryfast",
        ) as writer,
    ):
        for i in range(frames):
            t = i / (frames - 1) if frames > 1 else 0.0
            pose = camera_move(cam, move, t, amount)
            image = render_frame(
                renderer, pose, cam.lens, width, height, samples, (cam.name,), ipd_m
            )
            writer.write(image)
            if progress is not None:
                progress(i + 1, frames)
    return output


def check_clip_args(
    output: Path, frames: int, width: int, height: int, fps: float, move: str
) -> None:
    """Raise InputError naming the argument when a clip cannot be made as asked."""
    _check_output(output, VIDEO_SUFFIXES, "video")
    if not isinstance(frames, int) or frames < 1:
        raise InputError(f"frames must be a positive integer, got {frames!r}")
    if width % 2 or height % 2:
        raise InputError(f"H.264 (yuv420p) needs an even size, got {width}x{height}")
    if not fps > 0:
        raise InputError(f"fps must be > 0, got {fps}")
    if move not in MOVES:
        raise InputError(f"unknown camera move {move!r} (moves: {', '.join(MOVES)})")


def check_ipd(ipd_m: float | None) -> None:
    """Raise InputError unless ``ipd_m`` is None or a plausible eye distance in metres."""
    if ipd_m is not None and not 0 < ipd_m < 1:
        raise InputError(f"ipd must be between 0 and 1 m, got {ipd_m} m")


def _check_output(output: Path, suffixes: tuple[str, ...], what: str) -> None:
    if output.suffix.lower() not in suffixes:
        raise InputError(
            f"output {output}: unknown {what} suffix {output.suffix!r} (use {', '.join(suffixes)})"
        )
    if not output.parent.exists():
        raise InputError(f"output {output}: folder {output.parent} does not exist")

"""The set renderer: a :class:`SetDrawables` of GL drawables built from a :class:`SetDef`, and a
:class:`Renderer` that draws it into any framebuffer (offscreen, a window's screen,
an OpenXR swapchain image).

Frames: right-handed, y up, metres; cameras look down -z. ``view`` is world-to-camera,
``proj`` an OpenGL clip matrix (see :mod:`previzkit.model.camera`). Images come back
as (H, W, 3) uint8 with row 0 at the top.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Union, overload

import numpy as np

from previzkit.core.errors import (
    InputError,
    PrevizError,
    ShapeError,
)
from previzkit.core.geometry import pose_matrix, view_matrix
from previzkit.core.optional import require
from previzkit.core.types import Mat4
from previzkit.model.camera import Lens, perspective_from_fov_angles, perspective_from_lens
from previzkit.model.setfile import CameraDef, SetDef, load_set
from previzkit.render.backgrounds import (
    ground_texture_image,
    panorama_radiance,
    radiance_to_srgb8,
)
from previzkit.render.drawable import Drawable
from previzkit.render.frustums import Frustums
from previzkit.render.ground import Ground
from previzkit.render.lighting import SceneFrame
from previzkit.render.marks import Marks
from previzkit.render.props import MeshDrawable, prop_drawable
from previzkit.render.skybox import Skybox

if TYPE_CHECKING:
    import moderngl

    from previzkit.render.character import Character


NEAR_M = 0.05
FAR_M = 500.0

# What render_image accepts as a camera: a name in the set, a CameraDef, or
# (camera-to-world 4x4, Lens).
CameraLike = Union[str, CameraDef, tuple[np.ndarray, Lens]]  # noqa: UP007


@dataclass(frozen=True)
class Eye:
    """One stereo eye: its camera-to-world pose and OpenXR XrFovf angles (radians,
    ``(angle_left, angle_right, angle_up, angle_down)``, left and down negative)."""

    camera_to_world: Mat4
    fov: tuple[float, float, float, float]

    @property
    def proj(self) -> Mat4:
        return perspective_from_fov_angles(*self.fov, near=NEAR_M, far=FAR_M)

    @classmethod
    def from_pose(
        cls,
        position: Sequence[float],
        orientation: Sequence[float],
        fov: Sequence[float],
    ) -> Eye:
        """From an OpenXR view: pose position (m), orientation (x, y, z, w), XrFovf angles."""
        if len(fov) != 4:
            raise ShapeError(f"fov must be 4 angles (left, right, up, down), got {len(fov)}")
        m = pose_matrix(position, orientation)
        return cls(m, tuple(float(a) for a in fov))  # type: ignore[arg-type]


def lens_fov(lens: Lens, aspect: float) -> tuple[float, float, float, float]:
    """Symmetric XrFovf angles (left, right, up, down; radians) of ``lens`` on an image
    of ``aspect`` = width / height cut across the sensor width."""
    half_w = math.atan(lens.sensor_width_mm / (2.0 * lens.focal_mm))
    half_h = math.atan(lens.sensor_width_mm / aspect / (2.0 * lens.focal_mm))
    return (-half_w, half_w, half_h, -half_h)


def stereo_eyes(
    head_to_world: Mat4,
    ipd_m: float = 0.063,
    fov: tuple[float, float, float, float] = (-0.785, 0.698, 0.733, -0.785),
    fov_right: tuple[float, float, float, float] | None = None,
) -> tuple[Eye, Eye]:
    """Left and right eyes ``ipd_m`` apart along the head's x axis.

    ``fov`` is the left eye's XrFovf; the right eye's defaults to its mirror image
    (left and right angles swapped and negated), as headsets report them.
    """
    if ipd_m < 0:
        raise InputError(f"ipd_m must be >= 0, got {ipd_m}")
    head = np.asarray(head_to_world, dtype=np.float64)
    if head.shape != (4, 4):
        raise ShapeError(f"head_to_world must be (4, 4), got {head.shape}")
    if fov_right is None:
        fov_right = (-fov[1], -fov[0], fov[2], fov[3])
    eyes = []
    for sign, f in ((-1.0, fov), (1.0, fov_right)):
        m = head.copy()
        m[:3, 3] = head[:3, 3] + head[:3, 0] * (sign * ipd_m / 2)
        eyes.append(Eye(m, tuple(float(a) for a in f)))  # type: ignore[arg-type]
    return eyes[0], eyes[1]


class SetDrawables:
    """GL objects of one set on one context: ground, props, marks, camera frustums,
    skybox, characters, plus any drawables added with :meth:`add`."""

    def __init__(self, ctx: moderngl.Context, set_def: SetDef) -> None:
        self.ctx = ctx
        self.set = set_def
        self._released = False
        self.props: dict[str, MeshDrawable] = {}
        self.characters: dict[str, Character] = {}
        self.extras: list[Drawable] = []
        try:
            self._build()
        except BaseException:
            self.release()  # free whatever was made before the failure
            raise

    def _build(self) -> None:
        ctx, set_def = self.ctx, self.set
        bg = set_def.background
        radiance = panorama_radiance(set_def)
        # TODO(render): hand Skybox the float32 radiance once it takes linear HDR (and
        # apply exposure_ev in the tone map); until then it takes 8-bit sRGB
        pano = None if radiance is None else radiance_to_srgb8(radiance, bg.exposure_ev)
        self.skybox = Skybox(ctx, pano, bg.yaw_deg, bg.color)
        self.num_lights = len(set_def.directional_lights)
        self.ground = Ground(
            ctx,
            set_def.stage,
            ground_texture_image(set_def),
            bg.ground_tile_m,
            self.num_lights,
            panorama=pano,
            yaw_deg=bg.yaw_deg,
        )
        for i, prop in enumerate(set_def.props):
            try:
                self.props[prop.name] = prop_drawable(ctx, prop, self.num_lights)
            except PrevizError as exc:
                where = set_def.path or set_def.name
                what = "kit" if prop.kit is not None else "mesh"
                raise InputError(f"{where}: props[{i}].{what} ({prop.name}): {exc}") from None
        self.marks = Marks(ctx, list(set_def.marks.values()))
        self.frustums = Frustums(ctx, list(set_def.cameras.values()))
        self._load_characters()

    def _load_characters(self) -> None:
        defs = self.set.characters
        if not defs:
            return
        from previzkit.render.character import character_from_def

        for cdef in defs:
            self.characters[cdef.name] = character_from_def(self.ctx, cdef)

    @property
    def triangle_count(self) -> int:
        return sum(p.triangle_count for p in self.props.values())

    def add(self, drawable: Drawable) -> Drawable:
        """Draw ``drawable`` with the set from now on (after props and characters)."""
        if not isinstance(drawable, Drawable):
            raise InputError(
                f"{drawable!r} is not a Drawable (needs draw(ctx, frame) and release())"
            )
        self.extras.append(drawable)
        return drawable

    def remove(self, drawable: Drawable) -> None:
        self.extras.remove(drawable)

    def opaque(self) -> list[Drawable]:
        return [*self.static(), *self.dynamic()]

    def static(self) -> list[Drawable]:
        """What stays put unless the set is edited: the floor and the props."""
        return [self.ground, *self.props.values()]

    def dynamic(self) -> list[Drawable]:
        """What may change every frame: characters and added drawables."""
        return [*self.characters.values(), *self.extras]

    def release(self) -> None:
        """Free every GL object of the scene (programs stay cached on the context)."""
        if self._released:
            return
        self._released = True
        for d in [
            *self.props.values(),
            *self.characters.values(),
            *self.extras,
            getattr(self, "ground", None),
            getattr(self, "skybox", None),
            getattr(self, "marks", None),
            getattr(self, "frustums", None),
        ]:
            if d is not None:
                d.release()


class Renderer:
    """Draws a set. ``scene`` is a SetDrawables, a SetDef or a set file path.

    ``ctx`` may be any moderngl context: standalone EGL (:func:`headless.create_context`)
    or a window's. :meth:`render_view` draws into whatever framebuffer it is given;
    :meth:`render_image` and :meth:`render_stereo` render offscreen and read back.
    """

    def __init__(self, ctx: moderngl.Context, scene: SetDrawables | SetDef | str | Path) -> None:
        self.ctx = ctx
        self._owns_scene = not isinstance(scene, SetDrawables)
        if isinstance(scene, str | Path):
            scene = load_set(scene)
        if isinstance(scene, SetDef):
            scene = SetDrawables(ctx, scene)
        if not isinstance(scene, SetDrawables):
            raise InputError(
                f"Renderer needs a SetDrawables, SetDef or set file path, got {type(scene).__name__}"
            )
        self.drawables = scene
        self.show_frustums = True
        self.show_marks = True
        self._targets: dict[tuple[int, int, int, int], tuple] = {}
        self._wrapped: dict[int, tuple] = {}  # id(colour) -> (colour, fbo, depth)
        self._t0 = time.perf_counter()

    # --- frame setup
    def frame_uniforms(
        self, view: Mat4, proj: Mat4, camera_position: np.ndarray | None = None
    ) -> SceneFrame:
        """FrameUniforms for one view, with the set's lights."""
        view = np.asarray(view, dtype=np.float64)
        if camera_position is None:
            camera_position = -view[:3, :3].T @ view[:3, 3]
        s = self.drawables.set
        lights = [(np.asarray(li.direction), li.radiance) for li in s.directional_lights]
        key = lights[0] if lights else (np.array([0.0, -1.0, 0.0]), np.zeros(3))
        return SceneFrame(
            view=view,
            proj=np.asarray(proj, dtype=np.float64),
            camera_position=np.asarray(camera_position, dtype=np.float64),
            light_direction=key[0],
            light_color=key[1],
            ambient=s.ambient,
            time=time.perf_counter() - self._t0,
            lights=lights,
        )

    @property
    def clear_color(self) -> tuple[float, float, float, float]:
        return (*self.drawables.set.background.color, 1.0)

    def render_view(
        self,
        fbo: moderngl.Framebuffer,
        view: Mat4,
        proj: Mat4,
        *,
        viewport: tuple[int, int, int, int] | None = None,
        camera_position: np.ndarray | None = None,
        exclude_cameras: Sequence[str] = (),
        clear: bool = True,
        part: str = "all",
    ) -> None:
        """Draw the whole set into ``fbo`` (bound here) within ``viewport`` (x, y, w, h;
        default the whole framebuffer). Frustums of ``exclude_cameras`` and of any camera
        at the eye are not drawn. ``part``: ``"static"`` draws the floor, props and sky
        only, ``"dynamic"`` the characters, added drawables, marks and frustums only
        (over a static pass's colour and depth: together they make ``"all"``; the
        blended marks stay after the characters, as in ``"all"``)."""
        if part not in ("all", "static", "dynamic"):
            raise InputError(f"render_view part {part!r}: expected all, static or dynamic")
        moderngl = require("moderngl", "render", "rendering")

        ctx = self.ctx
        if viewport is None:
            viewport = (0, 0, *fbo.size)
        fbo.use()
        fbo.viewport = viewport
        if clear:
            fbo.clear(*self.clear_color, depth=1.0, viewport=viewport)
        ctx.enable(moderngl.DEPTH_TEST)
        ctx.disable(moderngl.CULL_FACE)
        ctx.depth_func = "<"
        frame = self.frame_uniforms(view, proj, camera_position)
        scene = self.drawables
        drawn = {"all": scene.opaque, "static": scene.static, "dynamic": scene.dynamic}[part]
        for d in drawn():
            d.draw(ctx, frame)
        if part != "dynamic":
            self.drawables.skybox.draw(ctx, frame)
        if part == "static":
            return
        if self.show_marks:
            self.drawables.marks.draw(ctx, frame)
        if self.show_frustums:
            self.drawables.frustums.draw(ctx, frame, exclude=tuple(exclude_cameras))

    # --- offscreen
    def camera(self, camera: CameraLike) -> tuple[Mat4, Lens, str | None]:
        """(camera-to-world, lens, name or None) of a camera name, CameraDef or (pose, Lens)."""
        if isinstance(camera, str):
            cam = self.drawables.set.camera(camera)
            return cam.camera_to_world(), cam.lens, cam.name
        if isinstance(camera, CameraDef):
            return camera.camera_to_world(), camera.lens, camera.name
        if isinstance(camera, tuple) and len(camera) == 2 and isinstance(camera[1], Lens):
            pose = np.asarray(camera[0], dtype=np.float64)
            if pose.shape != (4, 4):
                raise ShapeError(
                    f"camera pose must be a (4, 4) camera-to-world matrix, got {pose.shape}"
                )
            return pose, camera[1], None
        raise InputError(
            f"camera must be a camera name, a CameraDef or (camera_to_world, Lens), got {type(camera).__name__}"
        )

    def target(
        self, width: int, height: int, samples: int = 0, slot: int = 0
    ) -> moderngl.Framebuffer:
        """An offscreen RGBA8 + depth framebuffer of this size, created once and reused
        (``slot`` tells apart targets of the same size needed at once)."""
        _check_size(width, height)
        key = (int(width), int(height), int(samples), int(slot))
        if key not in self._targets:
            if len(self._targets) >= 6:  # keep a few sizes, release the oldest
                old = self._targets.pop(next(iter(self._targets)))
                if self.ctx.fbo in (old[0], old[3]):
                    (self.ctx.screen or self.ctx.detect_framebuffer(0)).use()
                for obj in old:
                    if obj is not None:
                        obj.release()
            ctx = self.ctx
            if samples > ctx.max_samples:
                raise InputError(
                    f"samples={samples} exceeds this GL's max_samples={ctx.max_samples}"
                )
            color = ctx.renderbuffer(key[:2], 4, samples=samples)
            depth = ctx.depth_renderbuffer(key[:2], samples=samples)
            fbo = ctx.framebuffer(color_attachments=[color], depth_attachment=depth)
            resolve = resolve_color = None
            if samples:
                resolve_color = ctx.renderbuffer(key[:2], 4)
                resolve = ctx.framebuffer(color_attachments=[resolve_color])
            self._targets[key] = (fbo, color, depth, resolve, resolve_color)
        return self._targets[key][0]

    def framebuffer_for(self, color) -> moderngl.Framebuffer:
        """A framebuffer drawing into ``color`` (a texture, e.g. an OpenXR swapchain
        image wrapped with ``ctx.external_texture``, or a renderbuffer) with a depth
        buffer of its size; created once per colour object and reused."""
        key = id(color)
        cached = self._wrapped.get(key)
        if cached is not None and cached[0] is color:
            return cached[1]
        size = tuple(color.size)
        samples = getattr(color, "samples", 0)
        depth = self.ctx.depth_renderbuffer(size, samples=samples)
        fbo = self.ctx.framebuffer(color_attachments=[color], depth_attachment=depth)
        self._wrapped[key] = (color, fbo, depth)
        return fbo

    def read_target(
        self, width: int, height: int, samples: int = 0, slot: int = 0, components: int = 3
    ) -> np.ndarray:
        """The image in the offscreen :meth:`target` of this size (MSAA resolved first):
        (height, width, components) uint8, row 0 at the top (3: RGB, 4: RGBA)."""
        fbo, _, _, resolve, _ = self._targets[(width, height, samples, slot)]
        if resolve is not None:
            self.ctx.copy_framebuffer(resolve, fbo)
            fbo = resolve
        data = fbo.read(components=components, alignment=1)
        return np.frombuffer(data, np.uint8).reshape(height, width, components)[::-1].copy()

    def render_image(
        self,
        camera: CameraLike,
        width: int,
        height: int,
        *,
        samples: int = 0,
        near: float = NEAR_M,
        far: float = FAR_M,
        exclude_cameras: Sequence[str] = (),
    ) -> np.ndarray:
        """Render through ``camera`` to an (H, W, 3) uint8 image; the lens fills the
        image width (sensor width), the height follows the image aspect. The frustums
        of the camera itself and of ``exclude_cameras`` are not drawn."""
        _check_size(width, height)
        pose, lens, name = self.camera(camera)
        proj = perspective_from_lens(lens, width / height, near, far)
        fbo = self.target(width, height, samples)
        exclude = (*exclude_cameras, name) if name else tuple(exclude_cameras)
        self.render_view(fbo, view_matrix(pose), proj, exclude_cameras=exclude)
        return self.read_target(width, height, samples)

    def render_eyes(
        self,
        targets: Sequence[tuple[moderngl.Framebuffer, tuple[int, int, int, int] | None]],
        eyes: Sequence[Eye],
        clear: bool = True,
        exclude_cameras: Sequence[str] = (),
    ) -> None:
        """Draw each eye into its (framebuffer, viewport) -- e.g. two swapchain images,
        or two halves of one framebuffer (``clear=False`` when the caller cleared it).
        Frustums of ``exclude_cameras`` are not drawn."""
        if len(targets) != len(eyes):
            raise InputError(f"render_eyes got {len(targets)} targets for {len(eyes)} eyes")
        for (fbo, viewport), eye in zip(targets, eyes, strict=True):
            pose = np.asarray(eye.camera_to_world, dtype=np.float64)
            self.render_view(
                fbo,
                view_matrix(pose),
                eye.proj,
                viewport=viewport,
                clear=clear,
                exclude_cameras=exclude_cameras,
            )

    @overload
    def render_stereo(
        self,
        eyes: Sequence[Eye],
        width: int,
        height: int,
        *,
        side_by_side: Literal[True] = ...,
        samples: int = ...,
        exclude_cameras: Sequence[str] = ...,
    ) -> np.ndarray: ...
    @overload
    def render_stereo(
        self,
        eyes: Sequence[Eye],
        width: int,
        height: int,
        *,
        side_by_side: bool,
        samples: int = ...,
        exclude_cameras: Sequence[str] = ...,
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]: ...
    def render_stereo(
        self,
        eyes: Sequence[Eye],
        width: int,
        height: int,
        *,
        side_by_side: bool = True,
        samples: int = 0,
        exclude_cameras: Sequence[str] = (),
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Render two eyes of ``width`` x ``height`` each.

        ``side_by_side``: one (H, 2W, 3) image, left eye on the left, drawn into one
        framebuffer; otherwise two (H, W, 3) images from two framebuffers. Frustums of
        ``exclude_cameras`` (e.g. the set camera the eyes are placed at) are not drawn.
        """
        if len(eyes) != 2:
            raise InputError(f"render_stereo needs 2 eyes, got {len(eyes)}")
        _check_size(width, height)
        if side_by_side:
            fbo = self.target(2 * width, height, samples)
            fbo.use()
            fbo.viewport = (0, 0, 2 * width, height)
            fbo.clear(*self.clear_color, depth=1.0)  # one whole clear: llvmpipe's fast path
            halves = [(fbo, (0, 0, width, height)), (fbo, (width, 0, width, height))]
            self.render_eyes(halves, eyes, clear=False, exclude_cameras=exclude_cameras)
            return self.read_target(2 * width, height, samples)
        images = []
        for i, eye in enumerate(eyes):
            fbo = self.target(width, height, samples, slot=1 + i)  # one target per eye
            self.render_eyes([(fbo, None)], [eye], exclude_cameras=exclude_cameras)
            images.append(self.read_target(width, height, samples, slot=1 + i))
        return images[0], images[1]

    def release(self) -> None:
        """Free the offscreen targets, and the scene if the renderer built it."""
        ours = (
            {objs[0] for objs in self._targets.values()}
            | {objs[3] for objs in self._targets.values() if objs[3] is not None}
            | {w[1] for w in self._wrapped.values()}
        )
        if self.ctx.fbo in ours:
            # moderngl rebinds the current framebuffer after creating one: never leave a
            # deleted one current. The window's screen, else the default framebuffer.
            screen = self.ctx.screen or self.ctx.detect_framebuffer(0)
            screen.use()
        for objs in self._targets.values():
            for obj in objs:
                if obj is not None:
                    obj.release()
        self._targets.clear()
        for _, fbo, depth in self._wrapped.values():
            fbo.release()
            depth.release()
        self._wrapped.clear()
        if self._owns_scene:
            self.drawables.release()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _check_size(width: int, height: int) -> None:
    if not (isinstance(width, int) and isinstance(height, int)) or width <= 0 or height <= 0:
        raise InputError(f"image size must be positive integers, got {width}x{height}")


__all__ = ["CameraLike", "Eye", "Renderer", "SetDrawables", "lens_fov", "stereo_eyes"]

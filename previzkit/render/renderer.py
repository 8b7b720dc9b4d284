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
from typing import TYPE_CHECKING, Any, Literal, Union, overload

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
from previzkit.model.setfile import CameraDef, LightDef, SetDef, load_set
from previzkit.render.backgrounds import ground_texture_image, sky_panorama
from previzkit.render.drawable import Drawable
from previzkit.render.frustums import Frustums
from previzkit.render.gl import program, set_uniform
from previzkit.render.ground import Ground
from previzkit.render.lighting import PLAIN_LOOK, SHADOW_UNITS, SPEC_UNIT, SceneFrame
from previzkit.render.look import Look
from previzkit.render.marks import Marks
from previzkit.render.props import MeshDrawable, prop_drawable
from previzkit.render.shadows import (
    ShadowMaps,
    directional_shadow_matrix,
    map_matrix,
    spot_shadow_matrix,
)
from previzkit.render.skybox import Skybox

if TYPE_CHECKING:
    import moderngl

    from previzkit.render.character import Character


NEAR_M = 0.05
FAR_M = 500.0
SPEC_LEVELS = 5  # prefiltered specular levels, 128x64 down to 8x4
MAX_SHADOW_MAPS = 2  # lights with a shadow map

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

    def __init__(
        self, ctx: moderngl.Context, set_def: SetDef, panorama: np.ndarray | None = None
    ) -> None:
        """``panorama``: an equirect sky (uint8 sRGB or float linear radiance) used
        instead of the set's own background image."""
        self.ctx = ctx
        self.set = set_def
        self._panorama = panorama
        self._released = False
        self.props: dict[str, MeshDrawable] = {}
        self.characters: dict[str, Character] = {}
        self.extras: list[Drawable] = []
        self._env: tuple[np.ndarray, moderngl.Texture, int] | None = None
        try:
            self._build()
        except BaseException:
            self.release()  # free whatever was made before the failure
            raise

    def _build(self) -> None:
        ctx, set_def = self.ctx, self.set
        bg = set_def.background
        pano = self._panorama if self._panorama is not None else sky_panorama(set_def)
        self.skybox = Skybox(ctx, pano, bg.yaw_deg, bg.color)
        self.num_lights = len(set_def.directional_lights) + len(set_def.spot_lights)
        self.ground = Ground(
            ctx,
            set_def.stage,
            ground_texture_image(set_def),
            bg.ground_tile_m,
            self.num_lights,
            sky=self.skybox,
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

    def environment(self) -> tuple[np.ndarray, moderngl.Texture, int] | None:
        """The sky panorama's image-based lighting: (SH irradiance (9, 3), prefiltered
        specular texture, its levels), made on first use; None without a panorama."""
        if self._env is None and self.skybox.radiance is not None:
            from previzkit.render.ibl import downsample, prefilter_specular, sh9_irradiance

            rad = self.skybox.radiance
            if rad.shape[0] > 128:  # irradiance is smooth: 256x128 is plenty
                rad = downsample(rad, 128, 256).astype(np.float32)
            sh = sh9_irradiance(rad, self.set.background.yaw_deg)
            chain = prefilter_specular(rad, levels=SPEC_LEVELS)
            w, h = chain[0].shape[1], chain[0].shape[0]
            tex = self.ctx.texture((w, h), 3, chain[0].tobytes(), dtype="f4")
            tex.build_mipmaps(0, len(chain) - 1)
            for k, img in enumerate(chain[1:], start=1):
                tex.write(np.ascontiguousarray(img).tobytes(), level=k)
            tex.filter = (self.ctx.LINEAR_MIPMAP_LINEAR, self.ctx.LINEAR)
            tex.repeat_x, tex.repeat_y = True, False
            self._env = (sh, tex, len(chain))
        return self._env

    def shadow_casters(self) -> list:
        """What casts shadows: props, characters and added drawables with ``draw_depth``."""
        return [
            d
            for d in (*self.props.values(), *self.characters.values(), *self.extras)
            if hasattr(d, "draw_depth") and getattr(d, "visible", True)
        ]

    def bounds_points(self) -> np.ndarray:
        """(N, 3) points whose box holds the stage (to 2.5 m up), the props and the
        characters' marks (to 2.2 m up): what a shadow camera must see."""
        st = self.set.stage
        hx, hz = st.width / 2, st.depth / 2
        pts = [[x, y, z] for x in (-hx, hx) for z in (-hz, hz) for y in (0.0, 2.5)]
        for prop in self.props.values():
            lo, hi = prop.world_bounds()
            pts += [lo.tolist(), hi.tolist()]
        for ch in self.characters.values():
            p = np.asarray(ch.placement)[:3, 3]
            pts += [[p[0] - 1, 0.0, p[2] - 1], [p[0] + 1, 2.2, p[2] + 1]]
        return np.asarray(pts, np.float64)

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
        if self._env is not None:
            self._env[1].release()
            self._env = None


class Renderer:
    """Draws a set. ``scene`` is a SetDrawables, a SetDef or a set file path.

    ``ctx`` may be any moderngl context: standalone EGL (:func:`headless.create_context`)
    or a window's. :meth:`render_view` draws into whatever framebuffer it is given;
    :meth:`render_image` and :meth:`render_stereo` render offscreen and read back.
    """

    def __init__(
        self,
        ctx: moderngl.Context,
        scene: SetDrawables | SetDef | str | Path,
        look: Look | None = None,
    ) -> None:
        self.ctx = ctx
        self.look = Look() if look is None else look  # may be changed between renders
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
        self._hdr: dict[tuple[int, int, int], tuple] = {}  # HDR targets by (w, h, samples)
        self._shadow_maps: ShadowMaps | None = None
        self._shadow_state: dict[str, Any] | None = None  # this frame's, reused per eye
        # per tone-map variant: id(program) -> (program, vertex array)
        self._tonemap_vaos: dict[int, tuple[moderngl.Program, moderngl.VertexArray]] = {}
        self._lens: Lens | None = None  # render_image's, for depth of field
        self._t0 = time.perf_counter()

    # --- frame setup
    def ordered_lights(self) -> list[tuple[LightDef, bool]]:
        """The set's directional and spot lights as the shaders get them, each with
        whether it casts a shadow map: shadow casters first (at most two), then the rest
        in set order. A light's ``shadow`` None means: the first directional light and
        every spot light cast."""
        lights = [li for li in self.drawables.set.lights if li.kind in ("directional", "spot")]
        first_dir = next((li for li in lights if li.kind == "directional"), None)
        casts = [
            (li.shadow if li.shadow is not None else (li.kind == "spot" or li is first_dir))
            for li in lights
        ]
        shadowed = [li for li, c in zip(lights, casts, strict=True) if c][:MAX_SHADOW_MAPS]
        rest = [li for li in lights if not any(li is x for x in shadowed)]
        return [(li, True) for li in shadowed] + [(li, False) for li in rest]

    def frame_uniforms(
        self, view: Mat4, proj: Mat4, camera_position: np.ndarray | None = None
    ) -> SceneFrame:
        """FrameUniforms for one view, with the set's lights and the look (without
        shadow maps: :meth:`render_view` adds those)."""
        view = np.asarray(view, dtype=np.float64)
        if camera_position is None:
            camera_position = -view[:3, :3].T @ view[:3, 3]
        s = self.drawables.set
        ordered = self.ordered_lights()
        lights = [(np.asarray(li.direction), li.radiance) for li, _ in ordered]
        spots = [
            (
                np.array([*li.position, 1.0]) if li.kind == "spot" and li.position else np.zeros(4),
                np.array(
                    [math.cos(math.radians(li.cone_deg)), math.cos(math.radians(li.cone_deg) * 0.8)]
                )
                if li.kind == "spot"
                else np.zeros(2),
            )
            for li, _ in ordered
        ]
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
            spots=spots,
            look=self._look_uniforms(),
        )

    @property
    def exposure(self) -> float:
        """The set's exposure as a factor (2 ** ``background.exposure_ev``)."""
        return float(2.0**self.drawables.set.background.exposure_ev)

    def _look_uniforms(self) -> dict[str, Any]:
        look = self.look
        out: dict[str, Any] = dict(PLAIN_LOOK)
        out["u_linear"] = look.hdr
        out["u_exposure"] = self.exposure if look.hdr else 1.0
        env = self.drawables.environment() if look.ibl else None
        if env is not None:
            sh, tex, levels = env
            tex.use(SPEC_UNIT)
            out.update(
                u_ibl=True,
                u_sh=np.asarray(sh, np.float32),
                u_spec_levels=float(levels),
                u_env_yaw=math.radians(self.drawables.set.background.yaw_deg),
                u_roughness=float(look.roughness),
            )
        state = self._shadow_state
        if look.shadows and state is not None and state["on"]:
            assert self._shadow_maps is not None
            self._shadow_maps.use(SHADOW_UNITS)
            out.update(
                u_shadows=True,
                u_shadow_on=tuple(state["on"] + [0.0] * (2 - len(state["on"]))),
                u_shadow_mat=np.asarray(state["mats"], np.float32).transpose(0, 2, 1).copy(),
            )
        return out

    def render_shadows(self) -> None:
        """Render the shadow maps of this frame's shadow-casting lights (the look's
        ``shadows`` on); every view until the next call uses them (both eyes of a
        stereo frame)."""
        self._shadow_state = None
        if not self.look.shadows:
            return
        shadowed = [li for li, casts in self.ordered_lights() if casts]
        if not shadowed:
            return
        size = self.look.shadow_size
        if self._shadow_maps is None or self._shadow_maps.size != size:
            if self._shadow_maps is not None:
                self._shadow_maps.release()
            self._shadow_maps = ShadowMaps(self.ctx, size, MAX_SHADOW_MAPS)
        scene = self.drawables
        points = scene.bounds_points()
        casters = scene.shadow_casters()
        mats = []
        for slot, li in enumerate(shadowed):
            if li.kind == "spot" and li.position is not None:
                vp = spot_shadow_matrix(li.position, li.direction, li.cone_deg, points)
            else:
                vp = directional_shadow_matrix(li.direction, points)
            self._shadow_maps.render(slot, vp, casters)
            mats.append(map_matrix(vp))
        mats += [np.eye(4)] * (MAX_SHADOW_MAPS - len(mats))
        self._shadow_state = {"on": [1.0] * len(shadowed), "mats": np.stack(mats)}

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
        base: moderngl.Framebuffer | None = None,
    ) -> None:
        """Draw the whole set into ``fbo`` (bound here) within ``viewport`` (x, y, w, h;
        default the whole framebuffer). Frustums of ``exclude_cameras`` and of any camera
        at the eye are not drawn. ``part``: ``"static"`` draws the floor, props and sky
        only, ``"dynamic"`` the characters, added drawables, marks and frustums only
        (over a static pass's colour and depth: together they make ``"all"``; the
        blended marks stay after the characters, as in ``"all"``).

        With an HDR look the scene is drawn as radiance into a float MSAA target, then
        tone mapped and blended over ``fbo`` (what is not drawn keeps ``fbo``'s own
        colour: the clear colour, or transparent for a compositor); a ``"static"`` part
        writes radiance into ``fbo`` (a float target of :meth:`hdr_samples`, as
        :class:`~previzkit.render.static_layer.StaticLayer` makes), and a ``"dynamic"``
        part given that ``base`` starts from it."""
        if part not in ("all", "static", "dynamic"):
            raise InputError(f"render_view part {part!r}: expected all, static or dynamic")
        if viewport is None:
            viewport = (0, 0, *fbo.size)
        fresh = self._shadow_state is None and self.look.shadows
        if fresh:  # one view on its own: this frame's shadow maps; render_eyes makes them once
            self.render_shadows()
        try:
            if self.look.hdr and (part == "all" or (part == "dynamic" and base is not None)):
                if clear:
                    fbo.use()
                    fbo.clear(*self.clear_color, depth=1.0, viewport=viewport)
                self._render_hdr(
                    fbo, view, proj, viewport, camera_position, exclude_cameras, part, base
                )
            else:
                hdr = (
                    self.look.hdr and part == "static"
                )  # radiance into a static layer's float target
                self._draw(
                    fbo, view, proj, viewport, camera_position, exclude_cameras, clear, part, hdr
                )
        finally:
            if fresh:
                self._shadow_state = None

    def _draw(
        self,
        fbo: moderngl.Framebuffer,
        view: Mat4,
        proj: Mat4,
        viewport: tuple[int, int, int, int],
        camera_position: np.ndarray | None,
        exclude_cameras: Sequence[str],
        clear: bool,
        part: str,
        hdr: bool = False,
    ) -> None:
        """The scene's passes into ``fbo``: radiance when ``hdr`` (a float target tone
        mapped after), else tone mapped in the shaders when the look is HDR."""
        moderngl = require("moderngl", "render", "rendering")

        ctx = self.ctx
        fbo.use()
        fbo.viewport = viewport
        if clear:
            fbo.clear(*self.clear_color, depth=1.0, viewport=viewport)
        ctx.enable(moderngl.DEPTH_TEST)
        ctx.disable(moderngl.CULL_FACE)
        ctx.depth_func = "<"
        frame = self.frame_uniforms(view, proj, camera_position)
        if self.look.hdr and not hdr:
            frame.look["u_tonemap"] = True  # a static/dynamic part: tone map per fragment
        frame.look["u_hdr"] = hdr
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

    def hdr_samples(self) -> int:
        """MSAA samples of the HDR target: the look's, capped at this GL's."""
        return max(0, min(self.look.msaa, self.ctx.max_samples))

    def hdr_target(self, width: int, height: int) -> tuple:
        """(msaa fbo, resolve fbo, colour texture, depth texture, colour and depth
        renderbuffers) of the HDR look at this size, made once and reused."""
        samples = self.hdr_samples()
        key = (width, height, samples)
        if key not in self._hdr:
            if len(self._hdr) >= 4:  # keep a few sizes
                for obj in self._hdr.pop(next(iter(self._hdr))):
                    obj.release()
            ctx = self.ctx
            color = ctx.renderbuffer((width, height), 4, samples=samples, dtype="f2")
            depth = ctx.depth_renderbuffer((width, height), samples=samples)
            fbo = ctx.framebuffer(color_attachments=[color], depth_attachment=depth)
            tex = ctx.texture((width, height), 4, dtype="f2")
            dtex = ctx.depth_texture((width, height))
            for t in (tex, dtex):
                t.filter = (ctx.NEAREST, ctx.NEAREST)
            dtex.compare_func = ""  # read as depth values (moderngl turns compare on)
            resolve = ctx.framebuffer(color_attachments=[tex], depth_attachment=dtex)
            self._hdr[key] = (fbo, resolve, tex, dtex, color, depth)
        return self._hdr[key]

    def _render_hdr(
        self,
        out: moderngl.Framebuffer,
        view: Mat4,
        proj: Mat4,
        viewport: tuple[int, int, int, int],
        camera_position: np.ndarray | None,
        exclude_cameras: Sequence[str],
        part: str = "all",
        base: moderngl.Framebuffer | None = None,
    ) -> None:
        """Radiance into a float MSAA target (transparent where nothing is drawn, or
        ``base``'s image), resolved, then exposed, tone mapped, sRGB-encoded and blended
        (premultiplied) over ``out``'s ``viewport``; the scene's depth goes with it."""
        moderngl = require("moderngl", "render", "rendering")

        ctx = self.ctx
        x, y, w, h = viewport
        fbo, resolve, tex, dtex, _, _ = self.hdr_target(w, h)
        if base is not None:
            ctx.copy_framebuffer(fbo, base)  # a static layer's radiance and depth
        else:
            fbo.use()
            fbo.viewport = (0, 0, w, h)
            fbo.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        self._draw(
            fbo, view, proj, (0, 0, w, h), camera_position, exclude_cameras, False, part, hdr=True
        )
        ctx.copy_framebuffer(resolve, fbo)  # MSAA resolve, colour and depth
        out.use()
        out.viewport = viewport
        lens = self._lens
        dof = self.look.f_stop is not None and lens is not None and abs(proj[3, 2]) > 0.5
        prog = program(ctx, "tonemap", {"DOF": dof})
        if dof:
            assert lens is not None and self.look.f_stop is not None
            p = np.asarray(proj, np.float64)
            set_uniform(prog, "u_proj_z", (float(p[2, 2]), float(p[2, 3])))
            set_uniform(prog, "u_focus_mm", float(lens.focus_m) * 1000.0)
            set_uniform(prog, "u_aperture_mm", float(lens.focal_mm) / float(self.look.f_stop))
            set_uniform(prog, "u_focal_mm", float(lens.focal_mm))
            set_uniform(prog, "u_px_per_mm", w / float(lens.sensor_width_mm))
        tex.use(0)
        dtex.use(1)
        set_uniform(prog, "u_hdr", 0)
        set_uniform(prog, "u_depth", 1)
        set_uniform(prog, "u_origin", (x, y))
        set_uniform(prog, "u_exposure", self.exposure)
        ctx.enable(moderngl.BLEND)
        ctx.blend_func = moderngl.ONE, moderngl.ONE_MINUS_SRC_ALPHA
        ctx.enable(moderngl.DEPTH_TEST)
        ctx.depth_func = "1"  # always: the target takes the scene's depth too
        try:
            self._fullscreen(prog).render(vertices=3)
        finally:
            ctx.depth_func = "<"
            ctx.disable(moderngl.BLEND)
            ctx.blend_func = moderngl.SRC_ALPHA, moderngl.ONE_MINUS_SRC_ALPHA

    def _fullscreen(self, prog: moderngl.Program) -> moderngl.VertexArray:
        cached = self._tonemap_vaos.get(id(prog))
        if cached is None or cached[0] is not prog:
            cached = self._tonemap_vaos[id(prog)] = (prog, self.ctx.vertex_array(prog, []))
        return cached[1]

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
        self._lens = lens  # the look's depth of field focuses it
        try:
            self.render_view(fbo, view_matrix(pose), proj, exclude_cameras=exclude)
        finally:
            self._lens = None
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
        self.render_shadows()  # once for every eye
        try:
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
        finally:
            self._shadow_state = None

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
        # one target per eye, drawn together (one shadow pass), then read back
        fbos = [self.target(width, height, samples, slot=1 + i) for i in range(2)]
        self.render_eyes([(f, None) for f in fbos], eyes, exclude_cameras=exclude_cameras)
        images = [self.read_target(width, height, samples, slot=1 + i) for i in range(2)]
        return images[0], images[1]

    def release(self) -> None:
        """Free the offscreen targets, and the scene if the renderer built it."""
        ours = (
            {objs[0] for objs in self._targets.values()}
            | {objs[3] for objs in self._targets.values() if objs[3] is not None}
            | {w[1] for w in self._wrapped.values()}
            | {objs[i] for objs in self._hdr.values() for i in (0, 1)}
            | set(self._shadow_maps.fbos if self._shadow_maps is not None else [])
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
        for objs in self._hdr.values():
            for obj in objs:
                obj.release()
        self._hdr.clear()
        if self._shadow_maps is not None:
            self._shadow_maps.release()
            self._shadow_maps = None
        for _, vao in self._tonemap_vaos.values():
            vao.release()
        self._tonemap_vaos.clear()
        if self._owns_scene:
            self.drawables.release()

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _check_size(width: int, height: int) -> None:
    if not (isinstance(width, int) and isinstance(height, int)) or width <= 0 or height <= 0:
        raise InputError(f"image size must be positive integers, got {width}x{height}")


__all__ = ["CameraLike", "Eye", "Look", "Renderer", "SetDrawables", "lens_fov", "stereo_eyes"]

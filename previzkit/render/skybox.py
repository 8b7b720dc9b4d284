"""Equirectangular skybox, drawn behind everything (depth 1.0, after opaque geometry).

Convention: the panorama's centre column looks down -z; u grows toward +x (to the
right when looking down -z), row 0 is straight up. ``yaw_deg`` turns the panorama
about +y (positive: counterclockwise seen from above).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from previzkit.core.errors import ShapeError
from previzkit.render.gl import program, set_uniform
from previzkit.render.ibl import downsample, linear_radiance
from previzkit.render.lighting import PLAIN_LOOK
from previzkit.render.look import inverse_aces, srgb_decode

if TYPE_CHECKING:
    import moderngl

    from previzkit.render.drawable import FrameUniforms


def direction_to_equirect_uv(direction: np.ndarray, yaw_deg: float = 0.0) -> np.ndarray:
    """(N, 3) world directions -> (N, 2) panorama (u, v) in [0, 1), v = 0 at the top row."""
    d = np.atleast_2d(np.asarray(direction, dtype=np.float64))
    d = d / np.linalg.norm(d, axis=1, keepdims=True)
    u = 0.5 + (np.arctan2(d[:, 0], -d[:, 2]) + math.radians(yaw_deg)) / (2 * math.pi)
    v = np.arccos(np.clip(d[:, 1], -1, 1)) / math.pi
    return np.c_[np.mod(u, 1.0), v]


class Skybox:
    """The panorama, or a solid colour when ``image`` is None: (H, W, 3|4) uint8 sRGB
    (display values, made radiance through the inverse tone curve) or float linear
    radiance (kept unclamped in a half-float texture, so a bright sun tone-maps rather
    than clips). ``radiance`` is the float32 linear panorama for image-based lighting
    (at most 512x256), None without one."""

    def __init__(
        self,
        ctx: moderngl.Context,
        image: np.ndarray | None,
        yaw_deg: float = 0.0,
        color: tuple[float, float, float] = (0.12, 0.13, 0.16),
    ) -> None:
        self.visible = True
        self.yaw_deg = yaw_deg
        self.color = color
        self.texture = None
        self.radiance: np.ndarray | None = None
        self.display = False
        self._prog = program(ctx, "sky")
        self._vao = ctx.vertex_array(self._prog, [])
        self._ctx = ctx
        self._variants: dict[tuple[bool, bool], tuple[Any, Any]] = {
            (False, False): (self._prog, self._vao)
        }
        if image is not None:
            img = np.asarray(image)
            if (
                img.ndim != 3
                or img.shape[2] not in (3, 4)
                or not (img.dtype == np.uint8 or np.issubdtype(img.dtype, np.floating))
            ):
                raise ShapeError(
                    f"panorama must be (H, W, 3|4) uint8 sRGB or float linear radiance, "
                    f"got {img.shape} {img.dtype}"
                )
            limit = int(ctx.info.get("GL_MAX_TEXTURE_SIZE", 16384))
            if max(img.shape[:2]) > limit:
                raise ShapeError(
                    f"panorama of {img.shape[1]}x{img.shape[0]} exceeds this GL's texture limit "
                    f"{limit}x{limit}; use a smaller image or background.size"
                )
            # an sRGB (display) panorama's radiance is the tone curve's inverse of it: it
            # shows as itself, and its bright parts light the scene brightly
            self.radiance = (
                inverse_aces(srgb_decode(img[..., :3].astype(np.float32) / 255.0)).astype(
                    np.float32
                )
                if img.dtype == np.uint8
                else linear_radiance(img)
            )
            self.display = img.dtype == np.uint8  # the texture holds sRGB display values
            radiance = self.radiance
            if self.display:  # filtered as display values, made radiance in the shader
                data = np.ascontiguousarray(img[..., :3])
                self.texture = ctx.texture((img.shape[1], img.shape[0]), 3, data.tobytes())
            else:
                half = np.ascontiguousarray(np.minimum(radiance, 65000.0).astype(np.float16))
                self.texture = ctx.texture(
                    (img.shape[1], img.shape[0]), 3, half.tobytes(), dtype="f2"
                )
            if radiance.shape[0] > 256:  # all that lighting needs: keep 512x256 at most
                self.radiance = downsample(radiance, 256, 512).astype(np.float32)
            self.texture.repeat_x = True
            self.texture.repeat_y = False
            self.texture.build_mipmaps()  # no shimmer when the view is smaller than the panorama
            self.texture.filter = (ctx.LINEAR_MIPMAP_LINEAR, ctx.LINEAR)

    def _variant(self, radiance: bool, tonemap: bool) -> tuple[Any, Any]:
        key = (radiance, tonemap)
        if key not in self._variants:
            prog = program(self._ctx, "sky", {"SKY_RADIANCE": radiance, "SKY_TONEMAP": tonemap})
            self._variants[key] = (prog, self._ctx.vertex_array(prog, []))
        return self._variants[key]

    @property
    def has_panorama(self) -> bool:
        return self.texture is not None

    def shading(self, frame: FrameUniforms) -> tuple[dict[str, bool], float]:
        """The panorama shader's variant (#defines SKY_RADIANCE, SKY_TONEMAP) and exposure
        factor for ``frame``'s look: the sky and the ground projected from it share them."""
        look = getattr(frame, "look", None) or PLAIN_LOOK
        hdr, exposure = bool(look.get("u_hdr")), float(look.get("u_exposure", 1.0))
        # display values shown as they are unless they must become radiance (an HDR
        # target) or be exposed; float radiance is always tone mapped without one
        radiance = self.display and (hdr or exposure != 1.0)
        tonemap = not hdr and (radiance or not self.display)
        return {"SKY_RADIANCE": radiance, "SKY_TONEMAP": tonemap}, exposure

    def draw(self, ctx: moderngl.Context, frame: FrameUniforms) -> None:
        if not self.visible or self.texture is None:
            return  # a solid background is the clear colour
        defines, exposure = self.shading(frame)
        prog, vao = self._variant(defines["SKY_RADIANCE"], defines["SKY_TONEMAP"])
        set_uniform(prog, "u_inv_proj", np.linalg.inv(frame.proj))
        set_uniform(prog, "u_cam_rot", np.asarray(frame.view)[:3, :3].T.copy())
        set_uniform(prog, "u_yaw", math.radians(self.yaw_deg))
        set_uniform(prog, "u_exposure", exposure)
        self.texture.use(0)
        set_uniform(prog, "u_pano", 0)
        ctx.depth_func = "<="  # the sky sits exactly on the far plane (depth 1.0)
        try:
            vao.render(vertices=3)
        finally:
            ctx.depth_func = "<"  # moderngl's default

    def release(self) -> None:
        for _, vao in self._variants.values():
            vao.release()
        self._variants = {}
        if self.texture is not None:
            self.texture.release()

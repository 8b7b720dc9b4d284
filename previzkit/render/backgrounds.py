"""A set's background images: the sky panorama (float32 linear radiance, from a shipped
environment preset, an HDR or LDR file or a GAN model) and the floor texture; with
neither, a solid colour. Pure image work; the GL side is skybox/ground."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from previzkit.core.errors import DependencyMissing, InputError
from previzkit.core.types import ImageF32
from previzkit.media.hdr_image import check_equirect, linear_to_srgb, srgb_to_linear
from previzkit.media.image import read_image
from previzkit.model.setfile import SetDef
from previzkit.render.environments import environment_radiance


def panorama_radiance(set_def: SetDef) -> ImageF32 | None:
    """The set's sky panorama, (H, W, 3) float32 linear radiance equirect (2:1), or None
    for a solid colour. An LDR image or a GAN's uint8 output is sRGB-decoded (1.0 is
    its white); ``background.exposure_ev`` is not applied here. Precedence: ``image``,
    ``model``, then ``environment`` (the demo swaps a GAN ``model`` into a set)."""
    bg = set_def.background
    where = f"{set_def.path or set_def.name}: background"
    if bg.image is not None:
        try:
            return environment_radiance(bg.image)
        except InputError as exc:
            raise type(exc)(f"{where}.image: {exc}") from None
    if bg.model is not None:

        def panorama() -> np.ndarray:
            from previzkit.genai.panorama import panorama_image

            assert bg.model is not None  # checked before this was made
            return panorama_image(bg.model, bg.seed, bg.size[0], bg.size[1])

        pano = np.asarray(_gan_background(set_def, "model", panorama))
        check_equirect(pano, f"{where}.model")
        if pano.dtype == np.uint8:
            return srgb_to_linear(pano[..., :3] / np.float32(255.0))
        return np.maximum(np.asarray(pano[..., :3], dtype=np.float32), 0.0)
    if bg.environment is not None:
        return environment_radiance(bg.environment)
    return None


def radiance_to_srgb8(radiance: np.ndarray, exposure_ev: float = 0.0) -> np.ndarray:
    """uint8 sRGB of linear ``radiance`` scaled by 2**``exposure_ev`` (clipped at 1.0,
    no tone curve): for a consumer that takes display-referred 8-bit pixels."""
    scaled = np.asarray(radiance, dtype=np.float32) * np.float32(2.0**exposure_ev)
    out: np.ndarray = (linear_to_srgb(scaled) * 255.0 + 0.5).astype(np.uint8)
    return out


def ground_texture_image(set_def: SetDef) -> np.ndarray | None:
    """The set's tileable floor texture, (H, W, 3) uint8 sRGB, or None."""
    bg = set_def.background
    if bg.ground_image is not None:
        return read_image(bg.ground_image)
    if bg.ground_model is not None:

        def ground() -> np.ndarray:
            from previzkit.genai.panorama import ground_texture

            assert bg.ground_model is not None  # checked before this was made
            return ground_texture(bg.ground_model, bg.seed, bg.ground_size)

        return _gan_background(set_def, "ground_model", ground)
    return None


def _gan_background(set_def: SetDef, key: str, make: Callable[[], np.ndarray]) -> np.ndarray:
    """``make()`` a GAN background; an install without torch (the genai extra) gets
    one line naming the set file's key instead of a ModuleNotFoundError."""
    try:
        return make()
    except ModuleNotFoundError as exc:
        if exc.name != "torch" and not str(exc.name).startswith("previzkit.genai"):
            raise
        raise DependencyMissing(
            "torch", "genai", f"{set_def.path or set_def.name}: background.{key} (a GAN model)"
        ) from None


__all__ = ["ground_texture_image", "panorama_radiance", "radiance_to_srgb8"]

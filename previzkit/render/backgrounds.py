"""A set's background images: the sky panorama (from a shipped environment preset, an
HDR or LDR file or a GAN model) and the floor texture; with neither, a solid colour.
Pure image work; the GL side is skybox/ground."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from previzkit.core.errors import DependencyMissing, InputError
from previzkit.media.hdr_image import HDR_SUFFIXES, check_equirect
from previzkit.media.image import read_image
from previzkit.model.setfile import SetDef
from previzkit.render.environments import environment_radiance


def sky_panorama(set_def: SetDef) -> np.ndarray | None:
    """The set's sky panorama, a 2:1 (H, W, 3) equirect, or None for a solid colour:
    float32 linear radiance from an HDR source (a preset, an ``.exr``/``.hdr`` image,
    an HDR GAN) or uint8 sRGB display values from an LDR one (a photo, an 8-bit GAN),
    which the skybox shows as they are and turns into radiance through the inverse
    tone curve for lighting. ``background.exposure_ev`` is not applied here.
    Precedence: ``image``, ``model``, then ``environment`` (the demo swaps a GAN
    ``model`` into a set)."""
    bg = set_def.background
    where = f"{set_def.path or set_def.name}: background"
    if bg.image is not None:
        try:
            if bg.image.suffix.lower() in HDR_SUFFIXES:
                return environment_radiance(bg.image)
            photo = np.ascontiguousarray(read_image(bg.image)[..., :3])
            check_equirect(photo, str(bg.image))
            return photo
        except InputError as exc:
            raise type(exc)(f"{where}.image: {exc}") from None
    if bg.model is not None:

        def panorama() -> np.ndarray:
            from previzkit.genai.panorama import panorama_image

            assert bg.model is not None  # checked before this was made
            return panorama_image(bg.model, bg.seed, bg.size[0], bg.size[1], condition=bg.condition)

        pano = np.asarray(_gan_background(set_def, "model", panorama))
        check_equirect(pano, f"{where}.model")
        if pano.dtype == np.uint8:
            return np.ascontiguousarray(pano[..., :3])
        return np.maximum(np.asarray(pano[..., :3], dtype=np.float32), 0.0)
    if bg.environment is not None:
        return environment_radiance(bg.environment)
    return None


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


__all__ = ["ground_texture_image", "sky_panorama"]

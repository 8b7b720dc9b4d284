"""A set's background images: the sky panorama and the floor texture, from a file,
a GAN model or (none) a solid colour. Pure image work; the GL side is skybox/ground."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from previzkit.core.errors import DependencyMissing
from previzkit.media.image import read_image
from previzkit.model.setfile import SetDef


def panorama_image(set_def: SetDef) -> np.ndarray | None:
    """The set's sky panorama, (H, W, 3) uint8 sRGB equirect, or None for a solid colour."""
    bg = set_def.background
    if bg.image is not None:
        return read_image(bg.image)
    if bg.model is not None:

        def panorama() -> np.ndarray:
            from previzkit.genai.panorama import panorama_image

            assert bg.model is not None  # checked before this was made
            return panorama_image(bg.model, bg.seed, bg.size[0], bg.size[1], condition=bg.condition)

        return _gan_background(set_def, "model", panorama)
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


__all__ = ["ground_texture_image", "panorama_image"]

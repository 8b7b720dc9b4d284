"""Backgrounds for sets: 360° sky panoramas and tileable ground textures, cached.

``panorama_image`` is what a set file's ``background: {model: ..., seed: ...}`` calls;
``model`` is a PSGAN sky (any size, no structure) or a conditional environment model
(``environment.pt``: a 360° place with sky, horizon and ground for ``condition``).
Results are cached as PNG in ``previzkit.core.resources.cache_dir() / "genai"``, keyed by the
model file's sha256, the seed, the size (and the horizon settings), so a set opens
instantly the second time and a retrained model never reuses a stale image.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

from previzkit.core.errors import VideoOpenError
from previzkit.core.resources import cache_dir
from previzkit.genai.horizon import HorizonBlend
from previzkit.media.image import read_image, write_image

CACHE_VERSION = 2  # 2: seams rotated mid-cell (sample.generate)


def _model_hash(model_path: str | Path) -> str:
    from previzkit.core.errors import ModelNotFound
    from previzkit.genai.checkpoint import file_sha256

    path = Path(model_path)
    if not path.is_file():
        raise ModelNotFound(f"GAN model {path} does not exist")
    return file_sha256(path)


def _cache_file(
    kind: str, model_hash: str, seed: int, width: int, height: int, extra: str = ""
) -> Path:
    tag = f"-{hashlib.sha256(extra.encode()).hexdigest()[:10]}" if extra else ""
    return (
        cache_dir()
        / "genai"
        / f"{kind}-v{CACHE_VERSION}-{model_hash[:16]}-s{seed}-{width}x{height}{tag}.png"
    )


def _read(path: Path) -> np.ndarray | None:
    if not path.is_file():
        return None
    try:
        return read_image(path)
    except VideoOpenError:
        return None  # a broken cache entry is regenerated


def _write(path: Path, img: np.ndarray) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    write_image(tmp, img, format="PNG", compress_level=1)
    os.replace(tmp, path)


def _is_environment(model_path: str | Path) -> bool:
    from previzkit.genai.environment import FORMAT, checkpoint_format

    if not Path(model_path).is_file():
        return False  # _model_hash names the missing file
    return checkpoint_format(model_path) == FORMAT


def ground_texture(
    model_path: str | Path, seed: int, size: int, *, device: str = "cpu", cache: bool = True
) -> np.ndarray:
    """Tileable uint8 (size, size, 3) ground texture: wraps in x and y.

    Sizes that are not multiples of the generator stride (32) are resampled periodically.
    """
    from previzkit.genai.sample import check_size, generate

    check_size(size, size)
    key = _cache_file("ground", _model_hash(model_path), int(seed), size, size)
    if cache and (img := _read(key)) is not None and img.shape == (size, size, 3):
        return img
    img = generate(model_path, int(seed), size, size, wrap_x=True, wrap_y=True, device=device)
    if cache:
        _write(key, img)
    return img


def panorama_image(
    model_path: str | Path,
    seed: int,
    width: int,
    height: int,
    *,
    horizon: HorizonBlend | None = None,
    condition: str | None = None,
    device: str = "cpu",
    cache: bool = True,
) -> np.ndarray:
    """Equirectangular uint8 (height, width, 3) panorama that wraps exactly at 360°.

    Row 0 is straight up, column width/2 looks down -z (see genai.cubemap). With
    ``horizon``, the lower half shows a ground plane (a ground model's texture or a
    flat colour) blended into the sky at the horizon. For an environment model,
    ``condition`` (default ``"day"``) picks the kind of place and time of day and the
    result is its sRGB view (:func:`previzkit.genai.environment.generate_environment`).
    """
    from previzkit.genai.horizon import apply_horizon
    from previzkit.genai.sample import check_size, generate

    check_size(width, height)
    if _is_environment(model_path):
        from previzkit.genai.environment import generate_environment
        from previzkit.model.conditions import check_condition

        cond = check_condition(condition or "day")
        key = _cache_file("env", _model_hash(model_path), int(seed), width, height, cond)
        if cache and (img := _read(key)) is not None and img.shape == (height, width, 3):
            return img
        env = generate_environment(model_path, cond, int(seed), width, height, device=device)
        img = env.srgb
        if horizon is not None:
            tex = None
            if horizon.ground_model:
                tex = ground_texture(
                    horizon.ground_model, horizon.ground_seed, horizon.ground_size, device=device
                )
            img = apply_horizon(img, tex, horizon)
        if cache and horizon is None:
            _write(key, img)
        return img
    extra = ""
    ground_hash = None
    if horizon is not None:
        horizon.validate()
        ground_hash = _model_hash(horizon.ground_model) if horizon.ground_model else None
        extra = horizon.key() + str(ground_hash)
    key = _cache_file("pano", _model_hash(model_path), int(seed), width, height, extra)
    if cache and (img := _read(key)) is not None and img.shape == (height, width, 3):
        return img
    if horizon is not None:
        sky = panorama_image(model_path, seed, width, height, device=device, cache=cache)
        tex = None
        if horizon.ground_model:
            tex = ground_texture(
                horizon.ground_model,
                horizon.ground_seed,
                horizon.ground_size,
                device=device,
                cache=cache,
            )
        img = apply_horizon(sky, tex, horizon)
    else:
        img = generate(model_path, int(seed), width, height, wrap_x=True, device=device)
    if cache:
        _write(key, img)
    return img

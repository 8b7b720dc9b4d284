"""Evaluate a checkpoint against its training image (the held-out strip)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import torch

from previzkit.genai.checkpoint import Checkpoint, load_checkpoint
from previzkit.genai.images import image_digest, split_holdout
from previzkit.genai.metrics import (
    EvalReport,
    SWDRow,
    random_tiles,
    seam_phase_ratio,
    seam_ratio,
    swd,
)
from previzkit.genai.model import Generator, init_weights
from previzkit.genai.sample import generate
from previzkit.genai.train import recalibrate_batchnorm

log = logging.getLogger(__name__)


def untrained_generator(ckpt: Checkpoint, seed: int = 0) -> Generator:
    """A freshly initialised generator of the checkpoint's shape (the ceiling)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        g = Generator(ckpt.config)
        init_weights(g)
    return recalibrate_batchnorm(g, 4, 4, 4, seed, torch.device("cpu"))


def noise_image(like: np.ndarray, shape: tuple[int, int], seed: int) -> np.ndarray:
    """Gaussian noise with ``like``'s per-channel mean and std, (H, W, 3) uint8."""
    rng = np.random.default_rng(seed)
    mean = like.reshape(-1, 3).mean(0)
    std = like.reshape(-1, 3).std(0)
    img = rng.normal(mean, std, (*shape, 3))
    return np.clip(np.rint(img), 0, 255).astype(np.uint8)


def evaluate(
    model: str | Path | Checkpoint,
    image: np.ndarray,
    *,
    tiles: int = 32,
    tile: int = 128,
    levels: int = 3,
    patches: int = 128,
    seed: int = 0,
    seam_seeds: int = 16,
    seam_size: tuple[int, int] = (1024, 512),
) -> EvalReport:
    """SWD of generated tiles, real tiles (floor), untrained generator and noise (ceilings).

    Every set is compared against ``tiles`` random tiles of the held-out right strip
    of ``image`` (the fraction the checkpoint recorded). Seams are pooled over
    ``seam_seeds`` panoramas of ``seam_size`` (width, height). If ``image`` is not the one
    the model was trained on, the whole image is the reference and real tiles are
    drawn from it too.
    """
    ckpt = model if isinstance(model, Checkpoint) else load_checkpoint(model)
    holdout = float(ckpt.meta.get("holdout", 0.25))
    same_image = ckpt.meta.get("image_sha256") == image_digest(image)
    if same_image and holdout > 0:
        train_part, held = split_holdout(image, holdout)
    else:
        if not same_image:
            log.info("image is not the model's training image: no held-out strip")
        train_part = held = image
    reference = random_tiles(held, tiles, tile, seed)
    real = random_tiles(train_part, tiles, tile, seed + 1)
    s = ckpt.config.stride
    side = max(4, int(np.ceil(np.sqrt(tiles))))
    gw, gh = side * tile * 2 // s * s, side * tile // s * s
    gen = ckpt.build_generator()
    fake_img = generate(gen, seed, gw, gh)
    sw, sh = seam_size
    seeds = range(seed, seed + seam_seeds)
    wrapped = np.stack([generate(gen, s_, sw, sh) for s_ in seeds])
    seam_wrap = seam_ratio(wrapped)
    seam_phase = seam_phase_ratio(wrapped, s)
    seam_plain = seam_ratio(np.stack([generate(gen, s_, sw, sh, wrap_x=False) for s_ in seeds]))
    untrained_img = generate(untrained_generator(ckpt, seed), seed, gw, gh)
    noise = noise_image(train_part, (gh, gw), seed)
    rows = []
    for label, img in [
        ("real vs real (floor)", None),
        ("model", fake_img),
        ("untrained generator", untrained_img),
        ("noise", noise),
    ]:
        t = real if img is None else random_tiles(img, tiles, tile, seed + 2)
        v = swd(t, reference, levels=levels, patches_per_image=patches, seed=seed)
        rows.append(SWDRow(label, v[:-1], v[-1]))
    return EvalReport(rows, seam_wrap, seam_plain, seam_phase, tiles, tile)

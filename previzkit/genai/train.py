"""Train a PSGAN on one texture image (CPU or GPU), with checkpoints and resume.

Crops of the training image (the left part; a right strip is held out for
evaluation) are the real samples; the generator makes crops from noise grids of
``crop / stride`` cells. Losses are the non-saturating GAN losses; the generator's
exponential moving average (EMA) is what is saved for sampling.
"""

from __future__ import annotations

import copy
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from previzkit.core.errors import InputError
from previzkit.core.progress import ProgressFn
from previzkit.genai.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from previzkit.genai.gan_run import GanRun, ema_update, end_step, random_streams
from previzkit.genai.images import image_digest, split_holdout
from previzkit.genai.model import Discriminator, Generator, ModelConfig, init_weights
from previzkit.genai.noise import sample_noise

log = logging.getLogger(__name__)


@dataclass
class TrainConfig:
    """Training settings. ``minutes`` bounds wall time; ``steps`` bounds updates."""

    steps: int = 4000
    minutes: float | None = None
    batch: int = 8
    crop: int = 128
    lr: float = 2e-4
    beta1: float = 0.5
    ema: float = 0.995
    seed: int = 0
    holdout: float = 0.25
    checkpoint_every: int = 250
    threads: int | None = None
    device: str = "cpu"
    model: ModelConfig = field(default_factory=ModelConfig)

    def validate(self, image_shape: tuple[int, ...]) -> None:
        """Raise InputError naming the bad setting."""
        stride = self.model.stride
        if self.crop % stride or self.crop < 2 * stride:
            raise InputError(
                f"crop: {self.crop} must be a multiple of the generator stride {stride} "
                f"and at least {2 * stride}"
            )
        if self.batch < 2:
            raise InputError(f"batch: must be at least 2 (batch norm), got {self.batch}")
        if self.steps < 1:
            raise InputError(f"steps: must be at least 1, got {self.steps}")
        h = image_shape[0]
        w = image_shape[1] - round(image_shape[1] * self.holdout)
        if h < self.crop or w < self.crop:
            raise InputError(
                f"training image: its training part is {h}x{w} px (after holding out "
                f"{self.holdout:.0%} of the columns), smaller than the {self.crop} px crop"
            )

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["model"] = self.model.to_dict()
        return d


@dataclass
class TrainResult:
    """What a run did: where it saved, how many steps in total, seconds this run."""

    path: Path
    steps: int
    seconds: float
    losses: list[tuple[float, float]]


def resolve_device(name: str) -> torch.device:
    """'cpu', 'cuda', 'cuda:N' or 'auto' (CUDA when available)."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise InputError(f"--device {name!r}: torch sees no CUDA GPU")
    try:
        device = torch.device(name)
    except RuntimeError as exc:
        raise InputError(f"--device {name!r} is not a torch device ({exc})") from exc
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise InputError(
            f"--device {name!r}: torch sees {torch.cuda.device_count()} CUDA GPU(s), "
            f"cuda:0 to cuda:{torch.cuda.device_count() - 1}"
        )
    return device


def to_tensor(img: np.ndarray) -> torch.Tensor:
    """uint8 (H, W, 3) -> float (3, H, W) in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1).float() / 127.5 - 1.0


def random_crops(
    img: torch.Tensor, n: int, crop: int, g: torch.Generator, flip: bool = True
) -> torch.Tensor:
    """``n`` random ``crop x crop`` crops of (3, H, W), flipped left-right at random."""
    _, h, w = img.shape
    ys = torch.randint(0, h - crop + 1, (n,), generator=g).tolist()
    xs = torch.randint(0, w - crop + 1, (n,), generator=g).tolist()
    flips = torch.rand(n, generator=g).tolist()
    out = []
    for y, x, f in zip(ys, xs, flips, strict=True):
        c = img[:, y : y + crop, x : x + crop]
        out.append(c.flip(-1) if flip and f < 0.5 else c)
    return torch.stack(out)


@torch.no_grad()
def recalibrate_batchnorm(
    g: Generator, cells: int, batches: int, batch: int, seed: int, device: torch.device
) -> Generator:
    """Copy of ``g`` whose batch-norm statistics are averaged over fresh noise batches.

    EMA weights and the training generator's running statistics do not match; this
    recomputes them so eval-mode output looks like training-mode output.
    """
    out = copy.deepcopy(g)
    out.train()
    for m in out.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.reset_running_stats()
            m.momentum = None  # cumulative average
    gen = torch.Generator().manual_seed(seed)
    for _ in range(batches):
        out(sample_noise(out.config.noise, batch, cells, cells, gen, device), wrap_x=True)
    for m in out.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.momentum = 0.1
    return out.eval()


def train(
    image: np.ndarray,
    out: str | Path,
    config: TrainConfig | None = None,
    *,
    image_name: str = "image",
    resume: bool = False,
    progress: ProgressFn | None = None,
) -> TrainResult:
    """Train on ``image`` (uint8 (H, W, 3)) and save to ``out``; resume from ``out`` if asked.

    Checkpoints are written every ``config.checkpoint_every`` steps and at the end.
    With the same seed, thread count and device, a run is deterministic, and a
    resumed run matches an uninterrupted one.
    """
    cfg = config or TrainConfig()
    cfg.validate(image.shape)
    out = Path(out)
    device = resolve_device(cfg.device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    train_part, _ = split_holdout(image, cfg.holdout)
    real = to_tensor(train_part).to(device)

    prior: Checkpoint | None = None
    if resume and out.exists():
        prior = load_checkpoint(out)
        if prior.train is None:
            raise InputError(f"{out}: has no training state (it was stripped); cannot resume")
        cfg.model = prior.config
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        g = Generator(cfg.model)
        d = Discriminator(cfg.model)
        init_weights(g)
        init_weights(d)
    g.to(device)
    d.to(device)
    ema = copy.deepcopy(g)
    opt_g = torch.optim.Adam(g.parameters(), lr=cfg.lr, betas=(cfg.beta1, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=cfg.lr, betas=(cfg.beta1, 0.999))
    gens = random_streams(cfg.seed)
    run = GanRun(g, ema, d, opt_g, opt_d, gens)
    step = 0
    seconds_before = 0.0
    if prior is not None:
        assert prior.train is not None  # checked when the checkpoint was loaded
        step = run.restore(prior.train)
        seconds_before = float(prior.meta.get("seconds", 0.0))
        log.info("resuming %s at step %d", out, step)
    if step >= cfg.steps:
        raise InputError(f"steps: {out} already has {step} steps; ask for more than {step}")

    cells = cfg.crop // cfg.model.stride
    ones = zeros = None
    losses: list[tuple[float, float]] = []
    t0 = time.monotonic()

    def save() -> None:
        calibrated = recalibrate_batchnorm(ema, cells, 16, cfg.batch, cfg.seed, device)
        meta = {
            "image": image_name,
            "image_sha256": image_digest(image),
            "image_shape": list(image.shape),
            "holdout": cfg.holdout,
            "steps": step,
            "seconds": seconds_before + time.monotonic() - t0,
            "train_config": cfg.to_dict(),
            "torch": str(torch.__version__),
        }
        save_checkpoint(Checkpoint(cfg.model, calibrated.state_dict(), meta, run.state(step)), out)

    g.train()
    d.train()
    while step < cfg.steps:
        x_real = random_crops(
            real.cpu() if device.type != "cpu" else real, cfg.batch, cfg.crop, gens["data"]
        )
        x_real = x_real.to(device)
        noise = sample_noise(cfg.model.noise, cfg.batch, cells, cells, gens["noise"], device)
        x_fake = g(noise, wrap_x=True)
        # Discriminator step.
        d_real = d(x_real)
        d_fake = d(x_fake.detach())
        if ones is None or ones.shape != d_real.shape:
            ones = torch.ones_like(d_real)
            zeros = torch.zeros_like(d_real)
        assert zeros is not None  # set together with ones
        loss_d = F.binary_cross_entropy_with_logits(
            d_real, ones
        ) + F.binary_cross_entropy_with_logits(d_fake, zeros)
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        # Generator step (non-saturating).
        loss_g = F.binary_cross_entropy_with_logits(d(x_fake), ones)
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        ema_update(ema, g, cfg.ema if step >= 100 else 0.0)
        step += 1
        losses.append((loss_d.item(), loss_g.item()))
        if end_step(step, cfg.steps, cfg.checkpoint_every, cfg.minutes, t0, save, progress):
            break
    return TrainResult(out, step, time.monotonic() - t0, losses)

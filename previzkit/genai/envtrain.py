"""Train the conditional environment GAN on panoramas (CPU or GPU), with resume.

Real samples are the panoramas resized to the model's native size, in log radiance,
augmented in ways that keep them panoramas: a random yaw (circular shift in x), a
left-right flip and an exposure jitter (+-0.5 stop). Each step draws the batch's
conditions uniformly (a condition with one panorama is seen as often as one with
nine). Hinge loss, spectral-norm discriminator, generator EMA (what is saved).
The discriminator also sees every sample (real and fake) at a random yaw, so it
judges content, not where in x the content sits.
"""

from __future__ import annotations

import copy
import hashlib
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
from previzkit.genai.envdata import Panorama, resize_radiance
from previzkit.genai.environment import EnvCheckpoint, load_env_checkpoint, save_env_checkpoint
from previzkit.genai.envmodel import SCALE, EnvConfig, EnvDiscriminator, EnvGenerator, encode
from previzkit.genai.gan_run import GanRun, ema_update, end_step, random_streams
from previzkit.genai.train import resolve_device

log = logging.getLogger(__name__)


@dataclass
class EnvTrainConfig:
    """Training settings. ``minutes`` bounds wall time; ``steps`` bounds updates."""

    steps: int = 3000
    minutes: float | None = None
    batch: int = 16
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    ema: float = 0.999
    exposure_jitter: float = 0.5  # stops, either way
    seed: int = 0
    checkpoint_every: int = 250
    threads: int | None = None
    device: str = "cpu"
    model: EnvConfig = field(default_factory=EnvConfig)

    def validate(self) -> None:
        """Raise InputError naming the bad setting."""
        if self.batch < 1:
            raise InputError(f"batch: must be at least 1, got {self.batch}")
        if self.steps < 1:
            raise InputError(f"steps: must be at least 1, got {self.steps}")
        if self.checkpoint_every < 1:
            raise InputError(f"checkpoint_every: must be at least 1, got {self.checkpoint_every}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["model"] = self.model.to_dict()
        return d


@dataclass
class EnvTrainResult:
    """What a run did: where it saved, total steps, seconds this run, losses (d, g)."""

    path: Path
    steps: int
    seconds: float
    losses: list[tuple[float, float]]


def prepare(panoramas: list[Panorama], config: EnvConfig) -> tuple[torch.Tensor, torch.Tensor]:
    """(N, 3, H, W) log radiance at the native size and (N,) condition indices."""
    if not panoramas:
        raise InputError("panoramas: none to train on")
    imgs, conds = [], []
    for p in panoramas:
        if p.condition not in config.conditions:
            raise InputError(
                f"{p.name}: condition {p.condition!r} is not one of {', '.join(config.conditions)}"
            )
        small = resize_radiance(p.radiance, config.width, config.height)
        imgs.append(encode(torch.from_numpy(small).permute(2, 0, 1)))
        conds.append(config.conditions.index(p.condition))
    return torch.stack(imgs), torch.tensor(conds, dtype=torch.long)


def random_yaw(x: torch.Tensor, g: torch.Generator) -> torch.Tensor:
    """Each sample circularly shifted in x by its own random amount (a yaw turn)."""
    w = x.shape[-1]
    shifts = torch.randint(0, w, (x.shape[0],), generator=g).tolist()
    return torch.stack([torch.roll(s, k, dims=-1) for s, k in zip(x, shifts, strict=True)])


def sample_real(
    data: torch.Tensor, conds: torch.Tensor, batch: int, jitter: float, g: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """A batch of augmented real panoramas and their condition indices."""
    present = sorted(set(conds.tolist()))
    pick_c = torch.randint(0, len(present), (batch,), generator=g).tolist()
    idx = []
    for k in pick_c:
        members = (conds == present[k]).nonzero().flatten()
        idx.append(int(members[int(torch.randint(0, len(members), (1,), generator=g))]))
    x = random_yaw(data[idx], g)
    flip = torch.rand(batch, generator=g) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(-1), x)
    stops = (torch.rand(batch, generator=g) * 2 - 1) * jitter
    x = x + (stops * np.log(2.0) / SCALE)[:, None, None, None]
    return x, conds[idx]


def fake_inputs(
    g_net: EnvGenerator, conds: torch.Tensor, g: torch.Generator, device: torch.device
) -> tuple[torch.Tensor, list[torch.Tensor]]:
    b = conds.shape[0]
    z = torch.randn(b, g_net.config.latent, generator=g).to(device)
    noises = [torch.randn(b, *s, generator=g).to(device) for s in g_net.noise_shapes()]
    return z, noises


@torch.no_grad()
def _digest(panoramas: list[Panorama]) -> list[dict[str, str]]:
    return [
        {
            "name": p.name,
            "condition": p.condition,
            "sha256": hashlib.sha256(np.ascontiguousarray(p.radiance).tobytes()).hexdigest()[:16],
        }
        for p in panoramas
    ]


def train_environment(
    panoramas: list[Panorama],
    out: str | Path,
    config: EnvTrainConfig | None = None,
    *,
    resume: bool = False,
    progress: ProgressFn | None = None,
) -> EnvTrainResult:
    """Train on ``panoramas`` and save to ``out``; resume from ``out`` if asked.

    Deterministic for a seed, thread count and device; a resumed run continues the
    same random streams.
    """
    cfg = config or EnvTrainConfig()
    cfg.validate()
    out = Path(out)
    device = resolve_device(cfg.device)
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    prior: EnvCheckpoint | None = None
    if resume and out.exists():
        prior = load_env_checkpoint(out)
        if prior.train is None:
            raise InputError(f"{out}: has no training state (it was stripped); cannot resume")
        cfg.model = prior.config
    data, conds = prepare(panoramas, cfg.model)
    data = data.to(device)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(cfg.seed)
        g = EnvGenerator(cfg.model).to(device)
        d = EnvDiscriminator(cfg.model).to(device)
    ema = copy.deepcopy(g).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    opt_g = torch.optim.Adam(g.parameters(), lr=cfg.lr_g, betas=(0.0, 0.99))
    opt_d = torch.optim.Adam(d.parameters(), lr=cfg.lr_d, betas=(0.0, 0.99))
    gens = random_streams(cfg.seed)
    run = GanRun(g, ema, d, opt_g, opt_d, gens)
    step, seconds_before = 0, 0.0
    if prior is not None:
        assert prior.train is not None  # checked above
        step = run.restore(prior.train)
        seconds_before = float(prior.meta.get("seconds", 0.0))
        log.info("resuming %s at step %d", out, step)
    if step >= cfg.steps:
        raise InputError(f"steps: {out} already has {step} steps; ask for more than {step}")

    t0 = time.monotonic()
    losses: list[tuple[float, float]] = []

    def save() -> None:
        meta = {
            "panoramas": _digest(panoramas),
            "steps": step,
            "seconds": seconds_before + time.monotonic() - t0,
            "train_config": cfg.to_dict(),
            "torch": str(torch.__version__),
        }
        save_env_checkpoint(EnvCheckpoint(cfg.model, ema.state_dict(), meta, run.state(step)), out)

    g.train()
    d.train()
    while step < cfg.steps:
        x_real, c = sample_real(data.cpu(), conds, cfg.batch, cfg.exposure_jitter, gens["data"])
        x_real, c = x_real.to(device), c.to(device)
        z, noises = fake_inputs(g, c, gens["noise"], device)
        x_fake = g(z, c, noises)
        yaw_r = random_yaw(x_real, gens["data"])
        loss_d = (
            F.relu(1 - d(yaw_r, c)).mean()
            + F.relu(1 + d(random_yaw(x_fake.detach(), gens["data"]), c)).mean()
        )
        opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        opt_d.step()
        loss_g = -d(random_yaw(x_fake, gens["data"]), c).mean()
        opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        opt_g.step()
        ema_update(ema, g, cfg.ema if step >= 200 else 0.0)  # EnvGenerator has no buffers
        step += 1
        losses.append((loss_d.item(), loss_g.item()))
        if end_step(step, cfg.steps, cfg.checkpoint_every, cfg.minutes, t0, save, progress):
            break
    return EnvTrainResult(out, step, time.monotonic() - t0, losses)

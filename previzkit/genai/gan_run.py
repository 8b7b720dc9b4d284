"""What the GAN trainers (the PSGAN in :mod:`previzkit.genai.train`, the environment
model in :mod:`previzkit.genai.envtrain`) share: a run's trained parts and random
streams, restored from and written into a checkpoint's training state, the EMA update,
and the end of each step (progress, periodic checkpoints, the wall-time budget)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from previzkit.core.progress import ProgressFn

log = logging.getLogger(__name__)


def random_streams(seed: int) -> dict[str, torch.Generator]:
    """The run's two random streams, ``data`` (crops, augmentation) and ``noise``."""
    return {
        "data": torch.Generator().manual_seed(seed * 2 + 1),
        "noise": torch.Generator().manual_seed(seed * 2 + 2),
    }


@dataclass
class GanRun:
    """A training run's generator ``g``, its running average ``ema``, discriminator
    ``d``, their optimisers and the random streams ``gens`` (:func:`random_streams`)."""

    g: torch.nn.Module
    ema: torch.nn.Module
    d: torch.nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    gens: dict[str, torch.Generator]

    def restore(self, train: dict[str, Any]) -> int:
        """Load a checkpoint's training state (:meth:`state`); returns its step."""
        self.g.load_state_dict(train["generator"])
        self.ema.load_state_dict(train["ema"])
        self.d.load_state_dict(train["discriminator"])
        self.opt_g.load_state_dict(train["opt_g"])
        self.opt_d.load_state_dict(train["opt_d"])
        for k, s in train["rng"].items():
            self.gens[k].set_state(s)
        return int(train["step"])

    def state(self, step: int) -> dict[str, Any]:
        """The training state a resumed run continues from, after ``step`` updates."""
        return {
            "generator": self.g.state_dict(),
            "ema": self.ema.state_dict(),
            "discriminator": self.d.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "rng": {k: v.get_state() for k, v in self.gens.items()},
            "step": step,
        }


@torch.no_grad()
def ema_update(ema: torch.nn.Module, g: torch.nn.Module, decay: float) -> None:
    """``ema`` <- decay * ``ema`` + (1 - decay) * ``g`` (parameters); buffers copied."""
    for pe, p in zip(ema.parameters(), g.parameters(), strict=True):
        pe.lerp_(p, 1.0 - decay)
    for be, b in zip(ema.buffers(), g.buffers(), strict=True):
        be.copy_(b)


def end_step(
    step: int,
    steps: int,
    checkpoint_every: int,
    minutes: float | None,
    t0: float,
    save: Callable[[], None],
    progress: ProgressFn | None,
) -> bool:
    """After update ``step`` of ``steps``: report progress, ``save()`` every
    ``checkpoint_every`` steps, at the last one and when the run's wall time since
    ``t0`` (time.monotonic, s) passes ``minutes``; True when it has (the run stops)."""
    if progress is not None:
        progress(step, steps)
    out_of_time = minutes is not None and time.monotonic() - t0 > minutes * 60
    if step % checkpoint_every == 0 or step == steps or out_of_time:
        save()
    if out_of_time:
        log.info("time budget of %.1f min reached at step %d", minutes, step)
    return out_of_time


__all__ = ["GanRun", "ema_update", "end_step", "random_streams"]

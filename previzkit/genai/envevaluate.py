"""Evaluate an environment model against held-out real panoramas, per condition.

Everything is compared at the model's native size (128x64 for the shipped model) in
the *log view* (:func:`previzkit.genai.environment.log_view`: ln radiance mapped to
uint8 without clipping), so SWD sees the HDR structure rather than one exposure.

- SWD (:func:`previzkit.genai.metrics.swd_sets`, 7x7 patches of a 3-level Laplacian
  pyramid, ``patches`` per level and set): ``samples`` generated panoramas (seeds 0..)
  vs the held-out panoramas of the condition; the *floor* is the condition's training
  panoramas vs the same held-out panoramas (real vs real); the *ceiling* an untrained
  generator of the same shape vs them.
- lattice: :func:`~previzkit.genai.metrics.lattice_ratio` at the generator's base-cell
  period, over all generated panoramas, beside the real (training + held-out) ones.
- seam: :func:`~previzkit.genai.metrics.seam_ratio` pooled over each condition's
  samples (and over the real panoramas, for reference).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from previzkit.genai.envdata import Panorama, heldout_panoramas, resize_radiance, training_panoramas
from previzkit.genai.environment import EnvCheckpoint, generate_log, load_env_checkpoint, log_view
from previzkit.genai.envmodel import EnvGenerator, decode
from previzkit.genai.metrics import lattice_ratio, seam_ratio, swd_sets


@dataclass
class ConditionScore:
    """One condition's figures (SWD x1e3 level means)."""

    condition: str
    swd: float
    floor: float
    ceiling: float
    seam: float
    heldout: list[str]

    @property
    def ratio(self) -> float:
        """Model SWD over the real-vs-real floor (target < 1.5)."""
        return self.swd / self.floor


@dataclass
class EnvReport:
    """Per-condition scores plus lattice and seam figures."""

    conditions: list[ConditionScore]
    lattice_model: float
    lattice_real: float
    seam_real: float
    samples: int
    patches: int
    size: tuple[int, int]
    extra: dict = field(default_factory=dict)

    def score(self, condition: str) -> ConditionScore:
        return next(c for c in self.conditions if c.condition == condition)

    def format(self) -> str:
        """A plain-text table."""
        w, h = self.size
        lines = [
            f"{'condition':<10}{'SWD':>8}{'floor':>8}{'ratio':>7}{'untrained':>10}{'seam':>7}"
            "  held out"
        ]
        for c in self.conditions:
            lines.append(
                f"{c.condition:<10}{c.swd:8.1f}{c.floor:8.1f}{c.ratio:7.2f}{c.ceiling:10.1f}"
                f"{c.seam:7.3f}  {', '.join(c.heldout)}"
            )
        lines.append(
            f"lattice: model {self.lattice_model:.3f}, real {self.lattice_real:.3f} "
            f"(x{self.lattice_model / self.lattice_real:.2f}); seam of real panoramas "
            f"{self.seam_real:.3f}"
        )
        lines.append(
            f"({self.samples} samples per condition, {self.patches} patches per level, "
            f"{w}x{h} log view)"
        )
        return "\n".join(lines)


def _views(panoramas: list[Panorama], width: int, height: int) -> list[np.ndarray]:
    return [log_view(resize_radiance(p.radiance, width, height)) for p in panoramas]


def _gen_views(gen: EnvGenerator, condition: str, samples: int) -> list[np.ndarray]:
    t = generate_log(gen, condition, list(range(samples)))
    return [log_view(decode(x).permute(1, 2, 0)) for x in t]


def evaluate_environment(
    model: str | Path | EnvCheckpoint,
    samples: int = 16,
    patches: int = 2048,
    seed: int = 0,
) -> EnvReport:
    """Score ``model`` on the held-out panoramas of each of its conditions."""
    ckpt = model if isinstance(model, EnvCheckpoint) else load_env_checkpoint(model)
    gen = ckpt.build_generator()
    cfg = ckpt.config
    w, h = cfg.width, cfg.height
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed + 1)
        untrained = EnvGenerator(cfg).eval()
    scores, all_gen, all_real = [], [], []
    for cond in cfg.conditions:
        held = heldout_panoramas(cond)
        train = training_panoramas(cond)
        if not held or not train:
            continue
        hv, tv = _views(held, w, h), _views(train, w, h)
        gv = _gen_views(gen, cond, samples)
        uv = _gen_views(untrained, cond, samples)
        all_gen += gv
        all_real += hv + tv
        scores.append(
            ConditionScore(
                cond,
                swd_sets(gv, hv, patches, seed=seed)[-1],
                swd_sets(tv, hv, patches, seed=seed)[-1],
                swd_sets(uv, hv, patches, seed=seed)[-1],
                seam_ratio(np.stack(gv)),
                [p.name for p in held],
            )
        )
    return EnvReport(
        scores,
        lattice_ratio(np.stack(all_gen), cfg.cell),
        lattice_ratio(np.stack(all_real), cfg.cell),
        seam_ratio(np.stack(all_real)),
        samples,
        patches,
        (w, h),
    )

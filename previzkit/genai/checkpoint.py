"""Save and load PSGAN checkpoints without running code from the file.

A checkpoint is a ``torch.save`` of plain dicts and tensors, read back with
``torch.load(weights_only=True)``: a pickle that names any class or function is
refused. Layout::

    {"format": "previzkit.genai.psgan", "version": 1,
     "config": ModelConfig.to_dict(), "generator": state_dict (EMA weights),
     "meta": {image, image_sha256, holdout, steps, seconds, metrics, ...},
     "train": {...} or absent}   # discriminator, optimisers, RNG: for resuming
"""

from __future__ import annotations

import hashlib
import io
import pickle
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from previzkit.core.atomic import replacing
from previzkit.core.errors import CheckpointError, ModelNotFound
from previzkit.genai.model import Generator, ModelConfig

FORMAT = "previzkit.genai.psgan"
VERSION = 1


@dataclass
class Checkpoint:
    """A loaded checkpoint: config, generator weights, metadata, optional training state."""

    config: ModelConfig
    generator: dict[str, torch.Tensor]
    meta: dict[str, Any] = field(default_factory=dict)
    train: dict[str, Any] | None = None
    path: Path | None = None
    sha256: str = ""

    def build_generator(self, device: torch.device | str = "cpu") -> Generator:
        """A Generator in eval mode with these weights."""
        g = Generator(self.config)
        try:
            g.load_state_dict(self.generator)
        except RuntimeError as exc:
            raise CheckpointError(
                f"{self.path or '<checkpoint>'}: generator weights do not match its config ({exc})"
            ) from exc
        return g.to(device).eval()


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes (the model hash used for caching)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def save_checkpoint(ckpt: Checkpoint, path: str | Path, with_train_state: bool = True) -> Path:
    """Write ``ckpt`` whole or not at all (core.atomic.replacing); drops training state if asked."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "config": ckpt.config.to_dict(),
        "generator": {k: v.detach().cpu().contiguous() for k, v in ckpt.generator.items()},
        "meta": ckpt.meta,
    }
    if with_train_state and ckpt.train is not None:
        payload["train"] = ckpt.train
    with replacing(path) as tmp:
        torch.save(payload, tmp)
    return path


def safe_load(path: Path, map_location: str | torch.device = "cpu") -> tuple[Any, bytes]:
    """``torch.load(weights_only=True)`` of ``path``: (object, file bytes), clear errors.

    Raises :class:`ModelNotFound` if missing and :class:`CheckpointError` if the file is
    corrupt, not a torch file, or carries code.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelNotFound(f"GAN checkpoint {path} does not exist")
    data = path.read_bytes()
    try:
        obj = torch.load(io.BytesIO(data), map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        lines = [ln.strip() for ln in str(exc).splitlines() if "Unsupported global" in ln]
        if lines:
            raise CheckpointError(
                f"{path}: refused, the file names Python code ({lines[0]}); "
                "a previzkit GAN checkpoint holds only tensors and plain data"
            ) from exc
        raise CheckpointError(
            f"{path}: corrupt or not a torch checkpoint (unreadable pickle)"
        ) from exc
    except (RuntimeError, EOFError, ValueError, zipfile.BadZipFile, OSError, KeyError) as exc:
        raise CheckpointError(
            f"{path}: corrupt or not a torch checkpoint ({type(exc).__name__}: {exc})".splitlines()[
                0
            ]
        ) from exc
    return obj, data


def load_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> Checkpoint:
    """Read a checkpoint safely (``weights_only=True``); clear errors for bad files.

    Raises :class:`ModelNotFound` if missing and :class:`CheckpointError` if the file is
    corrupt, not a torch file, carries code, or is some other program's checkpoint.
    """
    path = Path(path)
    obj, data = safe_load(path, map_location)
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        keys = sorted(map(str, obj))[:8] if isinstance(obj, dict) else type(obj).__name__
        raise CheckpointError(
            f"{path}: not a previzkit GAN checkpoint (expected format {FORMAT!r}; found {keys})"
        )
    if obj.get("version") != VERSION:
        raise CheckpointError(
            f"{path}: checkpoint version {obj.get('version')!r} is not supported (expected {VERSION})"
        )
    try:
        config = ModelConfig.from_dict(obj["config"])
        gen = dict(obj["generator"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CheckpointError(f"{path}: malformed checkpoint config ({exc!r})") from exc
    ckpt = Checkpoint(
        config=config,
        generator=gen,
        meta=dict(obj.get("meta") or {}),
        train=obj.get("train"),
        path=path,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    ckpt.build_generator()  # validates that weights match the config
    return ckpt

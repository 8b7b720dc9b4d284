"""Fixtures for genai tests: a tiny PSGAN trained for a few steps, the shipped models."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")


def _tiny_config():
    from previzkit.genai.model import ModelConfig
    from previzkit.genai.noise import NoiseSpec
    from previzkit.genai.train import TrainConfig

    model = ModelConfig(noise=NoiseSpec(4, 4, 2), g_channels=(16, 8, 8, 4), d_channels=(8, 8, 8, 8))
    return TrainConfig(
        steps=4, batch=2, crop=64, checkpoint_every=2, seed=3, threads=1, model=model
    )


@pytest.fixture(scope="session")
def tiny_config():
    """Factory of the tiny training config (4 steps, batch 2, 64 px crops)."""
    return _tiny_config


@pytest.fixture(scope="session")
def gravel():
    from previzkit.genai.images import load_image

    return load_image("skimage:gravel")


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory, gravel):
    """Path of a tiny checkpoint trained for 4 steps on skimage's gravel."""
    from previzkit.genai.train import train

    path = tmp_path_factory.mktemp("tiny") / "tiny.pt"
    train(gravel, path, _tiny_config(), image_name="skimage:gravel")
    return path


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("PREVIZKIT_CACHE", str(tmp_path / "cache"))

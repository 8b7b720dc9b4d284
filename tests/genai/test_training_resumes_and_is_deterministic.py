"""A tiny PSGAN trains for a few steps, resumes from its checkpoint, and is seedable."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from previzkit.core.errors import InputError  # noqa: E402
from previzkit.genai.checkpoint import load_checkpoint  # noqa: E402
from previzkit.genai.train import train  # noqa: E402


def _weights(path, key="generator"):
    ck = load_checkpoint(path)
    return ck.train[key] if key != "ema_saved" else ck.generator


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def test_training_runs_and_writes_a_checkpoint(tiny_model, tiny_config):
    ck = load_checkpoint(tiny_model)
    assert ck.meta["steps"] == 4
    assert ck.meta["image"] == "skimage:gravel"
    assert ck.train is not None and ck.train["step"] == 4
    assert set(ck.train) >= {"generator", "discriminator", "opt_g", "opt_d", "rng", "ema"}
    assert all(torch.isfinite(v).all() for v in ck.generator.values() if v.is_floating_point())


def test_same_seed_gives_the_same_weights(tmp_path, gravel, tiny_model, tiny_config):
    again = tmp_path / "again.pt"
    result = train(gravel, again, tiny_config(), image_name="skimage:gravel")
    assert result.steps == 4 and len(result.losses) == 4
    assert _same(_weights(again), _weights(tiny_model))
    other = tmp_path / "other.pt"
    train(gravel, other, dataclasses.replace(tiny_config(), seed=4))
    assert not _same(_weights(other), _weights(tiny_model))


def test_resumed_run_matches_an_uninterrupted_one(tmp_path, gravel, tiny_config):
    whole = tmp_path / "whole.pt"
    train(gravel, whole, dataclasses.replace(tiny_config(), steps=4, checkpoint_every=100))
    split = tmp_path / "split.pt"
    train(gravel, split, dataclasses.replace(tiny_config(), steps=2, checkpoint_every=100))
    assert load_checkpoint(split).meta["steps"] == 2
    r = train(gravel, split, dataclasses.replace(tiny_config(), steps=4), resume=True)
    assert r.steps == 4 and len(r.losses) == 2
    for key in ("generator", "discriminator", "ema"):
        assert _same(_weights(split, key), _weights(whole, key)), key
    assert _same(load_checkpoint(split).generator, load_checkpoint(whole).generator)


def test_resume_past_the_requested_steps_is_refused(tiny_model, gravel, tiny_config):
    with pytest.raises(InputError, match="already has 4 steps"):
        train(gravel, tiny_model, dataclasses.replace(tiny_config(), steps=4), resume=True)


def test_time_budget_stops_early_and_saves(tmp_path, gravel, tiny_config):
    path = tmp_path / "budget.pt"
    r = train(gravel, path, dataclasses.replace(tiny_config(), steps=1000, minutes=1e-6))
    assert r.steps == 1
    assert load_checkpoint(path).meta["steps"] == 1


@pytest.mark.parametrize(
    ("change", "image_shape", "message"),
    [
        ({"crop": 50}, (512, 512, 3), "crop: 50 must be a multiple"),
        ({"batch": 1}, (512, 512, 3), "batch: must be at least 2"),
        ({"steps": 0}, (512, 512, 3), "steps: must be at least 1"),
        ({}, (40, 512, 3), "smaller than the 64 px crop"),
        ({"device": "cuda:7"}, (512, 512, 3), "device"),
    ],
)
def test_bad_settings_are_named(tmp_path, change, image_shape, message, tiny_config):
    if change.get("device", "").startswith("cuda") and torch.cuda.is_available():
        pytest.skip("a GPU is present")
    img = np.zeros(image_shape, np.uint8)
    with pytest.raises(InputError, match=message):
        train(img, tmp_path / "x.pt", dataclasses.replace(tiny_config(), **change))

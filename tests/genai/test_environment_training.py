"""Training the environment model: a folder of panoramas with a condition each, resume,
determinism; the architecture wraps at 360° and knows latitude."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from previzkit.core.errors import InputError  # noqa: E402
from previzkit.core.resources import assets_dir  # noqa: E402
from previzkit.genai.envdata import folder_panoramas  # noqa: E402
from previzkit.genai.environment import (  # noqa: E402
    generate_environment,
    load_env_checkpoint,
    seeded_inputs,
)
from previzkit.genai.envmodel import EnvConfig, EnvDiscriminator, EnvGenerator  # noqa: E402
from previzkit.genai.envtrain import EnvTrainConfig, train_environment  # noqa: E402

TINY = EnvConfig(latent=8, g_channels=(16, 8, 8), d_channels=(8, 8, 8), double=1)


def _cfg(steps: int) -> EnvTrainConfig:
    return EnvTrainConfig(steps=steps, batch=2, checkpoint_every=2, threads=1, model=TINY)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Sub-folders named by condition, and a conditions.csv for one more file."""
    root = tmp_path_factory.mktemp("panos")
    env = assets_dir() / "environments"
    for cond, names in {"night": ["night"], "day": ["park"], "interior": ["lab"]}.items():
        (root / cond).mkdir()
        for n in names:
            shutil.copy(env / f"{n}.exr", root / cond / f"{n}.exr")
    shutil.copy(env / "sunset.exr", root / "sunset.exr")
    (root / "conditions.csv").write_text("file,condition\nsunset.exr,dusk\n")
    return root


def test_folder_of_panoramas_with_conditions(folder, tmp_path):
    panos = folder_panoramas(folder)
    assert sorted((p.name, p.condition) for p in panos) == [
        ("lab", "interior"),
        ("night", "night"),
        ("park", "day"),
        ("sunset", "dusk"),
    ]
    assert all(p.radiance.dtype == np.float32 and p.radiance.min() >= 0 for p in panos)
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "conditions.csv").write_text("a.exr,noon\n")
    with pytest.raises(InputError, match=r"conditions.csv:1: .*'noon'"):
        folder_panoramas(bad)
    with pytest.raises(InputError, match="no panoramas"):
        folder_panoramas(_empty(tmp_path))


def _empty(tmp_path):
    d = tmp_path / "empty"
    d.mkdir()
    return d


def test_resumed_training_matches_an_uninterrupted_run(folder, tmp_path):
    panos = folder_panoramas(folder)
    full = train_environment(panos, tmp_path / "full.pt", _cfg(4))
    assert full.steps == 4
    train_environment(panos, tmp_path / "cut.pt", _cfg(2))
    resumed = train_environment(panos, tmp_path / "cut.pt", _cfg(4), resume=True)
    assert resumed.steps == 4
    a = load_env_checkpoint(tmp_path / "full.pt").generator
    b = load_env_checkpoint(tmp_path / "cut.pt").generator
    assert all(torch.equal(a[k], b[k]) for k in a)
    env = generate_environment(tmp_path / "full.pt", "night", 0, 64, 32)
    assert env.srgb.shape == (32, 64, 3)


def test_generator_and_discriminator_wrap_at_360_degrees():
    """Turning the input of every layer by whole base cells turns the output the same:
    no layer has a left or right edge (circular padding in x everywhere)."""
    torch.manual_seed(0)
    g = EnvGenerator(TINY).eval()
    d = EnvDiscriminator(TINY).eval()
    z, cond, noises = seeded_inputs(g, 0, "day")
    with torch.no_grad():
        x = g(z, cond, noises)
        # Discriminator: a yaw by a multiple of its total stride changes nothing.
        step = 2 ** len(TINY.d_channels)
        assert torch.allclose(d(x, cond), d(torch.roll(x, 2 * step, dims=-1), cond), atol=1e-5)
        # Columns 0 and W-1 are neighbours: the seam is no rougher than inside.
        diffs = (x - torch.roll(x, 1, dims=-1)).abs().mean(dim=(0, 1, 2))
        assert diffs[0] <= 3 * diffs.mean()


def test_latitude_is_an_input():
    """The same noise makes different rows (the latitude map enters every block)."""
    g = EnvGenerator(TINY).eval()
    z, cond, noises = seeded_inputs(g, 0, "day")
    noises = [torch.zeros_like(n) for n in noises]
    with torch.no_grad():
        x = g(z, cond, noises)
    rows = x.mean(dim=(0, 1, 3))
    assert (rows[0] - rows[-1]).abs() > 0


def test_cli_trains_on_a_folder_resumes_strips_and_samples_a_condition(folder, tmp_path, capsys):
    from PIL import Image

    from previzkit.cli import main

    out = tmp_path / "env.pt"
    args = ["genai", "train", str(folder), "-o", str(out), "--batch", "2", "--threads", "1"]
    assert main([*args, "--steps", "1"]) == 0
    assert main([*args, "--steps", "2"]) == 0  # resumes
    assert load_env_checkpoint(out).meta["steps"] == 2
    assert "after 2 steps" in capsys.readouterr().out
    small = tmp_path / "env_small.pt"
    assert main(["genai", "strip", str(out), "-o", str(small)]) == 0
    assert load_env_checkpoint(small).train is None
    png = tmp_path / "night.png"
    rc = main(
        ["genai", "sample", str(small), "--condition", "night", "--size", "96x48", "-o", str(png)]
    )
    assert rc == 0
    with Image.open(png) as im:
        assert im.size == (96, 48)
    rc = main(["genai", "sample", str(small), "--condition", "noon", "-o", str(png)])
    assert rc == 2
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        "error: condition: 'noon' is not one of night, dusk, day, interior"
    )


def test_set_file_condition_reaches_the_panorama(tmp_path):
    """``background: {model: environment.pt, condition: night}`` renders that condition;
    a set without ``condition`` gets ``day``; a bad one is one clear error."""
    from previzkit.core.errors import SetFileError
    from previzkit.genai import shipped_model
    from previzkit.model.setfile import load_set
    from previzkit.render.backgrounds import sky_panorama

    model = shipped_model("environment")
    imgs = {}
    for cond in ("night", None):
        key = "" if cond is None else f", condition: {cond}"
        f = tmp_path / f"s_{cond}.yaml"
        f.write_text(f"name: x\nbackground: {{model: {model}, seed: 3, size: [128, 64]{key}}}\n")
        imgs[cond] = sky_panorama(load_set(f))
    assert np.array_equal(imgs["night"], generate_environment(model, "night", 3, 128, 64).srgb)
    assert np.array_equal(imgs[None], generate_environment(model, "day", 3, 128, 64).srgb)
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"name: x\nbackground: {{model: {model}, condition: noon}}\n")
    with pytest.raises(SetFileError, match="condition"):
        load_set(bad)

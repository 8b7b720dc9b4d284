"""The shipped checkpoints: small, wrap at 360°, beat noise and the untrained net, seedable."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

from previzkit.genai import SHIPPED_MODELS, shipped_model  # noqa: E402
from previzkit.genai.checkpoint import load_checkpoint  # noqa: E402
from previzkit.genai.evaluate import evaluate  # noqa: E402
from previzkit.genai.images import load_image  # noqa: E402
from previzkit.genai.metrics import seam_ratio  # noqa: E402
from previzkit.genai.panorama import ground_texture, panorama_image  # noqa: E402
from previzkit.genai.sample import generate  # noqa: E402

TRAINED_ON = {"night_sky": "skimage:hubble_deep_field", "ground_gravel": "skimage:gravel"}


@pytest.fixture(scope="module", params=sorted(SHIPPED_MODELS))
def shipped(request):
    return request.param, shipped_model(request.param)


def test_checkpoint_is_small_safe_and_documented(shipped):
    name, path = shipped
    assert path.stat().st_size < 10 * 1024 * 1024
    ck = load_checkpoint(path)  # weights_only=True
    assert ck.train is None  # shipped without optimiser state
    assert ck.meta["image"] == TRAINED_ON[name]
    assert ck.meta["steps"] > 0 and ck.meta["seconds"] > 0


def test_panoramas_wrap_at_360_degrees(shipped):
    _, path = shipped
    for seed in (0, 1, 2):
        img = generate(path, seed, 1024, 512)
        assert seam_ratio(img) <= 1.0, seed
    unwrapped = generate(path, 0, 1024, 512, wrap_x=False)
    assert seam_ratio(unwrapped) > 1.2


def test_same_seed_same_bytes_and_other_seed_differs(shipped):
    _, path = shipped
    a = generate(path, 7, 512, 256)
    b = generate(path, 7, 512, 256)
    assert a.tobytes() == b.tobytes()
    assert not np.array_equal(a, generate(path, 8, 512, 256))
    assert np.array_equal(panorama_image(path, 7, 512, 256), a)


def test_beats_noise_and_the_untrained_generator_on_swd(shipped):
    name, path = shipped
    report = evaluate(path, load_image(TRAINED_ON[name]), tiles=12, tile=128, patches=64)
    model = report.row("model").mean
    assert model < 0.8 * report.row("untrained generator").mean, report.format()
    assert model < 0.8 * report.row("noise").mean, report.format()
    assert report.row("real vs real (floor)").mean < model


def test_ground_texture_tiles(shipped):
    name, path = shipped
    if name != "ground_gravel":
        pytest.skip("ground texture check is for the ground model")
    t = ground_texture(path, 0, 256)
    assert seam_ratio(t) <= 1.0 and seam_ratio(t.transpose(1, 0, 2)) <= 1.0

"""Checkpoints load with weights_only=True: code in a file never runs; bad files say why."""

from __future__ import annotations

import pickle

import pytest

torch = pytest.importorskip("torch")

from previzkit.core.errors import CheckpointError, InputError, ModelNotFound  # noqa: E402
from previzkit.genai.checkpoint import load_checkpoint, save_checkpoint  # noqa: E402
from previzkit.genai.train import train  # noqa: E402

RAN = []


class Payload:
    """Unpickling this would call RAN.append (a stand-in for arbitrary code)."""

    def __reduce__(self):
        return (RAN.append, ("code ran",))


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(ModelNotFound, match=r"nope\.pt"):
        load_checkpoint(tmp_path / "nope.pt")


def test_truncated_file_is_corrupt(tmp_path, tiny_model):
    bad = tmp_path / "cut.pt"
    bad.write_bytes(tiny_model.read_bytes()[:5000])
    with pytest.raises(CheckpointError, match=r"cut\.pt: corrupt or not a torch checkpoint"):
        load_checkpoint(bad)


def test_random_bytes_are_corrupt(tmp_path):
    bad = tmp_path / "noise.pt"
    bad.write_bytes(bytes(range(256)) * 10)
    with pytest.raises(CheckpointError, match=r"noise\.pt"):
        load_checkpoint(bad)


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_code_in_a_pickle_never_runs(tmp_path):
    evil = tmp_path / "evil.pt"
    torch.save({"format": "previzkit.genai.psgan", "x": Payload()}, evil)
    with pytest.raises(CheckpointError, match="refused"):
        load_checkpoint(evil)
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(pickle.dumps(Payload()))
    with pytest.raises(CheckpointError):
        load_checkpoint(plain)
    assert RAN == []


def test_foreign_torch_checkpoint_is_named(tmp_path):
    foreign = tmp_path / "resnet.pt"
    torch.save(torch.nn.Linear(3, 2).state_dict(), foreign)
    with pytest.raises(CheckpointError, match=r"resnet\.pt: not a previzkit GAN checkpoint"):
        load_checkpoint(foreign)


def test_wrong_version_and_mismatched_weights(tmp_path, tiny_model):
    ck = load_checkpoint(tiny_model)
    data = torch.load(tiny_model, weights_only=True)
    data["version"] = 99
    v = tmp_path / "v99.pt"
    torch.save(data, v)
    with pytest.raises(CheckpointError, match="version 99"):
        load_checkpoint(v)
    data["version"] = 1
    data["generator"] = {k: v[..., :1] if v.ndim > 1 else v for k, v in ck.generator.items()}
    m = tmp_path / "mismatch.pt"
    torch.save(data, m)
    with pytest.raises(CheckpointError, match="do not match its config"):
        load_checkpoint(m)


def test_stripped_checkpoint_samples_but_cannot_resume(tmp_path, tiny_model, gravel, tiny_config):
    small = save_checkpoint(
        load_checkpoint(tiny_model), tmp_path / "small.pt", with_train_state=False
    )
    assert small.stat().st_size < tiny_model.stat().st_size
    ck = load_checkpoint(small)
    assert ck.train is None
    assert ck.build_generator() is not None
    with pytest.raises(InputError, match="no training state"):
        train(gravel, small, tiny_config(), resume=True)

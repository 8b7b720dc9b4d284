"""Fuzz the set file loader: mutated YAML and random YAML trees give a SetDef or a
SetFileError naming the file (and key); nothing else escapes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from previzkit.core.errors import SetFileError
from previzkit.model.setfile import load_set, parse_set
from tests.helpers import ASSETS
from tests.helpers.fuzzkit import fuzz_settings, mutated_text

SEED = (ASSETS / "sets" / "sample.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def set_dir(tmp_path_factory):
    """A folder laid out like previzkit/assets/ (props and textures linked) to write sets into."""
    root = tmp_path_factory.mktemp("fuzzset")
    for name in ("props", "textures", "characters", "models"):
        (root / name).symlink_to(ASSETS / name)
    (root / "sets").mkdir()
    return root / "sets"


@fuzz_settings()
@given(text=mutated_text(SEED, max_ops=8))
def test_fuzz_mutated_set_file_loads_or_names_the_file(set_dir, text):
    path = set_dir / "fuzz.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        s = load_set(path)
    except SetFileError as exc:
        assert str(path) in str(exc)
        return
    assert s.cameras is not None


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "mannequin",
            "A",
            "B",
            "A_35mm",
            "directional",
            "ambient",
            "point",
            "super35",
            "../props/crate.glb",
            "../textures/sample_sky.png",
        ]
    ),
)
_keys = st.sampled_from(
    [
        "name",
        "stage",
        "props",
        "lights",
        "cameras",
        "marks",
        "background",
        "characters",
        "default_camera",
        "width",
        "depth",
        "grid",
        "mesh",
        "position",
        "rotation",
        "scale",
        "color",
        "type",
        "direction",
        "intensity",
        "lens",
        "focal_mm",
        "sensor",
        "focus_m",
        "target",
        "image",
        "model",
        "seed",
        "size",
        "ground",
        "mark",
        "yaw_deg",
        "height_m",
        "yaw",
        "pitch",
        "roll",
        "quat",
        "A",
        "B",
        "junk",
    ]
)
_trees = st.recursive(
    _scalars,
    lambda kids: st.one_of(st.lists(kids, max_size=4), st.dictionaries(_keys, kids, max_size=5)),
    max_leaves=25,
)


@fuzz_settings()
@given(data=st.dictionaries(_keys, _trees, max_size=8))
def test_fuzz_random_set_tree_validates_or_names_the_key(set_dir, data):
    try:
        parse_set(data, path=set_dir / "tree.yaml")
    except SetFileError as exc:
        assert "tree.yaml" in str(exc)


# regression found by atheris (tests/reliability/atheris_fuzz.py setfile): a list or map
# used as a mapping key made the duplicate-key check raise TypeError out of load_set
@pytest.mark.parametrize(
    "text", ["{[1, 2]: 3}\n", "? [a, b]\n: 1\n", "stage: {{width: 1}: 2}\n", "marks:\n  [A]: 1\n"]
)
def test_regression_unhashable_yaml_key_is_a_set_file_error(set_dir, text):
    path = set_dir / "unhashable.yaml"
    path.write_text(text)
    with pytest.raises(SetFileError, match=r"unhashable\.yaml.*key must be a plain value"):
        load_set(path)

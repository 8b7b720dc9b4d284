"""Helpers for render tests: sets written to tmp_path with meshes made by trimesh."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml


def write_sphere(path: Path, radius: float = 0.1, subdivisions: int = 3) -> Path:
    import trimesh

    trimesh.creation.icosphere(subdivisions=subdivisions, radius=radius).export(path)
    return path


@pytest.fixture
def write_set(tmp_path):
    """write_set(dict, name='set.yaml') -> path of a YAML set file in tmp_path."""

    def write(data: dict, name: str = "set.yaml") -> Path:
        path = tmp_path / name
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return write


@pytest.fixture
def sphere_file(tmp_path):
    return write_sphere(tmp_path / "sphere.glb")


FLAT_LIGHT = [{"type": "ambient", "color": [1.0, 1.0, 1.0]}]  # unlit: exact material colours


def _isolated_set(props: list[dict], **extra) -> dict:
    """A set with a tiny stage, black background and flat light: only props show."""
    data = {
        "stage": {"width": 0.5, "depth": 0.5, "grid": 0},
        "background": {"color": [0.0, 0.0, 0.0]},
        "lights": FLAT_LIGHT,
        "props": props,
    }
    data.update(extra)
    return data


def _centroid(mask: np.ndarray) -> np.ndarray:
    """(x, y) pixel-centre centroid of a boolean (H, W) mask, row 0 at the top."""
    ys, xs = np.nonzero(mask)
    assert len(xs) > 0, "nothing rendered where expected"
    return np.array([xs.mean() + 0.5, ys.mean() + 0.5])


@pytest.fixture
def isolated_set():
    """isolated_set(props, **extra) -> set dict with only props visible (flat light, black)."""
    return _isolated_set


@pytest.fixture
def centroid():
    """centroid(mask) -> (x, y) pixel-centre centroid of a boolean mask."""
    return _centroid

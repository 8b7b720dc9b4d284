"""Equirect -> cube faces follow the OpenGL cube-map table and previzkit's equirect axes."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.errors import InputError, ShapeError
from previzkit.genai.cubemap import (
    FACES,
    direction_to_equirect,
    equirect_to_cubemap,
    face_directions,
    save_cubemap,
)


def _marked_pano():
    """A 256x128 panorama with coloured squares at known directions."""
    pano = np.full((128, 256, 3), 40, np.uint8)
    marks = {
        (0, 0, -1): (255, 0, 0),  # ahead: -z
        (1, 0, 0): (0, 255, 0),  # right: +x
        (0, 0, 1): (0, 0, 255),  # behind: +z
        (-1, 0, 0): (255, 255, 0),  # left: -x
    }
    for d, c in marks.items():
        x, y = direction_to_equirect(np.array(d, float), 256, 128)
        xi, yi = int(x) % 256, int(y)
        for dx in range(-4, 5):
            pano[yi - 4 : yi + 5, (xi + dx) % 256] = c
    pano[:6] = (255, 255, 255)  # zenith
    pano[-6:] = (10, 10, 10)  # nadir
    return pano, marks


def test_face_centres_see_the_right_directions():
    pano, _ = _marked_pano()
    faces = equirect_to_cubemap(pano, 32)
    assert set(faces) == set(FACES)
    c = 16
    assert tuple(faces["-z"][c, c]) == (255, 0, 0)
    assert tuple(faces["+x"][c, c]) == (0, 255, 0)
    assert tuple(faces["+z"][c, c]) == (0, 0, 255)
    assert tuple(faces["-x"][c, c]) == (255, 255, 0)
    assert tuple(faces["+y"][c, c]) == (255, 255, 255)
    assert tuple(faces["-y"][c, c]) == (10, 10, 10)


def test_face_directions_follow_the_gl_table():
    d = face_directions("+x", 2)
    assert np.all(d[..., 0] > 0)
    # GL: +x face, s grows towards -z, t grows towards -y (row 0 on top).
    assert d[0, 1, 2] < d[0, 0, 2] and d[1, 0, 1] < d[0, 0, 1]
    assert np.allclose(np.linalg.norm(face_directions("-y", 5), axis=-1), 1)


def test_equirect_centre_column_looks_down_minus_z():
    x, y = direction_to_equirect(np.array([0.0, 0.0, -1.0]), 400, 200)
    assert (x, y) == (200.0, 100.0)
    x, _ = direction_to_equirect(np.array([1.0, 0.0, 0.0]), 400, 200)
    assert x == 300.0


def test_faces_are_written_as_pngs(tmp_path):
    from PIL import Image

    pano, _ = _marked_pano()
    paths = save_cubemap(pano, tmp_path / "cube", 16)
    assert sorted(p.name for p in paths) == sorted(
        ["px.png", "nx.png", "py.png", "ny.png", "pz.png", "nz.png"]
    )
    with Image.open(paths[0]) as im:
        assert im.size == (16, 16)


def test_bad_inputs():
    with pytest.raises(ShapeError, match="pano"):
        equirect_to_cubemap(np.zeros((10, 20)), 4)
    with pytest.raises(InputError, match="cube face"):
        face_directions("+w", 4)

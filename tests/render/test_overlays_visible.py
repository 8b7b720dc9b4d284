"""Marks show as floor decals, set cameras as frustums (never the one looked through),
the floor grid shows lines at the grid spacing."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.geometry import look_at, view_matrix
from previzkit.model.camera import Lens, perspective_from_lens, project_points
from previzkit.model.setfile import load_set
from previzkit.render.frustums import FRUSTUM_COLOR, frustum_lines
from previzkit.render.renderer import Renderer

pytestmark = pytest.mark.gl

W, H = 320, 240
VIEWER = look_at((0.0, 9.0, 7.0), (0.0, 0.0, 0.0))
LENS = Lens(24.0)

SET = {
    "stage": {
        "width": 8,
        "depth": 8,
        "grid": 1.0,
        "floor_color": [0.2, 0.2, 0.2],
        "grid_color": [0.9, 0.9, 0.9],
    },
    "background": {"color": [0.0, 0.0, 0.0]},
    "marks": {
        "A": {"position": [-1.5, 0.5], "color": [1.0, 0.0, 1.0]},
        "B": {"position": [2.0, -1.0], "radius": 0.6},
    },
    "cameras": {
        "C_50mm": {
            "lens": {"focal_mm": 50, "focus_m": 1.5},
            "position": [2.5, 1.5, 2.5],
            "target": "A",
        }
    },
}


def _project(points, lens=LENS, pose=VIEWER):
    return project_points(
        np.atleast_2d(points), view_matrix(pose), perspective_from_lens(lens, W / H), W, H
    )


def _near(image, xy, color, radius=2, tol=40):
    x, y = (round(c - 0.5) for c in xy)
    patch = image[max(y - radius, 0) : y + radius + 1, max(x - radius, 0) : x + radius + 1]
    diff = np.abs(patch.astype(int) - (np.asarray(color) * 255).astype(int)).max(axis=2)
    return diff.min() <= tol


def test_marks_and_frustums_visible(gl, write_set):
    s = load_set(write_set(SET))
    renderer = Renderer(gl, s)
    try:
        image = renderer.render_image((VIEWER, LENS), W, H)
        renderer.show_marks = renderer.show_frustums = False
        bare = renderer.render_image((VIEWER, LENS), W, H)
    finally:
        renderer.release()
    # mark A's centre is drawn in its colour (the cross), B in the default colour
    a = _project(s.marks["A"].world)[0]
    r, g, b = image[int(a[1]), int(a[0])].astype(int)
    assert r > 150 and b > 150 and g < 60, (r, g, b)
    b = _project(s.marks["B"].world)[0]
    assert _near(image, b, s.marks["B"].color, radius=1, tol=20)
    # the frustum's lines: midpoints of each segment are drawn in the frustum colour
    segs = frustum_lines(s.cameras["C_50mm"]).reshape(-1, 2, 3)
    mids = _project(segs.mean(axis=1))
    hits = [_near(image, m, FRUSTUM_COLOR) for m in mids]
    assert sum(hits) >= len(hits) - 1, hits  # one may be hidden behind another
    # and without overlays neither shows
    assert not _near(bare, a, (1, 0, 1), radius=1, tol=20)
    assert sum(_near(bare, m, FRUSTUM_COLOR) for m in mids) == 0


def test_camera_frustum_hidden_when_looking_through_it(gl, write_set):
    renderer = Renderer(gl, load_set(write_set(SET)))
    try:
        image = renderer.render_image("C_50mm", W, H)
    finally:
        renderer.release()
    frustum_px = (
        np.abs(image.astype(int) - (np.array(FRUSTUM_COLOR) * 255).astype(int)).max(axis=2) < 30
    )
    assert frustum_px.sum() == 0


def test_grid_lines_at_grid_spacing(gl, write_set):
    top = look_at((0.0, 6.0, 0.001), (0.0, 0.0, 0.0))
    renderer = Renderer(gl, load_set(write_set(SET)))
    renderer.show_marks = renderer.show_frustums = False
    try:
        image = renderer.render_image((top, Lens(20.0)), W, H)
    finally:
        renderer.release()
    # looking straight down: along the row through z = 0.5 (between lines z = 0 and 1)
    # the lines x = -1, 0, 1 show bright, the cells between them stay floor-dark
    row_y = int(_project([0.0, 0.0, 0.5], Lens(20.0), top)[0, 1])
    row = image[row_y, :, 0].astype(int)
    for x in (-1.0, 0.0, 1.0):
        px = _project([x, 0.0, 0.5], Lens(20.0), top)[0, 0]
        window = row[int(px) - 2 : int(px) + 3]
        assert window.max() > 120, (x, window)
    for x in (-0.5, 0.5):
        between = _project([x, 0.0, 0.5], Lens(20.0), top)[0, 0]
        assert row[int(between)] < 90, (x, row[int(between)])

"""A prop's rendered centre lands within 1 px of the analytic pinhole projection,
for 18, 35 and 85 mm lenses on a Super 35 sensor."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.core.geometry import view_matrix
from previzkit.model.camera import SENSORS_MM, Lens, perspective_from_lens, project_points
from previzkit.model.setfile import load_set
from previzkit.render.renderer import Renderer

pytestmark = pytest.mark.gl

W, H = 480, 270
EYE = np.array([0.0, 20.0, 0.0])  # high above the (tiny) stage: only the props are in view


@pytest.mark.parametrize("focal_mm", [18.0, 35.0, 85.0])
def test_prop_centre_matches_pinhole_projection(
    gl, write_set, sphere_file, isolated_set, centroid, focal_mm
):
    lens = Lens(focal_mm, *SENSORS_MM["super35"])
    pose = np.eye(4)
    pose[:3, 3] = EYE
    view = view_matrix(pose)
    proj = perspective_from_lens(lens, W / H)
    # place a sphere at several image positions and depths by unprojecting pixels
    f_px = lens.focal_px(W)
    targets = [(0.5 * W, 0.5 * H, 4.0), (0.22 * W, 0.7 * H, 5.0), (0.8 * W, 0.3 * H, 3.5)]
    points = []
    for px, py, depth in targets:
        x = (px - W / 2) / f_px * depth
        y = -(py - H / 2) / f_px * depth
        points.append(EYE + np.array([x, y, -depth]))
    colors = [[1, 0, 0], [0, 1, 0], [0, 0, 1]]
    props = [
        {"name": f"s{i}", "mesh": sphere_file.name, "position": list(map(float, p)), "color": c}
        for i, (p, c) in enumerate(zip(points, colors, strict=True))
    ]
    renderer = Renderer(gl, load_set(write_set(isolated_set(props))))
    try:
        image = renderer.render_image((pose, lens), W, H)
    finally:
        renderer.release()
    expected = project_points(np.array(points), view, proj, W, H)
    assert np.allclose(expected, [t[:2] for t in targets], atol=1e-6)  # analytic sanity
    for i, channel in enumerate(range(3)):
        others = [c for c in range(3) if c != channel]
        mask = (image[..., channel] > 128) & (image[..., others].max(axis=2) < 60)
        got = centroid(mask)
        assert np.abs(got - expected[i]).max() < 1.0, (focal_mm, i, got, expected[i])

"""Characters of a real set file, drawn by the set renderer: joints land where FK says."""

from __future__ import annotations

import math

import numpy as np
import pytest

from previzkit.core.geometry import quat_from_axis_angle, view_matrix
from previzkit.core.types import SkeletonPose
from previzkit.model.camera import perspective_from_lens, project_points
from previzkit.render.gltf_export import export_mannequin_glb
from previzkit.render.look import Look

pytestmark = pytest.mark.gl

W, H = 640, 480


def pose_for(sk):
    return SkeletonPose(
        root=sk.rest_pose().root,
        rotations={
            "left_upper_arm": quat_from_axis_angle((0, 0, 1), math.radians(70)),
            "right_upper_arm": quat_from_axis_angle((0, 0, 1), math.radians(-60)),
            "right_forearm": quat_from_axis_angle((0, 1, 0), math.radians(60)),
            "left_upper_leg": quat_from_axis_angle((1, 0, 0), math.radians(-30)),
            "chest": quat_from_axis_angle((0, 1, 0), math.radians(15)),
        },
    )


@pytest.mark.parametrize("model", ["mannequin", "glb"])
def test_set_characters_joints_are_covered_in_the_renderers_image(
    gl, write_set, isolated_set, tmp_path, model
):
    renderer_mod = pytest.importorskip("previzkit.render.renderer")
    model_ref = (
        "mannequin" if model == "mannequin" else str(export_mannequin_glb(tmp_path / "m.glb"))
    )
    colors = {"ALEX": [0.9, 0.1, 0.1], "SAM": [0.1, 0.2, 0.9]}
    data = isolated_set(
        [],
        marks={"A": {"position": [-0.9, 0.0]}, "B": {"position": [0.9, -0.8]}},
        cameras={
            "main": {
                "lens": {"focal_mm": 28, "sensor": "super35"},
                "position": [0.0, 1.4, 5.5],
                "target": [0.0, 1.0, -0.4],
            }
        },
        characters=[
            {
                "name": "ALEX",
                "model": model_ref,
                "mark": "A",
                "yaw_deg": 30,
                "color": colors["ALEX"],
            },
            {
                "name": "SAM",
                "model": model_ref,
                "mark": "B",
                "yaw_deg": -45,
                "color": colors["SAM"],
            },
        ],
    )
    renderer = renderer_mod.Renderer(gl, write_set(data), look=Look.off())
    try:
        renderer.show_marks = False
        renderer.show_frustums = False
        chars = renderer.drawables.characters
        assert set(chars) == {"ALEX", "SAM"}
        for ch in chars.values():
            ch.set_pose(pose_for(ch.skeleton))
        img = renderer.render_image("main", W, H)
        cam = renderer.drawables.set.camera("main")
        view = view_matrix(cam.camera_to_world())
        proj = perspective_from_lens(cam.lens, W / H)
        for name, ch in chars.items():
            if model == "glb":  # the file's material colour, not the set's
                rgb = np.array([0.75, 0.72, 0.68]) * 255
            else:
                rgb = np.array(colors[name]) * 255
            hit = np.all(np.abs(img.astype(int) - np.round(rgb)) <= 3, axis=2)
            px = project_points(ch.joint_positions(), view, proj, W, H)
            covered = [hit[int(y), int(x)] for x, y in px]
            assert all(covered), [
                n for n, c in zip(ch.skeleton.names, covered, strict=True) if not c
            ]
            # the character stands on its mark
            mark = renderer.drawables.set.marks["A" if name == "ALEX" else "B"]
            assert ch.joint_positions()[0][[0, 2]] == pytest.approx(mark.position, abs=1e-9)
    finally:
        renderer.release()

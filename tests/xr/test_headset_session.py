"""A real OpenXR session on Monado's simulated HMD: EGL binding, lifecycle, >= 30 frames,
the sample set rendered into each eye's swapchain image and read back."""

from __future__ import annotations

import numpy as np
import pytest

from previzkit.model.camera import project_points
from previzkit.xr.pattern import CUBE_CENTER
from previzkit.xr.swapchain import COLOR_PREFERENCE

pytestmark = [pytest.mark.xr, pytest.mark.gl, pytest.mark.slow]

LIFECYCLE = [
    "IDLE",
    "READY",
    "SYNCHRONIZED",
    "VISIBLE",
    "FOCUSED",
    "VISIBLE",
    "SYNCHRONIZED",
    "STOPPING",
    "IDLE",
    "EXITING",
]


def test_instance_finds_the_simulated_hmd(session_run):
    info = session_run["info"]
    assert info["runtime_version"].startswith("25.")
    assert "Monado" in info["runtime_name"]
    assert info["system_name"] == "Monado: Simulated HMD"
    assert [tuple(s) for s in info["view_sizes"]] == [(320, 240), (320, 240)]


def test_session_uses_egl_binding_stage_space_and_depth(session_run):
    assert session_run["binding"] == "egl"
    assert session_run["space"] == "STAGE"
    assert session_run["depth_layer"] is True
    assert session_run["color_format"] in COLOR_PREFERENCE


def test_session_walks_the_whole_lifecycle_and_ends_cleanly(session_run):
    assert session_run["states"] == LIFECYCLE
    assert session_run["pattern_states"] == LIFECYCLE  # a second session on the same instance


def test_at_least_30_frames_rendered(session_run):
    assert session_run["frames"] >= 30
    s = session_run["summary"]
    assert s["frames"] >= 30 and s["total_ms"] > 0


def _eye(tmp, name, eye):
    return np.load(tmp / f"{name}_eye_{eye}.npy")


@pytest.fixture(scope="module")
def out_dir(session_run, tmp_path_factory):
    # session_run's files live in its mktemp dir; find it from the fixture's basetemp.
    base = tmp_path_factory.getbasetemp()
    return next(p for p in base.iterdir() if p.name.startswith("xr-session"))


@pytest.mark.parametrize("eye", [0, 1])
def test_swapchain_image_holds_the_set_render_of_that_eye(session_run, out_dir, eye):
    img = _eye(out_dir, "set", eye)
    ref = np.load(out_dir / f"set_ref_{eye}.npy")
    assert img.shape == (240, 320, 4)
    # The set, not a clear colour: many distinct colours.
    assert len(np.unique(img[..., :3].reshape(-1, 3), axis=0)) > 200
    # Exactly what the renderer draws for this eye's view and projection.
    diff = np.abs(img.astype(int) - ref.astype(int))[..., :3]
    assert diff.mean() < 0.5, f"eye {eye}: mean diff {diff.mean():.2f}"


def test_left_and_right_eyes_differ(session_run, out_dir):
    left, right = _eye(out_dir, "set", 0), _eye(out_dir, "set", 1)
    assert np.abs(left.astype(int) - right.astype(int)).mean() > 0.5
    c2w_l = np.array(session_run["set_views_0"]["c2w"])
    c2w_r = np.array(session_run["set_views_1"]["c2w"])
    ipd = np.linalg.norm(c2w_l[:3, 3] - c2w_r[:3, 3])
    assert 0.05 < ipd < 0.08


@pytest.mark.parametrize("eye", [0, 1])
def test_pattern_cube_lands_where_the_eye_camera_projects_it(session_run, out_dir, eye):
    img = _eye(out_dir, "pattern", eye)
    v = session_run[f"pattern_views_{eye}"]
    ((x, y),) = project_points(
        np.array([CUBE_CENTER]), np.array(v["view"]), np.array(v["proj"]), 320, 240
    )
    assert 0 <= x < 320 and 0 <= y < 240, (x, y)
    r, g, b = img[int(y), int(x), :3]
    assert r > 200 and g < 60 and b < 60, (eye, x, y, img[int(y), int(x)])


def test_simulated_controllers_are_bound_and_tracked(session_run):
    assert set(session_run["profiles_suggested"]) >= {
        "/interaction_profiles/khr/simple_controller",
        "/interaction_profiles/oculus/touch_controller",
        "/interaction_profiles/valve/index_controller",
    }
    assert session_run["current_profiles"] == {
        "/user/hand/left": "/interaction_profiles/khr/simple_controller",
        "/user/hand/right": "/interaction_profiles/khr/simple_controller",
    }
    aims = session_run["aims"]
    assert aims["left"] >= aims["frames"] // 2 and aims["right"] >= aims["frames"] // 2


def test_runtime_without_a_needed_extension_gets_a_clear_error(session_run):
    msg = session_run["missing_extension_error"]
    assert "XR_PREVIZKIT_no_such_extension" in msg
    assert "Monado" in msg and "XR_MNDX_egl_enable" in msg

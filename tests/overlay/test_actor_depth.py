"""The actor's depth per pixel: body parts as capsules at their depth. A real photo of a
man holding a basketball, his right forearm across his chest (OpenCV's
basketball1.png), MediaPipe pose and person segmentation run on it; a rendered card
placed in depth between his forearm and his chest is hidden by the forearm and hides
the chest, where one actor plane would put it wholly in front or behind."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from previzkit.model.camera import Lens, perspective_from_lens
from previzkit.overlay.actor_depth import Capsule, actor_depth_map, capsule_depth
from tests.helpers import flat_stage, write_set

PHOTO = Path("/usr/share/doc/opencv-doc/examples/data/basketball1.png")
W, H = 640, 480
LENS = Lens(35.0)
CAMERA_Y = 1.5  # the camera at (0, 1.5, 0) looking down -z: camera frame = set frame - y
RED = (229, 25, 25)


def test_a_capsule_is_nearest_at_its_axis_and_rounded_at_its_edge():
    proj = perspective_from_lens(LENS, W / H)
    ball = Capsule((0.0, 0.0, -4.0), (0.0, 0.0, -4.0), 0.2)  # a sphere 4 m away
    arm = Capsule((-0.5, -0.3, -3.0), (0.5, -0.3, -3.0), 0.05)  # a bar across, 3 m
    d = capsule_depth([ball, arm], W, H, proj)
    assert d[H // 2, W // 2] == pytest.approx(3.8, abs=2e-3)  # the sphere's front
    f = proj[0, 0] * W / 2
    edge = int(W / 2 + 0.15 * f / 4.0)  # 15 cm off the axis: sqrt(0.2^2 - 0.15^2) nearer
    assert d[H // 2, edge] == pytest.approx(4.0 - np.sqrt(0.2**2 - 0.15**2), abs=0.02)
    bar_row = int(H / 2 + 0.3 * f / 3.0)
    assert d[bar_row, W // 2] == pytest.approx(2.95, abs=3e-3)  # the bar in front of the ball
    assert np.isinf(d[5, 5])  # nothing there
    full = actor_depth_map(d, 4.5)
    assert full[5, 5] == pytest.approx(4.5) and full[H // 2, W // 2] == d[H // 2, W // 2]


def _photo():
    cv2 = pytest.importorskip("cv2")
    if not PHOTO.is_file():
        pytest.skip(f"{PHOTO} not installed (Debian's opencv-doc)")
    img = cv2.cvtColor(cv2.imread(str(PHOTO)), cv2.COLOR_BGR2RGB)
    # the man fills more of the frame (the segmenter is a selfie model)
    return np.ascontiguousarray(
        cv2.resize(img[40:340, 0:400], (W, H), interpolation=cv2.INTER_AREA)
    )


def _set_with_card(folder, centre, size):
    """A set with a red card (the shipped ball mesh, 0.6 m, flattened to an elliptic disc)
    facing the camera, ``centre`` in the camera frame, ``size`` (w, h) metres, 1 cm thick."""
    x, y, z = centre
    w, h = size
    text = flat_stage("card stage") + (
        "props:\n"
        f"  - {{name: card, mesh: ball.glb, position: [{x:.4f}, {y + CAMERA_Y - h / 2:.4f}, "
        f"{z:.4f}], scale: [{w / 0.6:.4f}, {h / 0.6:.4f}, {0.01 / 0.6:.4f}], "
        f"color: [0.9, 0.1, 0.1]}}\n"
    )
    return write_set(
        folder, text, props=("ball.glb",), name=f"card_{len(list(folder.iterdir()))}.yaml"
    )


@pytest.mark.gl
def test_a_card_between_the_forearm_and_the_chest(gl, tmp_path):
    pytest.importorskip("mediapipe")
    from previzkit.core.geometry import translation
    from previzkit.overlay.actor_depth import BodyDepth
    from previzkit.overlay.compositor import FixedCamera, Overlay, OverlayOptions

    plate = _photo()
    proj = perspective_from_lens(LENS, W / H, 0.05, 500.0)
    pose = np.asarray(translation((0.0, CAMERA_Y, 0.0)), np.float64)
    root = 4.0  # his hips' distance (the actor plane), metres
    with BodyDepth() as body:
        depth = body.depth(plate, proj, root, 0.0)
        lm = body.last_pose.image[:, :2]
    elbow, wrist = lm[14], lm[16]
    arm_px = (elbow + wrist) / 2  # mid forearm, across the chest
    chest_px = (arm_px + (lm[23] + lm[24]) / 2) / 2  # between it and the hips: his shirt
    ax, ay = arm_px.astype(int)
    cx, cy = chest_px.astype(int)
    d_arm, d_chest = float(depth[ay, ax]), float(depth[cy, cx])
    assert d_arm < d_chest - 0.12, (d_arm, d_chest)  # the forearm is nearer than the chest
    # the card: centred between the two pixels, halfway between them in depth
    mid_px = (arm_px + chest_px) / 2
    z = (d_arm + d_chest) / 2
    ndc = (2 * mid_px[0] / W - 1, 1 - 2 * mid_px[1] / H)
    centre = (ndc[0] / proj[0, 0] * z, ndc[1] / proj[1, 1] * z, -z)
    half = np.abs(np.array([ax - cx, ay - cy])) / 2 + 40  # px: both pixels well inside the disc
    size = tuple(float(v) for v in 2 * half * z / (proj[0, 0] * W / 2))

    def run(actor_body):
        set_file = _set_with_card(tmp_path, centre, size)
        opts = OverlayOptions(W, H, matte="segment", actor_depth_m=root, actor_body=actor_body)
        with Overlay(gl, set_file, FixedCamera(pose, LENS), opts) as ov:
            return ov.process(plate)

    frame = run(True)
    img = frame.image
    assert frame.actor_depth_map is not None
    assert frame.matte[ay, ax] > 200 and frame.matte[cy, cx] > 200  # both are him
    near = np.abs(img.astype(int) - RED).max(-1) < 40
    assert near.sum() > 500  # the card is drawn
    # the forearm hides the card; the card hides the chest
    assert np.abs(img[ay, ax].astype(int) - plate[ay, ax]).max() <= 12, (img[ay, ax], plate[ay, ax])
    assert near[cy, cx], img[cy, cx]
    # one plane at his hips' depth puts the card wholly in front of him, forearm too
    flat = run(False)
    assert flat.actor_depth_map is None
    assert np.abs(flat.image[ay, ax].astype(int) - RED).max() < 40
    assert np.abs(flat.image[cy, cx].astype(int) - RED).max() < 40

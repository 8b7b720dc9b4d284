"""previzkit.core.geometry against scipy's Rotation (an independent reference) and the
conventions the set file and the cameras document."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.spatial.transform import Rotation

from previzkit.core.errors import InputError
from previzkit.core.geometry import (
    axis_rotation,
    euler_to_quat,
    euler_zxy_degrees,
    look_at,
    pose_matrix,
    quat_between,
    quat_from_axis_angle,
    quat_from_matrix,
    quat_multiply,
    quat_to_matrix,
    quat_to_matrix_batch,
    translation,
    view_matrix,
    yaw_towards,
)

RNG = np.random.default_rng(7)
RANDOM = Rotation.random(200, random_state=11)


def _same_rotation(q, want) -> None:
    """q and want are the same rotation: equal up to the sign of the quaternion."""
    q, want = np.asarray(q), np.asarray(want)
    assert min(np.abs(q - want).max(), np.abs(q + want).max()) < 1e-12


def test_quat_to_matrix_matches_scipy() -> None:
    for q in RANDOM.as_quat():  # scipy's quaternions are (x, y, z, w) too
        np.testing.assert_allclose(quat_to_matrix(q), Rotation.from_quat(q).as_matrix(), atol=1e-12)


def test_quat_to_matrix_normalises() -> None:
    q = RANDOM[0].as_quat()
    np.testing.assert_allclose(quat_to_matrix(3.5 * q), quat_to_matrix(q), atol=1e-12)


def test_batch_equals_scalar_with_leading_axes() -> None:
    q = RANDOM.as_quat().reshape(10, 20, 4)
    m = quat_to_matrix_batch(q)
    assert m.shape == (10, 20, 3, 3)
    np.testing.assert_allclose(m.reshape(-1, 3, 3), RANDOM.as_matrix(), atol=1e-12)


def test_quat_from_matrix_matches_scipy_and_keeps_w_positive() -> None:
    for r in RANDOM:
        q = quat_from_matrix(r.as_matrix())
        assert q[3] >= 0
        assert math.isclose(float(np.linalg.norm(q)), 1.0, abs_tol=1e-12)
        _same_rotation(q, r.as_quat())


def test_quat_from_matrix_reads_the_rotation_of_a_4x4() -> None:
    r = RANDOM[3]
    m = pose_matrix((1.0, 2.0, 3.0), r.as_quat())
    _same_rotation(quat_from_matrix(m), r.as_quat())


@pytest.mark.parametrize(
    "axis",
    [
        (1, 0, 0),  # w = 0, x largest: the second branch
        (0, 1, 0),  # y largest: the third
        (0, 0, 1),  # z largest: the fourth
        (1, 1, 0),  # x = y tie
        (0, 1, 1),
        (1, -2, 0.5),
        (-0.3, 0.2, -1),
    ],
)
@pytest.mark.parametrize("angle", [math.pi, math.pi - 1e-7, math.pi - 0.3])
def test_round_trip_near_half_turns(axis, angle) -> None:
    """w ~ 0: the trace is about -1 and the branch divides by the largest of x, y, z."""
    want = Rotation.from_rotvec(np.asarray(axis, float) / np.linalg.norm(axis) * angle)
    q = quat_from_matrix(want.as_matrix())
    _same_rotation(q, want.as_quat())
    np.testing.assert_allclose(quat_to_matrix(q), want.as_matrix(), atol=1e-12)


def test_round_trip_identity_and_small_angles() -> None:
    assert quat_from_matrix(np.eye(3)) == (0.0, 0.0, 0.0, 1.0)
    for angle in (1e-9, 1e-4, 0.1):
        want = Rotation.from_rotvec([0.2 * angle, -angle, 0.5 * angle])
        _same_rotation(quat_from_matrix(want.as_matrix()), want.as_quat())


def test_quat_from_axis_angle_matches_scipy() -> None:
    for _ in range(50):
        axis = RNG.normal(size=3)
        angle = float(RNG.uniform(-2 * math.pi, 2 * math.pi))
        want = Rotation.from_rotvec(axis / np.linalg.norm(axis) * angle).as_quat()
        _same_rotation(quat_from_axis_angle(axis, angle), want)
    # right hand: +90 degrees about +z turns +x to +y
    r = quat_to_matrix(quat_from_axis_angle((0, 0, 2), math.pi / 2))
    np.testing.assert_allclose(r @ (1, 0, 0), (0, 1, 0), atol=1e-12)
    with pytest.raises(InputError):
        quat_from_axis_angle((0, 0, 0), 1.0)


def test_quat_between_turns_u_onto_v() -> None:
    for _ in range(50):
        u, v = RNG.normal(size=3), RNG.normal(size=3)
        r = quat_to_matrix(quat_between(u, v))
        np.testing.assert_allclose(r @ (u / np.linalg.norm(u)), v / np.linalg.norm(v), atol=1e-12)
        # shortest arc: the angle turned is the angle between them
        angle = Rotation.from_matrix(r).magnitude()
        cos = np.dot(u, v) / np.linalg.norm(u) / np.linalg.norm(v)
        assert math.isclose(angle, math.acos(cos), abs_tol=1e-9)


@pytest.mark.parametrize("u", [(1, 0, 0), (0, 1, 0), (0, 0, -3), (1, 2, 3)])
def test_quat_between_opposite_directions_is_a_half_turn(u) -> None:
    u = np.asarray(u, float)
    r = quat_to_matrix(quat_between(u, -u))
    np.testing.assert_allclose(r @ u, -u, atol=1e-12)
    assert math.isclose(Rotation.from_matrix(r).magnitude(), math.pi, abs_tol=1e-9)


def test_quat_multiply_composes_like_matrices() -> None:
    a, b = RANDOM[5].as_quat(), RANDOM[6].as_quat()
    np.testing.assert_allclose(
        quat_to_matrix(quat_multiply(a, b)), quat_to_matrix(a) @ quat_to_matrix(b), atol=1e-12
    )
    _same_rotation(quat_multiply(a, b), (RANDOM[5] * RANDOM[6]).as_quat())


def test_euler_is_the_set_files_ry_rx_rz() -> None:
    """Set files: R = Ry(yaw) Rx(pitch) Rz(roll), degrees (intrinsic Y, X', Z'')."""
    for yaw, pitch, roll in RNG.uniform(-180, 180, size=(50, 3)):
        want = Rotation.from_euler("YXZ", [yaw, pitch, roll], degrees=True)
        _same_rotation(euler_to_quat(yaw, pitch, roll), want.as_quat())
        np.testing.assert_allclose(
            quat_to_matrix(euler_to_quat(yaw, pitch, roll)),
            axis_rotation(1, math.radians(yaw))
            @ axis_rotation(0, math.radians(pitch))
            @ axis_rotation(2, math.radians(roll)),
            atol=1e-12,
        )


def test_euler_directions_the_set_file_documents() -> None:
    """With zero rotation a camera looks down -z; yaw 90 turns it to -x; pitch 90 looks up."""
    forward = np.array([0.0, 0.0, -1.0])
    np.testing.assert_allclose(quat_to_matrix(euler_to_quat(0)) @ forward, forward)
    np.testing.assert_allclose(quat_to_matrix(euler_to_quat(90)) @ forward, (-1, 0, 0), atol=1e-12)
    np.testing.assert_allclose(
        quat_to_matrix(euler_to_quat(0, 90)) @ forward, (0, 1, 0), atol=1e-12
    )
    # roll turns about the view axis: +x (camera right) goes to +y
    np.testing.assert_allclose(
        quat_to_matrix(euler_to_quat(0, 0, 90)) @ (1, 0, 0), (0, 1, 0), atol=1e-12
    )


def test_axis_rotation_matches_scipy_and_batches() -> None:
    angles = RNG.uniform(-math.pi, math.pi, size=(4, 5))
    for axis, name in enumerate("xyz"):
        m = axis_rotation(axis, angles)
        assert m.shape == (4, 5, 3, 3)
        want = Rotation.from_euler(name, angles.reshape(-1, 1)).as_matrix()
        np.testing.assert_allclose(m.reshape(-1, 3, 3), want, atol=1e-12)
        np.testing.assert_allclose(axis_rotation(axis, float(angles[0, 0])), want[0], atol=1e-12)


def test_each_axis_turns_right_handed() -> None:
    """Rx/Ry/Rz by 90 degrees turn y->z, z->x and x->y (right-handed, as BVH means)."""
    turn = {0: ([0, 1, 0], [0, 0, 1]), 1: ([0, 0, 1], [1, 0, 0]), 2: ([1, 0, 0], [0, 1, 0])}
    for axis, (v, want) in turn.items():
        assert np.allclose(axis_rotation(axis, np.radians(np.array(90.0))) @ v, want, atol=1e-12)


def test_euler_zxy_degrees_inverts_rz_rx_ry() -> None:
    angles = np.column_stack(
        [RNG.uniform(-180, 180, 100), RNG.uniform(-89, 89, 100), RNG.uniform(-180, 180, 100)]
    )
    m = Rotation.from_euler("ZXY", angles, degrees=True).as_matrix()
    np.testing.assert_allclose(euler_zxy_degrees(m), angles, atol=1e-9)
    # gimbal lock: x = 90, the turn about the vertical all in z
    locked = Rotation.from_euler("ZXY", [30.0, 90.0, 20.0], degrees=True).as_matrix()
    z, x, y = euler_zxy_degrees(locked)
    assert (x, y) == pytest.approx((90.0, 0.0), abs=1e-6)
    np.testing.assert_allclose(
        Rotation.from_euler("ZXY", [z, x, y], degrees=True).as_matrix(), locked, atol=1e-6
    )


def test_pose_matrix_is_t_times_r() -> None:
    q = RANDOM[9].as_quat()
    m = pose_matrix((1.0, -2.0, 0.5), q)
    np.testing.assert_allclose(m[:3, :3], Rotation.from_quat(q).as_matrix(), atol=1e-12)
    np.testing.assert_allclose(m[:3, 3], (1.0, -2.0, 0.5))
    np.testing.assert_allclose(m[3], (0, 0, 0, 1))
    np.testing.assert_allclose(pose_matrix((0, 0, 0)), np.eye(4))


def test_translation_moves_then_turns_about_y() -> None:
    m = translation((2.0, 0.0, -1.0), math.pi / 2)
    np.testing.assert_allclose(
        m[:3, :3], Rotation.from_euler("y", 90, degrees=True).as_matrix(), atol=1e-12
    )
    np.testing.assert_allclose(m @ (1, 1.6, 0, 1), (2.0, 1.6, -2.0, 1), atol=1e-12)
    np.testing.assert_allclose(translation((1, 2, 3)), pose_matrix((1, 2, 3)))


def test_look_at_points_minus_z_at_the_target() -> None:
    eye, target = np.array([1.0, 2.0, 5.0]), np.array([-1.0, 1.0, 0.0])
    m = look_at(eye, target)
    r = m[:3, :3]
    np.testing.assert_allclose(r.T @ r, np.eye(3), atol=1e-12)
    assert math.isclose(float(np.linalg.det(r)), 1.0, abs_tol=1e-12)  # right-handed
    d = (target - eye) / np.linalg.norm(target - eye)
    np.testing.assert_allclose(-m[:3, 2], d, atol=1e-12)
    np.testing.assert_allclose(m[:3, 3], eye)
    assert abs(m[1, 0]) < 1e-12  # no roll: camera +x stays level
    assert m[1, 1] > 0  # camera +y is up
    # the target lands on the view axis in front of the camera
    p = view_matrix(m) @ np.append(target, 1.0)
    np.testing.assert_allclose(p[:2], (0, 0), atol=1e-12)
    assert math.isclose(p[2], -np.linalg.norm(target - eye), rel_tol=1e-12)


def test_look_at_straight_down_and_the_same_point() -> None:
    m = look_at((0, 5, 0), (0, 0, 0))
    np.testing.assert_allclose(-m[:3, 2], (0, -1, 0), atol=1e-12)
    assert math.isclose(float(np.linalg.det(m[:3, :3])), 1.0, abs_tol=1e-12)
    with pytest.raises(InputError):
        look_at((1, 1, 1), (1, 1, 1))


def test_view_matrix_inverts_a_rigid_transform() -> None:
    for r in RANDOM[:20]:
        m = pose_matrix(RNG.normal(size=3), r.as_quat())
        np.testing.assert_allclose(view_matrix(m), np.linalg.inv(m), atol=1e-12)


def test_yaw_towards() -> None:
    """Degrees about +y, 0 faces +z: +x is 90, -x is -90, -z is 180."""
    src = np.array([1.0, 0.0, 1.0])
    assert yaw_towards(src, src + np.array([0, 0, 2])) == pytest.approx(0.0)
    assert yaw_towards(src, src + np.array([3, 0, 0])) == pytest.approx(90.0)
    assert yaw_towards(src, src + np.array([-3, 5, 0])) == pytest.approx(-90.0)
    assert abs(yaw_towards(src, src + np.array([0, 0, -1]))) == pytest.approx(180.0)
    # turning +z by that yaw about +y faces the target
    for _ in range(20):
        dst = RNG.normal(size=3)
        r = translation((0, 0, 0), math.radians(yaw_towards(src, dst)))[:3, :3]
        d = (dst - src) * (1, 0, 1)
        np.testing.assert_allclose(r @ (0, 0, 1), d / np.linalg.norm(d), atol=1e-12)

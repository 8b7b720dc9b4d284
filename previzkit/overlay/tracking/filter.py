"""The tracked camera's filtered pose: a constant-velocity Kalman filter on position and
orientation that predicts through short losses and says when tracking is lost. Pure numpy.

State: position ``p`` and velocity ``v`` (set frame, metres, m/s), orientation ``R``
(camera-to-world) and angular velocity ``w`` (set frame, rad/s). The orientation is
filtered in error-state form: its error is a small set-frame rotation vector, so a
measurement ``R_m`` gives the innovation ``log(R_m R^T)`` and the update turns ``R`` by
``exp(K d)``. Noise is isotropic per block, so the 12x12 covariance is two 2x2 blocks
(position/velocity, angle/angular velocity) shared by the three axes: a step costs
about 0.2 ms of Python (docs/overlay.md).

Why a Kalman filter and not One Euro: One Euro smooths but cannot extrapolate, and has no
uncertainty to tell a short dropout (motion blur, a hand over the board) from a real
loss. The constant-velocity model predicts through the dropout, its covariance grows
while no measurement comes (``position_sigma_m``), and a returning measurement gets a
gain near 1: the pose snaps back within a frame, no blend.

States (:class:`TrackState`): ``tracking`` a measurement was used this frame;
``predicting`` none for up to ``horizon_s`` (velocity decays with ``damping_s`` so the
extrapolation stays bounded); ``lost`` after that (``visibility`` ramps from 1 to 0
over ``fade_s`` so an overlay fades its virtual layer out instead of freezing it wrong).
A measurement after ``lost``, or two in a row that fail the innovation gate, restarts the
filter at the measurement (relocalisation).

:class:`FilteredCamera` puts a tracker through the filter as a camera source of the stage
loop (:class:`previzkit.stage.camera.CameraSource`): the overlay hands it to its
:class:`~previzkit.stage.loop.StageLoop` and reads its state each frame.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError
from previzkit.core.geometry import quat_from_matrix


class TrackState(StrEnum):
    """Per frame: a measurement used, a prediction through a dropout, or lost."""

    TRACKING = "tracking"
    PREDICTING = "predicting"
    LOST = "lost"


@dataclass(frozen=True)
class FilterParams:
    """Process noise ``accel_m_s2`` / ``angular_accel_rad_s2`` (white acceleration,
    per sqrt(Hz)); default measurement noise ``position_noise_m`` / ``angle_noise_rad``
    (1 sigma, when the tracker gives none); ``horizon_s`` how long to predict before
    ``lost``; ``fade_s`` the virtual layer's fade-out after it; ``damping_s`` the
    velocity's time constant while predicting; ``gate_sigma`` innovation gate."""

    accel_m_s2: float = 3.0
    angular_accel_rad_s2: float = 3.0
    position_noise_m: float = 0.003
    angle_noise_rad: float = 0.002
    horizon_s: float = 0.4
    fade_s: float = 0.25
    damping_s: float = 0.3
    gate_sigma: float = 6.0

    def __post_init__(self) -> None:
        for name, v in vars(self).items():
            if not (isinstance(v, int | float) and math.isfinite(v) and v > 0):
                raise InputError(f"tracking filter {name} {v!r}: must be a positive number")


@dataclass(frozen=True)
class FilteredPose:
    """The filter's answer for one frame: ``camera_to_world`` (4, 4) or None before any
    measurement; ``state``; ``visibility`` 1 while tracking or predicting, fading to 0 when
    lost; ``position_sigma_m`` / ``angle_sigma_rad`` 1-sigma uncertainty per axis;
    ``since_s`` seconds since the last measurement used."""

    camera_to_world: np.ndarray | None
    state: TrackState
    visibility: float
    position_sigma_m: float
    angle_sigma_rad: float
    since_s: float


def rotvec_to_matrix(w: np.ndarray) -> np.ndarray:
    """(3, 3) rotation of the rotation vector ``w`` (axis * angle, radians)."""
    x, y, z = float(w[0]), float(w[1]), float(w[2])
    angle = math.sqrt(x * x + y * y + z * z)
    if angle < 1e-12:
        return np.eye(3)
    k = np.array([[0.0, -z, y], [z, 0.0, -x], [-y, x, 0.0]]) / angle
    return np.eye(3) + math.sin(angle) * k + (1.0 - math.cos(angle)) * (k @ k)  # Rodrigues


def matrix_to_rotvec(r: np.ndarray) -> np.ndarray:
    """Rotation vector (axis * angle, radians, angle <= pi) of a (3, 3) rotation."""
    x, y, z, w = quat_from_matrix(r)
    v = np.array([x, y, z]) * (1.0 if w >= 0 else -1.0)
    s = math.sqrt(float(v @ v))
    if s < 1e-12:
        return 2.0 * v
    return v / s * 2.0 * math.atan2(s, abs(w))


class _Block:
    """Three axes of a constant-velocity model sharing one 2x2 covariance."""

    def __init__(self, q: float) -> None:
        self.q = q  # acceleration spectral density
        self.v = np.zeros(3)
        self.p = np.eye(2)

    def reset(self, r: float, v_var: float) -> None:
        self.v = np.zeros(3)
        self.p = np.diag([r, v_var])

    def predict(self, dt: float, damping_s: float | None) -> float:
        """Propagate the covariance; returns how far the state moves per unit velocity
        (dt, or less with damping) and decays the velocity."""
        if damping_s is None:
            move, keep = dt, 1.0
        else:
            keep = math.exp(-dt / damping_s)
            move = damping_s * (1.0 - keep)
        f = np.array([[1.0, move], [0.0, keep]])
        q = self.q * np.array([[dt**3 / 3, dt**2 / 2], [dt**2 / 2, dt]])
        self.p = f @ self.p @ f.T + q
        step = move
        self.v = self.v * keep
        return step

    def gain(self, r: float) -> tuple[float, float, float]:
        """Kalman gain (state, velocity) and the innovation variance for noise ``r``."""
        s = self.p[0, 0] + r
        return self.p[0, 0] / s, self.p[1, 0] / s, s

    def correct(self, k0: float, k1: float) -> None:
        kh = np.array([[k0, 0.0], [k1, 0.0]])
        self.p = (np.eye(2) - kh) @ self.p
        self.p = 0.5 * (self.p + self.p.T)


class CameraFilter:
    """Filter camera poses (see module doc): :meth:`step` once per plate frame with the
    frame's time and the tracker's measurement (or None)."""

    def __init__(self, params: FilterParams | None = None) -> None:
        self.params = p = params or FilterParams()
        self._pos = _Block(p.accel_m_s2**2)
        self._rot = _Block(p.angular_accel_rad_s2**2)
        self._x = np.zeros(3)
        self._r = np.eye(3)
        self._t: float | None = None  # time of the state
        self._t_meas: float | None = None  # last measurement used
        self._rejected = 0
        self._steps = 0

    @property
    def initialised(self) -> bool:
        return self._t_meas is not None

    def reset(self) -> None:
        """Forget everything (the next measurement starts the filter)."""
        self._t = self._t_meas = None
        self._rejected = 0

    def _restart(self, t: float, pose: np.ndarray, rp: float, ra: float) -> None:
        self._x = np.array(pose[:3, 3], np.float64)
        self._r = np.array(pose[:3, :3], np.float64)
        self._pos.reset(rp, 1.0)  # velocity unknown: (1 m/s)^2, (1 rad/s)^2
        self._rot.reset(ra, 1.0)
        self._t = self._t_meas = t
        self._rejected = 0

    def step(
        self,
        t: float,
        measurement: np.ndarray | None,
        noise: tuple[float, float] | None = None,
    ) -> FilteredPose:
        """Advance to time ``t`` (seconds, any origin, rising) and use ``measurement`` (a
        camera-to-world 4x4, set frame) when there is one; ``noise`` its (position m,
        angle rad) 1-sigma noise (default: the params')."""
        prm = self.params
        rp, ra = (prm.position_noise_m, prm.angle_noise_rad) if noise is None else noise
        rp, ra = rp * rp, ra * ra
        used = False
        if measurement is not None:
            m = np.asarray(measurement, np.float64)
            if self._t is None or self._t_meas is None or t - self._t_meas > prm.horizon_s:
                self._restart(t, m, rp, ra)  # first, or back from lost: relocalise
                used = True
            else:
                self._predict(t, damped=False)
                used = self._update(t, m, rp, ra)
        elif self._t is not None:
            self._predict(t, damped=True)
        return self._answer(t, used)

    def _predict(self, t: float, damped: bool) -> None:
        assert self._t is not None
        dt = t - self._t
        if dt <= 0:
            return
        damping = self.params.damping_s if damped else None
        self._x = self._x + self._pos.v * self._pos.predict(dt, damping)
        move = self._rot.predict(dt, damping)
        self._r = rotvec_to_matrix(self._rot.v * move) @ self._r
        self._steps += 1
        if self._steps % 64 == 0:  # keep R a rotation despite rounding
            u, _, vt = np.linalg.svd(self._r)
            self._r = u @ vt
        self._t = t

    def _update(self, t: float, m: np.ndarray, rp: float, ra: float) -> bool:
        dp = m[:3, 3] - self._x
        da = matrix_to_rotvec(m[:3, :3] @ self._r.T)
        kp0, kp1, sp = self._pos.gain(rp)
        ka0, ka1, sa = self._rot.gain(ra)
        g = self.params.gate_sigma**2
        if float(dp @ dp) / sp > 3 * g or float(da @ da) / sa > 3 * g:
            self._rejected += 1
            if self._rejected >= 2:  # the camera really is there: relocalise
                self._restart(t, m, rp, ra)
                return True
            return False
        self._rejected = 0
        self._x = self._x + kp0 * dp
        self._pos.v = self._pos.v + kp1 * dp
        self._pos.correct(kp0, kp1)
        self._r = rotvec_to_matrix(ka0 * da) @ self._r
        self._rot.v = self._rot.v + ka1 * da
        self._rot.correct(ka0, ka1)
        self._t_meas = t
        return True

    def _answer(self, t: float, used: bool) -> FilteredPose:
        prm = self.params
        if self._t_meas is None:
            return FilteredPose(None, TrackState.LOST, 0.0, math.inf, math.inf, math.inf)
        since = max(0.0, t - self._t_meas)
        if used:
            state, vis = TrackState.TRACKING, 1.0
        elif since <= prm.horizon_s:
            state, vis = TrackState.PREDICTING, 1.0
        else:
            state = TrackState.LOST
            vis = max(0.0, 1.0 - (since - prm.horizon_s) / prm.fade_s)
        pose = np.eye(4)
        pose[:3, :3] = self._r
        pose[:3, 3] = self._x
        return FilteredPose(
            pose,
            state,
            vis,
            math.sqrt(self._pos.p[0, 0]),
            math.sqrt(self._rot.p[0, 0]),
            since,
        )


class FilteredCamera:
    """A camera source (:class:`previzkit.stage.camera.CameraSource`) that filters a
    tracker's poses: each :meth:`update` asks ``tracker`` for its measurement (or None),
    steps the :class:`CameraFilter` at ``clock()`` (the plate's time, seconds) with it and
    the tracker's ``noise`` when it has one, and answers the filtered pose with the last
    measured lens, or None before the first measurement. :attr:`last` is this frame's
    :class:`FilteredPose` (its ``state`` and ``visibility``), :attr:`measured` whether the
    tracker told the camera this frame. The tracker's ``plate_for_overlay`` is passed on;
    :meth:`close` closes the tracker."""

    def __init__(
        self, tracker: Any, clock: Callable[[], float], params: FilterParams | None = None
    ) -> None:
        self.tracker = tracker
        self.clock = clock
        self.filter = CameraFilter(params)
        self.last = FilteredPose(None, TrackState.LOST, 0.0, math.inf, math.inf, math.inf)
        self.measured = False
        self._lens: Any = None
        # the loop remaps the plate when its camera source can: only when the tracker can
        self.plate_for_overlay: Callable[[npt.NDArray[np.uint8]], npt.NDArray[np.uint8]] | None = (
            getattr(tracker, "plate_for_overlay", None)
        )

    @property
    def state(self) -> TrackState:
        return self.last.state

    @property
    def visibility(self) -> float:
        return self.last.visibility

    def update(self, plate: npt.NDArray[np.uint8]) -> tuple[np.ndarray, Any] | None:
        found = self.tracker.update(plate)
        self.measured = found is not None
        if found is not None:
            self._lens = found[1]
        self.last = est = self.filter.step(
            float(self.clock()),
            None if found is None else found[0],
            getattr(self.tracker, "noise", None),
        )
        if est.camera_to_world is None:
            return None
        return est.camera_to_world, self._lens

    def close(self) -> None:
        self.tracker.close()

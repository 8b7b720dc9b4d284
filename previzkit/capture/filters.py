"""One Euro filter (Casiez, Roussel, Vogel, CHI 2012) for landmarks. Pure numpy.

The filter is a low-pass whose cutoff rises with speed: ``cutoff = min_cutoff +
beta * |dx/dt|`` (Hz), so still landmarks are steady and fast ones do not lag.
``min_cutoff`` (Hz) sets jitter at rest, ``beta`` (per unit of the signal's speed) sets
lag in motion, ``d_cutoff`` (Hz) smooths the speed estimate. Units follow the signal:
pixels for image landmarks, metres for world landmarks.

Dropouts: a landmark whose visibility is below ``min_visibility`` is *held* at its last
filtered value and flagged; its filter state does not advance, and nothing is
extrapolated. A landmark never seen yet passes through unfiltered, flagged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, ShapeError
from previzkit.core.types import Pose


@dataclass(frozen=True)
class OneEuroParams:
    """One Euro parameters: ``min_cutoff`` and ``d_cutoff`` in Hz, ``beta`` in 1/unit."""

    min_cutoff: float = 1.0
    beta: float = 0.0
    d_cutoff: float = 1.0

    def __post_init__(self) -> None:
        for name in ("min_cutoff", "d_cutoff"):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise InputError(f"OneEuroParams.{name} must be > 0 Hz, got {v!r}")
        if not (math.isfinite(self.beta) and self.beta >= 0):
            raise InputError(f"OneEuroParams.beta must be >= 0, got {self.beta!r}")


#: Defaults tuned on BlazePose at 30 fps: pixels (image) and metres (world).
IMAGE_PARAMS = OneEuroParams(min_cutoff=1.5, beta=0.02, d_cutoff=1.0)
WORLD_PARAMS = OneEuroParams(min_cutoff=1.5, beta=2.0, d_cutoff=1.0)


def smoothing_factor(dt: float | npt.NDArray, cutoff: float | npt.NDArray) -> npt.NDArray:
    """Exponential smoothing factor alpha for a step ``dt`` (s) and ``cutoff`` (Hz)."""
    r = 2.0 * math.pi * np.asarray(cutoff) * dt
    return r / (r + 1.0)


def one_euro(
    x: npt.ArrayLike,
    t: npt.ArrayLike,
    params: OneEuroParams = OneEuroParams(),
    valid: npt.ArrayLike | None = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Filter a whole series: ``x`` (N, ...) samples at times ``t`` (N,) seconds.

    ``valid`` (N, ...) bool marks samples to use (default all). Returns the filtered
    series and a ``held`` mask (True where a sample was a dropout held or never seen).
    """
    xs = np.asarray(x, dtype=np.float64)
    ts = np.asarray(t, dtype=np.float64)
    if xs.ndim < 1 or ts.shape != xs.shape[:1]:
        raise ShapeError(
            f"one_euro: x has shape {xs.shape}, t has {ts.shape}; need (N, ...) and (N,)"
        )
    f = OneEuroFilter(params)
    out = np.empty_like(xs)
    held = np.zeros(xs.shape, bool)
    ok = np.ones(xs.shape, bool) if valid is None else np.asarray(valid, bool)
    if ok.shape != xs.shape:
        raise ShapeError(f"one_euro: valid has shape {ok.shape}, x has {xs.shape}")
    for i in range(len(xs)):
        out[i], held[i] = f(xs[i], ts[i], ok[i])
    return out, held


@dataclass
class OneEuroFilter:
    """Stateful One Euro filter over arrays of any fixed shape (elementwise)."""

    params: OneEuroParams = field(default_factory=OneEuroParams)
    _x: npt.NDArray[np.float64] | None = None
    _dx: npt.NDArray[np.float64] | None = None
    _t: npt.NDArray[np.float64] | None = None  # last update time per element
    _seen: npt.NDArray[np.bool_] | None = None

    def reset(self) -> None:
        self._x = self._dx = self._t = self._seen = None

    def __call__(
        self, x: npt.ArrayLike, t: float, valid: npt.ArrayLike | None = None
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
        """Filter one sample ``x`` at time ``t`` (s); returns (filtered, held mask)."""
        x = np.asarray(x, dtype=np.float64)
        ok = np.ones(x.shape, bool) if valid is None else np.broadcast_to(valid, x.shape)
        if self._x is None:
            self._x = x.copy()
            self._dx = np.zeros_like(x)
            self._t = np.full(x.shape, float(t))
            self._seen = ok.copy()
            return x.copy(), ~ok
        if x.shape != self._x.shape:
            raise ShapeError(f"OneEuroFilter: sample shape {x.shape} != {self._x.shape}")
        # set together with _x
        assert self._dx is not None and self._t is not None and self._seen is not None
        p = self.params
        dt = np.maximum(float(t) - self._t, 1e-6)
        dx = (x - self._x) / dt
        a_d = smoothing_factor(dt, p.d_cutoff)
        dx_hat = a_d * dx + (1 - a_d) * self._dx
        cutoff = p.min_cutoff + p.beta * np.abs(dx_hat)
        a = smoothing_factor(dt, cutoff)
        x_hat = a * x + (1 - a) * self._x
        first = ok & ~self._seen  # first sighting: start from the measurement
        upd = ok & self._seen
        self._x = np.where(upd, x_hat, np.where(first, x, self._x))
        self._dx = np.where(upd, dx_hat, np.where(first, 0.0, self._dx))
        self._t = np.where(ok, float(t), self._t)
        held = ~ok
        never = ~ok & ~self._seen
        self._seen = self._seen | ok
        out = np.where(never, x, self._x)
        return out, held


@dataclass
class PoseFilter:
    """One Euro on a :class:`Pose` stream of one actor: image xy (px) and world xyz (m).

    Landmarks with visibility < ``min_visibility`` are held and flagged in
    ``Pose.flags`` (1 = held); their visibility stays as measured.
    """

    image_params: OneEuroParams = IMAGE_PARAMS
    world_params: OneEuroParams = WORLD_PARAMS
    min_visibility: float = 0.5
    _img: OneEuroFilter = field(init=False)
    _world: OneEuroFilter = field(init=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_visibility <= 1.0:
            raise InputError(f"min_visibility must be in [0, 1], got {self.min_visibility!r}")
        self._img = OneEuroFilter(self.image_params)
        self._world = OneEuroFilter(self.world_params)

    def __call__(self, pose: Pose) -> Pose:
        ok = (pose.image[:, 2] >= self.min_visibility)[:, None]
        xy, held = self._img(pose.image[:, :2], pose.timestamp, np.repeat(ok, 2, 1))
        w, _ = self._world(pose.world, pose.timestamp, np.repeat(ok, 3, 1))
        image = pose.image.copy()
        image[:, :2] = xy
        flags = held[:, 0].astype(np.uint8)
        if pose.flags is not None:
            flags |= pose.flags
        return Pose(
            pose.timestamp,
            pose.actor_id,
            image,
            w.astype(np.float32),
            pose.confidence,
            pose.timecode,
            flags,
        )


@dataclass
class ActorFilters:
    """A :class:`PoseFilter` per actor id, created on first sight."""

    image_params: OneEuroParams = IMAGE_PARAMS
    world_params: OneEuroParams = WORLD_PARAMS
    min_visibility: float = 0.5
    filters: dict[int, PoseFilter] = field(default_factory=dict)

    def __call__(self, poses: list[Pose]) -> list[Pose]:
        out = []
        for p in poses:
            f = self.filters.get(p.actor_id)
            if f is None:
                f = PoseFilter(self.image_params, self.world_params, self.min_visibility)
                self.filters[p.actor_id] = f
            out.append(f(p))
        return out

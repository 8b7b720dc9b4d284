"""The virtual camera over a take: one :class:`CameraSample` per frame, and the
:class:`CameraTrack` (the same samples as arrays) that a take keeps as ``camera.npz``.

Frames and units: positions in metres in the set frame (right-handed, y up),
orientations quaternions (x, y, z, w) camera-to-world (the camera looks down its -z),
times in seconds since the take's start, lens lengths in mm, focus in metres.

``camera.npz`` holds ``index`` (N,) int64, ``time`` (N,) s, ``position`` (N, 3) m,
``orientation`` (N, 4) xyzw, ``focal_mm`` (N,), ``sensor_mm`` (N, 2) width and height,
``focus_m`` (N,) and ``meta`` (a JSON string: rate, start_tc, scene, shot, take).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, MissingFileError, ShapeError
from previzkit.core.geometry import pose_matrix, quat_from_matrix
from previzkit.model.camera import Lens

Vec3 = tuple[float, float, float]
Quat = tuple[float, float, float, float]


@dataclass(frozen=True)
class CameraSample:
    """The virtual (or tracked) camera at one frame of a take.

    ``index`` frame number in the take (0-based), ``time`` seconds since the take's
    start, ``position`` metres in the set frame, ``orientation`` quaternion (x, y, z, w)
    camera-to-world, ``focal_mm``, ``sensor_width_mm``, ``sensor_height_mm`` and
    ``focus_m`` the lens.
    """

    index: int
    time: float
    position: Vec3
    orientation: Quat
    focal_mm: float
    sensor_width_mm: float
    sensor_height_mm: float
    focus_m: float

    @classmethod
    def from_lens(
        cls,
        index: int,
        time_s: float,
        position: Iterable[float],
        orientation: Iterable[float],
        lens: Lens,
    ) -> CameraSample:
        """From a position (m), an orientation (x, y, z, w) and a :class:`Lens`."""
        pos = tuple(float(v) for v in position)
        rot = tuple(float(v) for v in orientation)
        if len(pos) != 3 or len(rot) != 4:
            raise ShapeError(
                f"camera sample {index}: position has {len(pos)} values (3), "
                f"orientation {len(rot)} (4)"
            )
        return cls(
            int(index),
            float(time_s),
            (pos[0], pos[1], pos[2]),
            (rot[0], rot[1], rot[2], rot[3]),
            float(lens.focal_mm),
            float(lens.sensor_width_mm),
            float(lens.sensor_height_mm),
            float(lens.focus_m),
        )

    @classmethod
    def from_matrix(
        cls, index: int, time_s: float, camera_to_world: npt.ArrayLike, lens: Lens
    ) -> CameraSample:
        """From a rigid 4x4 camera-to-world transform (m) and a :class:`Lens`."""
        m = np.asarray(camera_to_world, dtype=np.float64)
        if m.shape != (4, 4):
            raise ShapeError(f"camera sample {index}: camera_to_world shape {m.shape} != (4, 4)")
        return cls.from_lens(index, time_s, m[:3, 3], quat_from_matrix(m), lens)

    @property
    def lens(self) -> Lens:
        return Lens(self.focal_mm, self.sensor_width_mm, self.sensor_height_mm, self.focus_m)

    @property
    def camera_to_world(self) -> npt.NDArray[np.float64]:
        """4x4 camera-to-world transform (m)."""
        return np.asarray(pose_matrix(self.position, self.orientation), dtype=np.float64)

    def at(self, index: int, time_s: float) -> CameraSample:
        """This camera at another frame ``index`` / ``time_s``."""
        return dataclasses.replace(self, index=int(index), time=float(time_s))


@dataclass
class CameraTrack:
    """The camera samples of a take as arrays (N samples; see module doc for units)."""

    index: npt.NDArray[np.int64]
    time: npt.NDArray[np.float64]
    position: npt.NDArray[np.float64]
    orientation: npt.NDArray[np.float64]
    focal_mm: npt.NDArray[np.float64]
    sensor_mm: npt.NDArray[np.float64]
    focus_m: npt.NDArray[np.float64]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.index)
        shapes = {
            "time": (self.time, (n,)),
            "position": (self.position, (n, 3)),
            "orientation": (self.orientation, (n, 4)),
            "focal_mm": (self.focal_mm, (n,)),
            "sensor_mm": (self.sensor_mm, (n, 2)),
            "focus_m": (self.focus_m, (n,)),
        }
        for name, (arr, shape) in shapes.items():
            if np.shape(arr) != shape:
                raise ShapeError(f"camera track {name}: shape {np.shape(arr)}, expected {shape}")

    @classmethod
    def from_samples(
        cls, samples: Iterable[CameraSample], meta: dict[str, Any] | None = None
    ) -> CameraTrack:
        cams = list(samples)
        return cls(
            np.array([c.index for c in cams], np.int64),
            np.array([c.time for c in cams], np.float64),
            np.array([c.position for c in cams], np.float64).reshape(-1, 3),
            np.array([c.orientation for c in cams], np.float64).reshape(-1, 4),
            np.array([c.focal_mm for c in cams], np.float64),
            np.array([(c.sensor_width_mm, c.sensor_height_mm) for c in cams], np.float64).reshape(
                -1, 2
            ),
            np.array([c.focus_m for c in cams], np.float64),
            dict(meta or {}),
        )

    def __len__(self) -> int:
        return len(self.index)

    def sample(self, i: int) -> CameraSample:
        """The ``i``-th sample (not frame ``i``: see ``index``)."""
        return CameraSample(
            int(self.index[i]),
            float(self.time[i]),
            (float(self.position[i, 0]), float(self.position[i, 1]), float(self.position[i, 2])),
            (
                float(self.orientation[i, 0]),
                float(self.orientation[i, 1]),
                float(self.orientation[i, 2]),
                float(self.orientation[i, 3]),
            ),
            float(self.focal_mm[i]),
            float(self.sensor_mm[i, 0]),
            float(self.sensor_mm[i, 1]),
            float(self.focus_m[i]),
        )

    def __iter__(self) -> Iterator[CameraSample]:
        return (self.sample(i) for i in range(len(self)))


def write_camera_track(track: CameraTrack, path: str | Path) -> Path:
    """Write ``track`` as ``.npz`` (see module doc); returns the path."""
    out = Path(path)
    np.savez(
        out,
        index=track.index,
        time=track.time,
        position=track.position,
        orientation=track.orientation,
        focal_mm=track.focal_mm,
        sensor_mm=track.sensor_mm,
        focus_m=track.focus_m,
        meta=np.array(json.dumps(track.meta)),
    )
    return out


def read_camera_track(path: str | Path) -> CameraTrack:
    """Read a take's ``camera.npz``."""
    src = Path(path)
    if not src.is_file():
        raise MissingFileError(f"camera track {src}: no such file")
    try:
        with np.load(src) as z:
            return CameraTrack(
                z["index"].astype(np.int64),
                z["time"].astype(np.float64),
                z["position"].astype(np.float64).reshape(-1, 3),
                z["orientation"].astype(np.float64).reshape(-1, 4),
                z["focal_mm"].astype(np.float64),
                z["sensor_mm"].astype(np.float64).reshape(-1, 2),
                z["focus_m"].astype(np.float64),
                dict(json.loads(str(z["meta"]))),
            )
    except (KeyError, ValueError, OSError) as exc:
        raise InputError(f"camera track {src}: not a previzkit camera track ({exc})") from exc


def _one_pole_zero_phase(
    x: npt.NDArray[np.float64], t: npt.NDArray[np.float64], cutoff_hz: float
) -> npt.NDArray[np.float64]:
    """``x`` (N, D) at times ``t`` (N,) s through a one-pole low-pass run forward then
    backward (no lag), both ends extended by odd reflection so a steady motion keeps
    its speed up to the last sample."""
    n = len(x)
    dt = float(np.median(np.diff(t)))
    pad = int(min(n - 1, math.ceil(10.0 / (2.0 * math.pi * cutoff_hz * dt))))  # 10 time constants
    xs = np.concatenate([2 * x[0] - x[pad:0:-1], x, 2 * x[-1] - x[-2 : -pad - 2 : -1]])
    ts = np.concatenate([2 * t[0] - t[pad:0:-1], t, 2 * t[-1] - t[-2 : -pad - 2 : -1]])
    alpha = 1.0 - np.exp(-2.0 * math.pi * cutoff_hz * np.diff(ts))
    for order in (slice(None), slice(None, None, -1)):
        ys, a = xs[order].copy(), alpha[order]
        for i in range(1, len(ys)):
            ys[i] = ys[i - 1] + a[i - 1] * (ys[i] - ys[i - 1])
        xs = ys[order]
    return xs[pad : pad + n]


def smooth_camera_track(track: CameraTrack, cutoff_hz: float = 4.0) -> CameraTrack:
    """A handheld camera track with its jitter filtered out: positions (m) and
    orientations through a zero-phase low-pass of ``cutoff_hz`` (a one-pole filter run
    forward and backward over the sample times, s); quaternions are made
    sign-continuous before and renormalised after. Times, indices, focal length,
    sensor and focus are kept as they are."""
    if not (isinstance(cutoff_hz, int | float) and math.isfinite(cutoff_hz) and cutoff_hz > 0):
        raise InputError(
            f"camera smoothing: cutoff_hz must be a positive number, got {cutoff_hz!r}"
        )
    if len(track) > 1 and not (np.diff(track.time) > 0).all():
        i = int(np.argmax(np.diff(track.time) <= 0)) + 1
        raise InputError(
            f"camera smoothing: sample times must increase; sample {i} at {track.time[i]:g} s "
            f"follows {track.time[i - 1]:g} s"
        )
    norms = np.linalg.norm(track.orientation, axis=1)
    if len(track) and not (np.isfinite(norms).all() and (norms > 1e-9).all()):
        raise InputError("camera smoothing: orientations must be finite non-zero quaternions")
    if len(track) < 3:
        return dataclasses.replace(track, meta=dict(track.meta))
    quats = track.orientation / norms[:, None]
    flips = np.einsum("ij,ij->i", quats[1:], quats[:-1]) < 0
    quats = quats * np.concatenate([[1.0], np.cumprod(np.where(flips, -1.0, 1.0))])[:, None]
    quats = _one_pole_zero_phase(quats, track.time, cutoff_hz)
    quats /= np.linalg.norm(quats, axis=1, keepdims=True)
    return dataclasses.replace(
        track,
        position=_one_pole_zero_phase(track.position, track.time, cutoff_hz),
        orientation=quats,
        index=track.index.copy(),
        time=track.time.copy(),
        focal_mm=track.focal_mm.copy(),
        sensor_mm=track.sensor_mm.copy(),
        focus_m=track.focus_m.copy(),
        meta=dict(track.meta),
    )

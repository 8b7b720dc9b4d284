"""Who is who: one id per person across frames, through crossings and short occlusions.

:class:`Tracker` keeps a track per person: a constant-velocity Kalman filter on the
torso centre and body scale (pixels of the frame, row 0 at the top) and an appearance,
colour histograms of the torso and of the legs (:func:`look`). Each frame the poses
found are assigned to tracks by the Hungarian method
(``scipy.optimize.linear_sum_assignment``) on a cost of motion (distance from the
track's predicted centre over body scale) plus appearance (Bhattacharyya distance of
the histograms); pairs too far in either are never joined. A track that finds no pose
*coasts* on its prediction for ``max_coast`` seconds before it ends; a person who comes
back within that time gets their id again. A pose no live track takes is then
re-identified with a track ended less than ``max_lost`` seconds ago when it looks
alike (a stricter appearance limit, ``max_reid_look``) and lies where that person could
have walked since (``reid_motion`` body scales per second from where they were last
seen): someone hidden in a group for a few seconds keeps their id. Ids start at 0 and
are never reused.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from previzkit.core.optional import require
from previzkit.core.types import Pose

# (landmarks of a region's corners) -> torso: shoulders and hips; legs: hips to knees
_TORSO = (11, 12, 23, 24)
_LEGS = (23, 24, 25, 26)
_BINS = (8, 4)  # hue, saturation
_VBINS = 8  # brightness: grey and black clothes have no hue
_UNSEEN = 1e6


def body_centre_scale(pose: Pose) -> tuple[float, float, float]:
    """Torso centre (x, y px) and body scale (px: the larger of shoulder width and half
    the torso length, at least 8) of a pose."""
    xy = pose.image[:, :2].astype(np.float64)
    c = xy[[11, 12, 23, 24]].mean(0)
    shoulders = float(np.linalg.norm(xy[11] - xy[12]))
    torso = float(np.linalg.norm((xy[11] + xy[12]) / 2 - (xy[23] + xy[24]) / 2))
    return float(c[0]), float(c[1]), max(shoulders, 0.5 * torso, 8.0)


def look(
    pose: Pose, image: npt.NDArray[np.uint8], min_visibility: float = 0.5
) -> npt.NDArray[np.float32]:
    """Appearance of a person: hue/saturation and brightness histograms of the torso
    (the box of shoulders and hips shrunk to its middle; with the hips unseen, a band
    below the shoulders as deep as they are wide) and of the legs (hips to knees, when
    seen), each normalised to sum 1; (2, 8 * 4 + 8) float32, a region unseen all zero."""
    cv2 = require("cv2", "capture", "telling people apart")
    h, w = image.shape[:2]
    xy, v = pose.image[:, :2], pose.image[:, 2] >= min_visibility
    out = np.zeros((2, _BINS[0] * _BINS[1] + _VBINS), np.float32)
    regions = []
    if v[[11, 12]].all():
        if v[[23, 24]].all():
            regions.append((0, xy[list(_TORSO)]))
        else:
            width = float(np.linalg.norm(xy[11] - xy[12]))
            regions.append((0, np.vstack([xy[[11, 12]], xy[[11, 12]] + (0.0, width)])))
    if v[list(_LEGS)].all():
        regions.append((1, xy[list(_LEGS)]))
    for r, pts in regions:
        (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
        mx, my = 0.2 * (x1 - x0), 0.15 * (y1 - y0)
        xa, xb = int(max(0, x0 + mx)), int(min(w, x1 - mx + 1))
        ya, yb = int(max(0, y0 + my)), int(min(h, y1 - my + 1))
        if xb - xa < 2 or yb - ya < 2:
            continue
        hsv = cv2.cvtColor(np.ascontiguousarray(image[ya:yb, xa:xb]), cv2.COLOR_RGB2HSV)
        hs = cv2.calcHist([hsv], [0, 1], None, list(_BINS), [0, 180, 0, 256]).ravel()
        bright = cv2.calcHist([hsv], [2], None, [_VBINS], [0, 256]).ravel()
        out[r] = np.concatenate([hs, bright]) / (2.0 * float(bright.sum()))
    return out


def look_distance(a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]) -> float:
    """Bhattacharyya distance of two :func:`look` values, averaged over the regions
    both saw (0 same, 1 nothing in common; 0.5 when no region was seen by both)."""
    seen = (a.sum(1) > 0) & (b.sum(1) > 0)
    if not seen.any():
        return 0.5
    bc = np.sqrt(a[seen] * b[seen]).sum(1)
    return float(np.sqrt(np.clip(1.0 - bc, 0.0, 1.0)).mean())


class _Kalman:
    """Constant velocity on (cx, cy, scale): state (x, y, s, vx, vy, vs), px and px/s."""

    def __init__(self, cx: float, cy: float, s: float) -> None:
        self.x = np.array([cx, cy, s, 0.0, 0.0, 0.0])
        self.P = np.diag([s, s, s, 4 * s, 4 * s, s]) ** 2 * 0.25

    def predict(self, dt: float) -> None:
        F = np.eye(6)
        F[0, 3] = F[1, 4] = F[2, 5] = dt
        s = max(self.x[2], 8.0)
        q = (2.0 * s) ** 2  # accelerations of about two body scales per s^2
        G = np.vstack([np.eye(3) * (dt * dt / 2), np.eye(3) * dt])
        self.x = F @ self.x
        self.P = F @ self.P @ F.T + G @ G.T * q + np.eye(6) * 1e-6

    def update(self, z: npt.NDArray[np.float64]) -> None:
        s = max(self.x[2], 8.0)
        H = np.hstack([np.eye(3), np.zeros((3, 3))])
        R = np.diag([0.1 * s, 0.1 * s, 0.1 * s]) ** 2
        y = z - H @ self.x
        S = H @ self.P @ H.T + R
        K = self.P @ H.T @ np.linalg.inv(S)
        self.x = self.x + K @ y
        self.P = (np.eye(6) - K @ H) @ self.P


@dataclass
class Track:
    """One person over time: ``first`` and ``last`` seen (s), ``frames`` seen, the last
    pose, and the predicted torso centre and scale (px) at the last :meth:`Tracker.predict`."""

    id: int
    first: float
    last: float
    pose: Pose
    look: npt.NDArray[np.float32]
    kalman: _Kalman
    frames: int = 1
    time: float = 0.0  # of the Kalman state

    @property
    def centre(self) -> tuple[float, float]:
        return float(self.kalman.x[0]), float(self.kalman.x[1])

    @property
    def scale(self) -> float:
        return max(float(self.kalman.x[2]), 8.0)

    def coasting(self, now: float) -> bool:
        """True when this track found no pose at ``now``."""
        return self.last < now


@dataclass
class Tracker:
    """Stable ids by Kalman motion + appearance + Hungarian assignment (module docstring).

    ``max_coast``: seconds a track lives on without a pose; ``max_motion``: largest
    distance from the prediction, in body scales, plus ``coast_motion`` per second
    coasted; ``max_look``: largest appearance distance (0..1); ``look_weight``: the
    appearance's weight in the cost, in body scales per unit distance; ``max_lost``,
    ``max_reid_look``, ``reid_motion``: re-identification of ended tracks (module
    docstring; ``max_lost=0`` turns it off).
    """

    max_coast: float = 1.0
    max_motion: float = 1.5
    coast_motion: float = 3.0
    max_look: float = 0.6
    look_weight: float = 4.0
    max_lost: float = 3.0
    max_reid_look: float = 0.35
    reid_motion: float = 2.0
    tracks: list[Track] = field(default_factory=list)
    ended: list[Track] = field(default_factory=list)
    _next: int = 0

    def predict(self, now: float) -> list[Track]:
        """Move every live track's prediction to ``now`` (s); the live tracks."""
        for t in self.tracks:
            if now > t.time:
                t.kalman.predict(now - t.time)
                t.time = now
        return list(self.tracks)

    def update(self, poses: list[Pose], image: npt.NDArray[np.uint8], now: float) -> list[Pose]:
        """Give each pose (found in ``image`` at ``now`` s) an ``actor_id`` (in place);
        return them sorted by id. Tracks unseen for more than ``max_coast`` end."""
        optimize = require("scipy.optimize", "capture", "keeping people's ids")
        self.predict(now)
        feats = [(body_centre_scale(p), look(p, image)) for p in poses]
        cost = np.full((len(poses), len(self.tracks)), _UNSEEN)
        for i, ((cx, cy, s), lk) in enumerate(feats):
            for k, t in enumerate(self.tracks):
                tx, ty = t.centre
                motion = float(np.hypot(cx - tx, cy - ty)) / max(s, t.scale)
                motion += abs(np.log(s / t.scale))
                app = look_distance(lk, t.look)
                limit = self.max_motion + self.coast_motion * max(0.0, now - t.last)
                if motion <= limit and app <= self.max_look:
                    cost[i, k] = motion + self.look_weight * app
        matched: set[int] = set()
        if poses and self.tracks:
            rows, cols = optimize.linear_sum_assignment(cost)
            for i, k in zip(rows.tolist(), cols.tolist(), strict=True):
                if cost[i, k] >= _UNSEEN:
                    continue
                t = self.tracks[k]
                (cx, cy, s), lk = feats[i]
                t.kalman.update(np.array([cx, cy, s]))
                t.look = 0.9 * t.look + 0.1 * lk if t.look.sum() > 0 else lk
                t.last, t.pose = now, poses[i]
                t.frames += 1
                poses[i].actor_id = t.id
                matched.add(i)
        matched |= self._reidentify(poses, feats, matched, now)
        for i, p in enumerate(poses):
            if i not in matched:
                (cx, cy, s), lk = feats[i]
                self.tracks.append(Track(self._next, now, now, p, lk, _Kalman(cx, cy, s), time=now))
                p.actor_id = self._next
                self._next += 1
        live = [t for t in self.tracks if now - t.last <= self.max_coast]
        self.ended.extend(t for t in self.tracks if now - t.last > self.max_coast)
        self.tracks = live
        return sorted(poses, key=lambda p: p.actor_id)

    def _reidentify(
        self,
        poses: list[Pose],
        feats: list[tuple[tuple[float, float, float], npt.NDArray[np.float32]]],
        matched: set[int],
        now: float,
    ) -> set[int]:
        """Give poses no live track took the ids of ended tracks they look like (module
        docstring); the revived tracks live again. The indices of the poses given one."""
        optimize = require("scipy.optimize", "capture", "keeping people's ids")
        free = [i for i in range(len(poses)) if i not in matched]
        lost = [t for t in self.ended if now - t.last <= self.max_lost]
        if not free or not lost:
            return set()
        cost = np.full((len(free), len(lost)), _UNSEEN)
        for r, i in enumerate(free):
            (cx, cy, s), lk = feats[i]
            for k, t in enumerate(lost):
                lx, ly, ls = body_centre_scale(t.pose)
                far = float(np.hypot(cx - lx, cy - ly)) / max(s, ls)
                app = look_distance(lk, t.look)
                if far <= self.max_motion + self.reid_motion * (now - t.last) and (
                    app <= self.max_reid_look
                ):
                    cost[r, k] = app
        revived: set[int] = set()
        rows, cols = optimize.linear_sum_assignment(cost)
        for r, k in zip(rows.tolist(), cols.tolist(), strict=True):
            if cost[r, k] >= _UNSEEN:
                continue
            i, t = free[r], lost[k]
            (cx, cy, s), lk = feats[i]
            t.kalman, t.time = _Kalman(cx, cy, s), now
            t.look = 0.9 * t.look + 0.1 * lk if t.look.sum() > 0 else lk
            t.last, t.pose = now, poses[i]
            t.frames += 1
            poses[i].actor_id = t.id
            self.ended.remove(t)
            self.tracks.append(t)
            revived.add(i)
        return revived

    def summary(self) -> dict[int, dict[str, float | int]]:
        """Per id: ``first`` and ``last`` seen (s) and ``frames`` seen, every track so far."""
        return {
            t.id: {"first": t.first, "last": t.last, "frames": t.frames}
            for t in sorted(self.ended + self.tracks, key=lambda t: t.id)
        }

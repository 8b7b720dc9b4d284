"""Several actors: find every clearly visible person, keep a stable id for each.

MediaPipe's ``num_poses`` misses people standing side by side (its detector's
non-maximum suppression keeps one of them), so previzkit finds people by
*detect, mask, detect again*: each found person is painted out (grey body silhouette
plus the box of their visible landmarks) and the frame is searched again, until
nobody new is found. Wide frames are also searched in overlapping square tiles, so
people small in the frame are not lost to the detector's 224 px input.

Video (:class:`MultiPersonPose`): each tracked actor has a *lane*, its own
PoseLandmarker in video mode that follows that actor (MediaPipe skips its detector
while tracking) on the frame with the other actors' boxes masked. Every
``search_every`` frames an idle lane looks for new people on the frame with everyone
known masked. Ids come from :class:`PersonIds`, which matches people between frames by
position and by the appearance of the landmark set (body proportions and the colours
under the torso), not from the lanes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypedDict

import numpy as np
import numpy.typing as npt

from previzkit.capture.pose import PoseEstimator, check_image
from previzkit.core.errors import InputError
from previzkit.core.optional import require
from previzkit.core.types import Pose

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

MASK_VALUE = 127


class _Confidences(TypedDict):
    """The confidence keywords every lane's :class:`PoseEstimator` is built with."""

    min_detection_confidence: float
    min_presence_confidence: float
    min_tracking_confidence: float


_BONES = (
    (11, 12),
    (11, 23),
    (12, 24),
    (23, 24),
    (11, 13),
    (13, 15),
    (12, 14),
    (14, 16),
    (23, 25),
    (25, 27),
    (24, 26),
    (26, 28),
    (15, 19),
    (16, 20),
    (27, 31),
    (28, 32),
    (11, 24),
    (12, 23),
    (0, 11),
    (0, 12),
)
# proportions used as appearance: pairs of landmarks whose 3D distances are compared
_PROPORTIONS = (
    (11, 12),
    (23, 24),
    (11, 13),
    (13, 15),
    (12, 14),
    (14, 16),
    (23, 25),
    (25, 27),
    (24, 26),
    (26, 28),
    (11, 23),
    (12, 24),
)
_COLOUR_POINTS = ((11, 23), (12, 24), (11, 12), (23, 24), (11, 24))


# --- geometry of one pose ---------------------------------------------------------------


def visible_box(
    pose: Pose, width: int, height: int, margin: float = 0.2, min_visibility: float = 0.5
) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) px box of the pose's visible landmarks, grown by ``margin`` of its
    longer side, clipped to the frame (all landmarks when fewer than 4 are visible)."""
    v = pose.image[:, 2] >= min_visibility
    pts = pose.image[v, :2] if v.sum() >= 4 else pose.image[:, :2]
    (x0, y0), (x1, y1) = pts.min(0), pts.max(0)
    s = margin * max(x1 - x0, y1 - y0, 8.0)
    return (
        int(max(0, x0 - s)),
        int(max(0, y0 - s)),
        int(min(width, x1 + s + 1)),
        int(min(height, y1 + s + 1)),
    )


def _scale_px(pose: Pose) -> float:
    xy = pose.image[:, :2]
    shoulders = float(np.linalg.norm(xy[11] - xy[12]))
    torso = float(np.linalg.norm((xy[11] + xy[12]) / 2 - (xy[23] + xy[24]) / 2))
    return max(shoulders, 0.5 * torso, 8.0)


def body_mask(pose: Pose, width: int, height: int) -> npt.NDArray[np.bool_]:
    """(H, W) mask of the pose's body: torso polygon, thick limbs, head and joint discs."""
    Image = require("PIL.Image", "capture", "finding several people")
    ImageDraw = require("PIL.ImageDraw", "capture", "finding several people")

    xy = pose.image[:, :2].astype(np.float64)
    s = _scale_px(pose)
    pad = 0.9 * s
    x0 = int(max(0, np.floor(xy[:, 0].min() - pad)))
    y0 = int(max(0, np.floor(xy[:, 1].min() - 1.5 * pad)))
    x1 = int(min(width, np.ceil(xy[:, 0].max() + pad)))
    y1 = int(min(height, np.ceil(xy[:, 1].max() + pad)))
    out = np.zeros((height, width), bool)
    if x1 <= x0 or y1 <= y0:
        return out
    local = xy - (x0, y0)
    m = Image.new("L", (x1 - x0, y1 - y0), 0)
    d = ImageDraw.Draw(m)
    d.polygon([tuple(local[i]) for i in (11, 12, 24, 23)], fill=255)
    for a, b in _BONES:
        d.line([tuple(local[a]), tuple(local[b])], fill=255, width=max(2, int(0.6 * s)))
    r = 0.3 * s
    for px, py in local:
        d.ellipse([px - r, py - r, px + r, py + r], fill=255)
    hc = local[[0, 7, 8]].mean(0)
    hr = max(float(np.linalg.norm(local[7] - local[8])) * 1.1, 0.5 * s)
    d.ellipse([hc[0] - hr, hc[1] - 1.4 * hr, hc[0] + hr, hc[1] + hr], fill=255)
    out[y0:y1, x0:x1] = np.asarray(m) > 0
    return out


def mask_people(
    image: npt.NDArray[np.uint8], poses: list[Pose], *, silhouette: bool = True
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
    """A copy of ``image`` with each pose painted out in grey, and the (H, W) mask used."""
    h, w = image.shape[:2]
    mask = np.zeros((h, w), bool)
    for p in poses:
        x0, y0, x1, y1 = visible_box(p, w, h)
        mask[y0:y1, x0:x1] = True
        if silhouette:
            mask |= body_mask(p, w, h)
    out = image.copy()
    out[mask] = MASK_VALUE
    return out, mask


def _is_ghost(pose: Pose, mask: npt.NDArray[np.bool_], min_visibility: float) -> bool:
    """A 'person' found mostly on painted-out pixels (the landmark model dreams on grey)."""
    h, w = mask.shape
    key = pose.image[[0, 11, 12, 23, 24]]
    xy = np.round(key[:, :2]).astype(int)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
    if inside.sum() == 0:
        return True
    on_mask = mask[xy[inside, 1], xy[inside, 0]]
    return bool(on_mask.mean() >= 0.4)


def verify(
    estimator: PoseEstimator,
    image: npt.NDArray[np.uint8],
    pose: Pose,
    min_visibility: float = 0.5,
    timestamp: float = 0.0,
) -> Pose | None:
    """Re-detect ``pose`` on ``image`` cropped around it (image mode).

    A person found on a painted frame may be a dream of the landmark model on grey; a
    real one is found again at the same place on a frame where only the *other* people
    are painted out. Returns the re-detected pose (full-frame pixels) or None.
    """
    h, w = image.shape[:2]
    bx0, by0, bx1, by1 = visible_box(pose, w, h, margin=0.0, min_visibility=min_visibility)
    cx, cy = (bx0 + bx1) / 2, (by0 + by1) / 2
    for grow in (1.5, 2.2):
        half = grow * max(bx1 - bx0, by1 - by0, 16) / 2
        x0, y0 = int(max(0, cx - half)), int(max(0, cy - half))
        x1, y1 = int(min(w, cx + half)), int(min(h, cy + half))
        if x1 - x0 < 16 or y1 - y0 < 16:
            continue
        for p in estimator.detect(image[y0:y1, x0:x1], timestamp):
            q = _shift(p, x0, y0)
            if same_person(q, pose, tolerance=0.35) and _clearly_visible(q, min_visibility):
                return q
    return None


def _clearly_visible(pose: Pose, min_visibility: float) -> bool:
    """Shoulders and either the nose or both hips seen."""
    v = pose.image[:, 2]
    shoulders = v[11] >= min_visibility and v[12] >= min_visibility
    return bool(shoulders and (v[0] >= min_visibility or min(v[23], v[24]) >= min_visibility))


def same_person(a: Pose, b: Pose, tolerance: float = 0.25) -> bool:
    """True when two poses' torso landmarks coincide within ``tolerance`` of body scale."""
    idx = [0, 11, 12, 23, 24]
    d = np.linalg.norm(a.image[idx, :2] - b.image[idx, :2], axis=1).mean()
    return bool(d < tolerance * max(_scale_px(a), _scale_px(b)))


def _tiles(width: int, height: int) -> list[tuple[int, int, int, int]]:
    """Overlapping square tiles (side = the shorter frame side, half overlap)."""
    side = min(width, height)
    if max(width, height) < 1.5 * side:
        return []
    tiles = []
    if width > height:
        xs = list(range(0, width - side + 1, side // 2))
        if xs[-1] != width - side:
            xs.append(width - side)
        tiles = [(x, 0, x + side, height) for x in xs]
    else:
        ys = list(range(0, height - side + 1, side // 2))
        if ys[-1] != height - side:
            ys.append(height - side)
        tiles = [(0, y, width, y + side) for y in ys]
    return tiles


def _shift(pose: Pose, dx: int, dy: int) -> Pose:
    image = pose.image.copy()
    image[:, 0] += dx
    image[:, 1] += dy
    return Pose(
        pose.timestamp, pose.actor_id, image, pose.world, pose.confidence, pose.timecode, pose.flags
    )


def find_people(
    estimator: PoseEstimator,
    image: npt.NDArray[np.uint8],
    *,
    known: list[Pose] | None = None,
    max_people: int = 6,
    min_visibility: float = 0.5,
    tiles: bool = True,
    timestamp: float = 0.0,
) -> list[Pose]:
    """Every clearly visible person in a still, by detect / mask / detect again.

    ``estimator`` must be in image mode. ``known`` people are masked from the start and
    not returned. Returns at most ``max_people`` poses (``actor_id`` -1), best first.
    """
    if estimator.mode != "image":
        raise InputError("find_people needs a PoseEstimator in image mode")
    img = check_image(image)
    h, w = img.shape[:2]
    found: list[Pose] = []
    masked_with = list(known or [])
    work, mask = mask_people(img, masked_with) if masked_with else (img, np.zeros((h, w), bool))
    regions = [(0, 0, w, h)] + (_tiles(w, h) if tiles else [])
    for x0, y0, x1, y1 in regions:
        # each region starts afresh from the confirmed people: a rejected candidate
        # painted out in one region must not hide a real person from the next
        masked_with = list(known or []) + found
        work, mask = mask_people(img, masked_with) if masked_with else (img, mask)
        attempts = 0
        while len(found) < max_people and attempts < max_people + 2:
            attempts += 1
            crop = work[y0:y1, x0:x1]
            poses = [_shift(p, x0, y0) for p in estimator.detect(crop, timestamp)]
            if not poses:
                break
            new = False
            for p in poses:
                masked_with.append(p)
                if _is_ghost(p, mask, min_visibility) or not _clearly_visible(p, min_visibility):
                    continue
                others = found + list(known or [])
                base = mask_people(img, others)[0] if others else img
                real = verify(estimator, base, p, min_visibility, timestamp)
                if real is None or any(same_person(real, q) for q in found + (known or [])):
                    continue
                found.append(real)
                masked_with.append(real)
                new = True
            work, mask = mask_people(img, masked_with)
            if not new and all(_is_ghost(p, mask, min_visibility) for p in poses):
                break
    found.sort(key=lambda p: -p.confidence)
    return found[:max_people]


# --- identity -----------------------------------------------------------------------------


_PROP_A = np.array([a for a, _ in _PROPORTIONS])
_PROP_B = np.array([b for _, b in _PROPORTIONS])
_COL_A = np.array([a for a, _ in _COLOUR_POINTS])
_COL_B = np.array([b for _, b in _COLOUR_POINTS])


def appearance(pose: Pose, image: npt.NDArray[np.uint8] | None) -> npt.NDArray[np.float32]:
    """Appearance of a landmark set: body proportions (3D bone lengths over the torso
    length) and, given the frame, mean colours at five torso points (0..1)."""
    w = pose.world
    torso = float(np.linalg.norm((w[11] + w[12] - w[23] - w[24]) * 0.5)) + 1e-6
    props = np.linalg.norm(w[_PROP_A] - w[_PROP_B], axis=1) / torso
    if image is None:
        return props.astype(np.float32)
    h, wd = image.shape[:2]
    r = max(1, int(0.08 * _scale_px(pose)))
    pts = (pose.image[_COL_A, :2] + pose.image[_COL_B, :2]) * 0.5
    xs = np.clip(pts[:, 0].astype(int), 0, wd - 1)
    ys = np.clip(pts[:, 1].astype(int), 0, h - 1)
    cols = [
        image[max(0, y - r) : y + r + 1 : 2, max(0, x - r) : x + r + 1 : 2].mean(axis=(0, 1))
        for x, y in zip(xs.tolist(), ys.tolist(), strict=True)
    ]
    return np.concatenate([props, np.concatenate(cols) / 255.0]).astype(np.float32)


@dataclass
class _Person:
    id: int
    centre: npt.NDArray[np.float64]
    scale: float
    look: npt.NDArray[np.float32]
    missed: int = 0


@dataclass
class PersonIds:
    """Stable actor ids across frames: greedy matching on a cost of position (centre
    distance over body scale) plus ``appearance_weight`` times appearance distance.

    A person farther than ``max_cost`` from every known person gets a new id; a person unseen
    for ``max_missed`` frames is forgotten. Ids start at 0 and are never reused.
    """

    max_cost: float = 2.5
    appearance_weight: float = 2.0
    max_missed: int = 30
    _people: list[_Person] = field(default_factory=list)
    _next: int = 0

    def update(self, poses: list[Pose], image: npt.NDArray[np.uint8] | None = None) -> list[Pose]:
        """Set ``actor_id`` on each pose (in place) and return them, sorted by id."""
        feats = []
        for p in poses:
            xy = p.image[[11, 12, 23, 24], :2].astype(np.float64)
            feats.append((xy.mean(0), _scale_px(p), appearance(p, image)))
        pairs = []
        for i, (c, s, look) in enumerate(feats):
            for k, t in enumerate(self._people):
                pos = float(np.linalg.norm(c - t.centre)) / max(s, t.scale)
                app = float(np.abs(look - t.look).mean()) if look.shape == t.look.shape else 0.0
                pairs.append((pos + self.appearance_weight * app, i, k))
        pairs.sort()
        taken_p: set[int] = set()
        taken_t: set[int] = set()
        for cost, i, k in pairs:
            if cost > self.max_cost or i in taken_p or k in taken_t:
                continue
            taken_p.add(i)
            taken_t.add(k)
            t = self._people[k]
            c, s, look = feats[i]
            t.centre, t.scale, t.missed = c, s, 0
            t.look = look if look.shape != t.look.shape else 0.8 * t.look + 0.2 * look
            poses[i].actor_id = t.id
        for k, t in enumerate(self._people):
            if k not in taken_t:
                t.missed += 1
        for i, p in enumerate(poses):
            if i not in taken_p:
                c, s, look = feats[i]
                self._people.append(_Person(self._next, c, s, look))
                p.actor_id = self._next
                self._next += 1
        self._people = [t for t in self._people if t.missed <= self.max_missed]
        return sorted(poses, key=lambda p: p.actor_id)


# --- video ---------------------------------------------------------------------------------


@dataclass
class _Lane:
    estimator: PoseEstimator
    pose: Pose | None = None
    missed: int = 0


class MultiPersonPose:
    """Pose of every actor in a video, frame after frame, each with a stable id.

    ``max_people`` lanes at most (one PoseLandmarker each, created when needed), run
    side by side in threads when ``threads`` (default: on machines with 2 or more
    cores; each landmarker infers on one core, MediaPipe releasing the GIL);
    ``search_every`` frames (and on the first frame) an idle lane searches the frame
    with everyone known masked.
    ``max_people=1`` is plain MediaPipe tracking plus ids.
    Use ``with`` or call :meth:`close`.
    """

    def __init__(
        self,
        model: str = "lite",
        *,
        max_people: int = 2,
        search_every: int = 30,
        min_visibility: float = 0.5,
        max_missed: int = 5,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        threads: bool | None = None,
    ) -> None:
        if not (isinstance(max_people, int) and max_people >= 1):
            raise InputError(f"max_people must be a positive integer, got {max_people!r}")
        if not (isinstance(search_every, int) and search_every >= 1):
            raise InputError(f"search_every must be a positive integer, got {search_every!r}")
        self.model = model
        self.max_people = max_people
        self.search_every = search_every
        self.min_visibility = min_visibility
        self.max_missed = max_missed
        self._conf: _Confidences = {
            "min_detection_confidence": min_detection_confidence,
            "min_presence_confidence": min_presence_confidence,
            "min_tracking_confidence": min_tracking_confidence,
        }
        self._lanes: list[_Lane] = []
        self.ids = PersonIds()
        self._frame = 0
        if threads is None:  # each landmarker infers on one core: side by side from 2
            import os

            threads = (os.cpu_count() or 1) >= 2
        self.threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._image_estimator: PoseEstimator | None = None
        self._grey = np.full((64, 64, 3), MASK_VALUE, np.uint8)
        # load every landmarker now: a bad model fails here, and a person walking in
        # mid-take costs no model load (a hitch of a few hundred ms) in the live loop
        for _ in range(max_people):
            self._new_lane()
        if max_people > 1:
            self._verifier()

    def _new_lane(self) -> _Lane:
        lane = _Lane(PoseEstimator(self.model, mode="video", **self._conf))
        self._lanes.append(lane)
        return lane

    def _idle_lane(self) -> _Lane | None:
        for lane in self._lanes:
            if lane.pose is None:
                return lane
        if len(self._lanes) < self.max_people:
            return self._new_lane()
        return None

    def process(self, image: npt.NDArray[np.uint8], timestamp: float) -> list[Pose]:
        """Poses of the actors in this frame (RGB uint8 (H, W, 3), time in s), by id."""
        img = check_image(image)
        h, w = img.shape[:2]
        active = [lane for lane in self._lanes if lane.pose is not None]
        results: list[tuple[_Lane, Pose]] = []
        jobs = []
        for lane in active:
            others = [o.pose for o in active if o is not lane and o.pose is not None]
            frame = img
            if others:
                frame = img.copy()
                for o in others:
                    x0, y0, x1, y1 = visible_box(o, w, h, margin=0.1)
                    frame[y0:y1, x0:x1] = MASK_VALUE
            jobs.append((lane, frame))
        if len(jobs) > 1 and self.threads:
            # each lane is its own landmarker: run them side by side (MediaPipe
            # releases the GIL while it infers)
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(self.max_people, thread_name_prefix="pose-lane")
            futures = [self._pool.submit(lane.estimator.detect, f, timestamp) for lane, f in jobs]
            found = [fut.result() for fut in futures]
        else:
            found = [lane.estimator.detect(f, timestamp) for lane, f in jobs]
        for (lane, _), poses in zip(jobs, found, strict=True):
            if poses and _clearly_visible(poses[0], self.min_visibility * 0.5):
                lane.missed = 0
                results.append((lane, poses[0]))
            else:
                lane.missed += 1
                if lane.missed > self.max_missed:
                    lane.pose = None
        # two lanes on one person: keep the more confident, free the other
        kept: list[tuple[_Lane, Pose]] = []
        for lane, pose in sorted(results, key=lambda r: -r[1].confidence):
            if any(same_person(pose, k[1]) for k in kept):
                self._retire(lane, timestamp)
            else:
                lane.pose = pose
                kept.append((lane, pose))
        if self._frame % self.search_every == 0:
            self._search(img, timestamp, [p for _, p in kept], kept)
        self._frame += 1
        return self.ids.update([p for _, p in kept], img)

    def _search(self, img, timestamp, known, kept) -> None:
        """An idle lane looks for someone new on the frame with everyone known painted
        out; a candidate is kept only if found again on the unpainted pixels."""
        while len(kept) < self.max_people:
            lane = self._idle_lane()
            if lane is None:
                return
            work, mask = mask_people(img, known) if known else (img, None)
            poses = lane.estimator.detect(work, timestamp)
            ok = [
                p
                for p in poses
                if (mask is None or not _is_ghost(p, mask, self.min_visibility))
                and _clearly_visible(p, self.min_visibility)
                and not any(same_person(p, k) for k in known)
            ]
            if ok and known:
                base = mask_people(img, known, silhouette=False)[0]
                ok = [p for p in ok if verify(self._verifier(), base, p, self.min_visibility)]
            if not ok:
                if poses:
                    self._retire(lane, timestamp)
                return
            lane.pose, lane.missed = ok[0], 0
            kept.append((lane, ok[0]))
            known.append(ok[0])

    def _verifier(self) -> PoseEstimator:
        if self._image_estimator is None:
            self._image_estimator = PoseEstimator(self.model, mode="image", **self._conf)
        return self._image_estimator

    def _retire(self, lane: _Lane, timestamp: float) -> None:
        """Make a lane forget whom it tracked: show it an empty grey frame."""
        lane.pose, lane.missed = None, 0
        lane.estimator.detect(self._grey, timestamp)

    def close(self) -> None:
        for lane in self._lanes:
            lane.estimator.close()
        self._lanes.clear()
        if self._image_estimator is not None:
            self._image_estimator.close()
            self._image_estimator = None
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> MultiPersonPose:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

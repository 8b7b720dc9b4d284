"""Several actors: find every person, follow each one, keep a stable id for each.

Finding people (:func:`find_people`: stills, and the search for new people in
video): first MediaPipe on the whole frame by *detect, mask, detect again* (large or
half-visible people, whom HOG misses): each found person is painted out (grey body
silhouette plus the box of their visible landmarks) and the frame is searched again,
until nobody new is found; a candidate found on a painted frame must be sure or found
again on the unpainted pixels (:func:`verify`); wide frames are also searched in
overlapping square tiles. Then OpenCV's HOG people detector
(:mod:`previzkit.capture.people`) says where else to look: the landmarker runs on a
square crop around each box nobody found explains, scaled to its comfort size (small,
distant and back-facing people included), and the pose is kept only if it verifies
(:func:`plausible`: confident, human proportions, upright, inside its box).

Video (:class:`MultiPersonPose`): the same search every ``search_every`` frames; in
between each person is followed by a *lane*, a PoseLandmarker in video mode fed a crop
around where they are predicted to be. Ids come from
:class:`previzkit.capture.tracking.Tracker` (Kalman motion, colour histograms,
Hungarian assignment, a lost person coasting for a second).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, TypedDict

import numpy as np
import numpy.typing as npt

from previzkit.capture.people import PeopleDetector, PersonBox
from previzkit.capture.pose import PoseEstimator, check_image
from previzkit.capture.tracking import Tracker, body_centre_scale
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


def _thin(pose: Pose) -> bool:
    """Shoulders and hips both narrower than 0.15 torso lengths (image pixels): what the
    landmark model dreams on a flag or a post beside painted-out people (a person in
    profile measured 0.17 and more; walkers in profile on unpainted crops can be
    thinner, so this is asked only of finds on painted frames)."""
    xy = pose.image[:, :2]
    torso = float(np.linalg.norm((xy[11] + xy[12]) / 2 - (xy[23] + xy[24]) / 2))
    wide = max(float(np.linalg.norm(xy[11] - xy[12])), float(np.linalg.norm(xy[23] - xy[24])))
    return wide < 0.15 * torso


def _clear_of(pose: Pose, mask: npt.NDArray[np.bool_], min_visibility: float) -> bool:
    """A sure find on a painted frame: confident (>= 0.9), not :func:`_thin`, and no
    visible landmark on the painted pixels; such a pose needs
    no second look (:func:`verify`; a big person cut by the frame is often found only
    on the whole frame)."""
    if pose.confidence < 0.9 or _thin(pose):
        return False
    h, w = mask.shape
    seen = pose.image[pose.image[:, 2] >= min_visibility, :2]
    xy = np.round(seen).astype(int)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < w) & (xy[:, 1] >= 0) & (xy[:, 1] < h)
    return bool(inside.any() and not mask[xy[inside, 1], xy[inside, 0]].any())


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
            found_again = same_person(q, pose, tolerance=0.35, mirror=False)
            if found_again and _clearly_visible(q, min_visibility):
                return q
    return None


def _clearly_visible(pose: Pose, min_visibility: float) -> bool:
    """Shoulders and either the nose or both hips seen."""
    v = pose.image[:, 2]
    shoulders = v[11] >= min_visibility and v[12] >= min_visibility
    return bool(shoulders and (v[0] >= min_visibility or min(v[23], v[24]) >= min_visibility))


def same_person(a: Pose, b: Pose, tolerance: float = 0.25, mirror: bool = True) -> bool:
    """True when two poses' torso landmarks (nose, shoulders, hips) coincide within
    ``tolerance`` of body scale; with ``mirror`` either way round (a person seen from
    behind may come with left and right swapped)."""
    idx = [0, 11, 12, 23, 24]
    pa = a.image[idx, :2]
    d = float(np.linalg.norm(pa - b.image[idx, :2], axis=1).mean())
    if mirror:
        d = min(d, float(np.linalg.norm(pa - b.image[[0, 12, 11, 24, 23], :2], axis=1).mean()))
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
    detector: PeopleDetector | None = None,
) -> list[Pose]:
    """Every clearly visible person in a still (module docstring): detect / mask /
    detect again with MediaPipe on the whole frame (and tiles of a wide one), then the
    HOG boxes nobody found explains, each verified by the landmarker on a crop.

    ``estimator`` must be in image mode. ``known`` people are masked from the start and
    not returned. ``detector``: the HOG detector to use (default: a
    :class:`PeopleDetector` for people from a tenth of the image height up).
    Returns at most ``max_people`` poses (``actor_id`` -1), best first.
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
                if _is_ghost(p, mask, min_visibility) or not plausible(p, min_visibility):
                    continue
                if mask.any() and _thin(p):
                    continue
                others = found + list(known or [])
                if _clear_of(p, mask, min_visibility):
                    real: Pose | None = p
                else:
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
    # then the people HOG sees where MediaPipe saw nobody (small, distant ones)
    if len(found) < max_people:
        for box in (detector or PeopleDetector()).detect(img):
            if len(found) >= max_people:
                break
            others = found + list(known or [])
            if _covered(box, others):
                continue
            hit = detect_in_box(estimator, img, box, timestamp, min_visibility, others)
            if hit is not None and not any(same_person(hit, q) for q in others):
                found.append(hit)
    found.sort(key=lambda p: -p.confidence)
    return found[:max_people]


# --- crops and verification -----------------------------------------------------------------

CROP_SIDE = 256  # px: the landmarker's input is 256 px, its detector's 224 px


@dataclass(frozen=True)
class Crop:
    """A square window of a frame, scaled to ``CROP_SIDE`` px: frame pixel
    (x, y) = (u, v) / ``scale`` + (``x0``, ``y0``) for crop pixel (u, v)."""

    x0: float
    y0: float
    scale: float


def crop_square(
    image: npt.NDArray[np.uint8], cx: float, cy: float, side: float, out: int = CROP_SIDE
) -> tuple[npt.NDArray[np.uint8], Crop]:
    """The ``side`` px square of ``image`` centred on (cx, cy) px, scaled to ``out`` px;
    what lies outside the frame is grey (``MASK_VALUE``)."""
    cv2 = require("cv2", "capture", "finding people")
    side = max(float(side), 16.0)
    s = out / side
    x0, y0 = cx - side / 2, cy - side / 2
    m = np.array([[s, 0.0, -s * x0], [0.0, s, -s * y0]])
    crop = cv2.warpAffine(
        image,
        m,
        (out, out),
        flags=cv2.INTER_LINEAR if s > 1 else cv2.INTER_AREA,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(MASK_VALUE,) * 3,
    )
    return crop, Crop(x0, y0, s)


def from_crop(pose: Pose, crop: Crop) -> Pose:
    """``pose`` found on a crop, in pixels of the frame."""
    image = pose.image.copy()
    image[:, 0] = image[:, 0] / crop.scale + crop.x0
    image[:, 1] = image[:, 1] / crop.scale + crop.y0
    return Pose(
        pose.timestamp, pose.actor_id, image, pose.world, pose.confidence, pose.timecode, pose.flags
    )


def detect_in_box(
    estimator: PoseEstimator,
    image: npt.NDArray[np.uint8],
    box: PersonBox,
    timestamp: float = 0.0,
    min_visibility: float = 0.5,
    others: list[Pose] | None = None,
) -> Pose | None:
    """The landmarker on a square crop around a detector's ``box`` (1.25 times its
    height, scaled to ``CROP_SIDE``); the pose if it verifies (:func:`plausible`) and is
    none of ``others``. Only when it finds one of the ``others`` near the box (people side
    by side) does it look once more, with their bodies painted out (not first: the
    landmarker also dreams on a grey silhouette); a crop with nobody new costs one call."""
    cx, cy = box.centre
    side = 1.25 * box.height
    near = [
        p
        for p in others or []
        if np.abs(p.image[[11, 12, 23, 24], :2].mean(0) - (cx, cy)).max() < side
    ]
    painted = image
    while True:
        crop, where = crop_square(painted, cx, cy, side)
        neighbour = False
        for p in estimator.detect(crop, timestamp):
            q = from_crop(p, where)
            if any(same_person(q, o) for o in near):
                neighbour = True
            elif plausible(q, min_visibility, within=box):
                return q
        # a crop with nobody in it (most of HOG's false boxes) costs one call, not two
        if not neighbour or painted is not image:
            return None
        painted = paint_bodies(image, near)


# limb bones whose image length is compared with the body's size
_LIMBS = ((11, 13), (13, 15), (12, 14), (14, 16), (23, 25), (25, 27), (24, 26), (26, 28))


def plausible(pose: Pose, min_visibility: float = 0.5, within: PersonBox | None = None) -> bool:
    """Whether a landmark set looks like a real person rather than a skeleton the model
    dreamt on a box edge or in a tree: confident (mean presence >= 0.3: a head-and-shoulders portrait has ~0.4), shoulders and
    the nose or both hips visible, limbs no longer than twice the torso, shoulders
    not wider than 2.5 torsos and not below the hips by half a torso (upside down;
    image pixels), and, given the detector's box, the torso
    centre inside it (grown by a quarter) and the visible body between a fifth and 1.5
    times its height."""
    if pose.confidence < 0.3 or not _clearly_visible(pose, min_visibility):
        return False
    xy = pose.image[:, :2].astype(np.float64)
    v = pose.image[:, 2]
    torso = float(np.linalg.norm((xy[11] + xy[12]) / 2 - (xy[23] + xy[24]) / 2))
    shoulders = float(np.linalg.norm(xy[11] - xy[12]))
    if torso < 3.0 or shoulders > 2.5 * torso:
        return False
    if (xy[11, 1] + xy[12, 1]) / 2 > (xy[23, 1] + xy[24, 1]) / 2 + 0.5 * torso:
        return False  # upside down: the model's dream in a pattern, not an actor
    for a, b in _LIMBS:
        seen = v[a] >= min_visibility and v[b] >= min_visibility
        if seen and float(np.linalg.norm(xy[a] - xy[b])) > 2.0 * max(torso, shoulders):
            return False
    if within is not None:
        cx, cy = xy[[11, 12, 23, 24]].mean(0)
        if not within.contains(float(cx), float(cy), grow=0.25):
            return False
        seen = xy[v >= min_visibility]
        tall = float(seen[:, 1].max() - seen[:, 1].min()) if len(seen) else 0.0
        if not 0.2 * within.height <= tall <= 1.5 * within.height:
            return False
    return True


def _dedupe(poses: list[Pose]) -> list[Pose]:
    """The most confident of each group of poses of the same person (:func:`same_person`,
    or torso centres closer than 0.8 body scales)."""
    kept: list[Pose] = []
    for p in sorted(poses, key=lambda p: -p.confidence):
        c = p.image[[11, 12, 23, 24], :2].mean(0)
        if not any(
            same_person(p, k)
            or float(np.linalg.norm(c - k.image[[11, 12, 23, 24], :2].mean(0)))
            < 0.8 * max(_scale_px(p), _scale_px(k))
            for k in kept
        ):
            kept.append(p)
    return kept


def _covered(box: PersonBox, poses: list[Pose]) -> bool:
    """A detector box already explained by a pose: the pose's torso centre lies in the
    middle of the box (a neighbour's torso near its edge does not explain it)."""
    bx, by = box.centre
    for p in poses:
        cx, cy = p.image[[11, 12, 23, 24], :2].mean(0)
        if abs(float(cx) - bx) < 0.3 * box.width and abs(float(cy) - by) < 0.3 * box.height:
            return True
    return False


def paint_bodies(image: npt.NDArray[np.uint8], poses: list[Pose]) -> npt.NDArray[np.uint8]:
    """A copy of ``image`` with the bodies (:func:`body_mask`, no boxes) of ``poses``
    blurred away (by 1.5 body scales: the landmarker dreams a person on a sharp grey
    silhouette, less on a blur of the colours): a crop around one person then shows
    less of the neighbours."""
    if not poses:
        return image
    cv2 = require("cv2", "capture", "finding people")
    h, w = image.shape[:2]
    out = image.copy()
    for p in poses:
        m = body_mask(p, w, h)
        k = int(max(3, 1.5 * _scale_px(p))) | 1
        out[m] = cv2.blur(image, (k, k))[m]
    return out


# --- video ---------------------------------------------------------------------------------


@dataclass
class _Lane:
    """One landmarker (video mode) that follows one track on crops around it."""

    estimator: PoseEstimator
    track: int | None = None
    # the crop (centre and side, px); it stays put while the person is well inside it:
    # MediaPipe's tracking carries its region from frame to frame in crop coordinates
    cx: float = 0.0
    cy: float = 0.0
    side: float = 0.0

    def place(
        self, pose: Pose, centre: tuple[float, float], scale: float, width: int, height: int
    ) -> bool:
        """Keep the crop while ``pose`` lies in its middle 70 % and fits its size within
        25 %, else centre it on ``centre`` (px) with a side for the pose (a person large
        in the ``width`` x ``height`` frame: the whole frame). True when it moved."""
        side, frame = _follow_side(pose, scale), float(max(width, height))
        if side >= (0.45 if self.side == frame else 0.7) * frame:  # hysteresis: no flapping
            centre, side = (width / 2, height / 2), frame
        if self.side > 0 and 0.8 < side / self.side < 1.25:
            v = pose.image[:, 2] >= 0.5
            pts = pose.image[v, :2] if v.sum() >= 4 else pose.image[:, :2]
            half = 0.35 * self.side
            lo, hi = pts.min(0), pts.max(0)
            inside = lo[0] >= self.cx - half and hi[0] <= self.cx + half
            if inside and lo[1] >= self.cy - half and hi[1] <= self.cy + half:
                return False
        if (centre[0], centre[1], side) == (self.cx, self.cy, self.side):
            return False
        self.cx, self.cy, self.side = centre[0], centre[1], side
        return True

    def view(
        self, image: npt.NDArray[np.uint8], others: list[Pose]
    ) -> tuple[npt.NDArray[np.uint8], Crop]:
        """What the lane's landmarker sees: its crop with the bodies of ``others`` in it
        painted out, or, when the crop is the whole frame, the frame itself with the
        ``others``' boxes painted out."""
        h, w = image.shape[:2]
        if self.side < max(w, h):
            near = [
                p
                for p in others
                if np.abs(p.image[[11, 12, 23, 24], :2].mean(0) - (self.cx, self.cy)).max()
                < self.side
            ]
            return crop_square(paint_bodies(image, near), self.cx, self.cy, self.side)
        frame = image
        if others:
            frame = image.copy()
            for o in others:
                x0, y0, x1, y1 = visible_box(o, w, h, margin=0.1)
                frame[y0:y1, x0:x1] = MASK_VALUE
        return frame, Crop(0.0, 0.0, 1.0)


class MultiPersonPose:
    """Pose of every actor in a video, frame after frame, each with a stable id.

    Every ``search_every`` frames (and while nobody is found), unless ``max_people``
    are already followed, the frame is searched for people: OpenCV's HOG people detector (:class:`PeopleDetector`, people from
    ``min_height`` of the frame height up) and MediaPipe on the whole frame with the
    people already found painted out (large or half-visible people HOG misses); the
    landmarker runs on a crop around each new box and the pose must verify
    (:func:`plausible`). Between searches each person is followed by a *lane*, a
    PoseLandmarker in video mode fed a crop around the person's predicted place (the
    previous landmarks give the next crop, so MediaPipe skips its detector, as in its
    own tracking); lanes run side by side in threads when ``threads`` (default: with 2
    or more cores). Ids come from :class:`Tracker` (Kalman motion + colour histograms +
    Hungarian assignment); a lost person is looked for at their predicted place for
    ``max_coast`` seconds and gets their id back on return. At most ``max_people``
    people are followed. Use ``with`` or call :meth:`close`.
    """

    def __init__(
        self,
        model: str = "lite",
        *,
        max_people: int = 2,
        search_every: int = 30,
        min_height: float = 0.1,
        max_coast: float = 1.0,
        min_visibility: float = 0.5,
        min_detection_confidence: float = 0.5,
        min_presence_confidence: float = 0.5,
        min_tracking_confidence: float = 0.5,
        threads: bool | None = None,
    ) -> None:
        if not (isinstance(max_people, int) and max_people >= 1):
            raise InputError(f"max_people must be a positive integer, got {max_people!r}")
        if not (isinstance(search_every, int) and search_every >= 1):
            raise InputError(f"search_every must be a positive integer, got {search_every!r}")
        if not max_coast >= 0:
            raise InputError(f"max_coast must be >= 0 seconds, got {max_coast!r}")
        self.model = model
        self.max_people = max_people
        self.search_every = search_every
        self.min_visibility = min_visibility
        self._conf: _Confidences = {
            "min_detection_confidence": min_detection_confidence,
            "min_presence_confidence": min_presence_confidence,
            "min_tracking_confidence": min_tracking_confidence,
        }
        self.detector = PeopleDetector(min_height)
        self.tracker = Tracker(max_coast=max_coast)
        self._frame = 0
        self._prev = -1.0  # the last frame's time (s): who was seen there is painted out
        if threads is None:  # each landmarker infers on one core: side by side from 2
            import os

            threads = (os.cpu_count() or 1) >= 2
        self.threads = threads
        self._pool: ThreadPoolExecutor | None = None
        self._grey = np.full((64, 64, 3), MASK_VALUE, np.uint8)
        # load every landmarker now: a bad model fails here, and a person walking in
        # mid-take costs no model load (a hitch of a few hundred ms) in the live loop
        self._finder = PoseEstimator(model, mode="image", **self._conf)
        self._lanes = [
            _Lane(PoseEstimator(model, mode="video", **self._conf)) for _ in range(max_people)
        ]

    def process(self, image: npt.NDArray[np.uint8], timestamp: float) -> list[Pose]:
        """Poses of the actors in this frame (RGB uint8 (H, W, 3), time in s), by id."""
        img = check_image(image)
        tracks = {t.id: t for t in self.tracker.predict(timestamp)}
        jobs = []
        for lane in self._lanes:
            t = tracks.get(lane.track) if lane.track is not None else None
            if t is None or t.last != self._prev:
                continue  # a track lost last frame waits for a search to find it again
            cx, cy = t.centre
            lane.place(t.pose, (cx, cy), t.scale, img.shape[1], img.shape[0])
            others = [o.pose for o in tracks.values() if o.id != t.id and o.last == self._prev]
            crop, where = lane.view(img, others)
            jobs.append((lane, crop, where))
        if len(jobs) > 1 and self.threads:
            if self._pool is None:
                from concurrent.futures import ThreadPoolExecutor

                self._pool = ThreadPoolExecutor(self.max_people, thread_name_prefix="pose-lane")
            futures = [
                self._pool.submit(lane.estimator.detect, c, timestamp) for lane, c, _ in jobs
            ]
            found = [fut.result() for fut in futures]
        else:
            found = [lane.estimator.detect(c, timestamp) for lane, c, _ in jobs]
        from_lane: dict[int, _Lane] = {}
        poses: list[Pose] = []
        for (lane, crop, where), ps in zip(jobs, found, strict=True):
            q = from_crop(ps[0], where) if ps else None
            if q is None or not plausible(q, self.min_visibility):
                # lost (a moved crop leaves MediaPipe's region off): detect afresh, once
                lane.estimator.detect(self._grey, timestamp)
                ps = lane.estimator.detect(crop, timestamp)
                q = from_crop(ps[0], where) if ps else None
            if q is not None and plausible(q, self.min_visibility):
                poses.append(q)
                from_lane[id(q)] = lane
        poses = _dedupe(poses)
        # search while someone more may be followed: every search_every frames, and at
        # once when nobody is found (a full stage costs no search)
        if len(poses) < self.max_people and (self._frame % self.search_every == 0 or not poses):
            poses = _dedupe(poses + self._search(img, timestamp, poses))
        self._frame += 1
        self._prev = timestamp
        poses = self.tracker.update(poses[: self.max_people], img, timestamp)
        self._assign_lanes(img, poses, from_lane, timestamp)
        return poses

    def _search(
        self, img: npt.NDArray[np.uint8], timestamp: float, known: list[Pose]
    ) -> list[Pose]:
        """New people: the stills' search (:func:`find_people`) with ``known`` painted out."""
        return find_people(
            self._finder,
            img,
            known=known,
            max_people=self.max_people - len(known),
            min_visibility=self.min_visibility,
            timestamp=timestamp,
            detector=self.detector,
        )

    def _assign_lanes(
        self,
        image: npt.NDArray[np.uint8],
        poses: list[Pose],
        from_lane: dict[int, _Lane],
        timestamp: float,
    ) -> None:
        """Each lane follows the track its pose went to; new tracks take idle lanes;
        lanes of ended tracks forget (a grey frame resets MediaPipe's tracking)."""
        live = {t.id for t in self.tracker.tracks}
        following: dict[int, _Lane] = {}
        for p in poses:
            lane = from_lane.get(id(p))
            if lane is not None:
                if lane.track != p.actor_id:
                    lane.track = p.actor_id
                following[p.actor_id] = lane
        for lane in self._lanes:  # a lane whose track another lane took, or that ended
            if lane.track is not None and (
                lane.track not in live or following.get(lane.track, lane) is not lane
            ):
                self._retire(lane, timestamp)
            elif lane.track is not None:
                following[lane.track] = lane
        for p in poses:
            if p.actor_id in following:
                continue
            idle = next((lane for lane in self._lanes if lane.track is None), None)
            if idle is None:
                break
            idle.track = p.actor_id
            following[p.actor_id] = idle
            # the lane sees this frame too, so its tracking starts here, and the pose
            # given is the lane's (the next frames' come from it: no jump between them)
            cx, cy, scale = body_centre_scale(p)
            idle.place(p, (cx, cy), scale, image.shape[1], image.shape[0])
            crop, where = idle.view(image, [o for o in poses if o is not p])
            found = idle.estimator.detect(crop, timestamp)
            q = from_crop(found[0], where) if found else None
            if q is not None and plausible(q, self.min_visibility) and same_person(q, p):
                p.image, p.world, p.confidence = q.image, q.world, q.confidence

    def _retire(self, lane: _Lane, timestamp: float) -> None:
        """Make a lane forget whom it tracked: show it an empty grey frame."""
        lane.track, lane.side = None, 0.0
        lane.estimator.detect(self._grey, timestamp)

    def close(self) -> None:
        for lane in self._lanes:
            lane.estimator.close()
        self._lanes.clear()
        self._finder.close()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def __enter__(self) -> MultiPersonPose:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _follow_side(pose: Pose, scale: float) -> float:
    """Side (px) of the square crop that follows a person: twice the larger side of
    their visible landmarks' box, at least 4 body scales."""
    v = pose.image[:, 2] >= 0.5
    pts = pose.image[v, :2] if v.sum() >= 4 else pose.image[:, :2]
    extent = float((pts.max(0) - pts.min(0)).max())
    return max(2.0 * extent, 4.0 * scale)

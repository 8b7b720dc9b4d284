"""Where the people are: OpenCV's HOG people detector, before the pose landmarker.

MediaPipe's own pose detector finds the one or two most salient people of a frame and
misses small, distant ones (its input is 224 px). :class:`PeopleDetector` runs
OpenCV's HOG + linear SVM people detector trained on the Daimler pedestrians (48 x 96
px window, ``cv2.HOGDescriptor_getDaimlerPeopleDetector``; part of OpenCV, which
mediapipe already installs as opencv-contrib-python) on the frame scaled so that a
person of ``min_height`` of the frame height is 60 px tall, then merges overlapping
boxes (non-maximum suppression). Its small window finds a 58 px walker in a 576 px
frame with no upscaling: a quarter of the CPU time of Dalal-Triggs' 64 x 128 window
on the frame scaled up 1.7-2x, for the same people on the test footage. HOG has false positives (signs, posts):
every box is only a place to look; the landmarker runs on a crop around it and the
pose must verify (:func:`previzkit.capture.multi.plausible`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from previzkit.capture.pose import check_image
from previzkit.core.errors import InputError
from previzkit.core.optional import require

# the Daimler detector's window is 48 x 96 px; a person 60 px tall is found in it
# (measured on vtest.avi and the basketball photos: 60 finds every labelled walker with
# the frame barely scaled; 72 and 80 cost more for no more people)
_WINDOW = (48, 96)
_PERSON_IN_WINDOW = 60


@dataclass(frozen=True)
class PersonBox:
    """A detected person: box (x0, y0, x1, y1) in pixels of the frame (row 0 at the
    top, x1 and y1 exclusive) and the detector's score (SVM margin, higher is surer)."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def centre(self) -> tuple[float, float]:
        return ((self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2)

    def iou(self, other: PersonBox) -> float:
        """Intersection over union with ``other`` (0..1)."""
        iw = min(self.x1, other.x1) - max(self.x0, other.x0)
        ih = min(self.y1, other.y1) - max(self.y0, other.y0)
        if iw <= 0 or ih <= 0:
            return 0.0
        inter = iw * ih
        return inter / (self.width * self.height + other.width * other.height - inter)

    def contains(self, x: float, y: float, grow: float = 0.0) -> bool:
        """True when (x, y) px lies in the box grown by ``grow`` of its size each side."""
        gx, gy = grow * self.width, grow * self.height
        return self.x0 - gx <= x <= self.x1 + gx and self.y0 - gy <= y <= self.y1 + gy


def non_max_suppression(boxes: list[PersonBox], iou: float = 0.4) -> list[PersonBox]:
    """Boxes best score first, each dropped that overlaps a kept one by more than ``iou``
    or lies mostly (70 %) inside it."""
    kept: list[PersonBox] = []
    for b in sorted(boxes, key=lambda b: -b.score):
        if any(b.iou(k) > iou or _inside(b, k) > 0.7 or _inside(k, b) > 0.7 for k in kept):
            continue
        kept.append(b)
    return kept


def _inside(a: PersonBox, b: PersonBox) -> float:
    """Fraction of ``a``'s area inside ``b``."""
    iw = min(a.x1, b.x1) - max(a.x0, b.x0)
    ih = min(a.y1, b.y1) - max(a.y0, b.y0)
    return 0.0 if iw <= 0 or ih <= 0 else iw * ih / max(a.width * a.height, 1e-6)


class PeopleDetector:
    """HOG people detector over a frame, for people from ``min_height`` of the frame
    height (fraction, or pixels when > 1) up.

    ``scale_step``: pyramid step between window sizes (1.1: half the work of OpenCV's
    1.05 for nearly the same people; 1.15 and 1.2 cost 30 and 45 % less again but miss
    vtest's woman walking in half behind a man); ``stride``: window step in pixels of the scaled
    frame; ``min_score``: SVM margin below which a box is dropped (0.8: the test
    footage's people scored 0.95-5.3 (the lowest a woman half behind a man), signs and
    floor patterns up to 1.5; each box kept costs a landmarker call on a crop unless a
    found pose explains it, 10-15 ms where the crop holds nobody). The frame is scaled
    by at most ``max_upscale`` (small people in a small frame) and no less than
    ``min_downscale`` (large frames are searched smaller, which is faster).
    """

    def __init__(
        self,
        min_height: float = 0.1,
        *,
        scale_step: float = 1.1,
        stride: int = 8,
        min_score: float = 0.8,
        max_upscale: float = 2.0,
        min_downscale: float = 0.35,
    ) -> None:
        if not min_height > 0:
            raise InputError(f"min_height must be positive, got {min_height!r}")
        if not scale_step > 1.0:
            raise InputError(f"scale_step must be > 1, got {scale_step!r}")
        if not (isinstance(stride, int) and stride >= 4 and stride % 4 == 0):
            raise InputError(f"stride must be a multiple of 4 from 4, got {stride!r}")
        self.cv2 = require("cv2", "capture", "finding people (OpenCV's HOG detector)")
        self.min_height = float(min_height)
        self.scale_step = float(scale_step)
        self.stride = stride
        self.min_score = float(min_score)
        self.max_upscale = float(max_upscale)
        self.min_downscale = float(min_downscale)
        self._hog = self.cv2.HOGDescriptor(_WINDOW, (16, 16), (8, 8), (8, 8), 9)
        self._hog.setSVMDetector(self.cv2.HOGDescriptor_getDaimlerPeopleDetector())

    def factor(self, height: int) -> float:
        """How much a frame ``height`` px tall is scaled before the search."""
        px = self.min_height * height if self.min_height <= 1 else self.min_height
        return float(np.clip(_PERSON_IN_WINDOW / px, self.min_downscale, self.max_upscale))

    def detect(self, image: npt.NDArray[np.uint8]) -> list[PersonBox]:
        """People in an RGB uint8 (H, W, 3) frame, best score first (after NMS)."""
        cv2 = self.cv2
        img = check_image(image)
        h, w = img.shape[:2]
        f = self.factor(h)
        grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        if abs(f - 1.0) > 1e-3:
            interp = cv2.INTER_LINEAR if f > 1 else cv2.INTER_AREA
            grey = cv2.resize(grey, (round(w * f), round(h * f)), interpolation=interp)
        if grey.shape[0] < _WINDOW[1] or grey.shape[1] < _WINDOW[0]:
            return []
        rects, scores = self._hog.detectMultiScale(
            grey,
            winStride=(self.stride, self.stride),
            padding=(8, 8),
            scale=self.scale_step,
        )
        boxes = [
            PersonBox(
                max(0.0, x / f), max(0.0, y / f), min(w, (x + bw) / f), min(h, (y + bh) / f), s
            )
            for (x, y, bw, bh), s in zip(
                np.asarray(rects).reshape(-1, 4).tolist(),
                np.asarray(scores, float).ravel().tolist(),
                strict=True,
            )
            if s >= self.min_score
        ]
        return non_max_suppression(boxes)

"""Shot boundary detection on footage without take metadata (plates, reference video).

:func:`detect_video` decodes a video with PyAV on its own thread (frames scaled down
by FFmpeg, handed over through a bounded queue) and feeds a :class:`ShotDetector`.
:func:`score_cuts` compares detected shot starts with known ones (precision, recall,
F1 with a frame tolerance).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from previzkit.core.errors import InputError, VideoOpenError
from previzkit.core.progress import ProgressFn
from previzkit.core.registry import Registry
from previzkit.edit.detectors.adaptive import AdaptiveDetector
from previzkit.edit.detectors.base import ShotDetector
from previzkit.edit.detectors.content import ContentDetector
from previzkit.media.video import VideoReader

# name -> detector class; other packages add detectors through the
# "previzkit.shot_detectors" entry-point group (``module:Class``).
DETECTORS: Registry[type[ShotDetector]] = Registry(
    "detector",
    "DETECTOR",
    {
        "adaptive": "previzkit.edit.detectors.adaptive",
        "content": "previzkit.edit.detectors.content",
    },
    group="previzkit.shot_detectors",
)
AUTO = "adaptive"  # what ``"auto"`` (the default) picks: thresholds set by the footage

# each built-in detector's main threshold, set by ``threshold=`` / ``--threshold``
THRESHOLD_FIELDS = {"adaptive": "threshold", "content": "cut_threshold"}

__all__ = [
    "AUTO",
    "DETECTORS",
    "AdaptiveDetector",
    "ContentDetector",
    "Detection",
    "ShotDetector",
    "detect_video",
    "get_detector",
    "score_cuts",
]


@dataclass
class Detection:
    """Shot boundaries found in a video: ``cuts`` are frames where a new shot starts."""

    path: str
    fps: float
    frames: int
    cuts: list[int] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """``{"fps", "frames", "cuts"}`` as printed by ``previzkit cut detect --json``."""
        return {"fps": self.fps, "frames": self.frames, "cuts": list(self.cuts)}


def get_detector(
    name: str = "auto",
    *,
    threshold: float | None = None,
    min_shot: int | None = None,
    **options: object,
) -> ShotDetector:
    """A detector by name (``"auto"``: :data:`AUTO`); an unknown name lists the
    available ones. ``threshold`` sets its main threshold (adaptive: a hard cut's
    floor as a fraction of the local contrast, default 0.12; content: in 8-bit levels,
    default 10); ``min_shot``: boundaries closer than this many frames are merged."""
    found = DETECTORS.available()
    key = AUTO if name == "auto" else name
    if key not in found:
        raise InputError(f"detector {name!r}: unknown; available: {', '.join(['auto', *found])}")
    if threshold is not None:
        options[THRESHOLD_FIELDS.get(key, "threshold")] = threshold
    if min_shot is not None:
        options["min_shot"] = min_shot
    try:
        return found[key](**options)
    except TypeError as exc:
        raise InputError(f"detector {name!r}: bad option ({exc})") from None


_END = object()


def detect_video(
    path: str | Path,
    detector: ShotDetector | None = None,
    progress: ProgressFn | None = None,
) -> Detection:
    """Run ``detector`` (default: ``get_detector("auto")``) over every frame of ``path``."""
    src = Path(path)
    det = detector if detector is not None else get_detector()
    # the coarse grid does not need the deblocking filter: skipping it decodes faster
    with VideoReader(src, decoder_options={"skip_loop_filter": "all"}) as reader:
        fps = float(reader.rate) if reader.rate else 0.0
        total = reader.frame_count
        frames: queue.Queue[object] = queue.Queue(maxsize=64)
        failure: list[BaseException] = []
        stop = threading.Event()

        def decode() -> None:
            try:
                for planes in reader.planes():
                    if stop.is_set():
                        break
                    frames.put(planes)
            except (VideoOpenError, ValueError) as exc:
                failure.append(exc)
            finally:
                frames.put(_END)

        worker = threading.Thread(target=decode, name="previzkit-detect-decode", daemon=True)
        worker.start()
        cuts: list[int] = []
        count = 0
        try:
            while (item := frames.get()) is not _END:
                cuts += det.process_frame(count, item)  # type: ignore[arg-type]
                count += 1
                if progress is not None and count % 16 == 0:
                    progress(count, total)
        finally:
            stop.set()
            while worker.is_alive():
                with contextlib.suppress(queue.Empty):
                    frames.get(timeout=0.05)
            worker.join()
        if failure:
            raise VideoOpenError(f"video {src}: decoding failed at frame {count} ({failure[0]})")
        if count == 0:
            raise VideoOpenError(f"video {src}: no frames could be decoded")
        cuts += det.post_process(count)
        if progress is not None:
            progress(count, count)
    return Detection(str(src), fps, count, sorted(set(cuts)))


def score_cuts(
    detected: Sequence[int], truth: Sequence[int], tolerance: int | Sequence[int] = 2
) -> tuple[float, float, float]:
    """(precision, recall, F1) of detected shot starts against true ones.

    A detection matches an unmatched true cut within ``tolerance`` frames (one value,
    or one per true cut, e.g. half a dissolve's length); each matches at most once.
    """
    tol = [tolerance] * len(truth) if isinstance(tolerance, int) else list(tolerance)
    if len(tol) != len(truth):
        raise InputError(f"tolerance: {len(tol)} values for {len(truth)} true cuts")
    used = [False] * len(truth)
    hits = 0
    for f in sorted(detected):
        best = None
        for i, t in enumerate(truth):
            if (
                not used[i]
                and abs(f - t) <= tol[i]
                and (best is None or abs(f - t) < abs(f - truth[best]))
            ):
                best = i
        if best is not None:
            used[best] = True
            hits += 1
    precision = hits / len(detected) if detected else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1

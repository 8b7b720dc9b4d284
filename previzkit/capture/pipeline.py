"""Source -> pose (several actors) -> One Euro -> outputs, frame after frame.

:func:`capture` is what ``previzkit capture`` runs; it is also the library entry point.
Outputs are optional sinks: a :class:`~previzkit.model.pose_track.TrackWriter` (each
frame flushed as it comes), a :class:`~previzkit.capture.stream.PosePublisher`, and the
returned :class:`~previzkit.model.pose_track.PoseTrack` (kept in memory unless
``keep=False``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from previzkit.capture.filters import IMAGE_PARAMS, WORLD_PARAMS, ActorFilters, OneEuroParams
from previzkit.capture.schema import smpte_timecode
from previzkit.capture.sources import Source, open_source
from previzkit.core.progress import ProgressFn
from previzkit.model.capture_camera import CaptureCamera
from previzkit.model.pose_track import PoseFrame, PoseTrack, TrackWriter


def _frames(src: Source):
    """Enumerate frames; a live camera ends cleanly on Ctrl-C (what was captured is kept)."""
    from previzkit.capture.sources.webcam import WebcamSource

    it = enumerate(src.frames())
    while True:
        try:
            yield next(it)
        except StopIteration:
            return
        except KeyboardInterrupt:
            if isinstance(src, WebcamSource):
                return
            raise


@dataclass
class CaptureOptions:
    """Pose settings: ``model`` lite/full/heavy or a .task path; at most ``max_people``
    actors; a search for new people every ``search_every`` frames, for people from
    ``min_height`` of the frame height up (fraction, or px when > 1); a lost actor keeps
    their id for ``max_coast`` seconds; One Euro parameters
    (``filter=False`` to publish raw landmarks); ``min_visibility`` below which a
    landmark is a held dropout; ``camera`` the capture camera's intrinsics (stored in
    the track's ``meta["camera"]``; default: 60 degrees horizontal, marked assumed)."""

    model: str = "lite"
    max_people: int = 2
    search_every: int = 30
    min_height: float = 0.1
    max_coast: float = 1.0
    filter: bool = True
    image_params: OneEuroParams = field(default_factory=lambda: IMAGE_PARAMS)
    world_params: OneEuroParams = field(default_factory=lambda: WORLD_PARAMS)
    min_visibility: float = 0.5
    camera: CaptureCamera | None = None


def capture(
    source: Source | str | Path | int,
    options: CaptureOptions | None = None,
    *,
    track_path: str | Path | None = None,
    publisher=None,
    keep: bool = True,
    max_frames: int | None = None,
    on_frame: Callable[[PoseFrame], None] | None = None,
    progress: ProgressFn | None = None,
) -> PoseTrack:
    """Run pose on every frame of ``source``; see the module docstring for the sinks.

    Stills and image folders are searched frame by frame for every person (no video
    tracking between unrelated images); videos and cameras are tracked.
    """
    from previzkit.capture.multi import MultiPersonPose, find_people
    from previzkit.capture.people import PeopleDetector
    from previzkit.capture.pose import PoseEstimator
    from previzkit.capture.sources.image import ImageFolderSource, ImageSource
    from previzkit.capture.tracking import Tracker

    opts = options or CaptureOptions()
    src = source if isinstance(source, Source) else open_source(source)
    stills = isinstance(src, ImageSource | ImageFolderSource)
    camera = opts.camera or CaptureCamera.from_hfov(src.width, src.height, assumed=True)
    meta = {"model": str(opts.model), "source": src.name, "camera": camera.to_meta()}
    track = PoseTrack(src.width, src.height, src.fps, meta=meta)
    filters = ActorFilters(opts.image_params, opts.world_params, opts.min_visibility)
    writer = None
    if track_path is not None:
        writer = TrackWriter(
            track_path, width=src.width, height=src.height, fps=src.fps, meta=track.meta
        )
    if stills:
        detector = PeopleDetector(opts.min_height)
        est = PoseEstimator(opts.model, mode="image")
        ids = Tracker(max_coast=0.0)

        def detect(img, t):
            people = find_people(
                est,
                img,
                max_people=opts.max_people,
                min_visibility=opts.min_visibility,
                timestamp=t,
                detector=detector,
            )
            return ids.update(people, img, t)

        closer = est.close
        summary = ids.summary
    else:
        multi = MultiPersonPose(
            opts.model,
            max_people=opts.max_people,
            search_every=opts.search_every,
            min_height=opts.min_height,
            max_coast=opts.max_coast,
            min_visibility=opts.min_visibility,
        )
        detect = multi.process
        closer = multi.close
        summary = multi.tracker.summary
    total = src.count if max_frames is None else min(src.count or max_frames, max_frames)
    try:
        for n, fr in _frames(src):
            if max_frames is not None and n >= max_frames:
                break
            people = detect(fr.image, fr.time)
            if opts.filter and not stills:
                people = filters(people)
            tc = smpte_timecode(fr.time, src.fps)
            for p in people:
                p.timestamp = fr.time
                p.timecode = tc
            frame = PoseFrame(fr.index, fr.time, people)
            if writer is not None:
                writer.write(frame)
            if publisher is not None:
                h, w = fr.image.shape[:2]
                for p in people:
                    publisher.publish(p, frame=fr.index, fps=src.fps, size=(w, h))
            if keep:
                track.frames.append(frame)
            if on_frame is not None:
                on_frame(frame)
            if progress is not None:
                progress(n + 1, total)
        if keep:  # who was seen when (first, last s; frames): short tracks can be dropped
            track.meta["people"] = {str(k): v for k, v in summary().items()}
    finally:
        closer()
        if writer is not None:
            writer.close()
        if not isinstance(source, Source):
            src.close()
    return track

"""Cut -> MP4 (H.264 + AAC) with PyAV: burn-ins, slate cards, audio in sync.

The MP4 starts at the cut's record timecode (a ``tmcd`` track), so an NLE lines it up
with the sequence as a reference video; it is written to a temporary name and renamed
when complete.

Every frame of a clip carries burn-ins: scene / shot / take at the top left, the
source timecode (take) at the bottom left and the record timecode (cut) at the
bottom right. Slate gaps render as cards (title, scene number, heading) over
silence. Audio comes from each clip's audio-track media (the take's audio, else its
video's sound) and is placed at the sample where the clip's record frame starts, so
sound and picture stay together whatever the clip lengths.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.atomic import replacing
from previzkit.core.errors import InputError, MissingFileError, VideoOpenError
from previzkit.core.optional import require
from previzkit.core.progress import ProgressFn
from previzkit.edit.media_refs import url_to_path
from previzkit.edit.timeline import CutClip, cut_events, load_cut
from previzkit.media.audio import read_audio
from previzkit.media.video import VideoReader, VideoWriter
from previzkit.model import timecode as tc

SAMPLE_RATE = 48000


@dataclass(frozen=True)
class RenderOptions:
    """Output ``width`` x ``height`` (even), H.264 ``crf`` and ``preset``, whether to
    draw ``burn_ins``."""

    width: int = 640
    height: int = 360
    crf: int = 23
    preset: str = "veryfast"
    burn_ins: bool = True

    def __post_init__(self) -> None:
        if self.width <= 0 or self.height <= 0 or self.width % 2 or self.height % 2:
            raise InputError(f"render size {self.width}x{self.height}: must be positive and even")


def _font(size: int) -> Any:
    ImageFont = require("PIL.ImageFont", "edit", "burn-ins")

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def _text_box(draw: Any, xy: tuple[int, int], text: str, font: Any, anchor: str) -> None:
    box = draw.textbbox(xy, text, font=font, anchor=anchor)
    pad = 3
    draw.rectangle((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad), fill=(0, 0, 0))
    draw.text(xy, text, font=font, fill=(255, 255, 255), anchor=anchor)


def burn_in(
    img: npt.NDArray[np.uint8], top_left: str, bottom_left: str, bottom_right: str
) -> npt.NDArray[np.uint8]:
    """Draw three labels in black boxes on a copy of ``img`` (H, W, 3)."""
    Image = require("PIL.Image", "edit", "burn-ins")
    ImageDraw = require("PIL.ImageDraw", "edit", "burn-ins")

    h, w = img.shape[:2]
    pil = Image.fromarray(img)
    draw = ImageDraw.Draw(pil)
    font = _font(max(10, h // 24))
    m = max(4, h // 40)
    _text_box(draw, (m, m), top_left, font, "la")
    _text_box(draw, (m, h - m), bottom_left, font, "ld")
    _text_box(draw, (w - m, h - m), bottom_right, font, "rd")
    return np.asarray(pil)


def slate_card(width: int, height: int, lines: list[str]) -> npt.NDArray[np.uint8]:
    """A dark card with centred lines of text (the first one larger)."""
    Image = require("PIL.Image", "edit", "slate cards")
    ImageDraw = require("PIL.ImageDraw", "edit", "slate cards")

    pil = Image.new("RGB", (width, height), (24, 24, 32))
    draw = ImageDraw.Draw(pil)
    big, small = _font(max(14, height // 10)), _font(max(10, height // 20))
    y = height // 2 - (len(lines) * height // 14) // 2
    for i, line in enumerate(lines):
        font = big if i == 0 else small
        draw.text((width // 2, y), line, font=font, fill=(235, 235, 235), anchor="mm")
        y += height // 8 if i == 0 else height // 14
    return np.asarray(pil)


def _fit(img: npt.NDArray[np.uint8], width: int, height: int) -> npt.NDArray[np.uint8]:
    """Scale to fit inside width x height, letterboxed on black."""
    Image = require("PIL.Image", "edit", "rendering the cut")

    h, w = img.shape[:2]
    s = min(width / w, height / h)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    out = np.zeros((height, width, 3), np.uint8)
    small = np.asarray(Image.fromarray(img).resize((nw, nh), Image.Resampling.BILINEAR))
    y, x = (height - nh) // 2, (width - nw) // 2
    out[y : y + nh, x : x + nw] = small
    return out


def _frames(
    path: str, first: int, count: int, fps: Fraction | None = None
) -> Iterator[npt.NDArray[np.uint8]]:
    """Yield ``count`` RGB frames of ``path`` from frame ``first`` (0-based, counted at
    ``fps``; default the file's), holding the last one where the media is shorter."""
    last = None
    sent = 0
    with VideoReader(path, what="clip media") as reader:
        for frame in reader.frames(first, rate=fps):
            last = frame.image
            yield last
            sent += 1
            if sent >= count:
                return
    if last is None:
        raise VideoOpenError(f"clip media {path}: no frames from frame {first}")
    for _ in range(count - sent):  # media shorter than the clip: hold the last frame
        yield last


class _AudioCache:
    def __init__(self) -> None:
        self._data: dict[str, npt.NDArray[np.float32] | None] = {}

    def get(self, path: str) -> npt.NDArray[np.float32] | None:
        """The clip media's sound from time 0 at SAMPLE_RATE; None without sound or file."""
        if path not in self._data:
            self._data[path] = (
                read_audio(path, SAMPLE_RATE, from_zero=True) if Path(path).is_file() else None
            )
        return self._data[path]


def _audio_media(timeline: Any) -> dict[float, str]:
    """Record start (frames) -> media path of each audio-track clip."""
    otio = require("opentimelineio", "edit", "rendering the cut")

    out = {}
    for track in timeline.audio_tracks()[:1]:
        for item in track:
            if isinstance(item, otio.schema.Clip):
                rng = track.range_of_child(item)
                path = url_to_path(getattr(item.media_reference, "target_url", "") or "")
                if path is not None:
                    out[round(rng.start_time.to_frames(rng.duration.rate))] = str(path)
    return out


def render_cut(
    cut: str | Path | Any,
    output: str | Path,
    options: RenderOptions | None = None,
    progress: ProgressFn | None = None,
) -> Path:
    """Render ``cut`` (a path any OTIO adapter reads, or a Timeline) to an MP4 at
    ``output``, written under a temporary name in its folder and renamed when complete
    (an error half-way leaves ``output`` as it was)."""
    opts = options or RenderOptions()
    timeline = load_cut(cut) if isinstance(cut, str | Path) else cut
    events = cut_events(timeline)
    if not any(e.slate is None for e in events):
        raise InputError(f"cut {cut}: has no clips to render")
    _check_media(events, cut)
    meta = timeline.metadata.get("previzkit", {})
    rate = tc.rate(meta.get("rate") or timeline.video_tracks()[0].duration().rate)
    fps = rate.fps
    record_start = (
        round(timeline.global_start_time.to_frames(float(fps)))
        if timeline.global_start_time is not None
        else 0
    )
    total = sum(e.duration for e in events)
    out = Path(output)
    out.parent.mkdir(parents=True, exist_ok=True)
    # written under a temporary name and renamed when whole: a render that fails
    # half-way (a missing clip, a full disk, Ctrl-C) leaves no truncated output
    with replacing(out) as partial:
        _render_events(timeline, events, partial, opts, rate, record_start, progress)
    if progress is not None:
        progress(total, total)
    return out


def _render_events(
    timeline: Any,
    events: list[CutClip],
    out: Path,
    opts: RenderOptions,
    rate: tc.Rate,
    record_start: int,
    progress: ProgressFn | None,
) -> None:
    """Encode ``events`` (slate cards and clips with burn-ins, the audio mix) to ``out``."""
    fps = rate.fps
    total = sum(e.duration for e in events)
    audio_paths = _audio_media(timeline)
    mix = np.zeros(round(total / fps * SAMPLE_RATE) + SAMPLE_RATE, np.float32)
    cache = _AudioCache()
    done = 0
    with VideoWriter(
        out,
        opts.width,
        opts.height,
        fps,
        crf=opts.crf,
        preset=opts.preset,
        audio_rate=SAMPLE_RATE,
        timecode=tc.frames_to_timecode(record_start, rate),  # the cut's record start
    ) as writer:
        title = timeline.name or ""

        def put(img: npt.NDArray[np.uint8]) -> None:
            nonlocal done
            writer.write(img)
            done += 1
            if progress is not None and done % 8 == 0:
                progress(done, total)

        for e in events:
            if e.slate is not None:
                card = slate_card(
                    opts.width,
                    opts.height,
                    [f"SCENE {e.slate.get('scene', '')}", str(e.slate.get("heading", "")), title],
                )
                for _ in range(e.duration):
                    put(card)
                continue
            avail_start = _available_start(timeline, e)
            _place_audio(e, avail_start, audio_paths, cache, mix, fps)
            first = e.source_in - avail_start
            label = f"Sc {e.info.get('scene', '?')}  Sh {e.info.get('shot', '?')}  Tk {e.info.get('take', '?')}"
            for k, img in enumerate(_frames(e.media, first, e.duration, fps)):
                frame = _fit(img, opts.width, opts.height)
                if opts.burn_ins:
                    src = tc.frames_to_timecode(e.source_in + k, rate)
                    rec = tc.frames_to_timecode(record_start + e.record_in + k, rate)
                    frame = burn_in(frame, label, f"SRC {src}", f"REC {rec}")
                put(frame)
        writer.end_video()
        writer.write_audio(mix[: round(total / fps * SAMPLE_RATE)])


def _check_media(events: list[CutClip], cut: Any) -> None:
    """Refuse, before writing anything, a cut whose clip media is missing: name the
    clip and the path, and the command that finds moved media."""
    where = cut if isinstance(cut, str | Path) else "CUT"
    for e in events:
        if e.slate is None and not Path(e.media).is_file():
            raise MissingFileError(
                f"clip {e.name!r}: clip media {e.media or '(none)'} does not exist; if it "
                f"moved, run `previzkit cut relink {where} --search FOLDER`"
            )


def _available_start(timeline: Any, e: CutClip) -> int:
    """Source frame of the clip media's first frame (the take's start timecode)."""
    for clip in timeline.video_tracks()[0].find_clips():
        if clip.name == e.name:
            ref = clip.media_reference
            if ref is not None and ref.available_range is not None:
                r = ref.available_range.start_time
                return round(r.to_frames(r.rate))
    return 0


def _place_audio(
    e: CutClip,
    avail_start: int,
    audio_paths: dict[float, str],
    cache: _AudioCache,
    mix: npt.NDArray[np.float32],
    fps: Fraction,
) -> None:
    path = audio_paths.get(e.record_in) or e.media
    data = cache.get(path)
    if data is None:
        return
    src0 = round((e.source_in - avail_start) / fps * SAMPLE_RATE)
    dst0 = round(e.record_in / fps * SAMPLE_RATE)
    n = round(e.duration / fps * SAMPLE_RATE)
    piece = data[max(src0, 0) : max(src0, 0) + n]
    mix[dst0 : dst0 + len(piece)] += piece[: max(0, len(mix) - dst0)]

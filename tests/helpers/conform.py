"""Independent conforms and renders of previzkit's exports, for the conformance tests.

``conform_edl`` does what an assistant editor does with an EDL: it reads the events
with pycmx (not OTIO), and finds each event's media file by its reel name (or the
``FROM CLIP`` file name) and its start timecode, read from the MP4 by ffprobe (the
video stream's or tmcd track's ``timecode`` tag and ``reel_name``), so the event's
source timecode becomes frames inside that file. ``mlt_playlist`` writes the
conformed events as an MLT XML playlist (gaps as blanks, which render black) and
``render_mlt`` renders it with Debian's ``melt``; ``render_xges`` renders an .xges
project with ``ges-launch-1.0``. ``sample_psnr`` compares frames of two MP4s decoded
with PyAV.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote, urlparse
from xml.sax.saxutils import quoteattr

import numpy as np

#: The Debian package that provides each tool the independent renders use.
TOOLS = {"melt": "melt", "ges-launch-1.0": "ges1.0-tools", "ffprobe": "ffmpeg"}


def missing_tool(name: str) -> str | None:
    """None when ``name`` is on PATH, else why a test must skip (with the package)."""
    if shutil.which(name):
        return None
    return (
        f"{name} is not installed (apt-get install {TOOLS.get(name, name)}; "
        "scripts/setup.d/60-editorial-tools.sh)"
    )


# -- timecode, counted here rather than with previzkit.model.timecode -----------------


def tc_to_frames(label: str, fps: Fraction, drop: bool = False) -> int:
    """Frames of a SMPTE label ``HH:MM:SS:FF`` (``;`` or ``.`` before FF in drop-frame)
    at ``fps``; drop-frame (29.97, 59.94) skips 2 (4) labels a minute but every tenth."""
    h, m, s, f = (int(x) for x in re.split(r"[:;.]", label.strip()))
    nominal = round(fps)
    frames = ((h * 60 + m) * 60 + s) * nominal + f
    if drop:
        per_min = 2 * (nominal // 30)
        minutes = h * 60 + m
        frames -= per_min * (minutes - minutes // 10)
    return frames


# -- media: start timecode and reel from the file ----------------------------------


@dataclass(frozen=True)
class MediaFile:
    """A take file as an editor's media pool sees it: ``reel`` (None when the file has
    none), ``start`` (its first frame's timecode, in frames) and ``frames``."""

    path: Path
    reel: str | None
    start: int
    frames: int


def probe_tags(path: Path) -> dict[str, str]:
    """The MP4's ``timecode`` and ``reel_name`` tags (container, streams, tmcd track)
    and the video stream's frame count, as ffprobe reads them."""
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format_tags:stream_tags:stream=codec_type,nb_frames",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(out.stdout)
    tags: dict[str, str] = {}
    for stream in data.get("streams", []):
        for key, value in (stream.get("tags") or {}).items():
            tags.setdefault(key.lower(), value)
        if stream.get("codec_type") == "video" and "nb_frames" in stream:
            tags.setdefault("nb_frames", stream["nb_frames"])
    for key, value in (data.get("format", {}).get("tags") or {}).items():
        tags.setdefault(key.lower(), value)
    return tags


def index_media(
    paths: Iterable[Path], fps: Fraction, drop: bool = False, known: dict[Path, str] | None = None
) -> list[MediaFile]:
    """Each file's reel and start timecode from its tags; ``known`` gives the start
    timecode label of files that carry none (takes recorded before timecode went into
    the files)."""
    files = []
    for p in paths:
        tags = probe_tags(p)
        label = tags.get("timecode") or (known or {}).get(p)
        if label is None:
            raise AssertionError(f"{p}: carries no start timecode (ffprobe tags: {tags})")
        files.append(
            MediaFile(
                p,
                tags.get("reel_name") or tags.get("reel"),
                tc_to_frames(label, fps, drop),
                int(tags.get("nb_frames", 0)),
            )
        )
    return files


# -- EDL conform ----------------------------------------------------------------------


@dataclass(frozen=True)
class Conformed:
    """One EDL event matched to its file: record timecode frames [record_in,
    record_out) and the file frames [file_in, file_out) it plays (0 = first frame)."""

    number: int
    media: MediaFile
    record_in: int
    record_out: int
    file_in: int
    file_out: int


def _url_path(url: str) -> str:
    parsed = urlparse(url)
    return unquote(parsed.path) if parsed.scheme == "file" else url


def conform_edl(edl: Path, media: Sequence[MediaFile], fps: Fraction) -> list[Conformed]:
    """The EDL's video events, each matched to the one file in ``media`` whose reel
    (else file name, from ``* FROM CLIP``) matches and whose timecode span holds the
    event's source in and out."""
    import pycmx

    text = edl.read_text(encoding="utf-8")
    drop = "FCM: DROP FRAME" in text
    with edl.open(encoding="utf-8") as f:
        cmx = pycmx.parse_cmx3600(f)
    out = []
    for event in cmx.events:
        for e in event.edits:
            if e.black or not e.channels.video:
                continue
            src_in = tc_to_frames(e.source_in, fps, drop)
            src_out = tc_to_frames(e.source_out, fps, drop)
            by_reel = [m for m in media if m.reel and m.reel == e.source]
            name = Path(_url_path(e.source_file)).name if e.source_file else None
            by_name = [m for m in media if name and m.path.name == name]
            pool = by_reel or by_name or list(media)
            hits = [m for m in pool if m.start <= src_in and src_out <= m.start + m.frames]
            if len(hits) != 1:
                raise AssertionError(
                    f"{edl}: event {event.number} (reel {e.source}, {e.source_in}-"
                    f"{e.source_out}) matches {len(hits)} files: {[str(h.path) for h in hits]}"
                )
            m = hits[0]
            out.append(
                Conformed(
                    event.number,
                    m,
                    tc_to_frames(e.record_in, fps, drop),
                    tc_to_frames(e.record_out, fps, drop),
                    src_in - m.start,
                    src_out - m.start,
                )
            )
    return out


def mlt_playlist(
    events: Sequence[Conformed], width: int, height: int, fps: Fraction, record_start: int
) -> str:
    """MLT XML: a profile at ``width`` x ``height`` and ``fps`` and one playlist that
    plays each event's file frames from ``record_start`` (frames), blanks between."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<mlt LC_NUMERIC="C">',
        f'  <profile width="{width}" height="{height}" progressive="1" '
        f'frame_rate_num="{fps.numerator}" frame_rate_den="{fps.denominator}" '
        'sample_aspect_num="1" sample_aspect_den="1" '
        f'display_aspect_num="{width}" display_aspect_den="{height}" colorspace="601"/>',
    ]
    for i, ev in enumerate(events):
        lines += [
            f'  <producer id="p{i}">',
            f'    <property name="resource">{quoteattr(str(ev.media.path))[1:-1]}</property>',
            '    <property name="mlt_service">avformat</property>',
            '    <property name="seekable">1</property>',
            "  </producer>",
        ]
    lines.append('  <playlist id="cut">')
    at = record_start
    for i, ev in enumerate(events):
        if ev.record_in > at:
            lines.append(f'    <blank length="{ev.record_in - at}"/>')
        lines.append(f'    <entry producer="p{i}" in="{ev.file_in}" out="{ev.file_out - 1}"/>')
        at = ev.record_out
    lines += ["  </playlist>", "</mlt>"]
    return "\n".join(lines) + "\n"


def render_mlt(mlt: Path, out: Path) -> Path:
    """Render an MLT XML file with melt to ``out`` (Matroska, lossless FFV1, no audio)."""
    subprocess.run(
        [
            "melt",
            "-silent",
            "-quiet",
            str(mlt),
            "-consumer",
            f"avformat:{out}",
            "vcodec=ffv1",
            "an=1",
            "real_time=0",
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return out


def render_xges(xges: Path, out: Path) -> Path:
    """Render an .xges project with ges-launch-1.0 to ``out`` (Matroska, raw I420
    video: no second lossy encode in the comparison)."""
    proc = subprocess.run(
        [
            "ges-launch-1.0",
            "--load",
            str(xges),
            "-o",
            str(out),
            "-f",
            "video/x-matroska:video/x-raw,format=I420",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0 or "ERROR" in proc.stderr:
        raise AssertionError(f"ges-launch-1.0 failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return out


# -- frame comparison ---------------------------------------------------------------


def read_frames(path: Path, indices: Iterable[int]) -> dict[int, np.ndarray]:
    """RGB frames (H, W, 3) at 0-based ``indices`` of ``path``, decoded with PyAV."""
    import av

    want = set(indices)
    got: dict[int, np.ndarray] = {}
    with av.open(str(path)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            if i in want:
                got[i] = frame.to_ndarray(format="rgb24")
            if len(got) == len(want):
                break
    return got


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio (dB) of two uint8 images; inf when equal."""
    if a.shape != b.shape:
        raise AssertionError(f"frame sizes differ: {a.shape} vs {b.shape}")
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def spread(spans: Sequence[tuple[int, int]], n: int = 10) -> list[int]:
    """``n`` frames spread evenly over the frames of ``spans`` ([a, b) each)."""
    frames = [f for a, b in spans for f in range(a, b)]
    if len(frames) < n:
        return frames
    return [frames[round(k * (len(frames) - 1) / (n - 1))] for k in range(n)]


def sample_psnr(ours: Path, theirs: Path, frames: Sequence[int]) -> dict[int, float]:
    """PSNR (dB) of ``theirs`` against ``ours`` at each of ``frames``."""
    a, b = read_frames(ours, frames), read_frames(theirs, frames)
    missing = [f for f in frames if f not in a or f not in b]
    if missing:
        raise AssertionError(f"frames {missing} missing from {ours} or {theirs}")
    return {f: psnr(a[f], b[f]) for f in frames}


def media_path(url: str) -> Path:
    """A media reference's file path (``file://`` URLs decoded)."""
    return Path(_url_path(url))

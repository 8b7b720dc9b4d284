"""Video files in and out through PyAV (FFmpeg in its wheel).

Reading: :class:`VideoReader` opens a file (or a capture device) and decodes its first
video stream to RGB frames (:meth:`VideoReader.frames`, seeking to a frame number
where asked) or to Y, U, V planes (:meth:`VideoReader.planes`); it reports the size
(pixels), the frame rate (frames per second, a Fraction), the frame count the header
gives and the start timecode a file carries. :func:`probe_video` sums a file up;
:func:`count_frames` decodes it all and counts.

Writing: :class:`VideoWriter` is the one H.264 set-up (libx264, yuv420p, even sizes):
``crf``/``preset`` are x264's; ``fragmented=True`` writes crash-safe fragmented MP4
(``movflags=frag_keyframe+empty_moov+default_base_moof``: the ``moov`` box comes first,
every keyframe starts a ``moof``+``mdat`` fragment, one per ``gop`` frames, x264 tuned
for zero latency), so a killed process leaves a file that plays up to its last
complete fragment; :func:`trim_fragmented_mp4` cuts a torn last fragment off.
``timecode`` stamps the start timecode on the stream (a QuickTime ``tmcd`` track in
MP4/MOV) and on the container; ``reel`` names the source reel (the container's
``reel_name`` tag, and the ``tmcd`` track's name in MOV); ``audio_rate`` adds a mono
AAC stream. :class:`ThreadedWriter` encodes on a background thread.
:func:`read_timecode` and :func:`read_reel` read those two back from any file FFmpeg
opens (the take files' contract with the editorial exporters and relinking).

Images are numpy (H, W, 3) uint8 RGB, row 0 at the top. A missing file raises
:class:`MissingFileError`, one that cannot be opened or decoded :class:`VideoOpenError`,
a failed write :class:`VideoWriteError`; each names the file.
"""

from __future__ import annotations

import contextlib
import os
import queue
import struct
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import MissingFileError, ShapeError, VideoOpenError, VideoWriteError
from previzkit.core.optional import require
from previzkit.core.types import ImageU8

MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof"
# MP4/MOV keep arbitrary container tags (timecode, reel_name) only as mdta metadata
META_MOVFLAGS = "use_metadata_tags"
_MOV_SUFFIXES = (".mp4", ".mov", ".m4v")

Plane = npt.NDArray[np.uint8]


def _av_decode() -> ModuleType:
    return require("av", "capture", "video decoding")


def _av_encode() -> ModuleType:
    return require("av", "takes", "video encoding")


# --- reading -----------------------------------------------------------------------


def codecs() -> tuple[str, list[str]]:
    """PyAV's version and which of the codecs previzkit uses its FFmpeg has (libx264,
    h264, aac, mpeg4), for ``previzkit doctor``."""
    av = _av_decode()
    wanted = ["libx264", "h264", "aac", "mpeg4"]
    return str(av.__version__), [c for c in wanted if c in av.codecs_available]


@dataclass(frozen=True)
class VideoFrame:
    """One decoded frame: ``index`` (frame number from the start of the decode, or from
    the asked-for ``start``), ``time`` (presentation time, seconds) and ``image``."""

    index: int
    time: float
    image: ImageU8


class VideoReader:
    """The first video stream of ``path``, decoded with FFmpeg's threads.

    ``what`` names the input in errors (``"plate"``, ``"clip media"``). ``format`` and
    ``options`` open a capture device (``"/dev/video0"``, ``format="v4l2"``,
    ``options={"video_size": "640x480"}``); a file needs neither. ``decoder_options``
    go to the decoder (``{"skip_loop_filter": "all"}`` decodes faster, less exactly).

    Attributes: ``width``, ``height`` (pixels); ``rate`` (frames per second as a
    Fraction: the average rate, else FFmpeg's guess, else the time base's; None when
    the file says nothing); ``frame_count`` (from the header; None when it has none);
    ``has_audio``; ``start_timecode`` (``"HH:MM:SS:FF"`` the file carries, or None).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        what: str = "video",
        format: str | None = None,
        options: dict[str, str] | None = None,
        decoder_options: dict[str, str] | None = None,
    ) -> None:
        av = _av_decode()
        self.path = Path(path) if format is None else path
        self.what = what
        self._where = f"{what} {path}"
        if format is None and not Path(path).is_file():
            raise MissingFileError(f"{self._where}: no such file")
        try:
            self._container: Any = av.open(str(path), format=format, options=options or {})
        except (av.FFmpegError, OSError) as exc:
            raise VideoOpenError(f"{self._where}: cannot open ({exc})") from None
        try:
            if not self._container.streams.video:
                raise VideoOpenError(f"{self._where}: has no video stream")
            stream = self._container.streams.video[0]
            if stream.codec_context is None:  # a codec FFmpeg has no decoder for
                raise VideoOpenError(
                    f"{self._where}: its video codec cannot be decoded here; convert it to H.264"
                )
        except VideoOpenError:
            self._container.close()
            raise
        stream.thread_type = "AUTO"
        if decoder_options:
            stream.codec_context.options = dict(decoder_options)
        self._stream: Any = stream
        self.width = int(stream.codec_context.width)
        self.height = int(stream.codec_context.height)
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        self.rate: Fraction | None = Fraction(rate) if rate else None
        self.frame_count: int | None = int(stream.frames) if stream.frames else None
        self.has_audio = bool(self._container.streams.audio)
        tcode = stream.metadata.get("timecode") or self._container.metadata.get("timecode")
        if tcode is None:
            for data in self._container.streams.data:
                tcode = tcode or data.metadata.get("timecode")
        self.start_timecode: str | None = str(tcode) if tcode else None
        self._closed = False

    def frames(
        self, start: int | None = None, *, rate: Fraction | float | None = None
    ) -> Iterator[VideoFrame]:
        """Decode RGB frames in presentation order.

        ``start`` None: from the first frame, every frame. ``start`` = n: from frame n,
        counted at ``rate`` frames per second (default: the file's): seeks to the
        keyframe at or before it and skips the frames before n. A frame without a
        timestamp gets ``index / rate`` as its time.
        """
        av = _av_decode()
        numbering = Fraction(rate) if rate else (self.rate or Fraction(30))
        stream = self._stream
        if start is not None and start > 0 and stream.time_base:
            target = int(start / numbering / stream.time_base)
            self._container.seek(target, stream=stream, backward=True, any_frame=False)
        k = 0
        try:
            for frame in self._container.decode(stream):
                t = frame.time
                if start is not None and t is not None and round(t * numbering) < start:
                    continue
                index = k if start is None else start + k
                time = float(t) if t is not None else index / float(numbering)
                yield VideoFrame(index, time, frame.to_ndarray(format="rgb24"))
                k += 1
        except (av.FFmpegError, OSError) as exc:
            raise VideoOpenError(f"{self._where}: cannot decode ({exc})") from None

    def planes(self) -> Iterator[tuple[Plane, Plane, Plane]]:
        """Decode every frame to its (Y, U, V) uint8 planes (4:2:0; U and V half size),
        views of the decoder's buffers (use each before asking for the next)."""
        av = _av_decode()
        try:
            for frame in self._container.decode(self._stream):
                if frame.format.name not in ("yuv420p", "yuvj420p"):
                    frame = frame.reformat(format="yuv420p")
                out = []
                for plane in frame.planes:
                    rows = np.frombuffer(plane, np.uint8).reshape(-1, plane.line_size)
                    out.append(rows[: plane.height, : plane.width])
                yield out[0], out[1], out[2]
        except (av.FFmpegError, OSError) as exc:
            raise VideoOpenError(f"{self._where}: cannot decode ({exc})") from None

    def count(self) -> int:
        """Decode every frame (from where decoding stands) and count them."""
        av = _av_decode()
        try:
            return sum(1 for _ in self._container.decode(self._stream))
        except (av.FFmpegError, OSError) as exc:
            raise VideoOpenError(f"{self._where}: cannot be decoded ({exc})") from None

    def close(self) -> None:
        """Close the file (idempotent)."""
        if not self._closed:
            self._closed = True
            self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class VideoInfo:
    """A video file's frame rate (frames per second; 0 when unknown), frame count, size
    (pixels), whether it carries audio and its start timecode (None when it has none)."""

    fps: float
    frames: int
    width: int
    height: int
    has_audio: bool
    start_timecode: str | None = None


def probe_video(path: str | Path) -> VideoInfo:
    """Sum ``path`` up; the frame count is the header's, else its video packets counted."""
    av = _av_decode()
    with VideoReader(path) as r:
        frames = r.frame_count
        if not frames:
            try:
                frames = sum(1 for p in r._container.demux(r._stream) if p.size)
            except av.FFmpegError as exc:
                raise VideoOpenError(f"video {path}: cannot read ({exc})") from None
        fps = float(r.rate) if r.rate else 0.0
        return VideoInfo(fps, int(frames), r.width, r.height, r.has_audio, r.start_timecode)


def count_frames(path: str | Path) -> int:
    """Decode ``path`` and count its frames (VideoOpenError when it cannot be decoded)."""
    with VideoReader(path) as r:
        return r.count()


def _source_tag(path: str | Path, key: str) -> str | None:
    """Tag ``key`` of ``path``: its first video stream's, else the container's, else any
    other stream's (an MP4/MOV ``tmcd`` track shows as a data stream)."""
    av = _av_decode()
    src = Path(path)
    if not src.is_file():
        raise MissingFileError(f"media {src}: no such file")
    try:
        with av.open(str(src)) as c:
            video = list(c.streams.video[:1])
            others = [s for s in c.streams if s not in video]
            for meta in [*(s.metadata for s in video), c.metadata, *(s.metadata for s in others)]:
                value = meta.get(key)
                if value:
                    return str(value)
    except (av.FFmpegError, OSError) as exc:
        raise VideoOpenError(f"media {src}: cannot open ({exc})") from None
    return None


def read_timecode(path: str | Path) -> str | None:
    """The start timecode ``path`` carries (``"HH:MM:SS:FF"``, ``;`` before the frames
    at drop-frame rates): its video stream's ``timecode`` tag, the container's, or its
    ``tmcd`` track's; None when it has none.

    >>> read_timecode(take_video)  # doctest: +SKIP
    '10:00:00:00'
    """
    return _source_tag(path, "timecode")


def read_reel(path: str | Path) -> str | None:
    """The source reel name ``path`` carries (its ``reel_name`` tag: the container's in
    MP4, the ``tmcd`` track's in MOV); None when it has none."""
    return _source_tag(path, "reel_name")


# --- writing -----------------------------------------------------------------------


class VideoWriter:
    """H.264 (libx264, yuv420p) video of ``width`` x ``height`` pixels (even) at ``rate``
    frames per second (limited to a denominator of 1001: 24000/1001 stays exact).

    ``crf`` and ``preset`` are x264's. ``fragmented``: crash-safe fragmented MP4 (see
    the module doc) with a keyframe, and a fragment, every ``gop`` frames (default: one
    second); :meth:`sync` fsyncs what the muxer has written. ``timecode``: the first
    frame's timecode, stamped on the stream. ``audio_rate``: add a mono AAC stream of
    that many samples per second (:meth:`write_audio`). The container follows the
    suffix (.mp4, .mov, .mkv); fragmented files are always MP4. ``reel``: the source
    reel name, a container tag (see :func:`read_reel`); ``timecode`` is one too.
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        rate: Fraction | float | int,
        *,
        crf: int = 20,
        preset: str = "veryfast",
        fragmented: bool = False,
        gop: int | None = None,
        timecode: str | None = None,
        audio_rate: int | None = None,
        reel: str | None = None,
    ) -> None:
        av = _av_encode()
        self.path = Path(path)
        if width <= 0 or height <= 0 or width % 2 or height % 2:
            raise VideoWriteError(f"video {path}: size {width}x{height} must be positive and even")
        self.width, self.height = int(width), int(height)
        self.rate = Fraction(rate).limit_denominator(1001)
        self.fragmented = fragmented
        self.gop = int(gop or max(1, round(float(self.rate))))
        self.frames = 0
        self.audio_samples = 0
        self._file: Any = None
        self._audio: Any = None
        self._video_done = False
        self._closed = False
        try:
            if fragmented:
                self._file = open(self.path, "wb", buffering=0)  # noqa: SIM115
                self._container: Any = av.open(
                    self._file,
                    "w",
                    format="mp4",
                    options={"movflags": f"{MOVFLAGS}+{META_MOVFLAGS}", "flush_packets": "1"},
                )
            else:
                mov = self.path.suffix.lower() in _MOV_SUFFIXES
                self._container = av.open(
                    str(self.path), "w", options={"movflags": META_MOVFLAGS} if mov else {}
                )
            tags = {"timecode": timecode, "reel_name": reel}
            self._container.metadata.update({k: v for k, v in tags.items() if v})
            stream = self._container.add_stream("libx264", rate=self.rate)
            stream.width, stream.height, stream.pix_fmt = self.width, self.height, "yuv420p"
            options = {"preset": preset, "crf": str(crf)}
            if fragmented:
                stream.codec_context.gop_size = self.gop
                options["tune"] = "zerolatency"
                options["x264-params"] = f"keyint={self.gop}:min-keyint={self.gop}:scenecut=0"
            stream.codec_context.options = options
            if timecode is not None:
                stream.metadata["timecode"] = timecode
            if reel:
                stream.metadata["reel_name"] = reel  # the tmcd track's name (MOV)
            self._stream: Any = stream
            if audio_rate is not None:
                self._audio = self._container.add_stream("aac", rate=audio_rate, layout="mono")
                self.audio_rate = int(audio_rate)
        except (OSError, av.FFmpegError) as exc:
            if self._file is not None:
                self._file.close()
            raise VideoWriteError(f"video {self.path}: cannot open for writing ({exc})") from exc

    def write(self, frame: ImageU8) -> None:
        """Encode one RGB frame (uint8, (height, width, 3))."""
        av = _av_encode()
        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise ShapeError(
                f"video {self.path}: frame {frame.shape} {frame.dtype}, expected "
                f"({self.height}, {self.width}, 3) uint8"
            )
        if self._video_done or self._closed:
            raise VideoWriteError(f"video {self.path}: already closed")
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        vf.pts = self.frames
        vf.time_base = 1 / self.rate
        try:
            for packet in self._stream.encode(vf):
                self._container.mux(packet)
        except (OSError, av.FFmpegError) as exc:
            raise VideoWriteError(f"video {self.path}: write failed ({exc})") from exc
        self.frames += 1

    def end_video(self) -> None:
        """Flush the video encoder: no more frames (idempotent; :meth:`close` does it).
        Called before :meth:`write_audio`, the video's packets reach the muxer first."""
        av = _av_encode()
        if self._video_done:
            return
        self._video_done = True
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
        except (OSError, av.FFmpegError) as exc:
            raise VideoWriteError(f"video {self.path}: write failed ({exc})") from exc

    def write_audio(self, samples: npt.NDArray[np.float32], chunk: int = 1024) -> None:
        """Encode mono float samples (-1..1) in blocks of ``chunk``, after those written
        before (needs ``audio_rate``)."""
        av = _av_encode()
        if self._audio is None:
            raise VideoWriteError(f"video {self.path}: opened without an audio stream")
        data = np.asarray(samples, np.float32).reshape(-1)
        try:
            for k in range(0, len(data), chunk):
                block = np.ascontiguousarray(data[k : k + chunk]).reshape(1, -1)
                af = av.AudioFrame.from_ndarray(block, format="flt", layout="mono")
                af.sample_rate = self.audio_rate
                af.pts = self.audio_samples
                for packet in self._audio.encode(af):
                    self._container.mux(packet)
                self.audio_samples += block.shape[1]
        except (OSError, av.FFmpegError) as exc:
            raise VideoWriteError(f"video {self.path}: audio write failed ({exc})") from exc

    def sync(self) -> None:
        """fsync what has reached the file (fragmented files)."""
        if not self._closed and self._file is not None:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        """Flush the encoders, finish the file, close it (idempotent)."""
        av = _av_encode()
        if self._closed:
            return
        try:
            self.end_video()
            if self._audio is not None:
                for packet in self._audio.encode(None):
                    self._container.mux(packet)
            self._closed = True
            self._container.close()
            if self._file is not None:
                os.fsync(self._file.fileno())
        except (OSError, av.FFmpegError, VideoWriteError) as exc:
            self.abort()
            if isinstance(exc, VideoWriteError):
                raise
            raise VideoWriteError(f"video {self.path}: closing failed ({exc})") from exc
        finally:
            self._closed = True
            if self._file is not None:
                self._file.close()

    def abort(self) -> None:
        """Close without flushing the encoders (after an error); never raises."""
        if not self._closed:
            self._closed = True
            with contextlib.suppress(Exception):  # the error that led here is the one to report
                self._container.close()
        if self._file is not None:
            self._file.close()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            self.close()
        else:
            self.abort()


class ThreadedWriter:
    """Runs a :class:`VideoWriter`'s ``write`` on a background thread, so encoding
    overlaps the caller's next frame. Frames are copied into a queue of ``depth``
    frames; a full queue blocks the caller (nothing is dropped). An error on the thread
    is raised by the next :meth:`write` or by :meth:`close`. ``sync`` is passed through."""

    def __init__(self, writer: VideoWriter, depth: int = 4) -> None:
        self.writer = writer
        self.path = writer.path
        self._q: queue.Queue[ImageU8 | None] = queue.Queue(maxsize=max(1, depth))
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"encode-{writer.path.name}", daemon=True
        )
        self._thread.start()
        self._closed = False

    @property
    def frames(self) -> int:
        """Frames encoded so far."""
        return self.writer.frames

    def _run(self) -> None:
        while True:
            frame = self._q.get()
            if frame is None:
                return
            if self._error is None:
                try:
                    self.writer.write(frame)
                except BaseException as exc:  # kept, raised on the caller's thread
                    self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            raise self._error

    def write(self, frame: ImageU8) -> None:
        """Queue one RGB frame (uint8, (height, width, 3)) for encoding."""
        self._raise()
        if self._closed:
            raise VideoWriteError(f"video {self.path}: already closed")
        w = self.writer
        if frame.shape != (w.height, w.width, 3) or frame.dtype != np.uint8:
            raise ShapeError(
                f"video {w.path}: frame {frame.shape} {frame.dtype}, expected "
                f"({w.height}, {w.width}, 3) uint8"
            )
        self._q.put(np.array(frame, copy=True))

    def sync(self) -> None:
        """fsync what the writer has written."""
        self.writer.sync()

    def close(self) -> None:
        """Encode what is queued, then close the writer (idempotent)."""
        if self._closed:
            return
        self._closed = True
        self._q.put(None)
        self._thread.join()
        try:
            self._raise()
        finally:
            self.writer.close()


# --- fragmented MP4 structure ------------------------------------------------------


def mp4_boxes(path: str | Path) -> list[tuple[str, int, int]]:
    """Top-level ISO BMFF boxes ``(type, offset, size)`` (bytes); a box running past the
    end of the file (torn) is listed with the size its header claims."""
    boxes = []
    with open(path, "rb") as f:
        end = os.fstat(f.fileno()).st_size
        pos = 0
        while pos + 8 <= end:
            f.seek(pos)
            size, kind = struct.unpack(">I4s", f.read(8))
            if size == 1:
                ext = f.read(8)
                if len(ext) < 8:
                    break
                size = struct.unpack(">Q", ext)[0]
            elif size == 0:
                size = end - pos
            if size < 8:
                break
            boxes.append((kind.decode("latin-1"), pos, int(size)))
            pos += size
    return boxes


def trim_fragmented_mp4(path: str | Path) -> int:
    """Cut a fragmented MP4 after its last complete ``moof``+``mdat`` pair.

    Returns the bytes removed (0 when the file was whole). Raises
    :class:`VideoOpenError` when the file has no ``moov`` (nothing playable).
    """
    path = Path(path)
    size = path.stat().st_size
    boxes = mp4_boxes(path)
    keep = 0
    have_moov = False
    prev = None
    for kind, off, n in boxes:
        if off + n > size:
            break  # torn box
        if kind in ("ftyp", "moov", "free", "skip", "styp", "mfra"):
            have_moov |= kind == "moov"
            keep = off + n if kind != "mfra" or prev == "mdat" else keep
        elif kind == "mdat" and prev == "moof":
            keep = off + n
        elif kind == "moof":
            pass  # complete only once its mdat is
        prev = kind
    if not have_moov:
        raise VideoOpenError(f"video {path}: no moov box; nothing recorded is playable")
    if keep < size:
        with open(path, "r+b") as f:
            f.truncate(keep)
            f.flush()
            os.fsync(f.fileno())
    return size - keep

"""Crash-safe H.264 video for takes: fragmented MP4 through PyAV, and WAV audio.

:class:`FragmentedVideoWriter` writes ``movflags=frag_keyframe+empty_moov+default_base_moof``
MP4: the ``moov`` box comes first (with no samples) and every keyframe starts a new
``moof``+``mdat`` fragment, one per ``gop`` frames (1 s by default). A killed process
leaves a file that plays up to its last complete fragment; :func:`trim_fragmented_mp4`
cuts a torn last fragment off so every reader opens it cleanly. :meth:`sync` fsyncs
what the muxer has written (the recorder calls it with the journal's flush).

:class:`WavWriter` writes PCM audio; :func:`repair_wav` fixes the RIFF sizes of a WAV
whose writer was killed before it could patch its header.
"""

from __future__ import annotations

import os
import struct
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import ShapeError, VideoOpenError, VideoWriteError

MOVFLAGS = "frag_keyframe+empty_moov+default_base_moof"


class FragmentedVideoWriter:
    """H.264 (yuv420p) fragmented MP4 at ``rate`` frames per second.

    ``write(frame)`` takes uint8 (H, W, 3) RGB, row 0 at the top. ``width`` and
    ``height`` must be even. ``gop`` frames per fragment (default: one second).
    ``preset``/``crf`` are libx264's; ``tune=zerolatency`` keeps x264 from holding
    frames back, so a fragment reaches the file as soon as the next keyframe is sent.
    """

    def __init__(
        self,
        path: str | Path,
        width: int,
        height: int,
        rate: Fraction | float | int,
        gop: int | None = None,
        preset: str = "veryfast",
        crf: int = 20,
    ) -> None:
        import av

        if width <= 0 or height <= 0 or width % 2 or height % 2:
            raise VideoWriteError(f"video {path}: size {width}x{height} must be positive and even")
        self.path = Path(path)
        self.width, self.height = int(width), int(height)
        self.rate = Fraction(rate).limit_denominator(1001)
        self.gop = int(gop or max(1, round(float(self.rate))))
        self.frames = 0
        try:
            self._file = open(self.path, "wb", buffering=0)  # noqa: SIM115
            self._container = av.open(
                self._file,
                "w",
                format="mp4",
                options={"movflags": MOVFLAGS, "flush_packets": "1"},
            )
            stream = self._container.add_stream("libx264", rate=self.rate)
            stream.width, stream.height, stream.pix_fmt = self.width, self.height, "yuv420p"
            stream.codec_context.gop_size = self.gop
            stream.codec_context.options = {
                "preset": preset,
                "crf": str(crf),
                "tune": "zerolatency",
                "x264-params": f"keyint={self.gop}:min-keyint={self.gop}:scenecut=0",
            }
            self._stream = stream
        except (OSError, av.error.FFmpegError) as exc:
            raise VideoWriteError(f"video {self.path}: cannot open for writing ({exc})") from exc
        self._closed = False

    def write(self, frame: npt.NDArray[np.uint8]) -> None:
        """Encode one RGB frame (uint8, (height, width, 3))."""
        import av

        if frame.shape != (self.height, self.width, 3) or frame.dtype != np.uint8:
            raise ShapeError(
                f"video {self.path}: frame {frame.shape} {frame.dtype}, expected "
                f"({self.height}, {self.width}, 3) uint8"
            )
        vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(frame), format="rgb24")
        vf.pts = self.frames
        vf.time_base = 1 / self.rate
        try:
            for packet in self._stream.encode(vf):
                self._container.mux(packet)
        except (OSError, av.error.FFmpegError) as exc:
            raise VideoWriteError(f"video {self.path}: write failed ({exc})") from exc
        self.frames += 1

    def sync(self) -> None:
        """fsync what has reached the file."""
        if not self._closed:
            os.fsync(self._file.fileno())

    def close(self) -> None:
        """Flush the encoder, finish the last fragment, close (idempotent)."""
        import av

        if self._closed:
            return
        self._closed = True
        try:
            for packet in self._stream.encode(None):
                self._container.mux(packet)
            self._container.close()
            os.fsync(self._file.fileno())
        except (OSError, av.error.FFmpegError) as exc:
            raise VideoWriteError(f"video {self.path}: closing failed ({exc})") from exc
        finally:
            self._file.close()

    def __enter__(self) -> FragmentedVideoWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ThreadedWriter:
    """Runs a writer's ``write`` on a background thread, so encoding overlaps the
    caller's next frame. Frames are copied into a queue of ``depth`` frames; a full
    queue blocks the caller (nothing is dropped). An error on the thread is raised by
    the next :meth:`write` or by :meth:`close`. ``sync`` is passed through."""

    def __init__(self, writer: FragmentedVideoWriter, depth: int = 4) -> None:
        import queue
        import threading

        self.writer = writer
        self.path = writer.path
        self._q: queue.Queue = queue.Queue(maxsize=max(1, depth))
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._run, name=f"encode-{writer.path.name}", daemon=True
        )
        self._thread.start()
        self._closed = False

    @property
    def frames(self) -> int:
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

    def write(self, frame: npt.NDArray[np.uint8]) -> None:
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


def mp4_boxes(path: str | Path) -> list[tuple[str, int, int]]:
    """Top-level ISO BMFF boxes ``(type, offset, size)``; a box running past the end
    of the file (torn) is listed with the size its header claims."""
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
            boxes.append((kind.decode("latin-1"), pos, size))
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


def count_frames(path: str | Path) -> int:
    """Decode a video and count its frames (raises VideoOpenError when unreadable)."""
    import av

    try:
        with av.open(str(path)) as c:
            return sum(1 for _ in c.decode(video=0))
    except (OSError, av.error.FFmpegError) as exc:
        raise VideoOpenError(f"video {path}: cannot be decoded ({exc})") from exc


class WavWriter:
    """16-bit PCM WAV; ``write(samples)`` takes int16 or float (-1..1) arrays shaped
    (n,) or (n, channels). :func:`repair_wav` fixes the header if the writer is killed."""

    def __init__(self, path: str | Path, sample_rate: int, channels: int = 1) -> None:
        if sample_rate <= 0 or channels <= 0:
            raise VideoWriteError(f"audio {path}: sample_rate {sample_rate}, channels {channels}")
        self.path = Path(path)
        self.channels = int(channels)
        self.samples = 0
        try:
            self._wav = wave.open(str(self.path), "wb")  # noqa: SIM115
            self._wav.setnchannels(self.channels)
            self._wav.setsampwidth(2)
            self._wav.setframerate(int(sample_rate))
        except OSError as exc:
            raise VideoWriteError(f"audio {self.path}: cannot open ({exc})") from exc

    def write(self, samples: npt.NDArray) -> None:
        a = np.asarray(samples)
        if a.ndim == 1:
            a = a[:, None]
        if a.ndim != 2 or a.shape[1] != self.channels:
            raise ShapeError(
                f"audio {self.path}: samples {np.shape(samples)}, expected (n, {self.channels})"
            )
        if a.dtype != np.int16:
            a = (np.clip(a.astype(np.float32), -1.0, 1.0) * 32767.0).round().astype(np.int16)
        try:
            self._wav.writeframesraw(a.astype("<i2").tobytes())
            self._wav._file.flush()  # type: ignore[attr-defined]
        except OSError as exc:
            raise VideoWriteError(f"audio {self.path}: write failed ({exc})") from exc
        self.samples += len(a)

    def sync(self) -> None:
        f = self._wav._file  # type: ignore[attr-defined]
        f.flush()
        os.fsync(f.fileno())

    def close(self) -> None:
        try:
            self._wav.close()
        except OSError as exc:
            raise VideoWriteError(f"audio {self.path}: closing failed ({exc})") from exc


def repair_wav(path: str | Path) -> int:
    """Rewrite the RIFF and data sizes of a PCM WAV from its length on disk (a writer
    killed mid-take leaves them at 0); drops a trailing partial sample frame. Returns
    the number of sample frames."""
    path = Path(path)
    with open(path, "r+b") as f:
        head = f.read(44)
        if len(head) < 44 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise VideoOpenError(f"audio {path}: not a RIFF/WAVE file")
        _channels, _, _, block = struct.unpack("<HIIH", head[22:34])
        if head[36:40] != b"data":
            raise VideoOpenError(f"audio {path}: no data chunk right after fmt (not ours)")
        size = os.fstat(f.fileno()).st_size
        data = (size - 44) // max(block, 1) * max(block, 1)
        f.truncate(44 + data)
        f.seek(4)
        f.write(struct.pack("<I", 36 + data))
        f.seek(40)
        f.write(struct.pack("<I", data))
        f.flush()
        os.fsync(f.fileno())
    return data // max(block, 1)

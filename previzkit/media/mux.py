"""An audio stream for a video file, in place: :func:`mux_audio`.

Editors expect every clip to have sound: a clip without an audio stream comes into an
NLE as video only and its audio track stays empty. :func:`mux_audio` rewrites an MP4
or MOV with an AAC stream: the first audio stream of ``audio`` (a WAV or anything
FFmpeg decodes, resampled to ``sample_rate``; mono stays mono, more channels become
stereo), else silence as long as the video. The video packets are copied, not
re-encoded; the start timecode (``tmcd`` track and tags) and the ``reel_name`` tag are
kept. The new file is written next to the old one under a temporary name and renamed
over it once complete (fsynced), so a crash mid-way leaves the old file whole.

The output is a plain (not fragmented) MP4/MOV with its ``moov`` at the end: what every
NLE opens, and what :func:`~previzkit.media.video.trim_fragmented_mp4` leaves alone.
"""

from __future__ import annotations

import contextlib
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

from previzkit.core.errors import MissingFileError, VideoOpenError, VideoWriteError
from previzkit.core.optional import require

AUDIO_RATE = 48000  # samples per second: the rate NLEs and broadcast expect
_KEEP_TAGS = ("timecode", "reel_name", "comment", "title")


def has_audio(path: str | Path) -> bool:
    """Whether ``path`` has an audio stream."""
    av = require("av", "takes", "audio muxing")
    try:
        with av.open(str(path)) as c:
            return bool(c.streams.audio)
    except (av.FFmpegError, OSError) as exc:
        raise VideoOpenError(f"media {path}: cannot open ({exc})") from None


def _video_end(container: Any, stream: Any) -> Fraction:
    """End time (seconds) of the video stream: the last packet's pts + duration."""
    end = Fraction(0)
    for packet in container.demux(stream):
        if packet.pts is None or not packet.size:
            continue
        t = (packet.pts + (packet.duration or 0)) * stream.time_base
        end = max(end, Fraction(t))
    container.seek(0)
    return end


def _encode_audio(
    out: Any, source: Path | None, seconds: Fraction, sample_rate: int, bitrate: int
) -> tuple[Any, list[Any]]:
    """Add an AAC stream to ``out`` and encode ``source``'s first audio stream into it
    (silence of ``seconds`` when None); returns the stream and its packets."""
    av = require("av", "takes", "audio muxing")
    import numpy as np

    chunks: list[Any] = []
    layout = "mono"
    if source is not None:
        try:
            with av.open(str(source)) as c:
                if not c.streams.audio:
                    raise VideoOpenError(f"audio {source}: has no audio stream")
                channels = c.streams.audio[0].codec_context.channels
                layout = "mono" if channels == 1 else "stereo"
                resampler = av.AudioResampler(format="fltp", layout=layout, rate=sample_rate)
                for frame in c.decode(c.streams.audio[0]):
                    chunks.extend(f.to_ndarray() for f in resampler.resample(frame))
                chunks.extend(f.to_ndarray() for f in resampler.resample(None))
        except (av.FFmpegError, OSError) as exc:
            raise VideoOpenError(f"audio {source}: cannot decode ({exc})") from None
    nch = 1 if layout == "mono" else 2
    data = np.concatenate(chunks, axis=1) if chunks else np.zeros((nch, 0), np.float32)
    if source is None:
        data = np.zeros((nch, round(seconds * sample_rate)), np.float32)
    stream = out.add_stream("aac", rate=sample_rate, layout=layout)
    stream.bit_rate = bitrate
    packets: list[Any] = []
    block = 1024
    for k in range(0, data.shape[1], block):
        part = np.ascontiguousarray(data[:, k : k + block], np.float32)
        frame = av.AudioFrame.from_ndarray(part, format="fltp", layout=layout)
        frame.sample_rate = sample_rate
        frame.pts = k
        frame.time_base = Fraction(1, sample_rate)
        packets.extend(stream.encode(frame))
    packets.extend(stream.encode(None))
    return stream, packets


def mux_audio(
    video: str | Path,
    audio: str | Path | None = None,
    *,
    sample_rate: int = AUDIO_RATE,
    bitrate: int = 128_000,
) -> Path:
    """Rewrite ``video`` (MP4/MOV) with an AAC audio stream made from ``audio`` (any
    file with sound; None: silence of the video's length), in place; returns ``video``.

    The video stream is copied packet for packet with its timecode and reel; an audio
    stream ``video`` already has is replaced. Raises :class:`MissingFileError` for a
    missing input, :class:`VideoOpenError` for one that cannot be read and
    :class:`VideoWriteError` when the result cannot be written (``video`` is then
    unchanged).
    """
    av = require("av", "takes", "audio muxing")
    src = Path(video)
    sound = None if audio is None else Path(audio)
    for p in (src, sound):
        if p is not None and not p.is_file():
            raise MissingFileError(f"media {p}: no such file")
    tmp = src.with_name(f".{src.stem}.muxing{src.suffix}")
    fmt = "mov" if src.suffix.lower() == ".mov" else "mp4"
    try:
        inp: Any = av.open(str(src))
    except (av.FFmpegError, OSError) as exc:
        raise VideoOpenError(f"video {src}: cannot open ({exc})") from None
    try:
        if not inp.streams.video:
            raise VideoOpenError(f"video {src}: has no video stream")
        vin = inp.streams.video[0]
        seconds = _video_end(inp, vin)
        tags = {k: v for k, v in inp.metadata.items() if k in _KEEP_TAGS}
        stream_tc = vin.metadata.get("timecode") or tags.get("timecode")
        for data in inp.streams.data:  # a tmcd track
            stream_tc = stream_tc or data.metadata.get("timecode")
        try:
            out: Any = av.open(str(tmp), "w", format=fmt, options={"movflags": "use_metadata_tags"})
        except (av.FFmpegError, OSError) as exc:
            raise VideoWriteError(f"video {src}: cannot write {tmp.name} ({exc})") from None
        try:
            vout = out.add_stream_from_template(vin)
            vout.time_base = vin.time_base
            if stream_tc:
                vout.metadata["timecode"] = stream_tc
                tags.setdefault("timecode", stream_tc)
            if "reel_name" in tags:
                vout.metadata["reel_name"] = tags["reel_name"]
            out.metadata.update(tags)
            aout, apackets = _encode_audio(out, sound, seconds, sample_rate, bitrate)
            _interleave(out, inp, vin, vout, aout, apackets)
            out.close()
        except BaseException:
            with contextlib.suppress(Exception):
                out.close()
            tmp.unlink(missing_ok=True)
            raise
    except (av.FFmpegError, OSError) as exc:
        tmp.unlink(missing_ok=True)
        raise VideoWriteError(f"video {src}: adding audio failed ({exc})") from None
    finally:
        inp.close()
    _replace_durably(tmp, src)
    return src


def _interleave(out: Any, inp: Any, vin: Any, vout: Any, aout: Any, apackets: list[Any]) -> None:
    """Mux the copied video packets and the encoded audio packets in time order."""
    queue = list(apackets)
    k = 0

    def audio_until(t: Fraction | None) -> None:
        nonlocal k
        while k < len(queue):
            p = queue[k]
            if t is not None and p.pts is not None and p.pts * p.time_base > t:
                return
            p.stream = aout
            out.mux(p)
            k += 1

    for packet in inp.demux(vin):
        if packet.dts is None and not packet.size:
            continue  # the demuxer's flush packet
        audio_until(Fraction(packet.dts * packet.time_base) if packet.dts is not None else None)
        packet.stream = vout
        out.mux(packet)
    audio_until(None)


def _replace_durably(tmp: Path, dst: Path) -> None:
    """fsync ``tmp``, rename it over ``dst`` and fsync the folder."""
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, dst)
    fd = os.open(dst.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

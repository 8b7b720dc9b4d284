"""SMPTE linear timecode (LTC) in audio: decoding and encoding through libltc (ctypes).

LTC is the biphase-coded timecode a slate, a recorder or a sync box sends down an
audio line: one 80-bit word per video frame, carrying ``HH:MM:SS:FF`` and the
drop-frame flag (not the frame rate: the caller names it; :attr:`LtcFrame.fps`
estimates it from the word's length in samples).

- :func:`decode_ltc` (pure): samples (float -1..1 or int16, mono) -> the
  :class:`LtcFrame` words found, each with its sample span;
- :func:`encode_ltc` (pure): an LTC signal of ``count`` frames from a start label,
  for tests and for a plate's audio track;
- :func:`read_ltc`: the LTC words on a file's first audio stream (PyAV).

libltc is Debian's ``libltc11`` (``apt-get install libltc11``); it is loaded when a
function needs it and :class:`LtcUnavailable` says which package to install when it
is missing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from previzkit.core.errors import InputError, PrevizError, ShapeError, TimecodeError

LIBRARY = "libltc.so.11"
DEBIAN_PACKAGE = "libltc11"

# enum LTC_TV_STANDARD
_TV_525_60, _TV_625_50, _TV_1125_60, _TV_FILM_24 = 0, 1, 2, 3
_LTC_USE_DATE = 1


class LtcUnavailable(PrevizError, ImportError):
    """libltc (Debian's libltc11) is not installed; the message says how to install it."""


class _SMPTETimecode(ctypes.Structure):
    _fields_ = [
        ("timezone", ctypes.c_char * 6),
        ("years", ctypes.c_ubyte),
        ("months", ctypes.c_ubyte),
        ("days", ctypes.c_ubyte),
        ("hours", ctypes.c_ubyte),
        ("mins", ctypes.c_ubyte),
        ("secs", ctypes.c_ubyte),
        ("frame", ctypes.c_ubyte),
    ]


class _LTCFrame(ctypes.Structure):  # 80 bits of unsigned-int bitfields (ltc.h)
    _fields_ = [("bits", ctypes.c_ubyte * 10)]


class _LTCFrameExt(ctypes.Structure):
    _fields_ = [
        ("ltc", _LTCFrame),
        ("off_start", ctypes.c_longlong),
        ("off_end", ctypes.c_longlong),
        ("reverse", ctypes.c_int),
        ("biphase_tics", ctypes.c_float * 80),
        ("sample_min", ctypes.c_ubyte),
        ("sample_max", ctypes.c_ubyte),
        ("volume", ctypes.c_double),
        ("_spare", ctypes.c_ubyte * 64),  # room should a build pad the struct further
    ]


@functools.cache
def _lib() -> Any:
    """libltc, its functions typed; :class:`LtcUnavailable` when it is missing."""
    return load_library(ctypes.util.find_library("ltc") or LIBRARY)


def load_library(name: str) -> Any:
    """The shared library ``name`` (a libltc) with its functions typed;
    :class:`LtcUnavailable` naming the Debian package when it cannot be loaded."""
    try:
        lib = ctypes.CDLL(name)
    except OSError as exc:
        raise LtcUnavailable(
            f"LTC timecode needs libltc ({name}: {exc}); "
            f"install it: sudo apt-get install {DEBIAN_PACKAGE}"
        ) from None
    vp, sz, off = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_longlong
    sigs: dict[str, tuple[Any, list[Any]]] = {
        "ltc_decoder_create": (vp, [ctypes.c_int, ctypes.c_int]),
        "ltc_decoder_free": (ctypes.c_int, [vp]),
        "ltc_decoder_write_float": (None, [vp, ctypes.POINTER(ctypes.c_float), sz, off]),
        "ltc_decoder_write_s16": (None, [vp, ctypes.POINTER(ctypes.c_short), sz, off]),
        "ltc_decoder_read": (ctypes.c_int, [vp, ctypes.POINTER(_LTCFrameExt)]),
        "ltc_frame_to_time": (
            None,
            [ctypes.POINTER(_SMPTETimecode), ctypes.POINTER(_LTCFrame), ctypes.c_int],
        ),
        "ltc_encoder_create": (vp, [ctypes.c_double, ctypes.c_double, ctypes.c_int, ctypes.c_int]),
        "ltc_encoder_free": (None, [vp]),
        "ltc_encoder_set_timecode": (None, [vp, ctypes.POINTER(_SMPTETimecode)]),
        "ltc_encoder_inc_timecode": (ctypes.c_int, [vp]),
        "ltc_encoder_encode_frame": (None, [vp]),
        "ltc_encoder_get_buffersize": (sz, [vp]),
        "ltc_encoder_get_buffer": (ctypes.c_int, [vp, ctypes.POINTER(ctypes.c_ubyte)]),
    }
    for fn, (res, args) in sigs.items():
        f = getattr(lib, fn)
        f.restype, f.argtypes = res, args
    return lib


def available() -> bool:
    """Whether libltc loads."""
    try:
        _lib()
    except LtcUnavailable:
        return False
    return True


@dataclass(frozen=True)
class LtcFrame:
    """One decoded LTC word: the label's fields, ``drop_frame`` (the word's DF bit),
    ``start`` / ``end`` the sample indices it spans in the decoded signal (the label
    names the video frame that starts at ``start``), ``sample_rate`` (Hz) and
    ``reverse`` when it was read backwards."""

    hours: int
    minutes: int
    seconds: int
    frame: int
    drop_frame: bool
    start: int
    end: int
    sample_rate: int
    reverse: bool = False

    @property
    def label(self) -> str:
        """``HH:MM:SS:FF`` (``;`` before the frames when drop-frame)."""
        sep = ";" if self.drop_frame else ":"
        return f"{self.hours:02d}:{self.minutes:02d}:{self.seconds:02d}{sep}{self.frame:02d}"

    @property
    def time_s(self) -> float:
        """Seconds from the signal's first sample to the word's start."""
        return self.start / self.sample_rate

    @property
    def fps(self) -> float:
        """The frame rate the word's length implies (frames per second)."""
        return self.sample_rate / max(self.end - self.start + 1, 1)


def _mono(samples: npt.ArrayLike, what: str) -> np.ndarray:
    a = np.asarray(samples)
    if a.ndim == 2 and a.shape[1] == 1:
        a = a[:, 0]
    if a.ndim != 1:
        raise ShapeError(f"{what}: samples {a.shape}, expected mono (n,)")
    if a.dtype == np.int16:
        return np.ascontiguousarray(a)
    if a.dtype.kind != "f":
        raise ShapeError(f"{what}: samples {a.dtype}, expected float (-1..1) or int16")
    return np.ascontiguousarray(a, np.float32)


def decode_ltc(
    samples: npt.ArrayLike, sample_rate: int, fps: float = 25.0, *, chunk: int = 4096
) -> list[LtcFrame]:
    """The LTC words in mono ``samples`` (float -1..1 or int16) at ``sample_rate`` Hz.

    ``fps`` is a hint for the decoder's start-up (audio samples per video frame); it
    locks onto 24-30 fps signals whichever is given.
    """
    if sample_rate <= 0 or not fps > 0:
        raise InputError(f"LTC decode: sample rate {sample_rate} Hz, fps {fps}: must be > 0")
    a = _mono(samples, "LTC decode")
    lib = _lib()
    dec = lib.ltc_decoder_create(max(round(sample_rate / fps), 1), 64)
    if not dec:
        raise InputError("LTC decode: libltc could not create a decoder")
    found: list[LtcFrame] = []
    ext = _LTCFrameExt()
    tc = _SMPTETimecode()
    write = lib.ltc_decoder_write_s16 if a.dtype == np.int16 else lib.ltc_decoder_write_float
    ctype = ctypes.c_short if a.dtype == np.int16 else ctypes.c_float
    try:
        for pos in range(0, len(a), chunk):
            block = a[pos : pos + chunk]
            write(dec, block.ctypes.data_as(ctypes.POINTER(ctype)), len(block), pos)
            while lib.ltc_decoder_read(dec, ctypes.byref(ext)):
                lib.ltc_frame_to_time(ctypes.byref(tc), ctypes.byref(ext.ltc), 0)
                found.append(
                    LtcFrame(
                        int(tc.hours),
                        int(tc.mins),
                        int(tc.secs),
                        int(tc.frame),
                        bool((ext.ltc.bits[1] >> 2) & 1),  # dfbit: bit 10 of the word
                        int(ext.off_start),
                        int(ext.off_end),
                        int(sample_rate),
                        bool(ext.reverse),
                    )
                )
    finally:
        lib.ltc_decoder_free(dec)
    return found


def _parse_label(label: str) -> tuple[int, int, int, int, bool]:
    import re

    m = re.match(r"^(\d{2}):(\d{2}):(\d{2})([:;])(\d{2})$", label.strip())
    if not m:
        raise TimecodeError(f"LTC start {label!r}: expected HH:MM:SS:FF (or HH:MM:SS;FF)")
    h, mi, s, sep, f = m.groups()
    return int(h), int(mi), int(s), int(f), sep == ";"


def encode_ltc(
    start: str, count: int, fps: float, sample_rate: int = 48000, *, level: float = 0.5
) -> npt.NDArray[np.float32]:
    """``count`` LTC words from label ``start`` at ``fps`` (24, 25, 29.97 drop-frame,
    30; 23.976 is sent as 24 labels at that speed), as float32 mono samples at
    ``sample_rate`` Hz, peak ``level``. A ``;`` label at 29.97 sets the DF bit and the
    words skip the dropped frame numbers."""
    h, mi, s, f, drop = _parse_label(start)
    if count < 0 or sample_rate <= 0:
        raise InputError(f"LTC encode: count {count}, sample rate {sample_rate}")
    if drop and abs(fps - 29.97) > 0.01:
        raise TimecodeError(f"LTC start {start!r}: drop-frame needs 29.97 fps, not {fps}")
    lib = _lib()
    nominal = round(fps)
    standard = {25: _TV_625_50, 24: _TV_FILM_24}.get(nominal, _TV_525_60)
    enc = lib.ltc_encoder_create(float(sample_rate), float(fps), standard, 0)
    if not enc:
        raise InputError(f"LTC encode: libltc could not create an encoder at {fps} fps")
    try:
        tc = _SMPTETimecode(b"+0000", 0, 1, 1, h, mi, s, f)
        lib.ltc_encoder_set_timecode(enc, ctypes.byref(tc))
        buf = (ctypes.c_ubyte * (int(lib.ltc_encoder_get_buffersize(enc)) + 16))()
        out: list[np.ndarray] = []
        for _ in range(count):
            lib.ltc_encoder_encode_frame(enc)
            n = lib.ltc_encoder_get_buffer(enc, buf)
            out.append(np.ctypeslib.as_array(buf)[:n].copy())
            lib.ltc_encoder_inc_timecode(enc)
    finally:
        lib.ltc_encoder_free(enc)
    u8 = np.concatenate(out) if out else np.zeros(0, np.uint8)
    # libltc's unsigned 8-bit samples (128 = silence) -> float at the peak level
    pcm: npt.NDArray[np.float32] = ((u8.astype(np.float32) - 128.0) / 127.0 * level).astype(
        np.float32
    )
    return pcm


def read_ltc(path: str | Path, fps: float = 25.0, sample_rate: int = 48000) -> list[LtcFrame]:
    """The LTC words on the first audio stream of ``path`` (a plate, a WAV from a
    recorder), decoded at ``sample_rate``; spans are samples from the stream's start.
    Raises :class:`InputError` naming the file when it has no audio."""
    from previzkit.media.audio import read_audio

    samples = read_audio(path, sample_rate, from_zero=True)
    if samples is None:
        raise InputError(f"LTC: {path} has no audio stream to read timecode from")
    return decode_ltc(samples, sample_rate, fps)

"""Pose stream message schema, version 1 (msgpack). Pure: no sockets here.

A message is two ZeroMQ frames: the topic and the payload.

- topic: ``b"pose/<actor id>"`` (ASCII decimal), so a subscriber can follow one actor
  (``pose/3``) or all (``pose/``). Note: ZeroMQ topic filters are prefixes, so
  ``pose/1`` also matches ``pose/12``; :class:`~previzkit.capture.stream.PoseSubscriber`
  filters exactly.
- payload: a msgpack map::

    schema  "previzkit.pose"  (anything else is a foreign message)
    v       1                 (schema version; a reader refuses other major versions)
    seq     uint   per-topic sequence number, +1 per message, from 0 at publisher start
    t       float  capture timestamp, seconds (sender's monotonic clock)
    wall    float  send time, seconds since the Unix epoch (latency measurement)
    tc      str    SMPTE timecode of the frame, "HH:MM:SS:FF" (";" before FF = drop-frame)
    fps     float  frame rate the timecode counts in
    frame   uint   source frame index
    actor   int    actor id (equals the topic's)
    conf    float  pose confidence in [0, 1]
    size    [w, h] source frame size in pixels
    img     bin    33*3 float32 little-endian: x px, y px, visibility
    world   bin    33*3 float32 little-endian: x, y, z metres (MediaPipe hip-centred
                   frame: x to the image's right, y down, z away from the camera)
    flags   bin    33 uint8: 1 where a landmark is a held dropout

Readers ignore keys they do not know (minor additions keep ``v`` = 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from previzkit.core.errors import PoseMessageError
from previzkit.core.optional import require
from previzkit.core.types import Pose

SCHEMA = "previzkit.pose"
VERSION = 1
TOPIC_PREFIX = b"pose/"
MAX_MESSAGE_BYTES = 65536  # ZMQ_MAXMSGSIZE of a pose subscriber (a v1 message: ~1 KiB)
MAX_SUBSCRIPTION_BYTES = 4096  # ZMQ_MAXMSGSIZE of a publisher: subscriptions and
# CurveZMQ handshake commands (INITIATE is ~300 bytes with metadata)
MAX_COUNTER = 2**53  # seq, frame: exact as a float, far beyond any run
MAX_ACTOR = 65535
MAX_TIMECODE_CHARS = 16  # "HH:MM:SS:FF" plus room for a 3-digit frame field
MAX_FPS = 1000.0
MAX_SIZE_PX = 65536
MAX_WORLD_M = 1000.0  # hip-centred landmarks: metres from the hips
MAX_IMAGE_PX = 1e6  # image landmarks may sit off frame, not absurdly far
_REQUIRED = {
    "seq": int,
    "t": float,
    "wall": float,
    "tc": str,
    "fps": float,
    "frame": int,
    "actor": int,
    "conf": float,
    "img": bytes,
    "world": bytes,
    "flags": bytes,
}


def topic(actor_id: int) -> bytes:
    return TOPIC_PREFIX + str(int(actor_id)).encode()


def smpte_timecode(seconds: float, fps: float) -> str:
    """Non-drop SMPTE timecode ``HH:MM:SS:FF`` of ``seconds`` at ``fps`` (rounded to the
    nominal integer rate, e.g. 29.97 counts 30 frames per label second), wrapping at 24 h."""
    if not (math.isfinite(fps) and fps > 0):
        raise PoseMessageError(f"timecode: fps must be > 0, got {fps!r}")
    nominal = max(1, round(fps))
    frames = math.floor(max(0.0, seconds) * fps + 1e-6) % (nominal * 86400)
    ff = frames % nominal
    s = frames // nominal
    return f"{s // 3600:02d}:{(s // 60) % 60:02d}:{s % 60:02d}:{ff:02d}"


@dataclass
class PoseMessage:
    """A decoded pose stream message."""

    seq: int
    pose: Pose
    frame: int
    fps: float
    wall: float
    size: tuple[int, int] = (0, 0)


def encode(
    pose: Pose,
    seq: int,
    *,
    frame: int = 0,
    fps: float = 30.0,
    wall: float = 0.0,
    size: tuple[int, int] = (0, 0),
) -> tuple[bytes, bytes]:
    """(topic, payload) of one pose."""
    msgpack = require("msgpack", "capture", "pose stream messages")

    flags = pose.flags if pose.flags is not None else np.zeros(33, np.uint8)
    payload = msgpack.packb(
        {
            "schema": SCHEMA,
            "v": VERSION,
            "seq": int(seq),
            "t": float(pose.timestamp),
            "wall": float(wall),
            "tc": pose.timecode or smpte_timecode(pose.timestamp, fps),
            "fps": float(fps),
            "frame": int(frame),
            "actor": int(pose.actor_id),
            "conf": float(pose.confidence),
            "size": [int(size[0]), int(size[1])],
            "img": np.ascontiguousarray(pose.image, "<f4").tobytes(),
            "world": np.ascontiguousarray(pose.world, "<f4").tobytes(),
            "flags": np.ascontiguousarray(flags, np.uint8).tobytes(),
        },
        use_bin_type=True,
    )
    return topic(pose.actor_id), payload


def decode(topic_frame: bytes, payload: bytes) -> PoseMessage:
    """Decode and validate one message; :class:`PoseMessageError` says what is wrong."""
    msgpack = require("msgpack", "capture", "pose stream messages")

    if not topic_frame.startswith(TOPIC_PREFIX):
        raise PoseMessageError(f"foreign topic {topic_frame[:40]!r} (expected pose/<id>)")
    try:
        d = msgpack.unpackb(payload, raw=False, strict_map_key=False)
    except Exception as exc:
        raise PoseMessageError(f"payload on {topic_frame!r} is not msgpack ({exc})") from None
    if not isinstance(d, dict) or d.get("schema") != SCHEMA:
        raise PoseMessageError(f"foreign message on {topic_frame!r}: schema is not {SCHEMA!r}")
    if d.get("v") != VERSION:
        raise PoseMessageError(
            f"message on {topic_frame!r} has schema version {d.get('v')!r}, "
            f"this reader understands {VERSION}"
        )
    for key, typ in _REQUIRED.items():
        v = d.get(key)
        ok = isinstance(v, typ) or (typ is float and isinstance(v, int) and not isinstance(v, bool))
        if not ok:
            raise PoseMessageError(
                f"message on {topic_frame!r}: {key!r} missing or not {typ.__name__}"
            )
    if len(d["img"]) != 33 * 3 * 4 or len(d["world"]) != 33 * 3 * 4 or len(d["flags"]) != 33:
        raise PoseMessageError(
            f"message on {topic_frame!r}: landmark arrays have {len(d['img'])}/"
            f"{len(d['world'])}/{len(d['flags'])} bytes, expected 396/396/33"
        )
    for key in ("t", "wall", "fps", "conf"):
        if not math.isfinite(d[key]):
            raise PoseMessageError(f"message on {topic_frame!r}: {key!r} is {d[key]!r}, not finite")
    for key in ("fps", "seq", "frame"):
        if d[key] < 0 or (key == "fps" and d[key] == 0):
            raise PoseMessageError(
                f"message on {topic_frame!r}: {key!r} is {d[key]!r}, must be positive"
            )
    _check_ranges(topic_frame, d)
    size = d.get("size") or (0, 0)
    if (
        not isinstance(size, list | tuple)
        or len(size) != 2
        or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= MAX_SIZE_PX for v in size
        )
    ):
        raise PoseMessageError(
            f"message on {topic_frame!r}: 'size' must be [width, height] pixels, got {size!r}"
        )
    if topic_frame != topic(d["actor"]):
        raise PoseMessageError(f"message on {topic_frame!r} carries actor {d['actor']}")
    world = np.frombuffer(d["world"], "<f4").reshape(33, 3).astype(np.float32)
    image = np.frombuffer(d["img"], "<f4").reshape(33, 3).astype(np.float32)
    _check_landmarks(topic_frame, image, world)
    pose = Pose(
        timestamp=float(d["t"]),
        actor_id=int(d["actor"]),
        image=image,
        world=world,
        confidence=float(d["conf"]),
        timecode=d["tc"],
        flags=np.frombuffer(d["flags"], np.uint8).copy(),
    )
    return PoseMessage(
        int(d["seq"]),
        pose,
        int(d["frame"]),
        float(d["fps"]),
        float(d["wall"]),
        (int(size[0]), int(size[1])),
    )


def _check_ranges(topic_frame: bytes, d: dict) -> None:
    """Values a consumer relies on, by value (types were checked already)."""
    where = f"message on {topic_frame!r}"
    if not 0.0 <= d["conf"] <= 1.0:
        raise PoseMessageError(f"{where}: 'conf' is {d['conf']!r}, must be in [0, 1]")
    for key in ("seq", "frame"):
        if d[key] > MAX_COUNTER:
            raise PoseMessageError(f"{where}: {key!r} is {d[key]!r}, above 2**53")
    if not 0 <= d["actor"] <= MAX_ACTOR:
        raise PoseMessageError(f"{where}: 'actor' is {d['actor']!r}, must be 0..{MAX_ACTOR}")
    if d["fps"] > MAX_FPS:
        raise PoseMessageError(f"{where}: 'fps' is {d['fps']!r}, above {MAX_FPS:g}")
    if len(d["tc"]) > MAX_TIMECODE_CHARS:
        raise PoseMessageError(
            f"{where}: 'tc' has {len(d['tc'])} characters, at most {MAX_TIMECODE_CHARS}"
        )


def _check_landmarks(topic_frame: bytes, image: np.ndarray, world: np.ndarray) -> None:
    """Finite landmarks in sane ranges (px, metres); visibility in [0, 1]."""
    where = f"message on {topic_frame!r}"
    if not (np.all(np.isfinite(image)) and np.all(np.isfinite(world))):
        raise PoseMessageError(f"{where}: landmarks are not all finite (NaN or inf)")
    if np.any(np.abs(world) > MAX_WORLD_M):
        raise PoseMessageError(f"{where}: world landmarks beyond {MAX_WORLD_M:g} m of the hips")
    if np.any(np.abs(image[:, :2]) > MAX_IMAGE_PX):
        raise PoseMessageError(f"{where}: image landmarks beyond {MAX_IMAGE_PX:g} px")
    vis = image[:, 2]
    if np.any(vis < 0.0) or np.any(vis > 1.0):
        raise PoseMessageError(f"{where}: landmark visibility outside [0, 1]")

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
    size = d.get("size") or (0, 0)
    if (
        not isinstance(size, list | tuple)
        or len(size) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in size)
    ):
        raise PoseMessageError(
            f"message on {topic_frame!r}: 'size' must be [width, height] pixels, got {size!r}"
        )
    if topic_frame != topic(d["actor"]):
        raise PoseMessageError(f"message on {topic_frame!r} carries actor {d['actor']}")
    pose = Pose(
        timestamp=float(d["t"]),
        actor_id=int(d["actor"]),
        image=np.frombuffer(d["img"], "<f4").reshape(33, 3).astype(np.float32),
        world=np.frombuffer(d["world"], "<f4").reshape(33, 3).astype(np.float32),
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

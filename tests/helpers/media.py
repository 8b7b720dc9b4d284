"""Synthetic video plates encoded for real with PyAV (H.264)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np


def write_video(
    path: Path, frames: Iterable[np.ndarray], fps: int = 30, options: dict[str, str] | None = None
) -> Path:
    """Encode RGB ``frames`` (H x W x 3 uint8) to H.264 at ``fps``; ``options`` are the
    encoder's (e.g. ``{"crf": "18"}``)."""
    import av

    frames = iter(frames)
    first = next(frames)
    h, w = first.shape[:2]
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=fps)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        if options:
            s.options = options
        for f in (first, *frames):
            for p in s.encode(av.VideoFrame.from_ndarray(f, format="rgb24")):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


def plate_frames(frames: int, size: tuple[int, int] = (320, 180)):
    """A vertical gradient with a bright bar moving 7 px a frame."""
    w, h = size
    base = np.zeros((h, w, 3), np.uint8)
    base[..., 0] = np.linspace(20, 60, h, dtype=np.uint8)[:, None]
    base[..., 1] = 140
    base[..., 2] = 60
    for i in range(frames):
        img = base.copy()
        x = (i * 7) % (w - 10)
        img[:, x : x + 10] = 230
        yield img


def write_plate(path: Path, frames: int, size: tuple[int, int] = (320, 180), fps: int = 30) -> Path:
    """A real H.264 plate of :func:`plate_frames`."""
    return write_video(path, plate_frames(frames, size), fps)

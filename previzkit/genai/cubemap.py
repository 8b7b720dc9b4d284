"""Equirectangular panorama -> six cube faces (OpenGL cube-map conventions).

Equirect convention used across previzkit.genai: pixel column ``u`` (0..W) maps to
longitude ``2*pi*(u/W - 0.5)``, 0 at the centre column looking down -z, increasing
towards +x (right-handed, y up); row ``v`` maps to latitude ``pi*(0.5 - v/H)``, +90° at
the top. Faces follow the OpenGL cube-map table (GL spec "Cube Map Texture
Selection"), stored top row first: +x, -x, +y, -y, +z, -z.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from previzkit.core.errors import InputError, ShapeError
from previzkit.media.image import write_image

FACES = ("+x", "-x", "+y", "-y", "+z", "-z")
FACE_FILES = {"+x": "px", "-x": "nx", "+y": "py", "-y": "ny", "+z": "pz", "-z": "nz"}


def face_directions(face: str, size: int) -> np.ndarray:
    """Unit view directions (size, size, 3) of a cube face's pixel centres."""
    if face not in FACES:
        raise InputError(f"cube face {face!r}: expected one of {', '.join(FACES)}")
    c = (np.arange(size) + 0.5) / size * 2 - 1
    sc, tc = np.meshgrid(c, c)  # sc along columns, tc along rows
    one = np.ones_like(sc)
    d = {
        "+x": (one, -tc, -sc),
        "-x": (-one, -tc, sc),
        "+y": (sc, one, tc),
        "-y": (sc, -one, -tc),
        "+z": (sc, -tc, one),
        "-z": (-sc, -tc, -one),
    }[face]
    v = np.stack(d, axis=-1)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def direction_to_equirect(d: np.ndarray, width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """Continuous pixel coords (x, y) in an equirect image for unit directions (..., 3)."""
    lon = np.arctan2(d[..., 0], -d[..., 2])
    lat = np.arcsin(np.clip(d[..., 1], -1, 1))
    x = (lon / (2 * np.pi) + 0.5) * width
    y = (0.5 - lat / np.pi) * height
    return x, y


def sample_equirect(pano: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Bilinear sample at pixel coords, wrapping in x and clamping in y; float32."""
    h, w = pano.shape[:2]
    xf = x - 0.5
    yf = np.clip(y - 0.5, 0, h - 1)
    x0 = np.floor(xf).astype(np.int64)
    y0 = np.floor(yf).astype(np.int64)
    fx = (xf - x0)[..., None]
    fy = (yf - y0)[..., None]
    y1 = np.minimum(y0 + 1, h - 1)
    p = pano.astype(np.float32)
    top = p[y0, x0 % w] * (1 - fx) + p[y0, (x0 + 1) % w] * fx
    bot = p[y1, x0 % w] * (1 - fx) + p[y1, (x0 + 1) % w] * fx
    return top * (1 - fy) + bot * fy


def equirect_to_cubemap(pano: np.ndarray, size: int | None = None) -> dict[str, np.ndarray]:
    """Six uint8 (size, size, 3) faces keyed '+x' ... '-z'; size defaults to W/4."""
    pano = np.asarray(pano)
    if pano.ndim != 3 or pano.shape[2] != 3:
        raise ShapeError(f"equirect_to_cubemap: pano must be (H, W, 3), got {pano.shape}")
    h, w = pano.shape[:2]
    size = int(size or max(1, w // 4))
    if size < 1:
        raise InputError(f"cube face size: {size} must be positive")
    faces = {}
    for face in FACES:
        x, y = direction_to_equirect(face_directions(face, size), w, h)
        faces[face] = np.clip(np.rint(sample_equirect(pano, x, y)), 0, 255).astype(np.uint8)
    return faces


def save_cubemap(pano: np.ndarray, folder: str | Path, size: int | None = None) -> list[Path]:
    """Write px.png, nx.png, py.png, ny.png, pz.png, nz.png into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for face, img in equirect_to_cubemap(pano, size).items():
        p = folder / f"{FACE_FILES[face]}.png"
        write_image(p, img)
        paths.append(p)
    return paths

"""Media fixtures: real photographs of people shipped by installed packages.

- scikit-image's ``astronaut()`` (Eileen Collins, NASA, public domain);
- matplotlib's sample ``grace_hopper.jpg`` (US Navy photo, public domain), a real JPEG
  file as a camera or a scanner wrote it.

Videos are made from the photo (a slow push-in across it), so every frame is real
picture content, not a synthetic pattern.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    data = pytest.importorskip("skimage.data")
    return np.ascontiguousarray(data.astronaut())


@pytest.fixture(scope="session")
def hopper_jpeg() -> Path:
    cbook = pytest.importorskip("matplotlib.cbook")
    return Path(cbook.get_sample_data("grace_hopper.jpg", asfileobj=False))


def push_in(photo: np.ndarray, n: int, size: tuple[int, int] = (160, 120)) -> list[np.ndarray]:
    """``n`` frames of ``size`` (width, height) cropping ``photo`` ever closer (a push-in)."""
    from PIL import Image

    w, h = size
    ph, pw = photo.shape[:2]
    out = []
    for i in range(n):
        s = 1.0 - 0.4 * i / max(n - 1, 1)
        cw, ch = round(pw * s), round(ph * s)
        x0, y0 = (pw - cw) // 2, (ph - ch) // 3
        crop = Image.fromarray(photo[y0 : y0 + ch, x0 : x0 + cw]).resize((w, h), Image.BILINEAR)
        out.append(np.asarray(crop))
    return out


@pytest.fixture(scope="session")
def frames(astronaut) -> list[np.ndarray]:
    """48 frames (2 s at 24 fps) of 160x120 RGB."""
    return push_in(astronaut, 48)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    """Peak signal-to-noise ratio (dB) of two uint8 images."""
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * np.log10(255.0**2 / mse)

"""A green-screen plate made from a real photograph of a person with a known soft matte.

The shipped portrait (``previzkit/assets/images/grace_hopper.jpg``, public domain: a
dark navy uniform and hat, grey hair, glasses) is cut out along a hand-drawn polygon
(anti-aliased, then softened by a Gaussian of 1.2 px), and twelve 1-px grey hair
strands are drawn out from the head with known partial alpha. It is composited over a
generated uneven screen (a brightness ramp from 75 % to 110 % across the frame, camera
noise) with a soft shadow on the screen to the actor's right (down to 45 %
brightness), and screen light spilling onto the actor's edges.

Used by ``tests/composite/test_keying_quality.py``, ``tests/overlay/test_key_controls.py``
and ``benchmarks/keying.py`` (imported by path there).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

# Hand-drawn outline of the person in the 512x600 portrait (x, y pixels, row 0 at top):
# hat, the right side of the hair and face, right shoulder, frame bottom, left shoulder,
# the left side of the hair.
OUTLINE = [
    (172, 62), (215, 34), (262, 24), (310, 30), (345, 52), (362, 88), (372, 132),
    (364, 182), (356, 238), (344, 286), (332, 314), (372, 342), (440, 370), (490, 402),
    (512, 430), (512, 600), (16, 600), (26, 450), (60, 394), (120, 358), (180, 332),
    (186, 306), (170, 262), (160, 214), (154, 168), (152, 124), (160, 86),
]  # fmt: skip
SCREEN = (38, 168, 72)  # the screen's colour where it is lit as intended (sRGB 0..255)


@dataclass(frozen=True)
class PhotoPlate:
    """``plate`` uint8 (H, W, 3); ``alpha`` the true matte float64 0..1; ``fg`` the
    photo's colours (float64 0..255); masks (bool (H, W)): ``shadow`` the shadowed
    screen (true alpha 0, screen below 70 % brightness), ``hair`` the strand pixels
    outside the body, ``edge`` the soft edge band that got spill; ``screen`` the
    screen colour as lit (float64 (H, W, 3))."""

    plate: np.ndarray
    alpha: np.ndarray
    fg: np.ndarray
    shadow: np.ndarray
    hair: np.ndarray
    edge: np.ndarray
    screen: np.ndarray


def _polygon_mask(points: list[tuple[float, float]], h: int, w: int, ss: int = 4) -> np.ndarray:
    """Coverage 0..1 of a polygon (pixel coordinates), ``ss`` x ``ss`` supersampled."""
    from PIL import Image, ImageDraw

    im = Image.new("L", (w * ss, h * ss), 0)
    ImageDraw.Draw(im).polygon([(x * ss, y * ss) for x, y in points], fill=255)
    a = np.asarray(im, np.float64) / 255.0
    return a.reshape(h, ss, w, ss).mean(axis=(1, 3))


def _strands(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    """Alpha 0..1 of 12 one-pixel hair strands leaving the head sideways and upward."""
    a = np.zeros((h, w))
    starts = [(160, 150), (158, 190), (162, 230), (364, 150), (360, 200), (352, 240)]
    for i, (sx, sy) in enumerate(starts * 2):
        side = -1.0 if sx < 256 else 1.0
        ang = np.deg2rad(rng.uniform(10, 60)) if i < 6 else np.deg2rad(rng.uniform(-20, 10))
        length = rng.uniform(25, 45)
        strength = rng.uniform(0.5, 0.8)
        for t in np.linspace(0, length, int(length * 3)):
            x = sx + side * t * np.cos(ang)
            y = sy - t * np.sin(ang) + 4 * np.sin(t / 9)
            xi, yi = round(float(x)), round(float(y))
            if 0 <= xi < w and 0 <= yi < h:
                a[yi, xi] = max(a[yi, xi], strength)
    return a


@lru_cache(maxsize=2)
def photo_plate(seed: int = 0) -> PhotoPlate:
    """The plate (512x600, see the module docstring); cached, arrays read-only."""
    from scipy.ndimage import gaussian_filter

    from previzkit.core.resources import asset_path
    from previzkit.media.image import read_image

    fg = read_image(asset_path("images/grace_hopper.jpg")).astype(np.float64)
    h, w = fg.shape[:2]
    rng = np.random.default_rng(seed)
    body = gaussian_filter(_polygon_mask(OUTLINE, h, w), 1.2)
    hair_a = _strands(h, w, rng)
    hair = (hair_a > 0) & (body < 0.02)
    alpha = np.maximum(body, hair_a)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    light = 0.75 + 0.35 * (xx / w) + 0.05 * np.sin(yy / 70)
    shade = 1.0 - 0.55 * np.clip(1.2 - np.hypot((xx - 440) / 70, (yy - 250) / 150), 0, 1)
    screen = np.asarray(SCREEN, np.float64) * (light * shade)[..., None]
    shadow = (shade < 0.7) & (alpha == 0)
    hair_rgb = np.array([175.0, 168.0, 160.0])
    fg = np.where((hair_a > 0)[..., None] & (body < 0.5)[..., None], hair_rgb, fg)
    # spill: screen light on the actor's edge (within ~6 px of the outline)
    edge = (alpha > 0) & (gaussian_filter((alpha < 0.5).astype(np.float64), 3.0) > 0.05)
    spilled = fg.copy()
    spilled[..., 1] += np.where(edge, 45.0, 0.0)
    plate = alpha[..., None] * spilled + (1 - alpha[..., None]) * screen
    plate += rng.normal(0, 2.5, plate.shape)
    out = PhotoPlate(
        np.clip(np.rint(plate), 0, 255).astype(np.uint8),
        alpha,
        fg,
        shadow,
        hair,
        edge,
        screen,
    )
    for a in (out.plate, out.alpha, out.fg, out.shadow, out.hair, out.edge, out.screen):
        a.flags.writeable = False
    return out


def sad(matte: np.ndarray, truth: np.ndarray) -> float:
    """alphamatting.com's SAD: sum of |alpha - truth| over the frame (0..1 mattes) / 1000."""
    return float(np.abs(np.asarray(matte, np.float64) - truth).sum()) / 1000.0


def scores(matte_u8: np.ndarray, p: PhotoPlate) -> dict[str, float]:
    """SAD, the mean alpha on the shadowed screen (``shadow_leak``, 0 is right) and the
    share of the hair strands' alpha kept (``hair_kept``, 1 is right) of a uint8 matte."""
    a = np.asarray(matte_u8, np.float64) / 255.0
    kept = np.minimum(a, p.alpha)[p.hair].sum() / p.alpha[p.hair].sum()
    return {
        "sad": sad(a, p.alpha),
        "shadow_leak": float(a[p.shadow].mean()),
        "hair_kept": float(kept),
    }

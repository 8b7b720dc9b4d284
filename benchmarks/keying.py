"""Keying quality on a real photograph over an uneven, shadowed green screen, against
OpenCV HSV thresholding and OBS's chroma key, plus the key's time per frame.

The plate (tests/helpers/photo_plate.py): the shipped Grace Hopper portrait (dark navy
uniform and hat, grey hair) cut out along a hand-drawn polygon with a soft edge, twelve
1-px hair strands with known partial alpha, over a screen lit from 75 % to 110 % across
the frame with a soft shadow down to 45 %, spill on the edges, camera noise; 512x600.

Keys compared (all on the same plate, in one process):

- ``previzkit before (overlay)``: what ``previzkit overlay`` ran before key controls: the
  plain Cb/Cr distance keyer at the screen's nominal colour (0, 177, 64), tolerance and
  softness 0.35 (``screen_min = screen_max = 1``);
- ``previzkit before, colour given``: the same keyer with the estimated screen colour;
- ``previzkit now (default)``: ``KeyParams()`` with the estimated colour: the
  screen-range keyer (tolerance 0.1, softness 0.2, screen 0.5..1.5 x the key's chroma),
  what the overlay runs by default now;
- ``OpenCV HSV``: the usual tutorial key, ``cv2.inRange`` of HSV (35..85, 40..255,
  40..255), alpha = not in range;
- ``OBS chroma key``: OBS Studio's chroma_key_filter_v2 shader in numpy (BT.709 limited
  Cb/Cr distance, box-filtered over the pixel and four half-pixel-offset bilinear
  samples, ``pow(saturate((d - similarity) / smoothness), 1.5)``), default settings
  (key 0x00FF00, similarity 400, smoothness 80), and with the estimated colour at the
  similarity (swept 25..400) that scores best on this plate.

The previzkit keys are ``key_matte`` alone (the overlay's ``key`` adds despill and
premultiply), on the backend ``get_backend()`` picks, resolved once.

Scores: SAD (alphamatting.com, sum |alpha - truth| / 1000), the mean alpha on the
shadowed screen (``shadow leak``, 0 is right), the share of the hair strands' alpha
kept (``hair``, 1 is right). Times: median ms per 512x600 key over interleaved rounds,
and each key's time over OpenCV HSV's (the baseline) in the same rounds; none for the
OBS emulation (numpy standing in for a GPU shader).

Run: ``python3 benchmarks/keying.py [--rounds N] [--figures docs/images]`` (the figures:
``keying_mattes.png``, the mattes side by side, and ``keying_before_after.png``, the
before/after composite over a virtual sky).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import previzkit.composite as C  # noqa: E402
from benchmarks.machine import cpu_model  # noqa: E402
from tests.helpers.photo_plate import photo_plate, scores  # noqa: E402

BEFORE = {"tolerance": 0.35, "softness": 0.35, "screen_min": 1.0, "screen_max": 1.0}


def opencv_hsv(plate: np.ndarray) -> np.ndarray:
    """The tutorial HSV key: alpha 0 where hue 35..85 (OpenCV's 0..180), S and V >= 40."""
    import cv2

    hsv = cv2.cvtColor(plate, cv2.COLOR_RGB2HSV)
    screen = cv2.inRange(hsv, (35, 40, 40), (85, 255, 255))
    return 255 - screen


_OBS_CB = np.array([-0.100644, -0.338572, 0.439216, 0.501961])
_OBS_CR = np.array([0.439216, -0.398942, -0.040274, 0.501961])


def obs_chroma_key(
    plate: np.ndarray,
    key_rgb: tuple[int, int, int] = (0, 255, 0),
    similarity: int = 400,
    smoothness: int = 80,
) -> np.ndarray:
    """OBS Studio's chroma key (plugins/obs-filters/data/chroma_key_filter_v2.effect),
    its alpha as uint8: settings as in OBS's dialog (similarity, smoothness 1..1000)."""
    from scipy.ndimage import map_coordinates

    def cbcr(rgb: np.ndarray) -> np.ndarray:
        cb = rgb @ _OBS_CB[:3] + _OBS_CB[3]
        cr = rgb @ _OBS_CR[:3] + _OBS_CR[3]
        return np.stack([cr, cb], axis=-1)

    key = cbcr(np.asarray(key_rgb, np.float64) / 255.0)
    f = plate.astype(np.float64) / 255.0
    dist = np.linalg.norm(cbcr(f) - key, axis=-1)
    h, w = dist.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)

    def sample(dx: float, dy: float) -> np.ndarray:
        # bilinear texture samples of the colour, then the distance (as the shader does)
        rgb = np.stack(
            [
                map_coordinates(f[..., c], [yy + dy, xx + dx], order=1, mode="nearest")
                for c in range(3)
            ],
            axis=-1,
        )
        return np.linalg.norm(cbcr(rgb) - key, axis=-1)

    box = sample(-1.0, -0.5) + sample(1.0, 0.5) + sample(-0.5, 1.0) + sample(0.5, -1.0)
    d = (box * 2.0 + dist) / 9.0
    base = d - similarity / 1000.0
    a = np.clip(base / (smoothness / 1000.0), 0.0, 1.0) ** 1.5
    return np.clip(np.rint(a * 255.0), 0, 255).astype(np.uint8)


def best_obs_similarity(plate: np.ndarray, key_rgb: tuple[int, int, int]) -> int:
    """OBS's similarity (25..400) that gives the least SAD on the photo plate, with
    ``key_rgb`` and the default smoothness: OBS given its best hand-set value."""
    p = photo_plate()
    return min(
        range(25, 401, 25),
        key=lambda s: scores(obs_chroma_key(plate, key_rgb, s), p)["sad"],
    )


def keys(plate: np.ndarray) -> dict[str, object]:
    """name -> a function of the plate giving a uint8 matte."""
    est = C.estimate_screen_color(plate)
    sim = best_obs_similarity(plate, est)
    before = C.KeyParams(**BEFORE)
    before_given = C.KeyParams(key_color=est, **BEFORE)
    now = C.KeyParams(key_color=est)  # the overlay estimates once, on the first frame
    b = C.get_backend()  # resolved once, as the overlay's Keyer does
    return {
        "previzkit before (overlay)": lambda p: C.key_matte(p, before, backend=b),
        "previzkit before, colour given": lambda p: C.key_matte(p, before_given, backend=b),
        "previzkit now (default)": lambda p: C.key_matte(p, now, backend=b),
        "OpenCV HSV": opencv_hsv,
        "OBS chroma key (defaults)": obs_chroma_key,
        f"OBS chroma key, colour given, similarity {sim}": lambda p: obs_chroma_key(p, est, sim),
    }


def _label(img: np.ndarray, text: str) -> np.ndarray:
    from PIL import Image, ImageDraw

    im = Image.fromarray(img)
    d = ImageDraw.Draw(im)
    d.rectangle((0, 0, im.width, 16), fill=(0, 0, 0))
    d.text((4, 2), text, fill=(255, 255, 255))
    return np.asarray(im)


def _grid(tiles: list[np.ndarray], cols: int) -> np.ndarray:
    rows = [np.concatenate(tiles[i : i + cols], axis=1) for i in range(0, len(tiles), cols)]
    return np.concatenate(rows, axis=0)


def figures(out_dir: Path, mattes: dict[str, np.ndarray], table: dict[str, dict]) -> list[Path]:
    """The mattes side by side, and the before/after composite over a sky gradient."""
    from previzkit.media.image import write_image

    p = photo_plate()
    half = (slice(None, None, 2), slice(None, None, 2))

    def rgb(m: np.ndarray) -> np.ndarray:
        return np.repeat(np.ascontiguousarray(m[half])[..., None], 3, axis=2)

    tiles = [
        _label(np.ascontiguousarray(p.plate[half]), "plate"),
        _label(rgb(np.rint(p.alpha * 255).astype(np.uint8)), "true matte"),
    ]
    for name, m in mattes.items():
        if name == "previzkit before, colour given":
            continue
        tiles.append(_label(rgb(m), f"{name}: SAD {table[name]['sad']:.1f}"))
    out_dir.mkdir(parents=True, exist_ok=True)
    tiles.append(np.full_like(tiles[0], 255))
    a = write_image(out_dir / "keying_mattes.png", _grid(tiles, 4), optimize=True)
    h, w = p.plate.shape[:2]
    t = np.linspace(0.0, 1.0, h)[:, None]  # a sky: deeper blue at the top
    sky = np.empty((h, w, 3), np.uint8)
    sky[..., 0], sky[..., 1], sky[..., 2] = 120 + 80 * t, 160 + 60 * t, 230 - 20 * t
    before = C.key_despill_over(p.plate, sky, C.KeyParams(**BEFORE))
    now = C.key_despill_over(p.plate, sky, C.KeyParams(key_color=C.estimate_screen_color(p.plate)))
    comp = [
        _label(np.ascontiguousarray(p.plate[half]), "plate"),
        _label(np.ascontiguousarray(before[half]), "before: nominal colour, plain key"),
        _label(np.ascontiguousarray(now[half]), "now: estimated colour, screen range"),
    ]
    b = write_image(out_dir / "keying_before_after.png", _grid(comp, 3), optimize=True)
    return [a, b]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=7, help="interleaved timing rounds")
    ap.add_argument("--figures", type=Path, help="write the figures into this folder")
    args = ap.parse_args()
    p = photo_plate()
    fns = keys(p.plate)
    mattes = {name: np.asarray(fn(p.plate)) for name, fn in fns.items()}  # also warms numba
    table = {name: scores(m, p) for name, m in mattes.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(args.rounds):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn(p.plate)
            times[name].append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    C.estimate_screen_color(p.plate)
    est_ms = (time.perf_counter() - t0) * 1e3
    base = statistics.median(times["OpenCV HSV"])
    print(f"CPU: {cpu_model()}; composite backend {C.get_backend().name}; 512x600 plate")
    print("| key | SAD | shadow leak | hair kept | ms / key | vs OpenCV HSV |")
    print("|---|---|---|---|---|---|")
    for name in fns:
        s, ms = table[name], statistics.median(times[name]) * 1e3
        timing = (
            "- | -"  # a numpy emulation of a GPU shader: its time says nothing about OBS
            if name.startswith("OBS")
            else f"{ms:.2f} | {ms / (base * 1e3):.2f}x"
        )
        print(
            f"| {name} | {s['sad']:.2f} | {s['shadow_leak']:.3f} | {s['hair_kept']:.2f} "
            f"| {timing} |"
        )
    print(f"estimate_screen_color (once, at the start): {est_ms:.1f} ms")
    if args.figures is not None:
        for f in figures(args.figures, mattes, table):
            print(f"written: {f} ({f.stat().st_size // 1024} KB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
